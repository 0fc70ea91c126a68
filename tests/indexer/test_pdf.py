"""read_pdf on the real PDFs of the shared corpus (../shared/corpus/pdfs) and broken files."""

from __future__ import annotations

import csv
import functools
import logging
import re
from collections.abc import Callable
from difflib import SequenceMatcher
from pathlib import Path

import pymupdf
import pytest

from indexer.errors import ParseError
from indexer.models import Document
from indexer.sources.pdf import read_pdf
from indexer.sources.pdf_layout import join_lines
from tests.shared import SHARED, require_shared

PDFS = SHARED / "corpus" / "pdfs"
RESNET, ATTENTION, TRAVATAR = "1512.03385.pdf", "1706.03762.pdf", "2309.04247.pdf"
EMERDIFF, IMU_MOCAP, LAMPORT = (
    "2401.11739.pdf",
    "2309.00310.pdf",
    "lamport1982-byzantine-generals.pdf",
)
SCAN = "flajolet-martin1985-probabilistic-counting.pdf"
WARNS = "2401.18075.pdf"  # MuPDF: "ActualText with no position"


def _manifest() -> list[dict[str, str]]:
    # Read at collection time so every PDF is its own test; test_manifest fails in CI
    # (and the others skip elsewhere) when the shared corpus is missing.
    path = PDFS / "MANIFEST.tsv"
    if not path.is_file():
        return []
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


MANIFEST = _manifest()
TEXT_ROWS = [row for row in MANIFEST if row["has_text_layer"] == "yes"]


def norm(text: str) -> str:
    return " ".join(text.split())


@functools.cache
def doc(name: str) -> Document:
    """The corpus PDF `name`, parsed once per test session."""
    require_shared()
    return read_pdf(PDFS / name)


def raw_text(name: str) -> str:
    """PyMuPDF's own text of a corpus PDF, to show a string is really in the file."""
    require_shared()
    with pymupdf.open(PDFS / name) as pdf:
        return norm(" ".join(page.get_text() for page in pdf))


def passage_with(document: Document, sentence: str) -> str | None:
    """The section of the passage holding `sentence` (whitespace-normalized), if any."""
    hits = [p.section for p in document.passages if sentence in norm(p.text)]
    return hits[0] if hits else None


@pytest.mark.slow
def test_manifest_lists_the_corpus() -> None:
    require_shared()
    assert len(TEXT_ROWS) >= 20
    assert any(row["file"] == SCAN and row["has_text_layer"] == "no" for row in MANIFEST)


@pytest.mark.slow
@pytest.mark.parametrize("row", TEXT_ROWS, ids=lambda row: row["file"])
def test_every_text_pdf_yields_clean_passages(row: dict[str, str]) -> None:
    document = doc(row["file"])
    assert sum(len(p.text) for p in document.passages) > 10_000
    assert all(
        p.text.strip() and 1 <= (p.page or 0) <= int(row["pages"]) for p in document.passages
    )
    assert document.passages[0].section == "Front matter"
    assert not any(
        re.match(r"(?i)(\d+\s*)?(references|bibliography)$", p.section) for p in document.passages
    )
    keys = [(p.section, p.page) for p in document.passages]
    assert len(keys) == len(set(keys)), "one passage per section and page"
    text = "\n".join(p.text for p in document.passages)
    assert not re.search(r"arXiv:\d{4}\.\d{4,5}v\d+\s+\[", text), "arXiv side stamp kept"
    assert not re.search(r"(?m)^\d{1,3}$", text), "a bare page number kept"
    assert document.paper.source == "pdf" and document.paper.pdf_path == str(PDFS / row["file"])


@pytest.mark.slow
@pytest.mark.parametrize("row", TEXT_ROWS, ids=lambda row: row["file"])
def test_title_and_arxiv_id_match_the_manifest(row: dict[str, str]) -> None:
    paper = doc(row["file"]).paper
    want, got = (" ".join(re.findall(r"[a-z0-9]+", t.lower())) for t in (row["title"], paper.title))
    assert want in got or SequenceMatcher(None, want, got).ratio() > 0.9, paper.title
    if row["arxiv_id"] == "-":
        assert paper.arxiv_id is None and re.fullmatch(r"local:[0-9a-f]{16}", paper.paper_id)
    else:
        assert paper.arxiv_id == paper.paper_id == row["arxiv_id"]


@pytest.mark.slow
def test_version_comes_from_the_arxiv_stamp() -> None:
    assert doc("1312.6114.pdf").paper.version == 11
    assert doc(RESNET).paper.version == 1


@pytest.mark.slow
def test_image_only_scan_is_refused() -> None:
    path = require_shared() / "corpus" / "pdfs" / SCAN
    with pytest.raises(ParseError, match="no text layer") as err:
        read_pdf(path)
    assert str(path) in str(err.value) and "\n" not in str(err.value)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "sentence"),
    [
        (RESNET, "Deeper neural networks are more difficult to train."),
        (
            ATTENTION,
            "The dominant sequence transduction models are based on complex recurrent or "
            "convolutional neural networks that include an encoder and a decoder.",
        ),
        (
            TRAVATAR,
            "In this paper, we propose a novel framework, Tracking-free Relightable Avatar "
            "(TRAvatar), for capturing and reconstructing high-fidelity 3D avatars.",
        ),
        (
            EMERDIFF,
            "Diffusion models have recently received increasing research attention for their "
            "remarkable transfer abilities in semantic segmentation tasks.",
        ),
    ],
)
def test_abstract_first_sentence_is_contiguous(name: str, sentence: str) -> None:
    document = doc(name)
    assert passage_with(document, sentence) == "Abstract"
    assert document.paper.abstract.startswith(sentence)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "cited"),
    [
        (RESNET, "The Pascal Visual Object Classes (VOC) Challenge"),
        (ATTENTION, "Long short-term memory-networks for machine reading"),
        (TRAVATAR, "Compressive light transport sensing"),
    ],
)
def test_reference_list_is_left_out(name: str, cited: str) -> None:
    assert cited in raw_text(name)
    assert passage_with(doc(name), cited) is None


@pytest.mark.slow
def test_appendix_after_the_references_is_kept() -> None:
    sections = list(dict.fromkeys(p.section for p in doc(RESNET).passages))
    assert sections[-3:] == [
        "A Object Detection Baselines",
        "B Object Detection Improvements",
        "C ImageNet Localization",
    ]


@pytest.mark.slow
def test_two_columns_are_read_one_after_the_other() -> None:
    document = doc(RESNET)
    within_left_column = (
        "Recent evidence [41, 44] reveals that network depth is of crucial importance, and the "
        "leading results [41, 44, 13, 16] on the challenging ImageNet dataset [36] all exploit "
        "“very deep” [41] models, with a depth of sixteen [41] to thirty [16]."
    )
    assert passage_with(document, within_left_column) == "1 Introduction"
    # Runs from the foot of the left column to the top of the right one, past Figure 1.
    across_columns = (
        "Many other non-trivial visual recognition tasks [8, 12, 7, 32, 27] have also "
        "greatly benefited from very deep models."
    )
    assert passage_with(document, across_columns) == "1 Introduction"
    acm = "For the data capture stage, we record a subject’s performance under various expressions and lighting conditions."
    assert passage_with(doc(TRAVATAR), acm) == "1 Introduction"


@pytest.mark.slow
def test_line_end_hyphens_are_joined_and_real_hyphens_kept() -> None:
    abstract = doc(RESNET).paper.abstract  # "in-/stead", "com-/prehensive", "complex-/ity"
    assert "instead of learning unreferenced functions. We provide comprehensive" in abstract
    assert "but still having lower complexity." in abstract
    assert "Tracking-free Relightable Avatar" in doc(TRAVATAR).paper.abstract  # "Re-/lightable"
    assert passage_with(doc(RESNET), "Many other non-trivial visual") == "1 Introduction"


@pytest.mark.parametrize(
    ("line", "joined"),
    [
        (["recon-", "struction of faces"], "reconstruction of faces"),
        (["a 3D-", "aware generator"], "a 3D-aware generator"),
        (["state-of-the-", "art results"], "state-of-the-art results"),
        (["self-", "supervised"], "self-supervised"),
        (["ends here", "next line"], "ends here next line"),
    ],
)
def test_join_lines(line: list[str], joined: str) -> None:
    assert join_lines(line, vocab=set()) == joined


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            TRAVATAR,
            [
                "Abstract",
                "1 Introduction",
                "2 Related Work",
                "4 Method",
                "5 Experiments",
                "6 Conclusion and Future Work",
                "A Implementation Details",
            ],
        ),
        (
            IMU_MOCAP,
            [
                "Abstract",
                "1 Introduction",
                "2 Related Work",
                "3 Method",
                "4 Experiments",
                "5 Conclusion",
                "Acknowledgments",
            ],
        ),
        (
            EMERDIFF,
            [
                "Abstract",
                "1 Introduction",
                "2 Related Works",
                "3 Methods",
                "4 Experiments",
                "5 Limitation and Conclusion",
                "A Additional Implementation Details",
            ],
        ),
        (LAMPORT, ["Front matter", "1 Introduction", "2 Impossibility Results", "7 Conclusion"]),
    ],
)
def test_sections_are_found_in_order(name: str, expected: list[str]) -> None:
    sections = list(dict.fromkeys(p.section for p in doc(name).passages))
    assert [s for s in sections if s in expected] == expected, sections


@pytest.mark.slow
def test_section_running_onto_next_page_starts_a_new_passage() -> None:
    intro = [p.page for p in doc(RESNET).passages if p.section == "1 Introduction"]
    assert intro == [1, 2]


@pytest.mark.slow
def test_running_headers_are_dropped() -> None:
    header = "H. Yang, M. Zheng, W. Feng, H. Huang, Y.-K. Lai"  # even pages of TRAvatar
    assert raw_text(TRAVATAR).count(header) >= 5
    assert passage_with(doc(TRAVATAR), header) is None
    assert passage_with(doc(EMERDIFF), "Published as a conference paper at ICLR") is None


@pytest.mark.slow
def test_ocr_layer_of_a_scan_is_the_text() -> None:
    sentence = "A reliable computer system must be able to cope with the failure of one or more of its components."
    assert passage_with(doc(LAMPORT), sentence) == "1 Introduction"


def test_invisible_text_is_dropped_unless_it_is_all_there_is(tmp_path: Path) -> None:
    path = tmp_path / "hidden.pdf"
    with pymupdf.open() as pdf:
        page = pdf.new_page()
        page.insert_text((72, 100), "Visible words stay in the text.", fontsize=11)
        page.insert_text((72, 130), "White hidden words.", fontsize=11, color=(1, 1, 1))
        page.insert_text((72, 160), "Tiny hidden words.", fontsize=2)
        page.insert_text((72, 190), "Invisible hidden words.", fontsize=11, render_mode=3)
        pdf.new_page().insert_text((72, 100), "Only an OCR layer here.", fontsize=11, render_mode=3)
        pdf.save(path)
    text = [p.text for p in read_pdf(path).passages]
    assert text == ["Visible words stay in the text.", "Only an OCR layer here."]


@pytest.mark.slow
def test_mupdf_warnings_are_not_printed(
    capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    require_shared()
    with caplog.at_level(logging.DEBUG, logger="indexer.sources.pdf"):
        read_pdf(PDFS / WARNS)
    assert capfd.readouterr().err == ""
    assert any("ActualText" in r.getMessage() for r in caplog.records)


def _corrupt(path: Path) -> None:
    path.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 16)


def _truncated(path: Path) -> None:
    path.write_bytes((require_shared() / "corpus" / "pdfs" / RESNET).read_bytes()[:2048])


def _empty(path: Path) -> None:
    path.write_bytes(b"")


def _text(path: Path) -> None:
    path.write_text("This is a plain text file, not a PDF.\n", encoding="utf-8")


def _encrypted(path: Path) -> None:
    with pymupdf.open() as pdf:
        pdf.new_page().insert_text((72, 72), "A secret paper.")
        pdf.save(path, encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw="x", owner_pw="y")


def _missing(path: Path) -> None:
    pass


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (_corrupt, "corrupt"),
        (_truncated, "corrupt or truncated"),
        (_empty, "empty file"),
        (_text, "not a PDF"),
        (_encrypted, "encrypted"),
        (_missing, "cannot read file"),
    ],
    ids=lambda v: v.__name__.strip("_") if callable(v) else "",
)
def test_bad_input_raises_a_one_line_parse_error(
    tmp_path: Path, make: Callable[[Path], None], reason: str
) -> None:
    path = tmp_path / "bad paper.pdf"
    make(path)
    with pytest.raises(ParseError) as err:
        read_pdf(path)
    message = str(err.value)
    assert reason in message and str(path) in message and "\n" not in message

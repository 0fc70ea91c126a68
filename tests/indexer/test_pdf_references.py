"""Only the reference list is left out of a PDF, and the job report says which pages
(issue 14, item 9): appendices, later chapters and later papers of a multi-paper PDF are
kept. Real PDFs of the shared corpus, and a multi-paper PDF made from them."""

from __future__ import annotations

from pathlib import Path

import pymupdf
import pytest

from indexer import store
from indexer.build import build
from indexer.models import Document, Omission, SourceSpec
from indexer.sources.pdf import read_pdf
from search.config import Settings
from tests.fakes import HashEmbedder
from tests.shared import SHARED, require_shared

PDFS = SHARED / "corpus" / "pdfs"
PAPERS = ["1706.03762.pdf", "2401.04099.pdf", "1512.03385.pdf", "2309.06441.pdf",
          "2406.08177.pdf", "2309.00310.pdf"]

pytestmark = pytest.mark.slow


def text_of(doc: Document) -> str:
    return " ".join(" ".join(p.text.split()) for p in doc.passages)


@pytest.fixture(scope="module")
def proceedings(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[int]]:
    """Six real papers in one 82-page PDF, as a proceedings volume holds them; and the page
    each paper starts on."""
    require_shared()
    out, starts = pymupdf.open(), []
    for name in PAPERS:
        with pymupdf.open(PDFS / name) as part:
            starts.append(out.page_count + 1)
            out.insert_pdf(part)
    path = tmp_path_factory.mktemp("proceedings") / "proceedings.pdf"
    out.save(path)
    out.close()
    return path, starts


@pytest.mark.parametrize(("name", "kept", "cited"), [
    ("1810.02054.pdf", ["A Technical Proofs for Section 3", "B Technical Proofs for Section 4"],
     "Intelligence and Statistics, pages 1216–1224"),
    ("1706.03762.pdf", ["Attention Visualizations"],
     "Long short-term memory-networks for machine reading"),
    ("2309.07970.pdf", ["A Lerf-togo", "B Robot Capture", "C Grasping"], "Bxr45keYrf"),
])
def test_appendices_after_the_references_are_kept(name: str, kept: list[str], cited: str) -> None:
    require_shared()
    doc = read_pdf(PDFS / name)
    sections = list(dict.fromkeys(p.section for p in doc.passages))
    assert all(s in sections for s in kept), sections
    assert cited not in text_of(doc)  # the reference list itself is still left out


def test_every_paper_of_a_multi_paper_pdf_is_kept_except_its_references(
        proceedings: tuple[Path, list[int]]) -> None:
    path, starts = proceedings
    doc = read_pdf(path)
    pages = {p.page for p in doc.passages}
    assert len(pages) >= 65, sorted(pages)  # of 82; only the 6 reference lists are left out
    assert all(any(s <= p < s + 3 for p in pages) for s in starts)  # every paper's first pages
    text = text_of(doc)
    for name in PAPERS:  # each paper's abstract, as read from its own file
        abstract = read_pdf(PDFS / name).paper.abstract
        assert abstract and abstract[:200] in text, name
    assert "A Object Detection Baselines" in [p.section for p in doc.passages]
    for cited in ("Long short-term memory-networks for machine reading",  # paper 1's references
                  "The Pascal Visual Object Classes (VOC) Challenge"):  # paper 3's references
        assert cited not in text
    assert [o.what for o in doc.omitted] == ["reference list"] * 6
    first, last = (int(x) for x in doc.omitted[0].pages.split("-"))
    assert starts[0] < first <= last < starts[1]
    assert all(o.path == str(path) for o in doc.omitted)


def test_the_job_report_lists_what_was_left_out(tmp_path: Path) -> None:
    require_shared()
    settings = Settings.load(tmp_path / "data")
    pdf = PDFS / "1512.03385.pdf"
    report = build([SourceSpec(kind="path", value=str(pdf))], settings.index, HashEmbedder,
                   progress=False)
    expected = [Omission(path=str(pdf), what="reference list", pages="9")]
    assert report.omitted == expected
    store.write_job_report(settings.data_dir, report.job("index"))
    assert store.read_job_reports(settings.data_dir)[0].omitted == expected

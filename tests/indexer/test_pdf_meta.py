"""Authors, dates and clean abstracts from PDFs: the shared corpus's real PDFs and generated ones."""

from __future__ import annotations

import gzip
import json
import re
from datetime import date
from pathlib import Path

import pytest

from indexer.sources import pdf_meta
from indexer.sources.pdf import read_pdf
from search.export.bibtex import to_bibtex
from tests.indexer.test_pdf import TEXT_ROWS, doc
from tests.shared import REPO
from tests.synthetic import write_paper_pdf

LIBRARY = REPO / "index_data" / "library" / "avatar-papers-2024.jsonl.gz"

# Read off the first pages by hand: grids of author cards, comma lists with superscripts,
# capitals with affiliations (ACM), names wrapped over two lines, an OCR'd 1982 scan.
AUTHORS = {
    "1512.03385.pdf": ["Kaiming He", "Xiangyu Zhang", "Shaoqing Ren", "Jian Sun"],
    "1706.03762.pdf": ["Ashish Vaswani", "Noam Shazeer", "Niki Parmar", "Jakob Uszkoreit",
                       "Llion Jones", "Aidan N. Gomez", "Łukasz Kaiser", "Illia Polosukhin"],
    "2309.06441.pdf": ["Yao Feng", "Weiyang Liu", "Timo Bolkart", "Jinlong Yang",
                       "Marc Pollefeys", "Michael J. Black"],
    "2401.18075.pdf": ["Jiezhi Yang", "Khushi Desai", "Charles Packer", "Harshil Bhatia",
                       "Nicholas Rhinehart", "Rowan McAllister", "Joseph E. Gonzalez"],
    "2402.09092.pdf": ["Vladimír Kunc", "Jiří Kléma"],  # from the PDF's metadata
    "2309.07906.pdf": ["Zhengqi Li", "Richard Tucker", "Noah Snavely", "Aleksander Holynski"],
    "lamport1982-byzantine-generals.pdf": ["Leslie Lamport", "Robert Shostak", "Marshall Pease"],
}


def _library_authors() -> dict[str, list[str]]:
    """arXiv's own author lists for the corpus PDFs that the bundled library also holds."""
    ids = {row["arxiv_id"] for row in TEXT_ROWS}
    with gzip.open(LIBRARY, "rt", encoding="utf-8") as f:
        records = (json.loads(line) for line in f)
        return {r["arxiv_id"]: r["authors"] for r in records if r.get("arxiv_id") in ids}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(AUTHORS))
def test_authors_of_real_pdfs(name: str) -> None:
    assert doc(name).paper.authors == AUTHORS[name]


@pytest.mark.slow
def test_authors_match_arxiv_where_the_library_has_the_paper() -> None:
    known = _library_authors()
    assert len(known) >= 2
    for arxiv_id, authors in known.items():
        assert doc(f"{arxiv_id}.pdf").paper.authors == authors


@pytest.mark.slow
def test_most_corpus_pdfs_get_authors_and_none_is_an_affiliation() -> None:
    papers = [doc(row["file"]).paper for row in TEXT_ROWS]
    with_authors = [p for p in papers if p.authors]
    assert len(with_authors) >= len(papers) - 2, [p.title for p in papers if not p.authors]
    for paper in with_authors:
        for name in paper.authors:
            assert 2 <= len(name.split()) <= 5 and not re.search(r"[\d@|*†∗]", name), name
            assert not re.search(r"(?i)universit|institut|research|google|\blab\b", name), name


@pytest.mark.slow
def test_dates_come_from_arxiv_for_arxiv_pdfs() -> None:
    resnet = doc("1512.03385.pdf").paper  # v1 stamp: "10 Dec 2015"
    assert (resnet.published, resnet.updated) == (date(2015, 12, 10), None)
    attention = doc("1706.03762.pdf").paper  # v7 of a June 2017 paper, stamped 2 Aug 2023
    assert (attention.published, attention.updated) == (date(2017, 6, 1), date(2023, 8, 2))
    # its file was re-saved by a viewer in 2024: the metadata date is not the paper's
    assert doc("1312.6114.pdf").paper.published == date(2013, 12, 1)
    assert doc("instant-gaussian-stream-cvpr2025.pdf").paper.published is None


@pytest.mark.slow
def test_abstracts_lose_footnotes_captions_and_keyword_lists() -> None:
    attention = doc("1706.03762.pdf").paper.abstract
    assert attention.endswith("both with large and limited training data.")
    assert "Equal contribution" not in attention and "Google Brain" not in attention
    imagen = doc("2401.01952.pdf").paper.abstract
    assert "contributed equally" not in imagen and "Figure 1" not in imagen
    assert "Index Terms" not in doc("2402.17525.pdf").paper.abstract
    teca = doc("2309.07125.pdf").paper.abstract
    assert "A slim woman" not in teca and teca.endswith("yfeng95.github.io/teca.")


@pytest.mark.slow
def test_bibtex_of_a_pdf_names_its_authors() -> None:
    bib = to_bibtex(doc("1512.03385.pdf").paper)
    assert "author = {Kaiming He and Xiangyu Zhang and Shaoqing Ren and Jian Sun}" in bib
    assert "year = {2015}" in bib


def test_metadata_of_a_generated_pdf_is_used(tmp_path: Path) -> None:
    path = write_paper_pdf(tmp_path / "paper.pdf", {
        "title": "Gaussian Head Avatars from Phone Videos",
        "author": "Ada Lovelace; Alan M. Turing", "creationDate": "D:20240315120000Z"})
    paper = read_pdf(path).paper
    assert paper.title == "Gaussian Head Avatars from Phone Videos"
    assert paper.authors == ["Ada Lovelace", "Alan M. Turing"]
    assert paper.published == date(2024, 3, 15)
    assert paper.abstract.startswith("We reconstruct a drivable head avatar")
    assert "Equal contribution" not in paper.abstract


def test_without_metadata_the_author_line_is_read(tmp_path: Path) -> None:
    path = write_paper_pdf(tmp_path / "2403.01234v2.pdf", None,
                     author_line="Ada Lovelace1, Alan Turing2*, and Grace Hopper1")
    paper = read_pdf(path).paper
    assert paper.authors == ["Ada Lovelace", "Alan Turing", "Grace Hopper"]
    assert (paper.arxiv_id, paper.version) == ("2403.01234", 2)  # from the file name
    assert paper.published == date(2024, 3, 1)


@pytest.mark.parametrize(("field", "names"), [
    ("Jinbo Yan; Rui Peng; Zhiyan Wang", ["Jinbo Yan", "Rui Peng", "Zhiyan Wang"]),
    ("Vladimír Kunc, Jiří Kléma", ["Vladimír Kunc", "Jiří Kléma"]),
    ("Administrator", []), ("", []),
])
def test_authors_from_metadata(field: str, names: list[str]) -> None:
    assert pdf_meta.authors_from_metadata(field) == names


@pytest.mark.parametrize(("segment", "name"), [
    ("YAO FENG", "Yao Feng"), ("Hexiang Hu", "Hexiang Hu"), ("Rianne van den Berg", "Rianne van den Berg"),
    ("Xu1,2", None), ("Dejia Xu1", "Dejia Xu"), ("Jiezhi “Stephen” Yang", "Jiezhi Yang"),
    ("Google Research", None), ("Senior Member", None), ("Application I", None),
    ("kahe@microsoft.com", None), ("Max Planck Institute for Intelligent Systems", None),
])
def test_as_name(segment: str, name: str | None) -> None:
    assert pdf_meta.as_name(segment) == name


def test_fix_accents_and_dates() -> None:
    assert pdf_meta.fix_accents("Jiˇrí Kl´ema") == "Jiří Kléma"
    assert pdf_meta.pdf_date("D:20230904011015Z") == date(2023, 9, 4)
    assert pdf_meta.pdf_date("D:20991301") is None and pdf_meta.pdf_date("") is None
    assert pdf_meta.stamp_date("8 Jan 2024") == date(2024, 1, 8)
    assert pdf_meta.arxiv_month("2401.04099") == date(2024, 1, 1)
    assert pdf_meta.arxiv_month("hep-th/9901001") == date(1999, 1, 1)


def test_clean_abstract_parts() -> None:
    parts = ["We present X. It works.", "Figure 1. A caption.", "∗Equal contribution.",
             "A slim woman", "x@y.org", "more text, and it ends here. Keywords: a, b"]
    assert pdf_meta.clean_abstract(parts) == "We present X. It works. more text, and it ends here."

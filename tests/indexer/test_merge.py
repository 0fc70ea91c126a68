"""Merging records of one paper from several sources (fast tier)."""

from __future__ import annotations

from datetime import date

from indexer.merge import merge_all, merge_pair
from indexer.models import Document, Paper, Passage


def doc(source: str, version: int | None = None, **fields: object) -> Document:
    paper = Paper.model_validate({"paper_id": "2401.00001", "arxiv_id": "2401.00001",
                                  "title": f"from {source}", "source": source,
                                  "version": version, **fields})
    passages = [Passage(section="Intro", page=1, text="body")] if source == "pdf" else []
    return Document(paper=paper, passages=passages)


def test_arxiv_metadata_wins_and_lists_are_unioned() -> None:
    a = doc("digest", 1, topics=["NeRF"], digest_dates=[date(2024, 1, 5)],
            first_seen=date(2024, 1, 5), summary_zh="摘要")
    b = doc("arxiv", 1, topics=["3DGS"], authors=["A"], first_seen=date(2024, 1, 9))
    merged = merge_pair(a, b).paper
    assert merged.title == "from arxiv" and merged.authors == ["A"]
    assert merged.topics == ["3DGS", "NeRF"] and merged.first_seen == date(2024, 1, 5)
    assert merged.summary_zh == "摘要"  # machine text kept from whichever side has it


def test_a_higher_version_beats_source_rank() -> None:
    assert merge_pair(doc("arxiv", 1), doc("digest", 3)).paper.title == "from digest"


def test_full_text_from_a_pdf_beats_an_abstract() -> None:
    merged = merge_pair(doc("jsonl", 1), doc("pdf"))
    assert [p.section for p in merged.passages] == ["Intro"]
    assert merged.paper.title == "from jsonl"


def test_merge_all_keeps_first_seen_order() -> None:
    other = Document(paper=Paper(paper_id="x", title="X", source="jsonl"))
    merged = merge_all([doc("digest"), other, doc("arxiv")])
    assert [d.paper.paper_id for d in merged] == ["2401.00001", "x"]

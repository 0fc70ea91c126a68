"""One order for paper listings: the API's /api/papers and the digest export (newest first)."""

from __future__ import annotations

from datetime import date

from search.export.digest import export_digest
from search.models import Filters
from search.retrieval.catalogue import list_papers, paper_date
from search.retrieval.engine import Searcher


def test_digest_export_lists_papers_in_the_api_order(synthetic_searcher: Searcher) -> None:
    snap = synthetic_searcher.snapshot
    for since, topic in ((date(2024, 1, 1), None), (date(2024, 3, 1), "3DGS")):
        listed = list_papers(snap, Filters(since=since, topic=topic), limit=1000).papers
        exported = export_digest(snap, since, None, topic).paper_ids
        assert exported and exported == [p.paper_id for p in listed]
        days = [paper_date(synthetic_searcher.paper(pid)) for pid in exported]
        assert days == sorted(days, reverse=True)  # newest first
    header = export_digest(snap, date(2024, 6, 1), date(2024, 6, 30), "3DGS").text
    assert "· 1 paper\n" in header

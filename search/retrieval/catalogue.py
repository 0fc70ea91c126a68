"""Read-only catalogue views over a loaded generation: paper details, listings, topics, stats.

Their shapes (`search.models`) are the API's paper and statistics responses. The digests'
Chinese summaries are machine-generated, so they only ever appear inside a
`MachineGenerated` block that says so, never next to the paper's metadata.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date
from typing import Any

from indexer.models import Paper, arxiv_pdf_url
from indexer.redact import public_source
from search.models import (
    Filters,
    MachineGenerated,
    PaperDetail,
    PaperList,
    PaperSummary,
    Stats,
    TopicCount,
)
from search.retrieval.filters import matches, norm_topic
from search.retrieval.snapshot import Snapshot


def machine_generated(paper: Paper) -> MachineGenerated | None:
    """The labelled machine-generated block of a paper, or None when it has none."""
    if not paper.has_machine_summary:
        return None
    return MachineGenerated(summary_zh=paper.summary_zh, takeaways_zh=paper.takeaways_zh,
                            structured_zh=paper.structured_zh)


def _common(paper: Paper) -> dict[str, Any]:
    return {
        "paper_id": paper.paper_id, "arxiv_id": paper.arxiv_id, "title": paper.title,
        "authors": paper.authors, "published": paper.published, "first_seen": paper.first_seen,
        "digest_dates": paper.digest_dates, "topics": paper.topics, "links": paper.links,
        "url": paper.url, "abstract": paper.abstract,
        "machine_generated": machine_generated(paper),
    }


def paper_detail(paper: Paper) -> PaperDetail:
    """The full public record of a paper (local file paths are left out)."""
    return PaperDetail(
        **_common(paper), version=paper.version, updated=paper.updated, comment=paper.comment,
        categories=paper.categories, source=paper.source,
        pdf_url=arxiv_pdf_url(paper.arxiv_id) if paper.arxiv_id else None,
    )


def paper_date(paper: Paper) -> date | None:
    """The date a paper is filed under: published, else first seen in a digest."""
    return paper.published or paper.first_seen


def newest_first(papers: Iterable[Paper]) -> list[Paper]:
    """The one order of paper listings (the API's, the digest page's and its download):
    newest `paper_date` first, undated last, then by title."""
    return sorted(papers, key=lambda p: (-(paper_date(p) or date.min).toordinal(),
                                         p.title.casefold(), p.paper_id))


def list_papers(snap: Snapshot, filters: Filters, limit: int, offset: int = 0) -> PaperList:
    """Papers passing `filters`, in `newest_first` order."""
    found = [p for p in snap.papers if matches(p, filters)] if filters.active() else snap.papers
    page = newest_first(found)[offset:offset + limit]
    return PaperList(total=len(found), papers=[PaperSummary(**_common(p)) for p in page])


def topic_counts(papers: list[Paper]) -> list[TopicCount]:
    """Each topic with its paper count, most frequent first, then by name.

    Spellings that differ only in case or ``_``/``/`` are merged under the most common one.
    """
    by_norm: dict[str, Counter[str]] = {}
    for paper in papers:
        for topic in dict.fromkeys(paper.topics):
            by_norm.setdefault(norm_topic(topic), Counter())[topic] += 1
    counts = [TopicCount(topic=c.most_common(1)[0][0], count=sum(c.values()))
              for c in by_norm.values()]
    return sorted(counts, key=lambda t: (-t.count, t.topic.casefold(), t.topic))


def month_counts(papers: list[Paper]) -> tuple[dict[str, int], int]:
    """Papers per ``YYYY-MM`` (from `paper_date`), in month order, and the undated count."""
    months = Counter(d.strftime("%Y-%m") for p in papers if (d := paper_date(p)))
    undated = sum(1 for p in papers if paper_date(p) is None)
    return dict(sorted(months.items())), undated


def stats(snap: Snapshot) -> Stats:
    """Counts per topic and month, build time, generation and sources of a snapshot."""
    m = snap.manifest
    months, undated = month_counts(snap.papers)
    return Stats(
        generation=snap.generation, built_at=m.built_at, model_id=m.model_id,
        papers=len(snap.papers), chunks=len(snap.paper_of_row), vectors=m.vectors,
        topics={t.topic: t.count for t in topic_counts(snap.papers)},
        months=months, undated=undated,
        with_machine_summary=sum(p.has_machine_summary for p in snap.papers),
        with_code=sum("code" in p.links for p in snap.papers),
        arxiv_papers=sum(p.arxiv_id is not None for p in snap.papers),
        sources=[public_source(s, snap.data_dir) for s in m.sources], build_seconds=m.seconds,
    )

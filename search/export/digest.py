"""Export indexed papers as a ChatPaperFree-style markdown digest (readable by read_digest).

Layout (what `indexer.sources.digest.read_digest` parses)::

    ---
    title: <topic or "Avatar Scholar digest">
    date: <YYYY-MM-DD> 00:00:00
    tags:
        - <topic>
    ---
    > banner: summaries and takeaways are machine-generated
    ## Title
    **Authors:A, B**
    abstract
    [PDF](http://arxiv.org/abs/<id>v<n>) <comment>
    **Summary**
    <machine summary>
    **Key Takeaways**
    * takeaway

Only papers with an arXiv id can be written (the format needs the arXiv link); others
are counted and skipped. The machine-generated fields are exported as they are, under
the banner that says so.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from indexer.models import Paper
from search.models import Filters
from search.retrieval.catalogue import newest_first
from search.retrieval.filters import matches
from search.retrieval.snapshot import Snapshot

logger = logging.getLogger(__name__)

DEFAULT_TITLE = "Avatar Scholar digest"
BANNER = ("> ⚠️ Summaries and key takeaways below are machine-generated (Gemini-Pro via "
          "ChatPaperFree) and may contain errors; titles, authors, abstracts and links come "
          "from arXiv. Exported by Avatar Scholar.")


@dataclass
class DigestExport:
    """The markdown text and what went into it."""

    text: str
    paper_ids: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _paper_date(paper: Paper, since: date | None, until: date | None) -> date:
    """The paper's first date inside the range (the digest is dated by the newest of these)."""
    dates = sorted(d for d in (*paper.digest_dates, paper.first_seen, paper.published) if d)
    inside = [d for d in dates if (since is None or d >= since) and (until is None or d <= until)]
    return (inside or dates or [date.min])[0]


def select_papers(snapshot: Snapshot, since: date | None, until: date | None = None,
                  topic: str | None = None) -> list[Paper]:
    """Papers with a digest date, first-seen or published date in range (and the topic),
    newest first as every paper listing is (`catalogue.newest_first`)."""
    f = Filters(since=since, until=until, topic=topic)
    return newest_first(p for p in snapshot.papers if matches(p, f))


def render_entry(paper: Paper) -> str:
    """One ``## Title`` block."""
    version = f"v{paper.version}" if paper.version else ""
    lines = [
        f"## {_one_line(paper.title)}", "",
        f"**Authors:{', '.join(_one_line(a) for a in paper.authors)}**", "",
        _one_line(paper.abstract), "",
        f"[PDF](http://arxiv.org/abs/{paper.arxiv_id}{version}) {_one_line(paper.comment)}".rstrip(),
        "",
    ]
    summary = [line.strip() for line in paper.summary_zh.split("\n") if line.strip()]
    if summary:
        lines += ["**Summary**", *summary, ""]
    takeaways = [_one_line(t) for t in paper.takeaways_zh if t.strip()]
    if takeaways:
        lines += ["**Key Takeaways**", "", *(f"* {t}" for t in takeaways), ""]
    return "\n".join(lines)


def render_digest(papers: Iterable[Paper], title: str, day: date,
                  tags: list[str] | None = None) -> DigestExport:
    """The digest markdown for `papers` (those without an arXiv id are skipped)."""
    out = DigestExport(text="")
    entries = []
    for paper in papers:
        if not paper.arxiv_id or not paper.abstract.strip():
            out.skipped.append(paper.paper_id)
            continue
        out.paper_ids.append(paper.paper_id)
        entries.append(render_entry(paper))
    tag_lines = [f"    - {_one_line(t)}" for t in (tags or [title])]
    head = ["---", f"title: {_one_line(title)}", f"date: {day.isoformat()} 00:00:00", "tags:",
            *tag_lines, "categories: Paper", "---", "", BANNER, "",
            f"# {day.isoformat()} · {len(entries)} paper{'' if len(entries) == 1 else 's'}", ""]
    out.text = "\n".join(head + entries)
    return out


def export_digest(snapshot: Snapshot, since: date, until: date | None = None,
                  topic: str | None = None) -> DigestExport:
    """Select papers by date range and topic, then render them as one digest."""
    papers = select_papers(snapshot, since, until, topic)
    day = until or max((_paper_date(p, since, until) for p in papers), default=since)
    export = render_digest(papers, topic or DEFAULT_TITLE, day, [topic] if topic else None)
    logger.info("digest %s..%s%s: %d papers, %d skipped (no arXiv id)", since, until or "",
                f" topic {topic}" if topic else "", len(export.paper_ids), len(export.skipped))
    return export

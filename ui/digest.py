"""A reading digest of the papers in a date range, as Markdown (shown and downloadable).

Everything from the papers is escaped, so the file renders as text in any Markdown
viewer; the digests' Chinese summaries are included only under a machine-generated label.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from search.models import PaperSummary
from ui.components import arxiv_links, authors_line, escape_md, one_line

ABSTRACT_CHARS = 600


def _entry(p: PaperSummary, summaries: bool, level: int) -> list[str]:
    """The Markdown lines of one paper, its title a heading of `level`."""
    day = p.published or p.first_seen
    links = arxiv_links(p.arxiv_id, p.url)
    lines = [f"{'#' * level} {escape_md(one_line(p.title))}", "",
             f"{authors_line(p.authors)}" + (f" · {day}" if day else "")
             + (f" · {links}" if links else ""), ""]
    if p.abstract:
        lines += [escape_md(one_line(p.abstract, ABSTRACT_CHARS)), ""]
    gen = p.machine_generated
    if summaries and gen is not None and gen.summary_zh:
        by = f" ({gen.generator})" if gen.generator else ""
        lines += [f"*Machine-generated summary{escape_md(by)}:* {escape_md(one_line(gen.summary_zh))}",
                  ""]
    return lines


def digest_markdown(papers: list[PaperSummary], since: date | None, until: date | None,
                    topic: str | None, summaries: bool = True, level: int = 1) -> str:
    """Papers grouped by topic (alphabetical), newest first inside each group.

    `level` is the heading level of the digest's title (1 for a file, deeper to embed it).
    """
    span = f"{since or 'the beginning'} – {until or 'today'}"
    count = f"{len(papers)} paper{'s' if len(papers) != 1 else ''}"
    head = [f"{'#' * level} Avatar Scholar digest: {escape_md(topic) if topic else 'all topics'}",
            "", f"{count}, {span}.", ""]
    if not papers:
        return "\n".join(head + ["No papers in this range."])
    groups: dict[str, list[PaperSummary]] = defaultdict(list)
    for p in papers:
        groups[topic or (p.topics[0] if p.topics else "Other")].append(p)
    body: list[str] = []
    for name in sorted(groups, key=str.casefold):
        body += [f"{'#' * (level + 1)} {escape_md(name)} ({len(groups[name])})", ""]
        for p in groups[name]:
            body += _entry(p, summaries, min(level + 2, 6))
    return "\n".join(head + body)

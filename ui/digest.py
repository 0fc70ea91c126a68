"""A reading digest of the papers in a date range, as Markdown (shown and downloadable).

Everything from the papers is escaped, so the file renders as text in any Markdown
viewer; LaTeX-ish markup in titles and abstracts (``\\textbf{1)}``, ``$20\\times$``) is
turned into plain text first. The digests' Chinese summaries are included only under a
machine-generated label. Papers come in the order given (the API's: newest first), the
same order as the digest-format download.
"""

from __future__ import annotations

import re
from datetime import date

from search.models import PaperSummary
from ui.components import arxiv_links, authors_line, escape_md, one_line
from ui.markup import latex_to_text, plural

ABSTRACT_CHARS = 600


def _entry(p: PaperSummary, summaries: bool, level: int) -> list[str]:
    """The Markdown lines of one paper, its title a heading of `level`."""
    day = p.published or p.first_seen
    links = arxiv_links(p.arxiv_id, p.url)
    meta = [authors_line(p.authors), *([str(day)] if day else []),
            *([escape_md(", ".join(p.topics))] if p.topics else []), *([links] if links else [])]
    lines = [f"{'#' * level} {escape_md(one_line(latex_to_text(p.title)))}", "",
             " · ".join(meta), ""]
    if p.abstract:
        lines += [escape_md(one_line(latex_to_text(p.abstract), ABSTRACT_CHARS)), ""]
    gen = p.machine_generated
    if summaries and gen is not None and gen.summary_zh:
        by = f" ({gen.generator})" if gen.generator else ""
        lines += [f"*Machine-generated summary{escape_md(by)}:* {escape_md(one_line(gen.summary_zh))}",
                  ""]
    return lines


def digest_markdown(papers: list[PaperSummary], since: date | None, until: date | None,
                    topic: str | None, summaries: bool = True, level: int = 1) -> str:
    """The papers in the given order, each with its topics.

    `level` is the heading level of the digest's title (1 for a file, deeper to embed it).
    """
    span = f"{since or 'the beginning'} – {until or 'today'}"
    head = [f"{'#' * level} Avatar Scholar digest: {escape_md(topic) if topic else 'all topics'}",
            "", f"{plural(len(papers), 'paper')}, {span}, newest first.", ""]
    if not papers:
        return "\n".join(head + ["No papers in this range."])
    body: list[str] = []
    for p in papers:
        body += _entry(p, summaries, min(level + 1, 6))
    return "\n".join(head + body)


def file_name(since: date, until: date, topic: str | None) -> str:
    """``digest-2024-07-01-2024-07-31-3dgs.md``: the range, and the topic when there is one."""
    slug = re.sub(r"[^\w]+", "-", (topic or "").lower(), flags=re.UNICODE).strip("-")
    return f"digest-{since}-{until}" + (f"-{slug}" if slug else "") + ".md"

"""Query commands: search, similar, ask, overview, digest."""

from __future__ import annotations

import argparse
import sys
import textwrap
from datetime import date
from pathlib import Path

from indexer.models import parse_arxiv_id
from search.cli.base import COUNT, Command, json_flag, print_json
from search.config import Settings
from search.errors import QueryError
from search.models import Answer, Filters, Hit, PassageHit, PassageSearchResponse


def _search_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("query", help="words, a question (English or 中文), or an arXiv id/URL")
    p.add_argument("-k", type=COUNT, default=10, help="number of papers, 1-100 (default 10)")
    p.add_argument("--since", help="only papers dated on/after YYYY-MM-DD")
    p.add_argument("--until", help="only papers dated on/before YYYY-MM-DD")
    p.add_argument("--topic", help="only papers of this digest topic")
    p.add_argument("--author", help="only papers with an author matching this text")
    p.add_argument("--passages", action="store_true",
                   help="list the best passages (several per paper) instead of papers")
    p.add_argument("--json", action="store_true", help="print the API's JSON shape")


def format_passage(i: int, h: PassageHit) -> str:
    """A passage for the terminal: paper, section and page, then the text."""
    where = h.section + (f", p. {h.page}" if h.page else "")
    text = " ".join(h.text.split())
    text = text if len(text) <= 500 else text[:497] + "..."
    return (f"{i:2d}. [{h.score:.3f}] {h.title}\n    {h.arxiv_id or h.paper_id} · {where} · "
            f"{h.url}\n    {text}\n")


def format_hit(i: int, h: Hit) -> str:
    """A readable, multi-line rendering of a hit for the terminal."""
    authors = ", ".join(h.authors[:4]) + (" et al." if len(h.authors) > 4 else "")
    when = h.published or h.first_seen or ""
    where = h.section + (f", p. {h.page}" if h.page else "")
    excerpt = h.excerpt if len(h.excerpt) <= 300 else h.excerpt[:297] + "..."
    url = f" · {h.url}" if h.url else ""
    return (f"{i:2d}. [{h.score:.3f}] {h.title}\n    {h.arxiv_id or h.paper_id} · {when} · "
            f"{authors}\n    topics: {', '.join(h.topics) or '-'}{url}\n"
            f"    {where}: {excerpt}\n")


def run_search(args: argparse.Namespace, settings: Settings) -> int:
    from search.retrieval.engine import Searcher

    filters = Filters(
        since=date.fromisoformat(args.since) if args.since else None,
        until=date.fromisoformat(args.until) if args.until else None,
        topic=args.topic, author=args.author,
    )
    searcher = Searcher(settings)
    resp = (searcher.passages(args.query, k=args.k, filters=filters) if args.passages
            else searcher.search(args.query, k=args.k, filters=filters))
    if args.json:
        print_json(resp.model_dump(mode="json"))
        return 0
    for notice in resp.notices:
        sys.stderr.write(f"note: {notice}\n")
    if isinstance(resp, PassageSearchResponse):
        lines = [format_passage(i, h) for i, h in enumerate(resp.passages, 1)]
    else:
        lines = [format_hit(i, h) for i, h in enumerate(resp.hits, 1)]
    sys.stdout.write("".join(lines) or "no matching papers\n")
    return 0


def run_similar(args: argparse.Namespace, settings: Settings) -> int:
    from search.retrieval.engine import Searcher

    parsed = parse_arxiv_id(args.paper)
    hits = Searcher(settings).similar(parsed[0] if parsed else args.paper, k=args.k)
    if args.json:
        print_json([h.model_dump(mode="json") for h in hits])
    else:
        for i, h in enumerate(hits, 1):
            sys.stdout.write(format_hit(i, h))
    return 0


def _similar_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("paper", help="arXiv id (or URL) of a paper in the index")
    p.add_argument("-k", type=COUNT, default=10, help="number of papers, 1-100 (default 10)")
    json_flag(p)


def _ask_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("question", help="a question in English or 中文")
    p.add_argument("-k", type=COUNT, default=8,
                   help="papers to draw evidence from, 1-100 (default 8)")
    p.add_argument("--json", action="store_true", help="print the API's JSON shape")


def format_answer(a: Answer) -> str:
    """The overview, then numbered citations (title · section · page · url, excerpt)."""
    out = [textwrap.fill(par, 100) for par in a.overview.split("\n\n")]
    if a.citations:
        out.append("")
    for c in a.citations:
        where = " · ".join(x for x in (c.title, c.section, f"p. {c.page}" if c.page else "", c.url) if x)
        excerpt = c.excerpt if len(c.excerpt) <= 400 else c.excerpt[:397] + "..."
        out.append(f"[{c.n}] {where}\n    {excerpt}")
        if c.machine_zh:
            out.append(f"    机器生成摘要 (machine-written, not the paper's words): {c.machine_zh}")
    out.append(f"\n({a.generator}, {a.took_ms:.0f} ms)")
    return "\n".join(out) + "\n"


def run_ask(args: argparse.Namespace, settings: Settings) -> int:
    from search.answer.ask import answer
    from search.retrieval.engine import Searcher

    result = answer(Searcher(settings), args.question, k=args.k)
    if args.json:
        print_json(result.model_dump(mode="json"))
        return 0
    for notice in result.notices:
        sys.stderr.write(f"note: {notice}\n")
    sys.stdout.write(format_answer(result))
    return 0


def _overview_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("paper", help="arXiv id (or URL) of a paper in the index")
    json_flag(p)


def run_overview(args: argparse.Namespace, settings: Settings) -> int:
    from search.answer.overview import paper_overview
    from search.retrieval.engine import Searcher

    parsed = parse_arxiv_id(args.paper)
    ov = paper_overview(Searcher(settings), parsed[0] if parsed else args.paper)
    if args.json:
        print_json(ov.model_dump(mode="json"))
        return 0
    lines = [ov.title, f"{', '.join(ov.authors)} · {ov.published or ov.first_seen or ''} · {ov.url}",
             f"[{ov.source_note}]", "", ov.one_line, ""]
    lines += [f"  - {t}" for t in ov.takeaways]
    for label, text in (("Background", ov.background), ("Method", ov.method),
                        ("Results", ov.results)):
        if text:
            lines += ["", f"{label}:", textwrap.indent(text, "  ")]
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


def _digest_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--since", required=True, help="first date, YYYY-MM-DD")
    p.add_argument("--until", help="last date, YYYY-MM-DD (default: no limit)")
    p.add_argument("--topic", help="only papers of this digest topic; also the digest title")
    p.add_argument("--out", help="write to this file instead of stdout")


def _date(text: str, flag: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise QueryError(f"{flag} {text!r} is not a date (YYYY-MM-DD)") from exc


def run_digest(args: argparse.Namespace, settings: Settings) -> int:
    from search.export.digest import export_digest
    from search.retrieval.snapshot import load_snapshot

    until = _date(args.until, "--until") if args.until else None
    export = export_digest(load_snapshot(settings.index), _date(args.since, "--since"),
                           until, args.topic)
    if args.out:
        Path(args.out).write_text(export.text, encoding="utf-8")
        sys.stderr.write(f"digest: {len(export.paper_ids)} papers written to {args.out}"
                         f" ({len(export.skipped)} without an arXiv id skipped)\n")
    else:
        sys.stdout.write(export.text)
    return 0


COMMANDS = [
    Command("search", "Hybrid semantic + keyword search; one hit per paper.", _search_args, run_search),
    Command("similar", "Papers similar to a paper in the index.", _similar_args, run_similar),
    Command("ask", "Answer a question with a cited overview of the indexed papers.", _ask_args,
            run_ask),
    Command("overview", "Overview of one paper (machine summary, LLM or extractive).",
            _overview_args, run_overview),
    Command("digest", "Export papers in a date range as a ChatPaperFree-style markdown digest.",
            _digest_args, run_digest),
]

"""`ask`, `overview` and `digest` subcommands of `avatar-scholar` (registered on import)."""

from __future__ import annotations

import argparse
import sys
import textwrap
from datetime import date
from pathlib import Path

from search.cli import print_json, register
from search.config import SearchSettings
from search.errors import QueryError
from search.models import Answer


def _ask_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("question", help="a question in English or 中文")
    p.add_argument("-k", type=int, default=8, help="papers to draw evidence from (default 8)")
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
    out.append(f"\n({a.generator}, {a.took_ms:.0f} ms)")
    return "\n".join(out) + "\n"


def run_ask(args: argparse.Namespace, settings: SearchSettings) -> int:
    from search.answer import answer
    from search.engine import Searcher

    result = answer(Searcher(settings), args.question, k=args.k, settings=settings)
    if args.json:
        print_json(result.model_dump(mode="json"))
        return 0
    for notice in result.notices:
        sys.stderr.write(f"note: {notice}\n")
    sys.stdout.write(format_answer(result))
    return 0


def _overview_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("paper", help="arXiv id (or URL) of a paper in the index")
    p.add_argument("--json", action="store_true", help="print JSON")


def run_overview(args: argparse.Namespace, settings: SearchSettings) -> int:
    from indexer.models import parse_arxiv_id
    from search.engine import Searcher
    from search.overview import paper_overview

    parsed = parse_arxiv_id(args.paper)
    ov = paper_overview(Searcher(settings), parsed[0] if parsed else args.paper, settings)
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


def run_digest(args: argparse.Namespace, settings: SearchSettings) -> int:
    from search.digest_export import export_digest
    from search.snapshot import load_snapshot

    until = _date(args.until, "--until") if args.until else None
    export = export_digest(load_snapshot(settings.data_dir), _date(args.since, "--since"),
                           until, args.topic)
    if args.out:
        Path(args.out).write_text(export.text, encoding="utf-8")
        sys.stderr.write(f"digest: {len(export.paper_ids)} papers written to {args.out}"
                         f" ({len(export.skipped)} without an arXiv id skipped)\n")
    else:
        sys.stdout.write(export.text)
    return 0


register("ask", "Answer a question with a cited overview of the indexed papers.", _ask_args, run_ask)
register("overview", "Overview of one paper (machine summary, LLM or extractive).",
         _overview_args, run_overview)
register("digest", "Export papers in a date range as a ChatPaperFree-style markdown digest.",
         _digest_args, run_digest)

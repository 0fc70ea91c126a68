"""Index and search subcommands of `avatar-scholar` (registered on import)."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime

from indexer.build import BuildReport, build
from indexer.collect import parse_source
from indexer.embed import load_embedder
from indexer.store import read_job_reports, write_job_report
from search.cli import print_json, register
from search.config import SearchSettings
from search.models import Filters, Hit


def _index_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("sources", nargs="+", metavar="SOURCE",
                   help='a folder or file (PDF, ChatPaperFree digest .md, .jsonl[.gz]), or "arxiv:QUERY"')
    p.add_argument("--since", help="arXiv: only papers submitted on/after this date (YYYY-MM-DD)")
    p.add_argument("--max", type=int, default=200, help="arXiv: at most this many papers per query")


def report_build(report: BuildReport, settings: SearchSettings, kind: str) -> int:
    """Print notices, skips and the one-line summary; store the JSON job report."""
    for notice in report.notices:
        sys.stderr.write(f"note: {notice}\n")
    for skip in report.skipped:
        where = f"{skip.path} [{skip.entry}]" if skip.entry else skip.path
        sys.stderr.write(f"skipped: {where}: {skip.reason}\n")
    data = {"kind": kind, "finished": datetime.now(UTC).isoformat(timespec="seconds"),
            "generation": report.generation, "papers": report.papers,
            "chunks": report.chunks, "added": report.added, "updated": report.updated,
            "removed": report.removed, "unchanged": report.unchanged,
            "embedded": report.embedded, "notices": report.notices,
            "skipped": [s.model_dump() for s in report.skipped], "seconds": report.seconds}
    write_job_report(settings.data_dir, data)
    sys.stderr.write(f"{kind}: {report.summary()}\n")
    return 0


def run_index(args: argparse.Namespace, settings: SearchSettings) -> int:
    specs = [parse_source(s, args.since, args.max) for s in args.sources]
    report = build(specs, settings, lambda: load_embedder(settings.backend, settings.batch_size),
                   mode="add", progress=not args.quiet)
    report_build(report, settings, "index")
    if report.generation is None:
        sys.stderr.write("error: nothing indexed from the given sources (see above)\n")
        return 1
    return 0


def _search_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("query", help="words, a question (English or 中文), or an arXiv id/URL")
    p.add_argument("-k", type=int, default=10, help="number of papers (default 10)")
    p.add_argument("--since", help="only papers dated on/after YYYY-MM-DD")
    p.add_argument("--until", help="only papers dated on/before YYYY-MM-DD")
    p.add_argument("--topic", help="only papers of this digest topic")
    p.add_argument("--author", help="only papers with an author matching this text")
    p.add_argument("--json", action="store_true", help="print the API's JSON shape")


def format_hit(i: int, h: Hit) -> str:
    """A readable, multi-line rendering of a hit for the terminal."""
    authors = ", ".join(h.authors[:4]) + (" et al." if len(h.authors) > 4 else "")
    when = h.published or h.first_seen or ""
    where = h.section + (f", p. {h.page}" if h.page else "")
    excerpt = h.excerpt if len(h.excerpt) <= 300 else h.excerpt[:297] + "..."
    return (f"{i:2d}. [{h.score:.3f}] {h.title}\n    {h.arxiv_id or h.paper_id} · {when} · "
            f"{authors}\n    topics: {', '.join(h.topics) or '-'} · {h.url}\n"
            f"    {where}: {excerpt}\n")


def run_search(args: argparse.Namespace, settings: SearchSettings) -> int:
    from datetime import date

    from search.engine import Searcher

    filters = Filters(
        since=date.fromisoformat(args.since) if args.since else None,
        until=date.fromisoformat(args.until) if args.until else None,
        topic=args.topic, author=args.author,
    )
    resp = Searcher(settings).search(args.query, k=args.k, filters=filters)
    if args.json:
        print_json(resp.model_dump(mode="json"))
        return 0
    for notice in resp.notices:
        sys.stderr.write(f"note: {notice}\n")
    if not resp.hits:
        sys.stdout.write("no matching papers\n")
    for i, h in enumerate(resp.hits, 1):
        sys.stdout.write(format_hit(i, h))
    return 0


def run_similar(args: argparse.Namespace, settings: SearchSettings) -> int:
    from indexer.models import parse_arxiv_id
    from search.engine import Searcher

    parsed = parse_arxiv_id(args.paper)
    hits = Searcher(settings).similar(parsed[0] if parsed else args.paper, k=args.k)
    if args.json:
        print_json([h.model_dump(mode="json") for h in hits])
    else:
        for i, h in enumerate(hits, 1):
            sys.stdout.write(format_hit(i, h))
    return 0


def run_jobs(args: argparse.Namespace, settings: SearchSettings) -> int:
    reports = read_job_reports(settings.data_dir, args.limit)
    if args.json:
        print_json(reports)
        return 0
    if not reports:
        sys.stdout.write("no indexing jobs yet\n")
    for r in reports:
        secs = sum(r.get("seconds", {}).values())
        sys.stdout.write(f"{r.get('finished', '')} {r['kind']}: gen {r.get('generation')} · "
                         f"{r['papers']} papers, +{r['added']} ~{r['updated']} -{r['removed']},"
                         f" {len(r['skipped'])} skipped, {secs:.1f}s\n")
    return 0


def _similar_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("paper", help="arXiv id (or URL) of a paper in the index")
    p.add_argument("-k", type=int, default=10, help="number of papers (default 10)")
    p.add_argument("--json", action="store_true", help="print JSON")


def _jobs_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--limit", type=int, default=10, help="how many recent jobs")
    p.add_argument("--json", action="store_true", help="print JSON")


register("index", "Add papers from local files, digests, JSONL or arXiv to the index.",
         _index_args, run_index)
register("search", "Hybrid semantic + keyword search; one hit per paper.", _search_args, run_search)
register("similar", "Papers similar to a paper in the index.", _similar_args, run_similar)
register("jobs", "List recent indexing jobs.", _jobs_args, run_jobs)

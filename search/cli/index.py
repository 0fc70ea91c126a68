"""Library commands: index, reindex (once or periodically), update, jobs, info, export-library."""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
from pathlib import Path

from indexer import store
from indexer.build import build
from indexer.collect import parse_source
from indexer.defaults import arxiv_specs
from indexer.embed import embedder_for
from indexer.errors import IndexerError, LockedError
from indexer.models import SourceSpec
from search.cli.base import (
    Command,
    bounded_int,
    json_flag,
    no_args,
    print_json,
    report_build,
)
from search.cli.fulltext import enrich_new
from search.config import Settings

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")


def _index_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("sources", nargs="+", metavar="SOURCE",
                   help='a folder or file (PDF, ChatPaperFree digest .md, .jsonl[.gz]), or "arxiv:QUERY"')
    p.add_argument("--since", help="arXiv: only papers submitted on/after this date (YYYY-MM-DD)")
    p.add_argument("--max", type=bounded_int(1, 100_000), default=200,
                   help="arXiv: at most this many papers per query")


def run_index(args: argparse.Namespace, settings: Settings) -> int:
    specs = [parse_source(s, args.since, args.max) for s in args.sources]
    report = build(specs, settings.index, lambda: embedder_for(settings.index), mode="add",
                   progress=not args.quiet)
    report_build(report, settings, "index")
    enrich_new(report, settings, args.quiet)  # the full text of what arXiv just gave
    if report.generation is None:
        sys.stderr.write("error: nothing indexed from the given sources (see above)\n")
        return 1
    return 0


def parse_duration(text: str) -> float:
    """'6h' → 21600 seconds; accepts s, m, h, d (seconds when no unit)."""
    m = _DURATION.match(text)
    if not m or float(m.group(1)) <= 0:
        raise argparse.ArgumentTypeError(f"invalid interval {text!r}: use e.g. 30m, 6h, 1d")
    return float(m.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[m.group(2)]


def _recorded_sources(settings: Settings) -> list[SourceSpec]:
    gen = store.generation_path(settings.data_dir)
    return store.read_manifest(gen).sources


def reindex_once(args: argparse.Namespace, settings: Settings) -> int:
    """Re-read every source recorded in the manifest into a new generation."""
    specs = _recorded_sources(settings)
    report = build(specs, settings.index, lambda: embedder_for(settings.index), mode="reindex",
                   keep_removed=args.keep_removed, progress=not args.quiet)
    code = report_build(report, settings, "reindex")
    enrich_new(report, settings, args.quiet)
    return code


def run_reindex(args: argparse.Namespace, settings: Settings) -> int:
    if not args.every:
        return reindex_once(args, settings)
    # A scheduler loop: a failed run is reported and the loop goes on; jitter (±10 %)
    # keeps many installations from hitting arXiv at the same moment.
    while True:
        try:
            reindex_once(args, settings)
        except LockedError as exc:
            sys.stderr.write(f"reindex skipped: {exc}\n")
        except IndexerError as exc:
            sys.stderr.write(f"reindex failed: {str(exc).splitlines()[0]}\n")
        pause = args.every * random.uniform(0.9, 1.1)
        sys.stderr.write(f"next reindex in {pause / 3600:.2f} h\n")
        time.sleep(pause)


def run_update(args: argparse.Namespace, settings: Settings) -> int:
    """Fetch what is new from the configured arXiv queries since their watermarks."""
    recorded = {s.value: s for s in _recorded_sources(settings) if s.kind == "arxiv"}
    specs = [recorded.get(s.value, s) for s in arxiv_specs(settings.data_dir)]
    specs += [s for v, s in recorded.items() if v not in {x.value for x in specs}]
    if not specs:
        sys.stderr.write("no arXiv queries configured in sources.toml; nothing to update\n")
        return 0
    report = build(specs, settings.index, lambda: embedder_for(settings.index), mode="add",
                   use_watermarks=True, progress=not args.quiet, kind="update")
    code = report_build(report, settings, "update")
    enrich_new(report, settings, args.quiet)
    return code


def run_jobs(args: argparse.Namespace, settings: Settings) -> int:
    reports = store.read_job_reports(settings.data_dir, args.limit)
    if args.json:
        print_json([r.model_dump(mode="json") for r in reports])
        return 0
    if not reports:
        sys.stdout.write("no indexing jobs yet\n")
    for r in reports:
        secs = sum(r.seconds.values())
        sys.stdout.write(f"{r.finished.isoformat()} {r.kind}: gen {r.generation} · "
                         f"{r.papers} papers, +{r.added} ~{r.updated} -{r.removed},"
                         f" {len(r.skipped)} skipped, {secs:.1f}s\n")
    return 0


def run_export(args: argparse.Namespace, settings: Settings) -> int:
    from indexer.sources.jsonl import export_library

    count = export_library(Path(args.digests), Path(args.out))
    size = Path(args.out).stat().st_size
    sys.stderr.write(f"exported {count} papers to {args.out} ({size / 1e6:.2f} MB)\n")
    return 0


def run_info(args: argparse.Namespace, settings: Settings) -> int:
    manifest = store.read_manifest(store.generation_path(settings.data_dir))
    data = manifest.model_dump(mode="json")
    if args.json:
        print_json(data)
        return 0
    for key in ("generation", "built_at", "model_id", "dim", "backend", "faiss_type", "papers",
                "chunks", "vectors"):
        sys.stdout.write(f"{key:11s} {data[key]}\n")
    for s in manifest.sources:
        mark = f" (watermark {s.watermark:%Y-%m-%d %H:%M})" if s.watermark else ""
        sys.stdout.write(f"source      {s.kind}: {s.value}{mark}\n")
    return 0


def _reindex_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--keep-removed", action="store_true",
                   help="keep papers that disappeared from their source")
    p.add_argument("--every", type=parse_duration, metavar="INTERVAL",
                   help="repeat forever at this interval (e.g. 6h), with ±10%% jitter")


def _jobs_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--limit", type=bounded_int(1, 200), default=10, help="how many recent jobs")
    json_flag(p)


def _export_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("digests", help="folder of ChatPaperFree digests (e.g. ../shared/corpus/chatpaperfree)")
    p.add_argument("-o", "--out", default="index_data/library/avatar-papers-2024.jsonl.gz",
                   help="output .jsonl.gz (deterministic, arXiv metadata only)")


COMMANDS = [
    Command("index", "Add papers from local files, digests, JSONL or arXiv to the index.",
            _index_args, run_index),
    Command("reindex", "Re-read every recorded source into a new generation (incremental).",
            _reindex_args, run_reindex),
    Command("update", "Add what is new on arXiv for the configured queries (since the watermark).",
            no_args, run_update),
    Command("jobs", "List recent indexing jobs.", _jobs_args, run_jobs),
    Command("info", "Show the current index generation's manifest.", json_flag, run_info),
    Command("export-library", "Write the bundled paper library (JSONL.gz) from digests.",
            _export_args, run_export),
]

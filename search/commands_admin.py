"""Library maintenance subcommands: reindex (once or periodically), update, export-library, info."""

from __future__ import annotations

import argparse
import logging
import random
import re
import sys
import time
from pathlib import Path

from indexer import store
from indexer.build import build
from indexer.embed import load_embedder
from indexer.errors import IndexerError, LockedError
from indexer.models import SourceSpec
from search.cli import print_json, register
from search.commands import report_build
from search.config import SearchSettings
from search.defaults import arxiv_specs

logger = logging.getLogger(__name__)

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")


def parse_duration(text: str) -> float:
    """'6h' → 21600 seconds; accepts s, m, h, d (seconds when no unit)."""
    m = _DURATION.match(text)
    if not m or float(m.group(1)) <= 0:
        raise argparse.ArgumentTypeError(f"invalid interval {text!r}: use e.g. 30m, 6h, 1d")
    return float(m.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[m.group(2)]


def _recorded_sources(settings: SearchSettings) -> list[SourceSpec]:
    gen = store.generation_path(settings.data_dir)
    return store.read_manifest(gen).sources


def reindex_once(args: argparse.Namespace, settings: SearchSettings) -> int:
    """Re-read every source recorded in the manifest into a new generation."""
    specs = _recorded_sources(settings)
    report = build(specs, settings, lambda: load_embedder(settings.backend, settings.batch_size),
                   mode="reindex", keep_removed=args.keep_removed, progress=not args.quiet)
    return report_build(report, settings, "reindex")


def run_reindex(args: argparse.Namespace, settings: SearchSettings) -> int:
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


def run_update(args: argparse.Namespace, settings: SearchSettings) -> int:
    """Fetch what is new from the configured arXiv queries since their watermarks."""
    recorded = {s.value: s for s in _recorded_sources(settings) if s.kind == "arxiv"}
    specs = [recorded.get(s.value, s) for s in arxiv_specs(settings.data_dir)]
    specs += [s for v, s in recorded.items() if v not in {x.value for x in specs}]
    if not specs:
        sys.stderr.write("no arXiv queries configured in sources.toml; nothing to update\n")
        return 0
    report = build(specs, settings, lambda: load_embedder(settings.backend, settings.batch_size),
                   mode="add", use_watermarks=True, progress=not args.quiet)
    return report_build(report, settings, "update")


def run_export(args: argparse.Namespace, settings: SearchSettings) -> int:
    from indexer.sources.jsonl import export_library

    count = export_library(Path(args.digests), Path(args.out))
    size = Path(args.out).stat().st_size
    sys.stderr.write(f"exported {count} papers to {args.out} ({size / 1e6:.2f} MB)\n")
    return 0


def run_info(args: argparse.Namespace, settings: SearchSettings) -> int:
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


def _export_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("digests", help="folder of ChatPaperFree digests (e.g. ../shared/corpus/chatpaperfree)")
    p.add_argument("-o", "--out", default="index_data/library/avatar-papers-2024.jsonl.gz",
                   help="output .jsonl.gz (deterministic, arXiv metadata only)")


def _json_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="print JSON")


register("reindex", "Re-read every recorded source into a new generation (incremental).",
         _reindex_args, run_reindex)
register("update", "Add what is new on arXiv for the configured queries (since the watermark).",
         lambda p: None, run_update)
register("export-library", "Write the bundled paper library (JSONL.gz) from digests.",
         _export_args, run_export)
register("info", "Show the current index generation's manifest.", _json_arg, run_info)

"""Incremental indexing benchmark: adding one month of digests vs a full build.

Usage (from the repo root):
    .venv/bin/python benchmarks/reindex.py [--month 2024-04]

In one run, with the same model instance: (1) a full build of the whole shared digest
corpus; (2) a build of every day except the chosen month; (3) adding that month to (2)
incrementally. Prints both times, the ratio (target ≤ 15 %), and the stage split.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from machine import machine  # noqa: E402

from indexer.build import BuildReport, build  # noqa: E402
from indexer.embed import load_embedder  # noqa: E402
from indexer.models import SourceSpec  # noqa: E402
from search.config import Settings  # noqa: E402

CORPUS = REPO.parent / "shared" / "corpus" / "chatpaperfree"


def timed_build(data_dir: Path, days: list[Path], embedder, mode: str = "add"  # type: ignore[no-untyped-def]
                ) -> tuple[float, BuildReport]:
    specs = [SourceSpec(kind="path", value=str(d)) for d in days]
    t0 = time.perf_counter()
    report = build(specs, Settings.load(data_dir).index, lambda: embedder, mode=mode,  # type: ignore[arg-type]
                   progress=False)
    return time.perf_counter() - t0, report


def stages(report: BuildReport) -> str:
    return ", ".join(f"{k} {v:.1f}s" for k, v in report.seconds.items())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--month", default="2024-04", help="the month added incrementally")
    args = parser.parse_args()
    days = sorted(p for p in CORPUS.iterdir() if p.is_dir())
    month = [d for d in days if d.name.startswith(args.month)]
    rest = [d for d in days if d not in month]
    embedder = load_embedder(os.environ.get("AVATAR_SCHOLAR_BACKEND", "torch"))
    embedder.embed(["warm up"])
    with tempfile.TemporaryDirectory() as tmp:
        full_s, full = timed_build(Path(tmp) / "full", days, embedder)
        _, base = timed_build(Path(tmp) / "inc", rest, embedder)
        inc_s, inc = timed_build(Path(tmp) / "inc", month, embedder)
    print(f"Machine: {machine()}; backend {embedder.backend}\n")
    print("| build | papers | chunks embedded | seconds | stages |")
    print("|---|---|---|---|---|")
    print(f"| full corpus ({len(days)} days) | {full.papers} | {full.embedded} | {full_s:.1f} |"
          f" {stages(full)} |")
    print(f"| add {args.month} ({len(month)} days) to {base.papers} papers | +{inc.added} new,"
          f" {inc.updated} updated | {inc.embedded} | {inc_s:.1f} | {stages(inc)} |")
    print(f"\nincremental / full = {inc_s / full_s:.1%} (target ≤ 15%)")


if __name__ == "__main__":
    main()

"""The serving side of benchmarks/scale.py: memory of a fresh process serving a generation.

Run in a subprocess so nothing from the benchmark's own arrays is counted. Each stage
reports the process RSS and its anonymous part (RSS minus memory-mapped file pages,
which the page cache can drop and other worker processes share).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

QUERIES = [
    "one-shot 3D talking portrait from a single image",
    "gaussian splatting avatar from monocular video",
    "audio-driven lip sync with diffusion",
    "real-time facial animation of codec avatars",
    "text to 3D human generation",
]


def memory() -> tuple[float, float]:
    """(RSS, anonymous RSS) of this process in MiB."""
    fields = _status()
    return fields["VmRSS"], fields["RssAnon"]


def _status() -> dict[str, float]:
    """Memory fields of /proc/self/status in MiB (VmHWM is the peak since exec)."""
    fields = {}
    with open("/proc/self/status", encoding="utf-8") as fh:
        for line in fh:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "RssAnon", "VmHWM"):
                fields[key] = int(value.split()[0]) / 1024
    return fields


def _searches(snap: Any, rng: np.random.Generator) -> None:
    """30 dense, 10 filtered dense and 10 BM25 searches straight on the Snapshot."""
    from indexer.textproc import tokenize

    picks = rng.choice(len(snap.papers), size=40, replace=False)
    for p in picks[:30]:
        snap.dense(np.asarray(snap.paper_vectors[p]), 200, None)
    for p in picks[30:]:
        papers = rng.choice(len(snap.papers), size=max(1, len(snap.papers) // 100), replace=False)
        allowed = np.isin(snap.paper_of_row, papers)
        snap.dense(np.asarray(snap.paper_vectors[p]), 200, allowed)
    for q in QUERIES * 2:
        snap.sparse(tokenize(q), 200, None)


def _touch_index(snap: Any) -> None:
    """One exhaustive probe, so every page of the vector index is resident (worst case)."""
    import faiss

    index = getattr(snap.vectors, "index", None)
    ivf = faiss.try_extract_index_ivf(index) if index is not None else None
    if ivf is None:
        return
    nprobe, ivf.nprobe = ivf.nprobe, ivf.nlist
    index.search(np.asarray(snap.paper_vectors[:1], dtype=np.float32), 10)
    ivf.nprobe = nprobe


def rss_child(data_dir: Path) -> dict[str, Any]:
    """Load the generation at data_dir through the real Searcher and record memory per stage."""
    stages: list[dict[str, Any]] = []

    def mark(stage: str, t0: float) -> None:
        rss, anon = memory()
        stages.append({"stage": stage, "rss": rss, "anon": anon,
                       "seconds": time.perf_counter() - t0})

    t0 = time.perf_counter()
    from search.config import Settings
    from search.models import Filters
    from search.retrieval.engine import Searcher

    mark("imports (numpy, faiss, search)", t0)
    t0 = time.perf_counter()
    searcher = Searcher(Settings.load(data_dir))
    mark("Snapshot loaded", t0)
    t0 = time.perf_counter()
    _searches(searcher.snapshot, np.random.default_rng(0))
    mark("+ 30 dense, 10 filtered dense, 10 BM25 searches", t0)
    t0 = time.perf_counter()
    _touch_index(searcher.snapshot)
    mark("+ whole vector index resident (one exhaustive probe)", t0)
    t0 = time.perf_counter()
    for q in QUERIES:
        searcher.search(q, k=10)
        searcher.search(q, k=10, filters=Filters(topic="NeRF"))
    searcher.similar(searcher.snapshot.papers[0].paper_id)
    mark("+ query encoder (torch) and 10 hybrid searches, 1 similar", t0)
    # Not ru_maxrss: Linux carries it over exec from the (large) benchmark process.
    return {"stages": stages, "peak": _status()["VmHWM"]}

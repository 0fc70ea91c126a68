"""Scale benchmark: FAISS index types on 1M vectors, and the RSS of a 1M-chunk generation.

Usage (from the repo root):
    .venv/bin/python benchmarks/scale.py [--n 1000000] [--types flat,ivf-sq8,hnsw-sq8]
        [--data-dir benchmarks/results/corpus_index] [--per-paper 100] [--skip-rss]

The vectors are the real corpus vectors (index built once at --data-dir, as by
benchmarks/retrieval/run.py) plus synthetic clustered vectors up to --n. For each index
type, in one run: build time (training, adding and nprobe/efSearch tuning), bytes per
vector (index file / n), p50/p95 single-query latency of the index as served (memory-
mapped, through indexer.vectorstore.FaissStore), recall@10 against exact search for the
eval queries' real embeddings, for held-out spans of the corpus text and for synthetic
queries, and for a filtered search (5 % of the papers allowed). nprobe/efSearch are tuned
on other corpus spans, as a build tunes them. Then a 1M-chunk generation is written with the type
a build would choose and a fresh process loads it through the real Snapshot/Searcher;
its RSS is reported against the 2 GiB target. About 15 min on two cores at 1M.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))
sys.path.insert(0, str(REPO / "benchmarks" / "retrieval"))

from machine import machine  # noqa: E402
from run import ensure_index  # noqa: E402
from scale_data import chunk_texts, synthetic_vectors, write_generation  # noqa: E402
from scale_rss import rss_child  # noqa: E402

from indexer import store  # noqa: E402
from indexer.embed import load_embedder  # noqa: E402
from indexer.vectors import (  # noqa: E402
    make_faiss_index,
    pick_kind,
    query_spans,
    recall_at,
    tuning_queries,
)
from indexer.vectorstore import FaissStore  # noqa: E402

K = 10
GIB = 2**30


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))]


def load_inputs(data_dir: Path, n: int) -> tuple[np.ndarray, dict[str, np.ndarray], np.ndarray, Path]:
    """All vectors (real first), the query sets, the tuning queries, the real generation.

    Tuning queries are embedded spans of the corpus text, as a build makes them
    (indexer.vectors.query_spans); the eval queries and other spans are held out.
    """
    ensure_index(data_dir)
    gen = store.generation_path(data_dir)
    real = np.asarray(store.read_embeddings(gen)[0], dtype=np.float32)[:n]
    lines = (REPO / "benchmarks/retrieval/queries.jsonl").read_text("utf-8").splitlines()
    texts = [json.loads(line)["query"] for line in lines if line.strip()]
    embedder = load_embedder("torch")
    chunks = chunk_texts(gen)
    tune_q = embedder.embed(query_spans(chunks, seed=0))
    queries = {"real": embedder.embed(texts), "spans": embedder.embed(query_spans(chunks, seed=9))}
    t0 = time.perf_counter()
    x = np.concatenate([real, synthetic_vectors(n - len(real), real)])
    print(f"{len(real)} real + {n - len(real)} synthetic vectors ({time.perf_counter() - t0:.0f}s)",
          file=sys.stderr)
    queries["synthetic"] = tuning_queries(x, 200, seed=7)
    return x, queries, tune_q, gen


def run_queries(vs: FaissStore, queries: np.ndarray, allowed: np.ndarray | None
                ) -> tuple[np.ndarray, list[float]]:
    """Top-K ids per query (padded with -1) and per-query latency in ms."""
    found = np.full((len(queries), K), -1, dtype=np.int64)
    ms = []
    for i, q in enumerate(queries):
        t0 = time.perf_counter()
        ids, _ = vs.search(q, K, allowed)
        ms.append((time.perf_counter() - t0) * 1000)
        found[i, : len(ids)] = ids
    return found, ms


def measure(kind: str, x: np.ndarray, queries: dict[str, np.ndarray], tune_q: np.ndarray,
            allowed: np.ndarray, truth: dict[str, np.ndarray] | None, tmp: Path
            ) -> tuple[dict[str, Any], Any]:
    """Build one index type, reload it as served, time and score its searches."""
    t0 = time.perf_counter()
    index, params = make_faiss_index(x, kind, tune_q)  # type: ignore[arg-type]
    build_s = time.perf_counter() - t0
    store.write_faiss(tmp, index)
    vs = FaissStore(params=params)
    vs.load(tmp)
    row: dict[str, Any] = {"type": kind, "build_s": build_s, "params": params,
                           "bytes_per_vector": store.faiss_size(tmp) / len(x)}
    found: dict[str, np.ndarray] = {}
    latencies: list[float] = []
    for name, q in queries.items():
        found[name], ms = run_queries(vs, q, None)
        latencies += ms
    found["filtered"], fms = run_queries(vs, queries["real"], allowed)
    row.update(p50=pct(latencies, 0.5), p95=pct(latencies, 0.95), filtered_p50=pct(fms, 0.5))
    truth = truth or found
    for name in found:
        row[f"recall_{name}"] = recall_at(found[name], truth[name])
    print(f"{kind}: {json.dumps({k: v for k, v in row.items() if k != 'params'}, default=str)}",
          file=sys.stderr)
    return row, (index, params, found)


def compare(kinds: list[str], x: np.ndarray, queries: dict[str, np.ndarray], tune_q: np.ndarray,
            per_paper: int, tmp: Path) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Flat first (its results are the exact truth), then each ANN type."""
    rng = np.random.default_rng(3)
    papers = -(-len(x) // per_paper)
    chosen_papers = rng.choice(papers, size=max(1, papers // 20), replace=False)
    allowed = np.nonzero(np.isin(np.arange(len(x)) // per_paper, chosen_papers))[0]
    rows, built = [], {}
    truth = None
    for kind in ["flat", *[k for k in kinds if k != "flat"]]:
        row, (index, params, found) = measure(kind, x, queries, tune_q, allowed, truth, tmp)
        truth = truth or found
        rows.append(row)
        if kind == pick_kind(len(x)):  # reused for the served generation; others are freed
            built[kind] = (index, params)
    return rows, built


def report(rows: list[dict[str, Any]], n: int) -> str:
    lines = [f"| index (n = {n:,}) | build s | bytes/vector | p50 ms | p95 ms | recall@10 eval q"
             " | recall@10 spans | recall@10 synthetic | filtered 5 %: recall@10 | filtered p50 ms"
             " | search params |", "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        p = r["params"]
        knobs = ", ".join(f"{k}={p[k]}" for k in ("nlist", "nprobe", "M", "efConstruction",
                                                   "efSearch") if k in p) or "exact"
        lines.append(f"| {r['type']} | {r['build_s']:.1f} | {r['bytes_per_vector']:.0f} |"
                     f" {r['p50']:.2f} | {r['p95']:.2f} | {r['recall_real']:.3f} |"
                     f" {r['recall_spans']:.3f} | {r['recall_synthetic']:.3f} |"
                     f" {r['recall_filtered']:.3f} |"
                     f" {r['filtered_p50']:.2f} | {knobs} |")
    return "\n".join(lines)


def serving_rss(work: Path, x: np.ndarray, built: dict[str, Any], real_gen: Path,
                per_paper: int, tune_q: np.ndarray) -> str:
    """Write a generation with the automatic index type; measure a fresh process loading it."""
    kind = pick_kind(len(x))
    index, params = built.get(kind) or make_faiss_index(x, kind, tune_q)  # type: ignore[arg-type]
    shutil.rmtree(work, ignore_errors=True)
    t0 = time.perf_counter()
    fields = {"faiss_type": type(index).__name__, "faiss_params": params}
    stages = write_generation(work, x, index, fields, real_gen, per_paper)
    print(f"generation written in {time.perf_counter() - t0:.0f}s: {stages}", file=sys.stderr)
    out = subprocess.run([sys.executable, __file__, "--rss-child", str(work)], check=True,
                         capture_output=True, text=True).stdout
    r = json.loads(out.strip().splitlines()[-1])
    lines = [f"Serving a {len(x):,}-chunk generation ({-(-len(x) // per_paper):,} papers,"
             f" {kind}) in a fresh process (target ≤ 2 GiB RSS):", "",
             "| stage | RSS MiB | of which anonymous MiB | load / search s |", "|---|---|---|---|"]
    for stage in r["stages"]:
        lines.append(f"| {stage['stage']} | {stage['rss']:.0f} | {stage['anon']:.0f} |"
                     f" {stage['seconds']:.2f} |")
    verdict = "meets" if r["peak"] * 2**20 <= 2 * GIB else "MISSES"
    lines.append(f"\nPeak RSS {r['peak']:.0f} MiB: {verdict} the 2 GiB target.")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="vectors (chunks) in total")
    parser.add_argument("--types", default="flat,ivf-sq8,hnsw-sq8")
    parser.add_argument("--data-dir", type=Path, default=REPO / "benchmarks/results/corpus_index")
    parser.add_argument("--work-dir", type=Path, default=REPO / "benchmarks/results/scale_index")
    parser.add_argument("--per-paper", type=int, default=100, help="chunks per synthetic paper")
    parser.add_argument("--skip-rss", action="store_true")
    parser.add_argument("--rss-child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.rss_child:
        print(json.dumps(rss_child(args.rss_child)))
        return
    t0 = time.perf_counter()
    x, queries, tune_q, real_gen = load_inputs(args.data_dir, args.n)
    with tempfile.TemporaryDirectory() as tmp:
        rows, built = compare(args.types.split(","), x, queries, tune_q, args.per_paper, Path(tmp))
    rss = "" if args.skip_rss else serving_rss(args.work_dir, x, built, real_gen, args.per_paper,
                                               tune_q)
    print(f"Machine: {machine()}\n")
    print(f"Recall@10 against IndexFlatIP on the same vectors, for {len(queries['real'])} eval"
          f" queries (benchmarks/retrieval/queries.jsonl), {len(queries['spans'])} held-out corpus"
          f" spans and {len(queries['synthetic'])} synthetic queries. nprobe/efSearch were tuned on"
          f" {len(tune_q)} other corpus spans, as a build does.\n")
    print(report(rows, len(x)))
    print(f"\n{rss}\n\nTotal {time.perf_counter() - t0:.0f}s")


if __name__ == "__main__":
    main()

"""Retrieval benchmark: BM25-only vs dense-only vs hybrid on benchmarks/retrieval/queries.jsonl.

Usage (from the repo root):
    .venv/bin/python benchmarks/retrieval/run.py [--data-dir DIR] [--queries FILE]

Without --data-dir, an index of ../shared/corpus/chatpaperfree is built (once) under
benchmarks/results/corpus_index. Prints Recall@10, MRR@10 and nDCG@10 per language and
query type for each retriever side by side, plus in-process query latency p50/p95.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from indexer import store  # noqa: E402
from indexer.build import build  # noqa: E402
from indexer.embed import embedder_for  # noqa: E402
from indexer.models import SourceSpec  # noqa: E402
from search.config import Settings  # noqa: E402
from search.retrieval.engine import Searcher  # noqa: E402

sys.path.insert(0, str(REPO / "benchmarks"))
from machine import machine  # noqa: E402

MODES = ("sparse", "dense", "hybrid")
K = 10


def ensure_index(data_dir: Path) -> Settings:
    """The corpus index at data_dir, built from the shared corpus if missing."""
    settings = Settings.load(data_dir)
    if not store.current_generation(data_dir):
        corpus = REPO.parent / "shared" / "corpus" / "chatpaperfree"
        print(f"building the corpus index in {data_dir} ...", file=sys.stderr)
        build([SourceSpec(kind="path", value=str(corpus))], settings.index,
              lambda: embedder_for(settings.index), progress=True)
    return settings


def metrics(ranked: list[str], relevant: set[str]) -> tuple[float, float, float]:
    """Recall@K, reciprocal rank (cut at K) and binary nDCG@K of one ranking."""
    top = ranked[:K]
    found = [i for i, pid in enumerate(top) if pid in relevant]
    recall = len(found) / len(relevant)
    rr = 1.0 / (found[0] + 1) if found else 0.0
    dcg = sum(1.0 / math.log2(i + 2) for i in found)
    ideal = sum(1.0 / math.log2(i + 2) for i in range(min(len(relevant), K)))
    return recall, rr, dcg / ideal


def evaluate(searcher: Searcher, queries: list[dict]) -> dict:
    """Per (mode, group): mean metrics and latencies."""
    results: dict = {}
    for mode in MODES:
        for q in queries:
            group = f"{q['lang']}-{q['type']}"
            t0 = time.perf_counter()
            resp = searcher.search(q["query"], k=K, mode=mode)
            ms = (time.perf_counter() - t0) * 1000
            ranked = [h.paper_id for h in resp.hits]
            r = results.setdefault((mode, group), {"m": [], "ms": [], "misses": []})
            m = metrics(ranked, set(q["relevant"]))
            r["m"].append(m)
            r["ms"].append(ms)
            if m[0] == 0:
                r["misses"].append(q["qid"])
    return results


def report(results: dict, groups: list[str]) -> str:
    """A markdown table: one row per group, the three retrievers side by side."""
    head = "| queries | n | " + " | ".join(
        f"{m} R@10 | {m} MRR@10 | {m} nDCG@10" for m in MODES) + " |"
    lines = [head, "|" + "---|" * (2 + 3 * len(MODES))]
    for g in groups:
        cells = []
        n = len(results[(MODES[0], g)]["m"])
        for mode in MODES:
            ms = results[(mode, g)]["m"]
            cells += [f"{statistics.mean(x[i] for x in ms):.3f}" for i in range(3)]
        lines.append(f"| {g} | {n} | " + " | ".join(cells) + " |")
    lines.append("")
    lines.append("| latency (ms, in-process) | p50 | p95 |")
    lines.append("|---|---|---|")
    for mode in MODES:
        ms = sorted(x for (m, _), r in results.items() if m == mode for x in r["ms"])
        lines.append(f"| {mode} | {ms[len(ms) // 2]:.1f} | {ms[int(len(ms) * 0.95)]:.1f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=REPO / "benchmarks/results/corpus_index")
    parser.add_argument("--queries", type=Path, default=REPO / "benchmarks/retrieval/queries.jsonl")
    parser.add_argument("--misses", action="store_true", help="list queries hybrid missed")
    args = parser.parse_args()
    queries = [json.loads(line) for line in args.queries.read_text("utf-8").splitlines() if line.strip()]
    searcher = Searcher(ensure_index(args.data_dir))
    searcher.search("warm up the model", k=K)
    results = evaluate(searcher, queries)
    groups = sorted({f"{q['lang']}-{q['type']}" for q in queries})
    print(f"Machine: {machine()}")
    print(f"Index: {searcher.snapshot.manifest.papers} papers, {searcher.snapshot.manifest.chunks}"
          f" chunks; {len(queries)} queries\n")
    print(report(results, groups))
    if args.misses:
        for g in groups:
            print(g, "hybrid misses:", results[("hybrid", g)]["misses"])


if __name__ == "__main__":
    main()

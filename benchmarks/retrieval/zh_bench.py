"""Chinese retrieval and the no-match floor, on the bundled library (English only) and the corpus.

Usage (from the repo root):
    .venv/bin/python benchmarks/retrieval/zh_bench.py [--split dev|test|all] [--misses]

Builds, once, benchmarks/results/library_index (index_data/library: English metadata only)
and benchmarks/results/corpus_index (../shared/corpus/chatpaperfree, with the digests'
Chinese summaries). Prints, per index and split: the Chinese known-item and topical
queries of benchmarks/retrieval/zh/queries_zh.jsonl (hybrid, BM25-only, dense-only), the
older benchmarks/retrieval/queries.jsonl (English and Chinese), how often the "no close
match" floor fires on junk, off-topic and real queries (junk_queries.jsonl), and the
lexicon's size and coverage of the queries' Chinese characters.

The test split is held out: tune on dev, run --split test once at the end.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from run import REPO, metrics  # noqa: E402

from indexer import store  # noqa: E402
from indexer.build import build  # noqa: E402
from indexer.embed import embedder_for  # noqa: E402
from indexer.models import SourceSpec  # noqa: E402
from search.config import Settings  # noqa: E402
from search.lexicon.table import packaged_lexicon  # noqa: E402
from search.retrieval import floor  # noqa: E402
from search.retrieval.engine import Searcher  # noqa: E402
from search.retrieval.floor import NO_MATCH  # noqa: E402
from search.retrieval.translate import translate  # noqa: E402

sys.path.insert(0, str(REPO / "benchmarks"))
from machine import machine  # noqa: E402

K = 10
INDEXES = {
    "library": REPO / "index_data" / "library" / "avatar-papers-2024.jsonl.gz",
    "corpus": REPO.parent / "shared" / "corpus" / "chatpaperfree",
}
ZH = HERE / "zh" / "queries_zh.jsonl"
JUNK = HERE / "zh" / "junk_queries.jsonl"
OLD = HERE / "queries.jsonl"
STRENGTHS: list[float] = []  # match strengths of a hybrid search's first papers, recorded below


def _recording(*args):  # type: ignore[no-untyped-def]
    value = _match_strength(*args)
    STRENGTHS.append(value)
    return value


_match_strength = floor.match_strength  # the floor's own lookup, which search calls
floor.match_strength = _recording


def load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def ensure_index(name: str) -> Settings:
    """The named benchmark index, built from its source if missing."""
    settings = Settings.load(REPO / "benchmarks" / "results" / f"{name}_index")
    if not store.current_generation(settings.data_dir):
        print(f"building the {name} index in {settings.data_dir} ...", file=sys.stderr)
        build([SourceSpec(kind="path", value=str(INDEXES[name]))], settings.index,
              lambda: embedder_for(settings.index), progress=True)
    return settings


def run_queries(searcher: Searcher, queries: list[dict], mode: str = "hybrid") -> list[dict]:
    """Each query's metrics, whether the floor fired, its strength and latency."""
    rows = []
    for q in queries:
        STRENGTHS.clear()
        t0 = time.perf_counter()
        resp = searcher.search(q["query"], k=K, mode=mode)  # type: ignore[arg-type]
        ms = (time.perf_counter() - t0) * 1000
        ranked = [h.paper_id for h in resp.hits]
        rel = set(q.get("relevant", []))
        top20 = [h.paper_id for h in searcher.search(q["query"], k=20, mode=mode).hits] if (
            q.get("type") == "topical") else ranked
        rows.append({**q, "m": metrics(ranked, rel) if rel else None,
                     "r20": len(rel & set(top20)) / len(rel) if rel else None,
                     "p10": len(rel & set(ranked)) / K if rel else None,
                     "rc10": len(rel & set(ranked)) / min(K, len(rel)) if rel else None,
                     "nomatch": any(NO_MATCH in n for n in resp.notices), "ms": ms,
                     "withheld": not resp.hits,
                     "strength": max(STRENGTHS) if STRENGTHS else None})
    return rows


def mean(xs: list[float]) -> str:
    return f"{statistics.mean(xs):.3f}" if xs else "-"


def quality_table(results: dict[tuple[str, str], list[dict]]) -> list[str]:
    """Rows: index / split / type; hybrid first, then BM25-only and dense-only."""
    lines = ["| index | split | queries | n | hybrid R@10 | **hybrid MRR@10** | hybrid nDCG@10 |"
             " R@10 of ≤10 | P@10 | R@20 | BM25 MRR@10 / nDCG | dense MRR@10 / nDCG |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for (index, split), rows in results.items():
        groups = sorted({r["group"] for r in rows})
        for g in groups:
            by = {mode: [r for r in rows if r["group"] == g and r["mode"] == mode]
                  for mode in ("hybrid", "sparse", "dense")}
            h = by["hybrid"]
            topical = g.endswith("topical")
            lines.append(
                f"| {index} | {split} | {g} | {len(h)} | {mean([r['m'][0] for r in h])} | "
                f"**{mean([r['m'][1] for r in h])}** | {mean([r['m'][2] for r in h])} | "
                f"{mean([r['rc10'] for r in h]) if topical else '-'} | "
                f"{mean([r['p10'] for r in h]) if topical else '-'} | "
                f"{mean([r['r20'] for r in h]) if topical else '-'} | "
                f"{mean([r['m'][1] for r in by['sparse']])} / {mean([r['m'][2] for r in by['sparse']])} | "
                f"{mean([r['m'][1] for r in by['dense']])} / {mean([r['m'][2] for r in by['dense']])} |")
    return lines


def floor_table(floor: dict[tuple[str, str], list[dict]]) -> list[str]:
    """How often the floor fires per kind of query, and the strengths' range."""
    lines = ["| index | split | queries | n | no-match notice | no papers listed |"
             " match strength min / median / max |",
             "|---|---|---|---|---|---|---|"]
    for (index, split), rows in floor.items():
        for kind in sorted({r["kind"] for r in rows}):
            sel = [r for r in rows if r["kind"] == kind]
            st = sorted(r["strength"] for r in sel if r["strength"] is not None)
            rng = f"{st[0]:.2f} / {st[len(st) // 2]:.2f} / {st[-1]:.2f}" if st else "-"
            fired = sum(r["nomatch"] for r in sel)
            empty = sum(r["withheld"] for r in sel)
            lines.append(f"| {index} | {split} | {kind} | {len(sel)} | {fired}/{len(sel)} "
                         f"({fired / len(sel):.0%}) | {empty}/{len(sel)} | {rng} |")
    return lines


def coverage_lines(zh: list[dict], splits: list[str]) -> list[str]:
    """Lexicon size and the share of the queries' Chinese characters it translates."""
    lexicon = packaged_lexicon()
    mined = sum(e.source == "mined" for e in lexicon.values())
    lines = [f"Lexicon: {len(lexicon)} terms ({mined} mined, {len(lexicon) - mined} curated)", ""]
    for split in splits:
        done = total = 0
        for q in (q for q in zh if q["split"] == split):
            for t in translate(q["query"], lexicon).terms:
                if not t.latin:
                    total += len(t.text)
                    done += len(t.text) if t.en else 0
        lines.append(f"- {split}: {done}/{total} informative Chinese characters translated "
                     f"({done / total:.1%}); stop words excluded")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=["dev", "test", "all"], default="all")
    parser.add_argument("--misses", action="store_true", help="list known-item queries not ranked first")
    args = parser.parse_args()
    splits = ["dev", "test"] if args.split == "all" else [args.split]
    zh, junk, old = load(ZH), load(JUNK), load(OLD)
    results: dict[tuple[str, str], list[dict]] = defaultdict(list)
    floor: dict[tuple[str, str], list[dict]] = defaultdict(list)
    latency: list[float] = []
    for index in INDEXES:
        searcher = Searcher(ensure_index(index))
        searcher.search("warm up the model", k=K)
        for split in splits:
            sel = [dict(q, group=f"zh-{q['type']}") for q in zh if q["split"] == split]
            for mode in ("hybrid", "sparse", "dense"):
                results[(index, split)] += [dict(r, mode=mode) for r in run_queries(searcher, sel, mode)]
            hybrid = [r for r in results[(index, split)] if r["mode"] == "hybrid"]
            latency += [r["ms"] for r in hybrid]
            floor[(index, split)] += [dict(r, kind=r["group"]) for r in hybrid]
            floor[(index, split)] += [dict(r, kind=q["kind"]) for q, r in zip(
                [q for q in junk if q["split"] == split],
                run_queries(searcher, [q for q in junk if q["split"] == split]), strict=True)]
            if args.misses:
                for r in hybrid:
                    if r["type"] == "known" and r["m"][1] < 1:
                        print(f"{index} {split} {r['qid']} RR={r['m'][1]:.2f} {r['query']}", file=sys.stderr)
        old_rows = [dict(q, group=f"old-{q['lang']}-{q['type']}") for q in old]
        for mode in ("hybrid", "sparse", "dense"):
            results[(index, "queries.jsonl")] += [dict(r, mode=mode) for r in run_queries(searcher, old_rows, mode)]
        floor[(index, "queries.jsonl")] += [dict(r, kind=r["group"]) for r in
                                           results[(index, "queries.jsonl")] if r["mode"] == "hybrid"]
    latency.sort()
    print(f"Machine: {machine()}\n")
    print("\n".join(coverage_lines(zh, splits)) + "\n")
    print("\n".join(quality_table(results)) + "\n")
    print("\n".join(floor_table(floor)) + "\n")
    print(f"Chinese query latency (hybrid, in-process): p50 {latency[len(latency) // 2]:.1f} ms, "
          f"p95 {latency[int(len(latency) * 0.95)]:.1f} ms")


if __name__ == "__main__":
    main()

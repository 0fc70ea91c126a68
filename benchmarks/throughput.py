"""Indexing throughput: raw sentence-transformers vs each embedding backend, end to end.

Usage (from the repo root):
    .venv/bin/python benchmarks/throughput.py [--full] [--backends torch,onnx,onnx-int8]
                                              [--rounds 3] [--no-recall]

Everything runs on the same chunks in one process. The sources (every 3rd PDF and every
6th digest day of ../shared/corpus, ≈1,500 chunks; --full for all of it) are dealt into
rounds; in each round, in rotating order, the baseline `SentenceTransformer.encode`
(torch fp32, batch 32, texts as they come) encodes that group's chunks and
`indexer.build.build` indexes that group's files into a temporary directory once per
backend. Interleaving makes the drift of other jobs on the machine hit every contender
alike. Times are the sums over rounds, split into the stages of `report.seconds`; each
encoder is loaded once (the "load" column, as in one indexing job). GFLOP/s counts
24 MFLOP per real token (special tokens in, padding out).

The Recall@10 table searches a full-corpus index per backend (built once under
benchmarks/results/throughput/, reused while its manifest names the same backend) with
the query set and functions of benchmarks/retrieval/run.py; queries use the backend
recorded in the index's manifest.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks" / "retrieval"))

import run as retrieval  # noqa: E402  (benchmarks/retrieval/run.py)
from machine import machine  # noqa: E402

from indexer import store  # noqa: E402
from indexer.build import build, embed_text  # noqa: E402
from indexer.chunk import chunk_document  # noqa: E402
from indexer.collect import collect  # noqa: E402
from indexer.config import IndexerSettings  # noqa: E402
from indexer.embed import Embedder, embedder_for, load_embedder  # noqa: E402
from indexer.embed_onnx import physical_cores  # noqa: E402
from indexer.merge import merge_all  # noqa: E402
from indexer.model_spec import MODEL_MAX_TOKENS, model_path  # noqa: E402
from indexer.models import SourceSpec  # noqa: E402
from search.config import Settings  # noqa: E402
from search.retrieval.engine import Searcher  # noqa: E402

CORPUS = REPO.parent / "shared" / "corpus"
RESULTS = REPO / "benchmarks" / "results"
FLOP_PER_TOKEN = 24e6  # all-MiniLM-L6-v2 forward pass, per token
TARGET_RATIO = 2.5
STAGES = ("parse", "chunk", "embed", "write")


@dataclass
class Tally:
    """One contender's seconds summed over the rounds, and the vectors it wrote."""

    name: str
    wall: float = 0.0
    seconds: dict[str, float] = field(default_factory=dict)
    vectors: list[np.ndarray] = field(default_factory=list)

    def add(self, wall: float, seconds: dict[str, float]) -> None:
        self.wall += wall
        for stage, s in seconds.items():
            self.seconds[stage] = self.seconds.get(stage, 0.0) + s


def source_groups(full: bool, rounds: int) -> list[list[SourceSpec]]:
    """The fixed sample of the shared corpus (or all of it), dealt into `rounds` groups."""
    pdfs = sorted((CORPUS / "pdfs").glob("*.pdf"))
    days = sorted(p for p in (CORPUS / "chatpaperfree").iterdir() if p.is_dir())
    paths = pdfs + days if full else pdfs[::3] + days[::6]
    specs = [SourceSpec(kind="path", value=str(p.resolve())) for p in paths]
    return [specs[i::rounds] for i in range(rounds)]


def chunk_texts(specs: list[SourceSpec], settings: IndexerSettings, count: Any) -> list[str]:
    """Exactly the texts a fresh build embeds: parse, merge, chunk, English only."""
    docs = merge_all(collect(specs, settings, progress=False).documents)
    texts = []
    for doc in docs:
        budget = max(64, settings.max_tokens - count(doc.paper.title + ".") - 2)
        for chunk in chunk_document(doc, words=settings.chunk_words, overlap=settings.chunk_overlap,
                                    budget=budget, count_tokens=count):
            if chunk.lang == "en":
                texts.append(embed_text(doc.paper.title, chunk))
    return texts


def real_tokens(texts: list[str]) -> int:
    """Tokens the model computes on: truncated to its window, special tokens in, no padding."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(Path(model_path()) / "tokenizer.json"))
    tok.enable_truncation(MODEL_MAX_TOKENS)
    tok.no_padding()
    return sum(len(e.ids) for e in tok.encode_batch(texts))


def raw_encode(model: Any, texts: list[str], tally: Tally) -> None:
    """Plain `SentenceTransformer.encode`, batch 32, texts as they come (it sorts inside)."""
    t0 = time.perf_counter()
    model.encode(texts, batch_size=32, convert_to_numpy=True)
    tally.add(time.perf_counter() - t0, {})


def build_once(embedder: Embedder, specs: list[SourceSpec], data_dir: Path, tally: Tally) -> None:
    """A fresh build of `specs` with an already loaded encoder (loading is timed apart)."""
    settings = IndexerSettings(data_dir=data_dir)
    t0 = time.perf_counter()
    report = build(specs, settings, lambda: embedder, progress=False)
    tally.add(time.perf_counter() - t0, report.seconds)
    vectors, _ = store.read_embeddings(store.generation_path(data_dir))
    tally.vectors.append(np.array(vectors))


def run_rounds(groups: list[list[SourceSpec]], texts: list[list[str]], backends: list[str],
               work: Path) -> tuple[Tally, list[Tally]]:
    """Every contender on every group, in rotating order, so load drift hits all alike."""
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(model_path(), device="cpu")
    base, tallies, embedders = Tally("raw"), [Tally(b) for b in backends], {}
    for t in tallies:
        t0 = time.perf_counter()
        embedders[t.name] = load_embedder(t.name)
        t.seconds["load"] = time.perf_counter() - t0
        embedders[t.name].embed(texts[0][:32])  # warm-up: first calls allocate, pick kernels
    model.encode(texts[0][:32], batch_size=32)
    for r, (group, group_texts) in enumerate(zip(groups, texts, strict=True)):
        jobs = [lambda g=group_texts: raw_encode(model, g, base)]
        jobs += [lambda t=t, g=group, r=r: build_once(embedders[t.name], g, work / f"{t.name}-{r}", t)
                 for t in tallies]
        for i in range(len(jobs)):
            jobs[(i + r) % len(jobs)]()
        print(f"round {r + 1}/{len(groups)} done", file=sys.stderr)
    for t in tallies:
        t.wall += t.seconds["load"]  # once per job, as in production
    return base, tallies


def corpus_index(backend: str) -> Settings:
    """The full-corpus index of `backend` under benchmarks/results (built when missing)."""
    settings = Settings.load(RESULTS / "throughput" / f"corpus_{backend}")
    current = store.current_generation(settings.data_dir)
    if current and store.read_manifest(store.generation_path(settings.data_dir)).backend == backend:
        return settings
    print(f"building the corpus index for {backend} in {settings.data_dir} ...", file=sys.stderr)
    build([SourceSpec(kind="path", value=str((CORPUS / "chatpaperfree").resolve()))],
          settings.index, lambda: embedder_for(settings.index, backend), mode="reindex",
          progress=False)
    return settings


def recall(backend: str, queries: list[dict]) -> dict[str, float]:
    """Mean Recall@10 / MRR@10 over all queries, per retrieval mode."""
    searcher = Searcher(corpus_index(backend))  # queries use the manifest's backend
    searcher.search("warm up the model", k=retrieval.K)
    if searcher.embedder.backend != backend:
        raise SystemExit(f"the searcher encoded queries with {searcher.embedder.backend}, not {backend}")
    results = retrieval.evaluate(searcher, queries)
    out = {}
    for mode in ("dense", "hybrid"):
        ms = [m for (md, _), r in results.items() if md == mode for m in r["m"]]
        out[f"{mode} R@10"] = statistics.mean(m[0] for m in ms)
        out[f"{mode} MRR@10"] = statistics.mean(m[1] for m in ms)
    return out


def throughput_table(base: Tally, runs: list[Tally], n: int, tokens: int) -> str:
    """Markdown: the baseline, then each backend's embed stage and its whole builds."""
    gflop = tokens * FLOP_PER_TOKEN / 1e9
    cols = (*STAGES, "load")
    lines = ["| run | " + " | ".join(f"{c} s" for c in cols)
             + " | other s | total s | chunks/s | × baseline | GFLOP/s |",
             "|---|" + "---|" * (len(cols) + 5)]

    def row(label: str, cells: str, other: str, secs: float) -> str:
        return (f"| {label} | {cells} | {other} | {secs:.1f} | {n / secs:.1f} |"
                f" {base.wall / secs:.2f} | {gflop / secs:.0f} |")

    def only_embed(secs: float) -> str:
        return " | ".join(f"{secs:.1f}" if c == "embed" else "" for c in cols)

    lines.append(row("raw ST encode (torch fp32, batch 32)", only_embed(base.wall), "", base.wall))
    for t in runs:
        embed = t.seconds.get("embed", 0.0)
        lines.append(row(f"{t.name}: embed stage", only_embed(embed), "", embed))
        other = t.wall - sum(t.seconds.values())  # lock, hashing, previous-index check
        cells = " | ".join(f"{t.seconds.get(c, 0.0):.1f}" for c in cols)
        lines.append(row(f"{t.name}: end to end", cells, f"{other:.1f}", t.wall))
    return "\n".join(lines)


def agreement_table(runs: list[Tally]) -> str:
    """Cosine of each backend's vectors with torch's, chunk by chunk."""
    ref = next((np.concatenate(t.vectors) for t in runs if t.name == "torch"), None)
    lines = ["| backend | chunks | mean cosine vs torch | min | p1 |", "|---|---|---|---|---|"]
    for t in runs:
        vecs = np.concatenate(t.vectors)
        if ref is None or t.name == "torch" or vecs.shape != ref.shape:
            continue
        cos = (vecs * ref).sum(axis=1)
        lines.append(f"| {t.name} | {len(cos)} | {cos.mean():.5f} | {cos.min():.4f} |"
                     f" {np.percentile(cos, 1):.4f} |")
    return "\n".join(lines)


def recall_table(scores: dict[str, dict[str, float]]) -> str:
    """Markdown: Recall@10 and MRR@10 per backend, and the change from torch."""
    cols = ["dense R@10", "dense MRR@10", "hybrid R@10", "hybrid MRR@10"]
    ref = scores.get("torch", {})
    lines = ["| backend | " + " | ".join(cols) + " | Δ hybrid R@10 vs torch |",
             "|---|" + "---|" * (len(cols) + 1)]
    for backend, s in scores.items():
        delta = f"{s['hybrid R@10'] - ref['hybrid R@10']:+.3f}" if ref else "n/a"
        lines.append(f"| {backend} | " + " | ".join(f"{s[c]:.3f}" for c in cols) + f" | {delta} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="all of the shared corpus")
    parser.add_argument("--backends", default="torch,onnx,onnx-int8")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds")
    parser.add_argument("--no-recall", action="store_true", help="skip the Recall@10 table")
    args = parser.parse_args()
    from indexer.embed_onnx import ensure_model

    t0 = time.perf_counter()
    ensure_model(quantized=True)  # export once, outside every timing
    export_s = time.perf_counter() - t0
    groups = source_groups(args.full, args.rounds)
    settings = IndexerSettings(data_dir=RESULTS / "unused")
    count = load_embedder("onnx").count_tokens  # equal to torch's (the tests check it)
    texts = [chunk_texts(g, settings, count) for g in groups]
    n, tokens = sum(map(len, texts)), sum(real_tokens(t) for t in texts)
    RESULTS.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=RESULTS) as tmp:
        base, runs = run_rounds(groups, texts, args.backends.split(","), Path(tmp))
    print(f"Machine: {machine()}; ONNX Runtime intra-op threads: {physical_cores()}")
    print(f"Chunks: {n} from {sum(map(len, groups))} files/folders in {args.rounds} interleaved"
          f" rounds, {tokens} real tokens ({tokens / n:.0f}/chunk); ONNX export or cache"
          f" check {export_s:.1f}s (not counted)\n")
    print(throughput_table(base, runs, n, tokens) + "\n")
    print(agreement_table(runs) + "\n")
    best = max(runs, key=lambda t: base.wall / t.wall)
    verdict = "meets" if base.wall / best.wall >= TARGET_RATIO else "misses"
    print(f"Best end to end: {best.name}, {base.wall / best.wall:.2f}× baseline"
          f" ({verdict} the {TARGET_RATIO}× target)\n")
    if not args.no_recall:
        queries = [json.loads(x) for x in (REPO / "benchmarks/retrieval/queries.jsonl")
                   .read_text("utf-8").splitlines() if x.strip()]
        print(recall_table({t.name: recall(t.name, queries) for t in runs}))


if __name__ == "__main__":
    main()

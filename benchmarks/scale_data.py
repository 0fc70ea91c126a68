"""Synthetic data for benchmarks/scale.py: clustered vectors and a 1M-chunk index generation.

Vectors: a Gaussian mixture shaped like the real embeddings (centroids drawn from a
Gaussian fitted to the corpus vectors, so they share its mean direction and anisotropy),
then L2-normalised; ANN recall on it is meaningful, unlike on uniform noise.

Generation: written only through indexer.store / indexer.vectors / indexer.vectorstore,
like a real build: papers (metadata copied from real papers under new ids), chunks with
short texts sampled from the real corpus's word stream (so BM25 sees a real vocabulary
and real word frequencies), row arrays, embeddings, the vector index and BM25.
"""

from __future__ import annotations

import hashlib
import re
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from indexer import store  # noqa: E402
from indexer.models import Chunk, Document, Paper  # noqa: E402
from indexer.vectors import build_bm25, row_arrays  # noqa: E402

BLOCK = 100_000


def synthetic_vectors(n: int, real: np.ndarray, clusters: int = 2000, spread: float = 0.5,
                      seed: int = 0) -> np.ndarray:
    """n normalised vectors from a mixture of `clusters` Gaussians fitted to `real`."""
    rng = np.random.default_rng(seed)
    dim = real.shape[1]
    mean = real.mean(axis=0).astype(np.float64)
    cov = np.cov(real.T.astype(np.float64)) if len(real) > dim else np.eye(dim) / dim
    chol = np.linalg.cholesky(cov + 1e-6 * np.eye(dim))
    centroids = mean + rng.standard_normal((clusters, dim)) @ chol.T
    out = np.empty((n, dim), dtype=np.float32)
    for start in range(0, n, BLOCK):
        m = min(BLOCK, n - start)
        x = centroids[rng.integers(0, clusters, m)] + spread * (rng.standard_normal((m, dim)) @ chol.T)
        out[start : start + m] = x / np.linalg.norm(x, axis=1, keepdims=True)
    return out


def chunk_texts(gen_dir: Path) -> list[str]:
    """The English chunk texts of a real generation."""
    con = store.connect_readonly(gen_dir)
    try:
        return [t for (t,) in con.execute("SELECT text FROM chunks WHERE lang = 'en' ORDER BY row")]
    finally:
        con.close()


def real_texts(gen_dir: Path) -> tuple[list[Paper], list[str]]:
    """Papers and the word stream of the chunk texts of a real generation."""
    con = store.connect_readonly(gen_dir)
    try:
        papers = [p for p, _ in store.read_papers(con).values()]
        words = [w for (t,) in con.execute("SELECT text FROM chunks WHERE lang = 'en'")
                 for w in re.findall(r"\S+", t)]
    finally:
        con.close()
    return papers, words


def _chunks(n: int, per_paper: int, words: list[str], length: int, seed: int) -> Iterator[Chunk]:
    rng = np.random.default_rng(seed)
    for start in range(0, n, BLOCK):
        picks = rng.integers(0, len(words), size=(min(BLOCK, n - start), length))
        for i, row in enumerate(picks, start=start):
            yield Chunk(chunk_id=f"s{i // per_paper:07d}#{i % per_paper}",
                        paper_id=f"s{i // per_paper:07d}", ordinal=i % per_paper,
                        section="Body", page=1 + (i % per_paper) // 4, start=0, end=0,
                        text=" ".join(words[j] for j in row))


def _papers(count: int, real: list[Paper]) -> list[tuple[Document, str]]:
    docs = []
    for i in range(count):
        p = real[i % len(real)].model_copy(update={
            "paper_id": f"s{i:07d}", "arxiv_id": None, "source": "jsonl",
            "source_path": f"synthetic/{i}", "title": f"{real[i % len(real)].title} ({i})"})
        docs.append((Document(paper=p), hashlib.sha1(p.paper_id.encode()).hexdigest()))
    return docs


def write_generation(data_dir: Path, vectors: np.ndarray, index: Any, index_fields: dict[str, Any],
                     real_gen: Path, per_paper: int, words_per_chunk: int = 40) -> dict[str, float]:
    """Publish a generation of len(vectors) chunks (one vector each); seconds per stage."""
    n = len(vectors)
    n_papers = -(-n // per_paper)
    real_papers, words = real_texts(real_gen)
    name = store.new_generation_name()
    staged = store.staging_dir(data_dir, name)
    seconds: dict[str, float] = {}
    t0 = time.perf_counter()
    docs = _papers(n_papers, real_papers)
    rows = np.arange(n, dtype=np.int64)
    store.write_sqlite(staged / "papers.sqlite", docs,
                       _chunks(n, per_paper, words, words_per_chunk, 1), {i: i for i in range(n)})
    seconds["sqlite"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    store.write_embeddings(staged, vectors, rows)
    store.write_rows(staged, row_arrays((rows // per_paper).astype(np.int32),
                                        np.full(n, "en", dtype="<U2"), rows, vectors, n_papers))
    store.write_faiss(staged, index)
    seconds["arrays+index"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    store.write_bm25(staged, build_bm25([c.text for c in _chunks(n, per_paper, words,
                                                                   words_per_chunk, 1)]))
    seconds["bm25"] = time.perf_counter() - t0
    store.write_json(staged / "manifest.json", _manifest(name, n, n_papers, index_fields, seconds))
    store.publish_generation(data_dir, staged, name, keep=1)
    return seconds


def _manifest(name: str, n: int, n_papers: int, index_fields: dict[str, Any],
              seconds: dict[str, float]) -> dict[str, Any]:
    from datetime import UTC, datetime

    from indexer.embed import MODEL_DIM, MODEL_ID

    return store.IndexManifest(
        generation=name, built_at=datetime.now(UTC), model_id=MODEL_ID, dim=MODEL_DIM,
        backend="torch", chunk_words=200, chunk_overlap=30, max_tokens=256, papers=n_papers,
        chunks=n, vectors=n, seconds=seconds, **index_fields,
    ).model_dump(mode="json")

"""Construct the dense (FAISS) and keyword (BM25) indexes and the per-row arrays of a generation.

The FAISS index type follows the number of vectors (measured in benchmarks/scale.py and
docs/scaling.md): exact inner product (``IndexFlatIP``) up to `EXACT_LIMIT`, beyond it an
inverted file over 8-bit scalar-quantised vectors (``IVF<nlist>,SQ8``): a quarter of the
memory, builds 1M × 384 in about a minute on two cores, and filtered search keeps working
through ``SearchParametersIVF``. ``nprobe`` is tuned at build time against exact search
with query-like vectors (embedded short spans of the corpus text, see `query_spans`) so
that recall@10 stays ≥ `TARGET_RECALL`; it is recorded in the manifest's ``faiss_params``.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from indexer.textproc import tokenize

logger = logging.getLogger(__name__)

# Exact search is fast enough below this size on two cores (≈ 200k × 384 floats ≈ 300 MB).
EXACT_LIMIT = 200_000
TARGET_RECALL = 0.95
TUNE_RECALL = 0.96  # tuned with a margin over TARGET_RECALL
FAR = 2.4  # noise of the fallback tuning queries, relative to a vector's norm
TUNE_QUERIES = 200
IndexKind = Literal["auto", "flat", "ivf-sq8", "hnsw-sq8"]


def pick_kind(n: int, kind: IndexKind = "auto") -> str:
    """The index kind used for `n` vectors ("flat" up to EXACT_LIMIT, else "ivf-sq8")."""
    if kind != "auto":
        return kind
    return "flat" if n <= EXACT_LIMIT else "ivf-sq8"


def ivf_lists(n: int) -> int:
    """Inverted lists for n vectors: the power of two nearest √n (≥ 16, ≤ 65,536)."""
    return int(min(65_536, max(16, 2 ** round(math.log2(max(n, 1)) / 2))))


def make_faiss_index(vectors: np.ndarray, kind: IndexKind = "auto", queries: np.ndarray | None = None,
                     seed: int = 0) -> tuple[Any, dict[str, Any]]:
    """An inner-product index over normalised vectors and its search parameters.

    Args:
        vectors: normalised float32 vectors; row i gets id i.
        kind: index type, or "auto" to choose by size (`pick_kind`).
        queries: query-like vectors to tune nprobe / efSearch with (see `query_spans`);
            synthetic ones (`tuning_queries`) when None.
        seed: for sampling, so that a build is reproducible.

    Returns:
        ``(index, params)``: params hold what search must set at load time
        (``nprobe`` / ``efSearch``), the build settings, and the recall tuned for.
    """
    import faiss

    n, dim = vectors.shape if vectors.ndim == 2 else (0, 384)
    chosen = pick_kind(n, kind)
    x = np.ascontiguousarray(vectors, dtype=np.float32)
    if chosen == "flat" or n == 0:
        index = faiss.IndexFlatIP(dim)
        index.add(x)
        return index, {"kind": "flat"}
    if chosen == "ivf-sq8":
        index, params = _ivf_sq8(x, seed)
    elif chosen == "hnsw-sq8":
        index, params = _hnsw_sq8(x)
    else:
        raise ValueError(f"unknown FAISS index kind {kind!r}")
    params.update(tune(index, x, params, queries, seed))
    return index, params


def _ivf_sq8(x: np.ndarray, seed: int) -> tuple[Any, dict[str, Any]]:
    import faiss

    n, dim = x.shape
    nlist = ivf_lists(n)
    index = faiss.IndexIVFScalarQuantizer(faiss.IndexFlatIP(dim), dim, nlist,
                                          faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT)
    # 64 points per list is plenty for k-means and keeps training to seconds.
    sample = np.random.default_rng(seed).choice(n, size=min(n, nlist * 64), replace=False)
    index.cp.seed = seed
    index.train(x[np.sort(sample)])
    for start in range(0, n, 100_000):
        index.add(x[start : start + 100_000])
    return index, {"kind": "ivf-sq8", "factory": f"IVF{nlist},SQ8", "nlist": nlist}


def _hnsw_sq8(x: np.ndarray) -> tuple[Any, dict[str, Any]]:
    import faiss

    m, ef_construction = 32, 40
    index = faiss.IndexHNSWSQ(x.shape[1], faiss.ScalarQuantizer.QT_8bit, m,  # type: ignore[arg-type]
                              faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = ef_construction
    index.train(x)
    index.add(x)
    return index, {"kind": "hnsw-sq8", "factory": f"HNSW{m},SQ8", "M": m,
                   "efConstruction": ef_construction}


def query_spans(texts: Sequence[str], count: int = TUNE_QUERIES, seed: int = 0) -> list[str]:
    """Short random spans (6-13 words) of chunk texts: stand-ins for user queries.

    Embedded, they land as far from the passages as real text queries do, and an ANN
    index tuned on them serves our eval queries at the same recall (benchmarks/scale.py);
    vectors near stored ones would under-tune nprobe by 4× or more.
    """
    rng = np.random.default_rng(seed)
    spans = []
    for i in rng.choice(len(texts), size=min(count, len(texts)), replace=False):
        words = texts[i].split()
        size = int(rng.integers(6, 14))
        start = int(rng.integers(0, max(1, len(words) - size)))
        spans.append(" ".join(words[start : start + size]))
    return [s for s in spans if s]


def tuning_queries(x: np.ndarray, count: int, seed: int, far: float = FAR) -> np.ndarray:
    """Synthetic queries when there is no text to draw spans from: stored vectors plus noise.

    The noise is `far` times a vector's norm (cosine ≈ 0.39 to the source), still easier
    for an ANN index than real text queries: prefer `query_spans`.
    """
    rng = np.random.default_rng(seed + 1)
    base = x[rng.choice(len(x), size=min(count, len(x)), replace=False)]
    noise = rng.standard_normal(base.shape).astype(np.float32) * (far / math.sqrt(x.shape[1]))
    q = base + noise
    return (q / np.linalg.norm(q, axis=1, keepdims=True)).astype(np.float32)


def recall_at(found: np.ndarray, truth: np.ndarray) -> float:
    """Mean share of the true top-k that an approximate top-k contains."""
    hits = sum(len(set(f[f >= 0].tolist()) & set(t.tolist())) for f, t in zip(found, truth, strict=True))
    return hits / truth.size


def tune_search(search: Callable[[int, np.ndarray], np.ndarray], queries: np.ndarray,
                truth: np.ndarray, start: int, top: int) -> tuple[int, float]:
    """Double a search parameter from `start` until recall ≥ TUNE_RECALL (or `top`)."""
    value = start
    while True:
        recall = recall_at(search(value, queries), truth)
        if recall >= TUNE_RECALL or value >= top:
            return value, recall
        value = min(top, value * 2)


def tune(index: Any, x: np.ndarray, params: dict[str, Any], queries: np.ndarray | None = None,
         seed: int = 0, k: int = 10) -> dict[str, Any]:
    """The smallest nprobe / efSearch reaching TUNE_RECALL@k against exact search."""
    import faiss

    q = tuning_queries(x, TUNE_QUERIES, seed) if queries is None else queries.astype(np.float32)
    truth = faiss.knn(q, x, k, metric=faiss.METRIC_INNER_PRODUCT)[1]
    key, start, top = (("nprobe", 4, params["nlist"]) if params["kind"] == "ivf-sq8"
                       else ("efSearch", 16, 4096))

    def search(value: int, qs: np.ndarray) -> np.ndarray:
        set_search_params(index, {key: value})
        return index.search(qs, k)[1]

    value, recall = tune_search(search, q, truth, start, top)
    set_search_params(index, {key: value})
    logger.info("tuned %s=%d: recall@%d %.3f on %d queries", key, value, k, recall, len(q))
    return {key: value, "tuned_recall_at_10": round(recall, 4), "target_recall": TARGET_RECALL,
            "tuned_on": "synthetic" if queries is None else "text spans"}


def set_search_params(index: Any, params: dict[str, Any]) -> None:
    """Apply recorded search-time parameters (nprobe / efSearch) to a loaded index."""
    import faiss

    ivf = faiss.try_extract_index_ivf(index)
    if ivf is not None and "nprobe" in params:
        ivf.nprobe = int(params["nprobe"])
    if isinstance(index, faiss.IndexHNSW) and "efSearch" in params:
        index.hnsw.efSearch = int(params["efSearch"])


@dataclass
class RowArrays:
    """Per-row arrays stored beside a generation so search never scans chunks at load time."""

    paper_of_row: np.ndarray  # int32: chunk row → paper number (papers table order)
    lang_of_row: np.ndarray  # "<U2": chunk row → "en" / "zh"
    row_of_vec: np.ndarray  # int64: vector row → chunk row
    first_row: np.ndarray  # int64: paper → its default excerpt row (first English chunk), or -1
    paper_vectors: np.ndarray  # float32: paper → normalised mean of its chunk vectors


def row_arrays(paper_of_row: np.ndarray, lang_of_row: np.ndarray, row_of_vec: np.ndarray,
               vectors: np.ndarray, n_papers: int) -> RowArrays:
    """Derive each paper's first row and mean vector from the chunk rows and vectors."""
    paper_of_row = np.asarray(paper_of_row, dtype=np.int32)
    lang_of_row = np.asarray(lang_of_row, dtype="<U2")
    none = np.iinfo(np.int64).max
    first_any = np.full(n_papers, none, dtype=np.int64)
    np.minimum.at(first_any, paper_of_row, np.arange(len(paper_of_row), dtype=np.int64))
    first = np.full(n_papers, none, dtype=np.int64)
    english = np.nonzero(lang_of_row == "en")[0]
    np.minimum.at(first, paper_of_row[english], english)
    first = np.where(first == none, first_any, first)
    first[first == none] = -1
    dim = vectors.shape[1] if vectors.ndim == 2 else 0
    means = np.zeros((n_papers, dim), dtype=np.float32)
    paper_of_vec = paper_of_row[row_of_vec] if len(row_of_vec) else np.zeros(0, dtype=np.int32)
    for start in range(0, len(row_of_vec), 65_536):
        np.add.at(means, paper_of_vec[start : start + 65_536], vectors[start : start + 65_536])
    norms = np.linalg.norm(means, axis=1, keepdims=True)
    means /= np.where(norms == 0, 1, norms)
    return RowArrays(paper_of_row, lang_of_row, np.asarray(row_of_vec, dtype=np.int64), first, means)


def build_bm25(texts: Sequence[str]):  # type: ignore[no-untyped-def]
    """A BM25 index whose document i is texts[i] (a chunk row)."""
    import bm25s

    logging.getLogger("bm25s").setLevel(logging.WARNING)  # it sets DEBUG on import

    corpus = [tokenize(t, keep_possessives=True) or [""] for t in texts]
    bm25 = bm25s.BM25(k1=1.2, b=0.75)
    bm25.index(corpus if corpus else [[""]], show_progress=False)
    return bm25

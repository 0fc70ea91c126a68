"""Construct the dense (FAISS) and keyword (BM25) indexes over a generation's chunks."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np

from indexer.textproc import tokenize

logger = logging.getLogger(__name__)

# Exact search is fast enough below this size on two cores (≈ 200k × 384 floats ≈ 300 MB);
# beyond it an HNSW graph over 8-bit scalar-quantised vectors keeps memory and latency low.
EXACT_LIMIT = 200_000


def make_faiss_index(vectors: np.ndarray):  # type: ignore[no-untyped-def]
    """An inner-product index over normalised vectors, its type chosen by size."""
    import faiss

    n, dim = vectors.shape if vectors.ndim == 2 else (0, 384)
    if n <= EXACT_LIMIT:
        index = faiss.IndexFlatIP(dim)
    else:
        index = faiss.IndexHNSWSQ(dim, faiss.ScalarQuantizer.QT_8bit, 32, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = 80
        index.train(vectors)
    if n:
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index


def build_bm25(texts: Sequence[str]):  # type: ignore[no-untyped-def]
    """A BM25 index whose document i is texts[i] (a chunk row)."""
    import bm25s

    corpus = [tokenize(t) or [""] for t in texts]
    bm25 = bm25s.BM25(k1=1.2, b=0.75)
    bm25.index(corpus if corpus else [[""]], show_progress=False)
    return bm25

"""The 2-D map of the papers: t-SNE of their vectors, and a place for each paper added later.

openTSNE (Barnes-Hut gradients up to `FFT_FROM` papers, FFT interpolation beyond, which
is linear in the number of papers) on one thread: deterministic for a seed, and on a
busy two-core machine faster than two threads contending for the cores (measured in
BENCHMARKS.md). A paper added by a later build is placed among its nearest papers
(`place_new`), as openTSNE's own `transform` starts out, without storing the affinities.
"""

from __future__ import annotations

import numpy as np

FFT_FROM = 10_000  # papers; Barnes-Hut is faster below, FFT interpolation above
EXACT_NEIGHBOURS_UP_TO = 5_000  # exact kNN below (n² distances), Annoy above
EARLY_ITERATIONS = 250  # with exaggeration 12: the clusters form
ITERATIONS = 500  # without: they settle
NEIGHBOURS = 10  # known papers a new one is placed among


def tsne_layout(vectors: np.ndarray, seed: int = 0) -> np.ndarray:
    """2-D positions (float32, n × 2) of normalised vectors; near in cosine, near on the map.

    Fewer than 4 vectors are laid out by PCA (t-SNE needs a neighbourhood); none gives
    an empty array.
    """
    n = len(vectors)
    if n < 4:
        return _pca_layout(vectors)
    from openTSNE import TSNEEmbedding, affinity, initialization

    x = np.ascontiguousarray(vectors, dtype=np.float32)
    perplexity = float(min(30.0, (n - 1) / 3))
    aff = affinity.PerplexityBasedNN(
        x, perplexity=perplexity, metric="cosine", random_state=seed, n_jobs=1,
        method="exact" if n <= EXACT_NEIGHBOURS_UP_TO else "annoy")
    init = initialization.pca(x, random_state=seed)
    method = "bh" if n < FFT_FROM else "fft"
    emb = TSNEEmbedding(init, aff, negative_gradient_method=method, n_jobs=1, random_state=seed)
    emb = emb.optimize(EARLY_ITERATIONS, exaggeration=12, momentum=0.5)
    emb = emb.optimize(ITERATIONS, momentum=0.8)
    return np.asarray(emb, dtype=np.float32)


def _pca_layout(vectors: np.ndarray) -> np.ndarray:
    """The two main directions of a handful of vectors (zeros where there are fewer)."""
    out = np.zeros((len(vectors), 2), dtype=np.float32)
    if len(vectors) < 2:
        return out
    centred = vectors - vectors.mean(axis=0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    proj = centred @ vt[:2].T
    out[:, : proj.shape[1]] = proj
    return out


def place_new(known: np.ndarray, known_xy: np.ndarray, new: np.ndarray,
              k: int = NEIGHBOURS) -> np.ndarray:
    """Map positions for `new` vectors: the similarity-weighted mean position of each one's
    `k` nearest `known` vectors (all normalised); NaN when nothing is known."""
    out = np.full((len(new), 2), np.nan, dtype=np.float32)
    if not len(known) or not len(new):
        return out
    k = min(k, len(known))
    for start in range(0, len(new), 4096):  # bounded memory: 4096 × known similarities
        sims = new[start:start + 4096] @ known.T
        near = np.argpartition(-sims, k - 1, axis=1)[:, :k]
        weights = np.clip(np.take_along_axis(sims, near, axis=1), 1e-3, None) ** 4
        xy = (known_xy[near] * weights[..., None]).sum(axis=1) / weights.sum(axis=1)[:, None]
        out[start:start + 4096] = xy
    return out

"""Themes: lines of work learned from the papers' vectors, and the 2-D map they sit on.

A fit lays the papers out in 2-D (`indexer.layout`, t-SNE of the mean chunk vectors)
and finds the dense islands of that map with HDBSCAN: a theme is what a reader sees as
an island. Each theme gets a centroid (normalised mean vector of its papers) and a
joining threshold (the cosine to the centroid that 90 % of its papers reach); a paper
HDBSCAN left between islands joins the nearest theme whose threshold it reaches, else
it stays unthemed. Names come from `indexer.theme_names`.

A later build that only adds papers does not fit again: known papers keep their theme
and position, a new one joins the nearest theme by the same threshold rule and is
placed among its nearest papers. A full reindex refits, as does a build that more than
doubles the papers since the last fit; a refitted theme keeps the number of the old
theme it mostly continues, so links to a theme survive.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from indexer.layout import place_new, tsne_layout
from indexer.models import Document, Theme, ThemeSet
from indexer.theme_names import distinctive_terms, unique_names

logger = logging.getLogger(__name__)

METHOD = "HDBSCAN on an openTSNE map of mean chunk vectors; names by class-based TF-IDF"
MIN_FIT = 20  # papers with a vector; fewer get a map but no themes
MIN_SAMPLES = 5
JOIN_PERCENTILE = 10  # a paper joins a theme at the cosine 90 % of its members reach
KEEP_ID_OVERLAP = 0.3  # Jaccard overlap with an old theme to keep its number on a refit


@dataclass
class ThemeData:
    """A generation's themes: the set, and arrays in papers-table order."""

    themes: ThemeSet
    theme_of: np.ndarray  # int32 per paper: its theme id, or -1
    layout: np.ndarray  # float32 (papers, 2): map position, NaN for a paper without a vector
    centroids: np.ndarray  # float32 (themes, dim): row i belongs to themes.themes[i]


def theme_text(doc: Document) -> str:
    """What names a paper's theme: its title and abstract (its first passage without one)."""
    body = doc.paper.abstract or (doc.passages[0].text[:2000] if doc.passages else "")
    return f"{doc.paper.title}. {body}"


def min_cluster_size(n: int) -> int:
    """Smallest island that counts as a theme: √n / 4, at least 5 (10 for 1,700 papers)."""
    return max(5, round(math.sqrt(n) / 4))


def _centroids(vectors: np.ndarray, labels: np.ndarray, ids: list[int]
               ) -> tuple[np.ndarray, list[float]]:
    """Normalised mean vector of each theme, and its joining threshold."""
    cents = np.zeros((len(ids), vectors.shape[1]), dtype=np.float32)
    joins: list[float] = []
    for row, theme in enumerate(ids):
        members = vectors[labels == theme]
        mean = members.mean(axis=0)
        cents[row] = mean / max(float(np.linalg.norm(mean)), 1e-9)
        joins.append(round(float(np.percentile(members @ cents[row], JOIN_PERCENTILE)), 4))
    return cents, joins


def join_nearest(vectors: np.ndarray, centroids: np.ndarray, joins: Sequence[float],
                 ids: Sequence[int]) -> np.ndarray:
    """For each vector, the id of its nearest theme if it reaches that theme's threshold,
    else -1 (also for zero vectors and when there are no themes)."""
    out = np.full(len(vectors), -1, dtype=np.int32)
    if not len(ids) or not len(vectors):
        return out
    sims = vectors @ centroids.T
    best = sims.argmax(axis=1)
    ok = sims[np.arange(len(vectors)), best] >= np.asarray(joins, dtype=np.float32)[best]
    ok &= np.linalg.norm(vectors, axis=1) > 0
    out[ok] = np.asarray(ids, dtype=np.int32)[best[ok]]
    return out


def fit_themes(paper_ids: list[str], texts: list[str], vectors: np.ndarray, seed: int = 0,
               previous: dict[str, int] | None = None) -> ThemeData:
    """Fit themes and the map from scratch.

    Args:
        paper_ids, texts, vectors: per paper (papers-table order): id, title and abstract,
            normalised mean chunk vector (zero for a paper without English text).
        previous: paper id → theme id of the last fit, to keep theme numbers stable.
    """
    from sklearn.cluster import HDBSCAN

    t0 = time.perf_counter()
    n = len(paper_ids)
    logger.info("themes: laying out %d papers and finding their themes…", n)
    has = np.linalg.norm(vectors, axis=1) > 0 if n else np.zeros(0, dtype=bool)
    layout = np.full((n, 2), np.nan, dtype=np.float32)
    layout[has] = tsne_layout(vectors[has], seed)
    labels = np.full(n, -1, dtype=np.int32)
    mcs = min_cluster_size(int(has.sum()))
    if has.sum() >= MIN_FIT:
        found = HDBSCAN(min_cluster_size=mcs, min_samples=MIN_SAMPLES, copy=True)
        labels[has] = found.fit_predict(layout[has])
    labels = _renumber(labels, paper_ids, previous or {})
    ids = sorted(set(labels.tolist()) - {-1})
    cents, joins = _centroids(vectors, labels, ids)
    loose = labels == -1
    labels[loose] = join_nearest(vectors[loose], cents, joins, ids)
    themes = _named(paper_ids, texts, labels, ids, joins)
    params: dict[str, float | int | str] = {"min_cluster_size": mcs, "min_samples": MIN_SAMPLES,
                                            "join_percentile": JOIN_PERCENTILE, "seed": seed}
    logger.info("themes: %d papers, %d themes, %.0f%% themed, %.1fs", n, len(ids),
                100 * float((labels >= 0).mean()) if n else 0.0, time.perf_counter() - t0)
    return ThemeData(ThemeSet(method=METHOD, fitted_at=datetime.now(UTC), fitted_papers=n,
                              params=params, themes=themes), labels, layout, cents)


def _named(paper_ids: list[str], texts: list[str], labels: np.ndarray, ids: list[int],
           joins: list[float]) -> list[Theme]:
    members = {t: [paper_ids[i] for i in np.nonzero(labels == t)[0]] for t in ids}
    terms = distinctive_terms(dict(zip(paper_ids, texts, strict=True)), members)
    names = unique_names(terms, sorted(ids, key=lambda t: -len(members[t])))
    return [Theme(theme_id=t, name=names[t], terms=terms[t], min_similarity=j)
            for t, j in zip(ids, joins, strict=True)]


def _renumber(labels: np.ndarray, paper_ids: list[str], previous: dict[str, int]) -> np.ndarray:
    """Clusters renumbered: the old theme a cluster mostly continues lends its number
    (Jaccard overlap ≥ KEEP_ID_OVERLAP, best pairs first); the rest get fresh numbers."""
    clusters = sorted(set(labels.tolist()) - {-1})
    old: dict[int, set[str]] = {}
    for pid, theme in previous.items():
        old.setdefault(theme, set()).add(pid)
    new = {c: {paper_ids[i] for i in np.nonzero(labels == c)[0]} for c in clusters}
    pairs = sorted(((len(a & b) / len(a | b), c, t) for c, a in new.items()
                    for t, b in old.items() if a & b), reverse=True)
    number: dict[int, int] = {}
    for overlap, c, t in pairs:
        if overlap >= KEEP_ID_OVERLAP and c not in number and t not in number.values():
            number[c] = t
    fresh = max([*old, -1]) + 1
    for c in clusters:
        if c not in number:
            number[c], fresh = fresh, fresh + 1
    out = np.full(len(labels), -1, dtype=np.int32)
    for c, t in number.items():
        out[labels == c] = t
    return out


def extend_themes(prev: ThemeData, prev_ids: list[str], paper_ids: list[str],
                  vectors: np.ndarray) -> ThemeData:
    """The previous themes over a new set of papers: known papers keep their theme and
    place; new ones join the nearest theme (or none) and are placed among their nearest
    papers."""
    where = {pid: i for i, pid in enumerate(prev_ids)}
    old = np.array([where.get(pid, -1) for pid in paper_ids], dtype=np.int64)
    known = old >= 0
    theme_of = np.full(len(paper_ids), -1, dtype=np.int32)
    layout = np.full((len(paper_ids), 2), np.nan, dtype=np.float32)
    theme_of[known] = prev.theme_of[old[known]]
    layout[known] = prev.layout[old[known]]
    placed = known & ~np.isnan(layout[:, 0])
    fresh = ~known & (np.linalg.norm(vectors, axis=1) > 0)
    set_ = prev.themes
    theme_of[fresh] = join_nearest(vectors[fresh], prev.centroids,
                                   [t.min_similarity for t in set_.themes],
                                   [t.theme_id for t in set_.themes])
    layout[fresh] = place_new(vectors[placed], layout[placed], vectors[fresh])
    logger.info("themes: %d new papers joined %d existing themes", int(fresh.sum()),
                len(set_.themes))
    return ThemeData(set_, theme_of, layout, prev.centroids)


def needs_refit(prev: ThemeData | None, prev_ids: list[str], paper_ids: list[str]) -> bool:
    """Fit anew without previous themes (or none fitted yet), or when the papers not in
    the last fit outnumber those it saw (the library more than doubled)."""
    if prev is None or len(prev.theme_of) != len(prev_ids):
        return True
    if not prev.themes.themes and len(paper_ids) >= MIN_FIT:
        return True  # a library that was too small for themes has grown
    unseen = len(set(paper_ids) - set(prev_ids))
    return unseen > prev.themes.fitted_papers


def compute_themes(paper_ids: list[str], texts: list[str], vectors: np.ndarray,
                   prev: ThemeData | None = None, prev_ids: Sequence[str] = (),
                   refit: bool = False) -> ThemeData:
    """The themes of a new generation: extended from `prev` when possible, else fitted."""
    prev_list = list(prev_ids)
    if (not refit and prev is not None and not needs_refit(prev, prev_list, paper_ids)
            and prev.centroids.shape[1:] == vectors.shape[1:]):
        return extend_themes(prev, prev_list, paper_ids, vectors)
    before = ({pid: int(t) for pid, t in zip(prev_list, prev.theme_of, strict=False) if t >= 0}
              if prev is not None else {})
    return fit_themes(paper_ids, texts, vectors, previous=before)

"""Fusion of dense and keyword chunk rankings into one paper ranking.

Both retrievers rank chunks; a paper is represented by its best chunk in each list.
Two fusions are offered (after txtai's hybrid scoring): weighted reciprocal-rank
fusion, and a convex mix of normalised scores, which keeps how *confident* each
retriever is (a BM25 score far above the rest, a cosine far above the field).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from search.config import RankingSettings
from search.retrieval.query import ParsedQuery


@dataclass(frozen=True)
class PaperRanking:
    """One retriever's view: paper → (rank, best score, best chunk row), plus its weight."""

    best: dict[int, tuple[int, float, int]]
    weight: float


def per_paper(rows: Sequence[int], scores: Sequence[float], paper_of_row: np.ndarray,
              weight: float) -> PaperRanking:
    """Collapse a ranked chunk list to papers: each paper's first (best) chunk."""
    best: dict[int, tuple[int, float, int]] = {}
    for row, score in zip(rows, scores, strict=True):
        p = int(paper_of_row[row])
        if p not in best:
            best[p] = (len(best), float(score), int(row))
    return PaperRanking(best, weight)


def discount_body(rows: list[int], scores: list[float], body: np.ndarray, discount: float
                  ) -> tuple[list[int], list[float]]:
    """A dense chunk ranking with `discount` taken off each body chunk's cosine, re-sorted."""
    if not discount or not rows:
        return rows, scores
    cut = [s - discount * bool(body[r]) for r, s in zip(rows, scores, strict=True)]
    order = sorted(range(len(rows)), key=lambda i: -cut[i])
    return [rows[i] for i in order], [cut[i] for i in order]


def _excerpts(rankings: Sequence[PaperRanking], contrib: dict[tuple[int, int], float]
              ) -> dict[int, int]:
    """Each paper's excerpt: the best chunk of the retriever that contributed most."""
    out: dict[int, tuple[float, int]] = {}
    for i, r in enumerate(rankings):
        for paper, (_, _, row) in r.best.items():
            c = contrib[(i, paper)]
            if paper not in out or c > out[paper][0]:
                out[paper] = (c, row)
    return {p: row for p, (_, row) in out.items()}


def _finish(scores: dict[int, float], excerpt: dict[int, int]) -> list[tuple[int, float, int]]:
    fused = [(p, s, excerpt[p]) for p, s in scores.items()]
    fused.sort(key=lambda t: (-t[1], t[0]))
    return fused


def rrf(rankings: Sequence[PaperRanking], k: int = 60) -> list[tuple[int, float, int]]:
    """Weighted reciprocal-rank fusion; scores scaled so first everywhere = 1."""
    total = sum(r.weight for r in rankings) or 1.0
    contrib = {(i, p): r.weight * (k + 1) / (total * (k + rank + 1))
               for i, r in enumerate(rankings) for p, (rank, _, _) in r.best.items()}
    scores: dict[int, float] = {}
    for (_, p), c in contrib.items():
        scores[p] = scores.get(p, 0.0) + c
    return _finish(scores, _excerpts(rankings, contrib))


def _normalise(r: PaperRanking) -> dict[int, float]:
    """Scores mapped to [0, 1] within the candidate list (min-max; max-only if flat)."""
    vals = [s for _, s, _ in r.best.values()]
    if not vals:
        return {}
    hi, lo = max(vals), min(vals)
    span = hi - lo if hi > lo else (hi or 1.0)
    return {p: (s - lo) / span if hi > lo else s / span for p, (_, s, _) in r.best.items()}


def convex(rankings: Sequence[PaperRanking]) -> list[tuple[int, float, int]]:
    """Weighted mix of min-max-normalised scores (a paper absent from a list gets 0)."""
    total = sum(r.weight for r in rankings) or 1.0
    contrib = {(i, p): r.weight * s / total
               for i, r in enumerate(rankings) for p, s in _normalise(r).items()}
    scores: dict[int, float] = {}
    for (_, p), c in contrib.items():
        scores[p] = scores.get(p, 0.0) + c
    return _finish(scores, _excerpts(rankings, contrib))


def zh_dense_share(q: ParsedQuery, ranking: RankingSettings) -> float:
    """How much of the dense weight a Chinese query keeps: the encoder only sees the English
    rendering, which stands for the query as far as it was translated (its coverage)."""
    return ranking.zh_dense_weight * q.coverage

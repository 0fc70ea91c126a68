"""Rank fusion and paper-level aggregation of chunk rankings (after txtai's hybrid scoring)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def best_rank_per_paper(rows: Sequence[int], paper_of_row: np.ndarray) -> dict[int, tuple[int, int]]:
    """For a ranked list of chunk rows: paper → (rank of its best chunk, that chunk's row)."""
    out: dict[int, tuple[int, int]] = {}
    for row in rows:
        p = int(paper_of_row[row])
        if p not in out:
            out[p] = (len(out), int(row))
    return out


def rrf(rankings: Sequence[tuple[dict[int, tuple[int, int]], float]], k: int = 60
        ) -> list[tuple[int, float, int]]:
    """Weighted reciprocal-rank fusion of paper rankings.

    Args:
        rankings: (paper → (rank, best row), weight) per retriever.
        k: the RRF constant; larger flattens the head of each list.

    Returns:
        (paper, score in [0, 1], excerpt row) best first; the excerpt is the best chunk
        of the retriever that ranked the paper highest.
    """
    total_weight = sum(w for _, w in rankings) or 1.0
    scores: dict[int, float] = {}
    excerpt: dict[int, tuple[float, int]] = {}
    for ranking, weight in rankings:
        for paper, (rank, row) in ranking.items():
            contrib = weight / (k + rank + 1)
            scores[paper] = scores.get(paper, 0.0) + contrib
            if paper not in excerpt or contrib > excerpt[paper][0]:
                excerpt[paper] = (contrib, row)
    top = (k + 1) / total_weight  # normalise so a paper ranked first everywhere scores 1
    fused = [(p, s * top, excerpt[p][1]) for p, s in scores.items()]
    fused.sort(key=lambda t: (-t[1], t[0]))
    return fused

"""Pseudo-relevance feedback: a question moved toward the papers it found first.

A question about lines of work ("which 3D representations have recent papers used for
talking heads?") describes its topic in its own words, while each paper on it uses some of
its own; the first papers found are on the topic, and their mean vector holds the words
the others share with them. Moving the question's vector toward that mean (Rocchio's
feedback) finds more of the papers a broad answer needs: over the 236 spent broad
questions, 707 of their 1,489 source papers are among the first 8 found, against 689.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from search.retrieval.engine import Searcher
from search.retrieval.query import ParsedQuery

FEEDBACK_PAPERS = 3  # the first papers whose mean vector the question moves toward
FEEDBACK_WEIGHT = 0.3  # how far, against the question's own (unit) vector


def feedback_query(searcher: Searcher, q: ParsedQuery, paper_ids: list[str],
                   weight: float = FEEDBACK_WEIGHT) -> ParsedQuery:
    """A copy of `q` whose dense vector is moved toward the mean vector of `paper_ids`;
    its keywords are unchanged. `q` itself when none of the papers is indexed."""
    snap = searcher.refresh()
    vectors = [snap.paper_vectors[snap.paper_index[p]] for p in paper_ids if p in snap.paper_index]
    if not vectors:
        return q
    mean = np.mean(vectors, axis=0)
    moved = searcher.vector(q) + weight * mean / max(float(np.linalg.norm(mean)), 1e-9)
    moved /= max(float(np.linalg.norm(moved)), 1e-9)
    return replace(q, vector=moved.astype(np.float32), notices=list(q.notices))

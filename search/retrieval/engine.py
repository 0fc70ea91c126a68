"""The search engine: loads a generation once, answers hybrid queries, follows new generations.

A `Searcher` holds one immutable `Snapshot` of the current generation. When the
CURRENT pointer moves (a reindex finished), the next request loads the new
generation and swaps the reference; requests already running finish on the old one.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Literal

import numpy as np

from indexer.embed import Embedder, embedder_for
from indexer.errors import StoreError
from indexer.models import Paper
from search.config import Settings
from search.errors import PaperNotFoundError
from search.models import Filters, Hit, SearchResponse
from search.retrieval.filters import matches
from search.retrieval.floor import FLOOR_TOP, match_strength, no_match_notice
from search.retrieval.fuse import convex, per_paper, rrf, zh_dense_share
from search.retrieval.query import ParsedQuery, parse_query
from search.retrieval.snapshot import Snapshot, load_snapshot

logger = logging.getLogger(__name__)

RetrievalMode = Literal["hybrid", "dense", "sparse"]


class Searcher:
    """Hybrid (dense + BM25) search over the current index generation."""

    def __init__(self, settings: Settings,
                 embedder_factory: Callable[[], Embedder] | None = None) -> None:
        self.settings = settings
        # Queries are encoded by the backend that built the served index (its manifest),
        # not the configured default: an index built with torch keeps torch queries.
        self._factory = embedder_factory or (
            lambda: embedder_for(settings.index, self.snapshot.manifest.backend))
        self._embedder: Embedder | None = None
        self._lock = threading.Lock()
        self._reload_lock = threading.Lock()
        self._checked = 0.0
        self.snapshot: Snapshot = load_snapshot(settings.index)

    @property
    def embedder(self) -> Embedder:
        """The query encoder, created on first use and shared by all requests.

        Raises IncompatibleIndexError on every call (not only the first) while the
        served generation was built by another model.
        """
        embedder = self._embedder
        if embedder is None:
            with self._lock:
                if self._embedder is None:
                    self._embedder = self._factory()
                embedder = self._embedder
        self.snapshot.check_model(embedder)
        return embedder

    def refresh(self, min_interval: float = 1.0) -> Snapshot:
        """Switch to a newer generation if CURRENT moved; cheap to call per request."""
        now = time.monotonic()
        if now - self._checked < min_interval:
            return self.snapshot
        self._checked = now
        if self.snapshot.is_current():
            return self.snapshot
        # One thread loads while the others keep answering from the old snapshot.
        if not self._reload_lock.acquire(blocking=False):
            return self.snapshot
        try:
            if not self.snapshot.is_current():
                self._switch()
        finally:
            self._reload_lock.release()
        return self.snapshot

    def _switch(self) -> None:
        """Load the generation CURRENT names; a broken one is logged and not served."""
        try:
            fresh = load_snapshot(self.settings.index)
        except (StoreError, OSError) as exc:
            logger.warning("keeping generation %s: the new one failed to load: %s",
                           self.snapshot.generation, exc)
            return
        if self._embedder is not None:
            fresh.check_model(self._embedder)
        logger.info("switched to index generation %s", fresh.generation)
        self.snapshot = fresh

    def search(self, query: str, k: int = 10, filters: Filters | None = None,
               mode: RetrievalMode = "hybrid") -> SearchResponse:
        """One hit per paper, best first. Raises QueryError for an empty query.

        `mode` selects dense-only or keyword-only retrieval (for benchmarks).
        """
        t0 = time.perf_counter()
        snap = self.refresh()
        q = parse_query(query, self.settings.ranking.max_query_chars)
        filters = filters or Filters()
        hits = self._lookup(snap, q) if q.arxiv_id else self._hybrid(snap, q, k, filters, mode)
        return SearchResponse(
            query=q.raw, took_ms=round((time.perf_counter() - t0) * 1000, 2), total=len(hits),
            hits=hits, notices=q.notices,
            expanded_query=q.dense_text if q.chinese else None,
        )

    def _lookup(self, snap: Snapshot, q: ParsedQuery) -> list[Hit]:
        if q.arxiv_id not in snap.paper_index:
            q.notices.append(f"arXiv {q.arxiv_id} is not in the index")
            return []
        p = snap.paper_index[q.arxiv_id]
        row = snap.first_row(p)
        return [snap.hit(p, 1.0, row)]

    def _allowed(self, snap: Snapshot, filters: Filters) -> np.ndarray | None:
        if not filters.active():
            return None
        keep = np.array([matches(paper, filters) for paper in snap.papers], dtype=bool)
        return keep[snap.paper_of_row]

    def _hybrid(self, snap: Snapshot, q: ParsedQuery, k: int, filters: Filters,
                mode: RetrievalMode = "hybrid") -> list[Hit]:
        """Dense and keyword chunk rankings → paper rankings → weighted RRF → hits."""
        allowed = self._allowed(snap, filters)
        if allowed is not None and not allowed.any():
            return []
        ranking = self.settings.ranking
        n = ranking.candidates
        dense: tuple[list[int], list[float]] = ([], [])
        if mode != "sparse":
            qvec = self.embedder.embed([q.dense_text])[0]
            dense = snap.dense(qvec, n, allowed)
        sparse = (snap.sparse(q.sparse_tokens, n, allowed, q.sparse_weights or None)
                  if mode != "dense" else ([], []))
        dense_w = ranking.dense_weight * (zh_dense_share(q, ranking) if q.chinese else 1.0)
        rankings = [per_paper(*dense, snap.paper_of_row, dense_w),
                    per_paper(*sparse, snap.paper_of_row, ranking.sparse_weight)]
        fused = rrf(rankings, ranking.rrf_k) if ranking.fusion == "rrf" else convex(rankings)
        # Nothing close among the first papers: say so. With not one of its keywords in the
        # index, list nothing; otherwise list the nearest papers under the notice, since a
        # real question on a paper far from the rest can score as low as an off-topic one.
        # (A filtered search lists what its filters let through, however weakly it matches.)
        if (mode == "hybrid" and fused and ranking.min_match > 0 and allowed is None
                and max(match_strength(snap, q, rankings[0], top) for top in fused[:FLOOR_TOP])
                < ranking.min_match):
            q.notices.append(no_match_notice(q, nearest=bool(sparse[0])))
            if not sparse[0]:
                return []
        return [snap.hit(p, score, row) for p, score, row in fused[:k]]

    def paper(self, paper_id: str) -> Paper:
        """A paper's stored record. Raises PaperNotFoundError."""
        snap = self.refresh()
        idx = snap.paper_index.get(paper_id)
        if idx is None:
            raise PaperNotFoundError(f"paper {paper_id} is not in the index")
        return snap.papers[idx]

    def similar(self, paper_id: str, k: int = 10) -> list[Hit]:
        """Papers nearest to this one by their mean chunk vector."""
        snap = self.refresh()
        idx = snap.paper_index.get(paper_id)
        if idx is None:
            raise PaperNotFoundError(f"paper {paper_id} is not in the index")
        sims = snap.paper_vectors @ snap.paper_vectors[idx]
        sims[idx] = -np.inf
        order = np.argsort(-sims)[:k]
        return [snap.hit(int(p), float(sims[p]), snap.first_row(int(p))) for p in order
                if np.isfinite(sims[p])]

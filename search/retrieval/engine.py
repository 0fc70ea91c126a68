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

from indexer import store
from indexer.embed import Embedder, embedder_for
from indexer.errors import StoreError
from indexer.model_spec import common_words
from indexer.models import Paper
from search.config import Settings
from search.errors import PaperNotFoundError
from search.models import Filters, Hit, PassageHit, PassageSearchResponse, SearchResponse
from search.retrieval.filters import matches
from search.retrieval.floor import below_floor, no_match_notice
from search.retrieval.fuse import convex, discount_body, per_paper, rrf, zh_dense_share
from search.retrieval.passages import (
    NameIndex,
    ScoredRow,
    defined_names,
    rank_rows,
    rows_of_papers,
)
from search.retrieval.query import ParsedQuery, parse_query
from search.retrieval.snapshot import Snapshot, load_snapshot, release_memory

logger = logging.getLogger(__name__)

RetrievalMode = Literal["hybrid", "dense", "sparse"]
RETRY_FAILED = 30.0  # seconds before a generation that failed to load is tried again
RELEASE_DELAY = 2.0  # seconds after a switch before the old generation's memory is trimmed


class Searcher:
    """Hybrid (dense + BM25) search over the current index generation."""

    def __init__(self, settings: Settings,
                 embedder_factory: Callable[[], Embedder] | None = None, *,
                 fallback: bool = False) -> None:
        """`fallback` (servers): start on an older generation if the current one is damaged."""
        self.settings = settings
        # Queries are encoded by the backend that built the served index (its manifest),
        # not the configured default: an index built with torch keeps torch queries.
        self._factory = embedder_factory or (
            lambda: embedder_for(settings.index, self.snapshot.manifest.backend))
        self._embedder: Embedder | None = None
        self._lock = threading.Lock()
        self._reload_lock = threading.Lock()
        self._checked = 0.0
        self._names: tuple[str, NameIndex] | None = None
        self._failed: tuple[str | None, float, str] | None = None  # (generation, when, why)
        self.snapshot: Snapshot = load_snapshot(settings.index, fallback=fallback)
        if self.snapshot.degraded:
            self._failed = (store.current_generation(settings.data_dir), time.monotonic(),
                            self.snapshot.degraded)

    @property
    def degraded(self) -> str | None:
        """Why the current generation is not the one served (None when it is)."""
        return self._failed[2] if self._failed else None

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
            self._failed = None  # CURRENT points at what is served again
            return self.snapshot
        failed = self._failed
        if failed and failed[0] == store.current_generation(self.settings.data_dir) \
                and now - failed[1] < RETRY_FAILED:
            return self.snapshot  # that generation is damaged: do not reload it per request
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
        name = store.current_generation(self.settings.data_dir)
        try:
            fresh = load_snapshot(self.settings.index)
        except (StoreError, OSError) as exc:
            why = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            if not self._failed or self._failed[0] != name:
                logger.warning("keeping generation %s: %s failed to load: %s",
                               self.snapshot.generation, name, why)
            self._failed = (name, time.monotonic(),
                            f"{why}; serving the previous generation {self.snapshot.generation}")
            return
        if self._embedder is not None:
            fresh.check_model(self._embedder)
        logger.info("switched to index generation %s", fresh.generation)
        self.snapshot = fresh  # the old one closes its files when its last request ends
        self._failed = None
        # Once the requests still on the old generation are done (moments), trim the heap.
        timer = threading.Timer(RELEASE_DELAY, release_memory)
        timer.daemon = True
        timer.start()

    def parse(self, query: str) -> ParsedQuery:
        """The query validated and expanded once, to hand to `search` and `passages`."""
        return parse_query(query, self.settings.ranking.max_query_chars)

    def vector(self, q: ParsedQuery) -> np.ndarray:
        """The query's vector, encoded once per parsed query."""
        if q.vector is None:
            q.vector = self.embedder.embed([q.dense_text])[0]
        return q.vector

    def search(self, query: str | ParsedQuery, k: int = 10, filters: Filters | None = None,
               mode: RetrievalMode = "hybrid", *, bodies: bool = False) -> SearchResponse:
        """One hit per paper, best first. Raises QueryError for an empty query.

        `mode` selects dense-only or keyword-only retrieval (for benchmarks). `bodies` lets
        a body passage stand for its paper at full strength (a question about a fact inside
        a paper); otherwise it is discounted (`RankingSettings.body_discount`).
        """
        t0 = time.perf_counter()
        snap = self.refresh()
        q = query if isinstance(query, ParsedQuery) else self.parse(query)
        filters = filters or Filters()
        hits = (self._lookup(snap, q) if q.arxiv_id
                else self._hybrid(snap, q, k, filters, mode, bodies))
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
                mode: RetrievalMode = "hybrid", bodies: bool = False) -> list[Hit]:
        """Dense and keyword chunk rankings → paper rankings → weighted RRF → hits."""
        allowed = self._allowed(snap, filters)
        if allowed is not None and not allowed.any():
            return []
        ranking = self.settings.ranking
        n = ranking.candidates
        dense: tuple[list[int], list[float]] = ([], [])
        if mode != "sparse":
            dense = snap.dense(self.vector(q), n, allowed)
        sparse = (snap.sparse(q.sparse_tokens, n, allowed, q.sparse_weights or None)
                  if mode != "dense" else ([], []))
        ranked = dense if bodies else discount_body(*dense, snap.body_rows, ranking.body_discount)
        rankings = [per_paper(*ranked, snap.paper_of_row, self.dense_weight(q)),
                    per_paper(*sparse, snap.paper_of_row, ranking.sparse_weight)]
        fused = rrf(rankings, ranking.rrf_k) if ranking.fusion == "rrf" else convex(rankings)
        # Nothing close among the first papers: say so. With not one of its keywords in the
        # index, list nothing; otherwise list the nearest papers under the notice, since a
        # real question on a paper far from the rest can score as low as an off-topic one.
        # (A filtered search lists what its filters let through, however weakly it matches.)
        if (mode == "hybrid" and fused and ranking.min_match > 0 and allowed is None
                and below_floor(snap, q, dense, fused, ranking.min_match)):
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

    def passages(self, query: str | ParsedQuery, k: int = 10, filters: Filters | None = None,
                 papers: list[str] | None = None) -> PassageSearchResponse:
        """Passages (English chunks) best matching the query, several per paper allowed.

        Args:
            query: text or an already parsed query (an arXiv id lists that paper's passages).
            k: passages to return.
            filters: paper filters, applied before ranking.
            papers: search only within these paper ids (a paper's whole body).

        Raises:
            QueryError: the query is empty.
        """
        t0 = time.perf_counter()
        snap = self.refresh()
        q = query if isinstance(query, ParsedQuery) else self.parse(query)
        allowed = self._allowed(snap, filters or Filters())
        if q.arxiv_id:
            papers = [q.arxiv_id, *(papers or [])]
        if papers is not None:
            within = rows_of_papers(snap, [snap.paper_index[p] for p in papers
                                           if p in snap.paper_index])
            allowed = within if allowed is None else allowed & within
        if q.arxiv_id:
            rows = [ScoredRow(int(r), 1.0, 0.0, 0.0) for r in np.nonzero(
                (snap.lang_of_row == "en") & allowed)[0][:k]] if allowed is not None else []
        else:
            rows = rank_rows(snap, q, self.vector(q), self.settings.ranking.candidates, allowed,
                             self.dense_weight(q))[:k]
        hits = [self._passage(snap, r) for r in rows]
        return PassageSearchResponse(
            query=q.raw, took_ms=round((time.perf_counter() - t0) * 1000, 2), total=len(hits),
            passages=hits, notices=list(q.notices),
            expanded_query=q.dense_text if q.chinese else None)

    def following(self, passage: PassageHit) -> PassageHit | None:
        """The passage after this one in its paper and section (None at the end of either):
        chunks overlap, so a sentence that ends one passage usually opens the next."""
        return self._adjacent(passage, 1)

    def preceding(self, passage: PassageHit) -> PassageHit | None:
        """The passage before this one in its paper and section (None at the start of either):
        where a table that this passage continues has its caption and header."""
        return self._adjacent(passage, -1)

    def _adjacent(self, passage: PassageHit, step: int) -> PassageHit | None:
        snap = self.refresh()
        row = snap.row_of(passage.chunk_id)
        if row is None or not 0 <= row + step < len(snap.paper_of_row):
            return None
        other = row + step
        if snap.paper_of_row[other] != snap.paper_of_row[row] or snap.lang_of_row[other] != "en":
            return None
        found = self._passage(snap, ScoredRow(other, passage.score, 0.0, 0.0))
        return found if found.section == passage.section else None

    def dense_weight(self, q: ParsedQuery) -> float:
        """The dense side's weight against the keyword side's for this query."""
        ranking = self.settings.ranking
        # The encoder only sees a translation of a Chinese query: trust it as far as the
        # lexicon covered the query.
        return ranking.dense_weight * (zh_dense_share(q, ranking) if q.chinese else 1.0)

    def named_papers(self, text: str) -> list[tuple[str, str]]:
        """(name, paper id) for each paper the text names by method name ("TECA", "AGG")."""
        snap = self.refresh()
        if self._names is None or self._names[0] != snap.generation:
            self._names = (snap.generation,
                           NameIndex(snap.papers, common_words(), defined_names(snap)))
        return [(name, snap.papers[i].paper_id) for name, i in self._names[1].named_in(text)]

    def term_weights(self, tokens: list[str]) -> dict[str, float]:
        """BM25 inverse document frequency of each keyword token in the served index."""
        return {t: self.snapshot.idf(t) for t in tokens}

    @staticmethod
    def _passage(snap: Snapshot, r: ScoredRow) -> PassageHit:
        text, section, page, chunk_id = snap.chunk(r.row)
        p = snap.papers[int(snap.paper_of_row[r.row])]
        return PassageHit(paper_id=p.paper_id, arxiv_id=p.arxiv_id, title=p.title,
                          authors=p.authors, published=p.published, section=section, page=page,
                          text=text, score=round(r.score, 4), chunk_id=chunk_id, url=p.url)

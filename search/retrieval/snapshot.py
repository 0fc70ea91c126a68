"""An immutable, loaded view of one index generation: papers, chunk arrays, FAISS and BM25."""

from __future__ import annotations

import contextlib
import ctypes
import functools
import gc
import math
import sqlite3
import threading
from pathlib import Path
from typing import Any

import numpy as np

from indexer import store
from indexer.chunk import HEAD_SECTIONS
from indexer.config import IndexerSettings
from indexer.embed import Embedder
from indexer.errors import StoreError
from indexer.models import Paper
from indexer.themes import ThemeData
from indexer.vectorstore import VectorStore, open_store
from indexer.verify import check_answers, check_database
from search.errors import IncompatibleIndexError
from search.models import Hit


class Snapshot:
    """Everything needed to answer queries from one generation, loaded once.

    What scales with the number of chunks (row arrays, paper vectors, the vector index,
    BM25, the themes' arrays) is memory-mapped; chunk texts stay in SQLite and are read per hit.
    """

    degraded: str | None = None  # set by load_snapshot when this stands in for a damaged one

    def __init__(self, data_dir: Path, generation: str, milvus_token: str | None = None) -> None:
        self.data_dir = data_dir
        self.generation = generation
        self.path = store.generation_path(data_dir, generation)
        self.manifest = store.read_manifest(self.path)
        self._con: sqlite3.Connection | None = store.connect_readonly(self.path)
        self.vectors: VectorStore | None = None
        self._db_lock = threading.Lock()  # one sqlite connection shared by request threads
        try:
            self._load(self._con, milvus_token)
        except sqlite3.DatabaseError as exc:
            self.close()
            raise StoreError(f"damaged index database in {self.path}: {exc}") from exc
        except BaseException:
            self.close()  # a failed load must not keep the generation's files open
            raise

    def _load(self, con: sqlite3.Connection, milvus_token: str | None) -> None:
        """Read papers and row arrays, open the indexes, and check that they answer."""
        check_database(self.path / "papers.sqlite", con, self.manifest)
        docs = store.read_papers(con)
        self.papers: list[Paper] = [paper for paper, _ in docs.values()]
        self.paper_index = {p.paper_id: i for i, p in enumerate(self.papers)}
        rows = store.read_rows(self.path)
        if len(rows.first_row) != len(self.papers) or len(rows.paper_of_row) != self.manifest.chunks:
            raise StoreError(f"row arrays of {self.path} do not match its papers; rebuild the index")
        self.paper_of_row: np.ndarray = rows.paper_of_row
        self.lang_of_row: np.ndarray = rows.lang_of_row
        self.row_of_vec: np.ndarray = rows.row_of_vec
        self.first_row_of: np.ndarray = rows.first_row
        self.paper_vectors: np.ndarray = rows.paper_vectors
        self.vectors = open_store(self.path, self.manifest, milvus_token)
        self.bm25: Any = store.read_bm25(self.path)
        # Themes and the map (memory-mapped); None for a generation built before them.
        self.themes: ThemeData | None = store.read_themes(self.path)
        if self.themes is not None and len(self.themes.theme_of) != len(self.papers):
            raise StoreError(f"themes of {self.path} do not match its papers; rebuild the index")
        probe = self.paper_vectors[0] if len(self.paper_vectors) and self.manifest.vectors else None
        check_answers(self.path, self.vectors, self.bm25, probe)

    def close(self) -> None:
        """Release the database connection and the vector index (Milvus Lite's server).

        Runs when the last reference goes (`__del__`), so a generation that was switched
        away from holds no file open once its last request has finished: the connection
        would otherwise wait for the cycle collector (sqlite3 connections are in a cycle).
        """
        con, self._con = getattr(self, "_con", None), None
        if con is not None:
            con.close()
        vectors, self.vectors = getattr(self, "vectors", None), None
        if vectors is not None:
            vectors.close()

    def __del__(self) -> None:
        with contextlib.suppress(Exception):  # at interpreter shutdown there is no one to tell
            self.close()

    def is_current(self) -> bool:
        """False once a newer generation has been published."""
        return store.current_generation(self.data_dir) in (None, self.generation)

    def check_model(self, embedder: Embedder) -> None:
        """Refuse to search vectors built by another model or dimension."""
        m = self.manifest
        if (m.model_id, m.dim) != (embedder.model_id, embedder.dim):
            raise IncompatibleIndexError(
                f"index {self.path} was built with {m.model_id} (dim {m.dim}) but the loaded"
                f" model is {embedder.model_id} (dim {embedder.dim}); rebuild the index"
            )

    def first_row(self, paper: int) -> int:
        return int(self.first_row_of[paper])

    def dense(self, qvec: np.ndarray, n: int, allowed: np.ndarray | None
              ) -> tuple[list[int], list[float]]:
        """Chunk rows nearest to the query vector (and their cosines), within allowed rows."""
        ids = None
        if allowed is not None:
            ids = np.nonzero(allowed[self.row_of_vec])[0].astype(np.int64)
            if not len(ids):
                return [], []
        found, sims = self._vectors().search(qvec, n, ids)
        return [int(self.row_of_vec[v]) for v in found], [float(x) for x in sims]

    def sparse(self, tokens: list[str], n: int, allowed: np.ndarray | None,
               weights: dict[str, float] | None = None) -> tuple[list[int], list[float]]:
        """Chunk rows with the highest BM25 scores for the tokens (and the scores).

        `weights` scales each token's BM25 contribution (a translated query's less likely
        candidates count less); without it every token counts once.
        """
        vocab = self.bm25.vocab_dict
        ids = list(dict.fromkeys(vocab[t] for t in tokens if t in vocab))
        if not ids:
            return [], []
        if weights is None:
            scores = np.asarray(self.bm25.get_scores_from_ids(ids), dtype=np.float32)
        else:
            scores = self._weighted_bm25({vocab[t]: w for t, w in weights.items() if t in vocab})
        if allowed is not None:
            scores = np.where(allowed, scores, 0.0)
        n = min(n, int((scores > 0).sum()))
        if n == 0:
            return [], []
        top = np.argpartition(-scores, n - 1)[:n]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [int(r) for r in top], [float(scores[r]) for r in top]

    def idf(self, token: str) -> float:
        """BM25 IDF of a keyword token; a word the index has never seen weighs the most."""
        scores, vocab = self.bm25.scores, self.bm25.vocab_dict
        n_docs, indptr = int(scores["num_docs"]), scores["indptr"]
        df = int(indptr[vocab[token] + 1] - indptr[vocab[token]]) if token in vocab else 0
        return math.log(1 + (n_docs - df + 0.5) / (df + 0.5))

    def _vectors(self) -> VectorStore:
        if self.vectors is None:
            raise StoreError(f"index generation {self.generation} was closed")
        return self.vectors

    def _query(self, sql: str, args: tuple[Any, ...]) -> list[Any]:
        """Rows of a query on the chunk database; damage found only now is a StoreError (503)."""
        with self._db_lock:
            if self._con is None:
                raise StoreError(f"index generation {self.generation} was closed")
            try:
                return self._con.execute(sql, args).fetchall()
            except sqlite3.DatabaseError as exc:
                raise StoreError(f"damaged index database in {self.path}: {exc}") from exc

    def _weighted_bm25(self, weights: dict[int, float]) -> np.ndarray:
        """Σ weight × BM25 term score per chunk, from the index's precomputed term scores."""
        sc = self.bm25.scores
        scores = np.zeros(int(sc["num_docs"]), dtype=np.float32)
        for tid, w in weights.items():
            lo, hi = int(sc["indptr"][tid]), int(sc["indptr"][tid + 1])
            scores[sc["indices"][lo:hi]] += w * sc["data"][lo:hi]  # a term's rows are distinct
        return scores

    def chunk(self, row: int) -> tuple[str, str, int | None, str]:
        """(text, section, page, chunk id) of a chunk row."""
        r = self._query("SELECT text, section, page, chunk_id FROM chunks WHERE row = ?", (row,))[0]
        return r[0], r[1], r[2], r[3]

    def texts_like(self, pattern: str) -> list[tuple[int, str]]:
        """(row, text) of every chunk whose text matches an SQL LIKE `pattern`."""
        return [(int(r), t) for r, t in self._query("SELECT row, text FROM chunks WHERE text LIKE ?",
                                                     (pattern,))]

    def row_of(self, chunk_id: str) -> int | None:
        """The row of a chunk id (None if the generation has no such chunk)."""
        rows = self._query("SELECT row FROM chunks WHERE chunk_id = ?", (chunk_id,))
        return int(rows[0][0]) if rows else None

    @functools.cached_property
    def body_rows(self) -> np.ndarray:
        """True for each chunk row of a paper's body (not its head: front matter, abstract,
        digest summary). Read once, on first use, so loading a generation stays fast."""
        marks = ", ".join("?" * len(HEAD_SECTIONS))
        rows = self._query(f"SELECT row FROM chunks WHERE section NOT IN ({marks})",
                           tuple(sorted(HEAD_SECTIONS)))
        body = np.zeros(len(self.paper_of_row), dtype=bool)
        body[np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))] = True
        return body

    def chunks_of(self, paper_id: str) -> list[tuple[str, str, int | None]]:
        """(section, text, page) of every chunk of a paper, in order."""
        rows = self._query("SELECT section, text, page FROM chunks WHERE paper_id = ? ORDER BY row",
                           (paper_id,))
        return [(r[0], r[1], r[2]) for r in rows]

    def hit(self, paper: int, score: float, row: int) -> Hit:
        """A result for a paper with the chunk at `row` as its excerpt."""
        p = self.papers[paper]
        text, section, page, chunk_id = self.chunk(row) if row >= 0 else (p.abstract, "Abstract", None, "")
        return Hit(
            arxiv_id=p.arxiv_id, paper_id=p.paper_id, title=p.title, authors=p.authors,
            published=p.published, first_seen=p.first_seen, topics=p.topics,
            score=round(float(score), 4), excerpt=text, section=section, page=page, url=p.url,
            chunk_id=chunk_id,
        )


def release_memory() -> None:
    """Hand memory freed by a replaced snapshot back to the OS.

    Its papers and keyword vocabulary are many small objects; once they are freed, a
    collection clears any cycles left and glibc's `malloc_trim` returns the emptied heap
    pages, which it otherwise keeps, so a server's RSS does not ratchet up per switch.
    """
    gc.collect()
    if _malloc_trim is not None:
        _malloc_trim(0)


def _libc_trim() -> Any:
    try:
        return ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc
        return None


_malloc_trim = _libc_trim()


def load_snapshot(settings: IndexerSettings, fallback: bool = False) -> Snapshot:
    """Load the current generation. Raises IndexNotFoundError when there is none, and
    StoreError when it is damaged.

    With `fallback` (the server), a damaged current generation gives way to the newest
    older one that loads; the snapshot's `degraded` then says why.
    """
    path = store.generation_path(settings.data_dir)
    try:
        return Snapshot(settings.data_dir, path.name, settings.milvus_token)
    except StoreError as exc:
        if not fallback:
            raise
        for older in store.older_generations(settings.data_dir, path.name):
            try:
                snap = Snapshot(settings.data_dir, older, settings.milvus_token)
            except StoreError:
                continue
            snap.degraded = f"{str(exc).splitlines()[0]}; serving the older generation {older}"
            return snap
        raise

"""An immutable, loaded view of one index generation: papers, chunk arrays, FAISS and BM25."""

from __future__ import annotations

import math
import threading
from pathlib import Path
from typing import Any

import numpy as np

from indexer import store
from indexer.config import IndexerSettings
from indexer.embed import Embedder
from indexer.errors import StoreError
from indexer.models import Paper
from indexer.themes import ThemeData
from indexer.vectorstore import VectorStore, open_store
from search.errors import IncompatibleIndexError
from search.models import Hit


class Snapshot:
    """Everything needed to answer queries from one generation, loaded once.

    What scales with the number of chunks (row arrays, paper vectors, the vector index,
    BM25, the themes' arrays) is memory-mapped; chunk texts stay in SQLite and are read per hit.
    """

    def __init__(self, data_dir: Path, generation: str, milvus_token: str | None = None) -> None:
        self.data_dir = data_dir
        self.generation = generation
        self.path = store.generation_path(data_dir, generation)
        self.manifest = store.read_manifest(self.path)
        self._con = store.connect_readonly(self.path)
        self._db_lock = threading.Lock()  # one sqlite connection shared by request threads
        docs = store.read_papers(self._con)
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
        self.vectors: VectorStore = open_store(self.path, self.manifest, milvus_token)
        self.bm25: Any = store.read_bm25(self.path)
        # Themes and the map (memory-mapped); None for a generation built before them.
        self.themes: ThemeData | None = store.read_themes(self.path)
        if self.themes is not None and len(self.themes.theme_of) != len(self.papers):
            raise StoreError(f"themes of {self.path} do not match its papers; rebuild the index")

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
        found, sims = self.vectors.search(qvec, n, ids)
        return [int(self.row_of_vec[v]) for v in found], [float(x) for x in sims]

    def sparse(self, tokens: list[str], n: int, allowed: np.ndarray | None
               ) -> tuple[list[int], list[float]]:
        """Chunk rows with the highest BM25 scores for the tokens (and the scores)."""
        vocab = self.bm25.vocab_dict
        ids = list(dict.fromkeys(vocab[t] for t in tokens if t in vocab))
        if not ids:
            return [], []
        scores = np.asarray(self.bm25.get_scores_from_ids(ids), dtype=np.float32)
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

    def chunk(self, row: int) -> tuple[str, str, int | None, str]:
        """(text, section, page, chunk id) of a chunk row."""
        with self._db_lock:
            r = self._con.execute(
                "SELECT text, section, page, chunk_id FROM chunks WHERE row = ?", (row,)
            ).fetchone()
        return r[0], r[1], r[2], r[3]

    def chunks_of(self, paper_id: str) -> list[tuple[str, str, int | None]]:
        """(section, text, page) of every chunk of a paper, in order."""
        with self._db_lock:
            rows = self._con.execute(
                "SELECT section, text, page FROM chunks WHERE paper_id = ? ORDER BY row",
                (paper_id,),
            ).fetchall()
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


def load_snapshot(settings: IndexerSettings) -> Snapshot:
    """Load the current generation. Raises IndexNotFoundError when there is none."""
    path = store.generation_path(settings.data_dir)
    return Snapshot(settings.data_dir, path.name, settings.milvus_token)

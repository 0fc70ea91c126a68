"""An immutable, loaded view of one index generation: papers, chunk arrays, FAISS and BM25."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import numpy as np

from indexer import store
from indexer.embed import Embedder
from indexer.models import Paper
from search.errors import IncompatibleIndexError
from search.models import Hit


class Snapshot:
    """Everything needed to answer queries from one generation, loaded once."""

    def __init__(self, data_dir: Path, generation: str) -> None:
        self.data_dir = data_dir
        self.generation = generation
        self.path = store.generation_path(data_dir, generation)
        self.manifest = store.read_manifest(self.path)
        self._con = store.connect_readonly(self.path)
        self._db_lock = threading.Lock()  # one sqlite connection shared by request threads
        docs = store.read_papers(self._con)
        self.papers: list[Paper] = [paper for paper, _ in docs.values()]
        self.paper_index = {p.paper_id: i for i, p in enumerate(self.papers)}
        rows = self._con.execute("SELECT paper_id, lang, vec_row FROM chunks ORDER BY row").fetchall()
        self.paper_of_row = np.array([self.paper_index[r[0]] for r in rows], dtype=np.int64)
        self.lang_of_row = np.array([r[1] for r in rows])
        embeddings, self.row_of_vec = store.read_embeddings(self.path)
        self.index = store.read_faiss(self.path)
        self.bm25: Any = store.read_bm25(self.path)
        self.paper_vectors = self._paper_vectors(np.asarray(embeddings))
        self.first_row_of = self._first_rows(rows)

    def _paper_vectors(self, embeddings: np.ndarray) -> np.ndarray:
        """Mean of each paper's chunk vectors, normalised (for similar papers)."""
        out = np.zeros((len(self.papers), self.manifest.dim), dtype=np.float32)
        if len(embeddings):
            np.add.at(out, self.paper_of_row[self.row_of_vec], embeddings)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1, norms)

    def _first_rows(self, rows: list[Any]) -> np.ndarray:
        """Each paper's first English chunk (its title/abstract), the default excerpt."""
        first = np.full(len(self.papers), -1, dtype=np.int64)
        for i in range(len(rows) - 1, -1, -1):
            if rows[i][1] == "en" or first[self.paper_of_row[i]] < 0:
                first[self.paper_of_row[i]] = i
        return first

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
        import faiss

        if self.index.ntotal == 0:
            return [], []
        params = None
        if allowed is not None:
            ids = np.nonzero(allowed[self.row_of_vec])[0].astype(np.int64)
            if not len(ids):
                return [], []
            hnsw = isinstance(self.index, faiss.IndexHNSW)
            params = faiss.SearchParametersHNSW() if hnsw else faiss.SearchParameters()
            params.sel = faiss.IDSelectorBatch(ids)
        sims, found = self.index.search(qvec.reshape(1, -1).astype(np.float32), n, params=params)
        keep = found[0] >= 0
        return [int(self.row_of_vec[v]) for v in found[0][keep]], [float(x) for x in sims[0][keep]]

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


def load_snapshot(data_dir: Path) -> Snapshot:
    """Load the current generation. Raises IndexNotFoundError when there is none."""
    path = store.generation_path(data_dir)
    return Snapshot(data_dir, path.name)

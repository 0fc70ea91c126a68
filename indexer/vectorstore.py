"""Vector stores: where a generation's vectors are indexed and searched.

`FaissStore` (the default) keeps a FAISS index file inside the generation and searches
it in-process: one machine, no service. `MilvusStore` (indexer/vectorstore_milvus.py,
extra ``milvus``) puts the vectors in Milvus: Milvus Lite inside the generation directory
for one machine and tests, or a Milvus cluster at ``AVATAR_SCHOLAR_MILVUS_URI`` once the
vectors outgrow one machine (docs/scaling.md). The choice is ``AVATAR_SCHOLAR_VECTOR_STORE``
and is recorded in the manifest, so search opens whatever the generation was built with.

Ids are vector rows (0 … n-1, the rows of embeddings.npy); callers map them to chunks.
"""

from __future__ import annotations

import logging
import math
from pathlib import Path
from typing import Any

import numpy as np

from indexer import store
from indexer.config import IndexerSettings
from indexer.errors import StoreError
from indexer.vectors import IndexKind, make_faiss_index, set_search_params
from indexer.vectorstore_base import Hits, VectorStore, no_hits

__all__ = ["FaissStore", "Hits", "VectorStore", "build_store", "open_store", "release_generation"]

logger = logging.getLogger(__name__)

# A filter allowing at most this many vectors is searched exhaustively over the index's codes
# rather than through the ANN structure, which would reach few of so few allowed vectors.
SUBSET_EXACT = 20_000
MAX_EF_SEARCH = 4096
class FaissStore:
    """A FAISS index file in the generation, memory-mapped at load."""

    kind = "faiss"

    def __init__(self, index_kind: IndexKind = "auto", params: dict[str, Any] | None = None) -> None:
        self.index_kind = index_kind
        self.params: dict[str, Any] = dict(params or {})
        self.index: Any = None

    def build(self, vectors: np.ndarray, queries: np.ndarray | None = None) -> None:
        self.index, self.params = make_faiss_index(vectors, self.index_kind, queries)

    def save(self, gen_dir: Path) -> None:
        store.write_faiss(gen_dir, self.index)

    def load(self, gen_dir: Path) -> None:
        self.index = store.read_faiss(gen_dir)
        set_search_params(self.index, self.params)

    def describe(self) -> dict[str, Any]:
        return {"vector_store": self.kind, "faiss_type": type(self.index).__name__,
                "faiss_params": self.params}

    def close(self) -> None:
        self.index = None

    def search(self, qvec: np.ndarray, n: int, allowed: np.ndarray | None) -> Hits:
        q = np.ascontiguousarray(qvec, dtype=np.float32).reshape(1, -1)
        n = min(n, self.index.ntotal, self.index.ntotal if allowed is None else len(allowed))
        if n <= 0:
            return no_hits()
        if allowed is None:
            sims, ids = self.index.search(q, n)
        else:
            index, params, _selector = self._filtered(np.asarray(allowed, dtype=np.int64))
            sims, ids = index.search(q, n, params=params)  # _selector must outlive the search
        keep = ids[0] >= 0
        return ids[0][keep].astype(np.int64), sims[0][keep]

    def _filtered(self, allowed: np.ndarray) -> tuple[Any, Any, Any]:
        """(index to search, parameters, selector) for a search among `allowed` ids only.

        At most SUBSET_EXACT allowed vectors are scored exhaustively (every allowed code;
        the selector skips the rest cheaply), since an ANN search would reach few of them.
        Above that, with a share s of the vectors allowed, probing 1/s times as many lists
        (or graph candidates) keeps about as many allowed vectors in reach as unfiltered.
        """
        import faiss

        exhaustive = len(allowed) <= SUBSET_EXACT
        share = len(allowed) / max(1, self.index.ntotal)
        selector = faiss.IDSelectorBatch(allowed)
        index = self.index
        ivf = faiss.try_extract_index_ivf(index)
        if ivf is not None:
            params: Any = faiss.SearchParametersIVF()
            params.nprobe = ivf.nlist if exhaustive else min(ivf.nlist, math.ceil(ivf.nprobe / share))
        elif isinstance(index, faiss.IndexHNSW) and exhaustive:
            index, params = faiss.downcast_index(index.storage), faiss.SearchParameters()
        elif isinstance(index, faiss.IndexHNSW):
            params = faiss.SearchParametersHNSW()  # type: ignore[attr-defined]
            params.efSearch = min(MAX_EF_SEARCH, math.ceil(index.hnsw.efSearch / share))
        else:
            params = faiss.SearchParameters()
        params.sel = selector
        return index, params, selector


def new_store(settings: IndexerSettings, generation: str) -> VectorStore:
    """An empty store of the configured kind, for building `generation`."""
    if settings.vector_store == "milvus":
        from indexer.vectorstore_milvus import MilvusStore

        return MilvusStore.for_build(settings, generation)
    return FaissStore(settings.vector_index)


def build_store(gen_dir: Path, vectors: np.ndarray, settings: IndexerSettings, generation: str,
                queries: np.ndarray | None = None) -> dict[str, Any]:
    """Index a staged generation's vectors in the configured store; the manifest fields.

    `queries` (query-like vectors, see vectors.query_spans) tune an ANN index's search.
    """
    vs = new_store(settings, generation)
    try:
        vs.build(vectors, queries)
        vs.save(gen_dir)
        return vs.describe()
    finally:
        vs.close()


def open_store(gen_dir: Path, manifest: store.IndexManifest,
               milvus_token: str | None = None) -> VectorStore:
    """The loaded store of a published generation, as its manifest records it.

    `milvus_token` (settings' `milvus_token`) is never in a manifest; a cluster needs it.
    """
    if manifest.vector_store == "milvus":
        from indexer.vectorstore_milvus import MilvusStore

        vs: VectorStore = MilvusStore.from_manifest(manifest.milvus, milvus_token)
    elif manifest.vector_store == "faiss":
        vs = FaissStore(params=manifest.faiss_params)
    else:
        raise StoreError(f"unknown vector store {manifest.vector_store!r} in {gen_dir}")
    vs.load(gen_dir)
    return vs


def release_generation(gen_dir: Path, milvus_token: str | None = None) -> None:
    """Free what a pruned generation holds outside its directory (a Milvus collection)."""
    try:
        manifest = store.read_manifest(gen_dir)
    except StoreError:
        return
    if manifest.vector_store == "milvus" and manifest.milvus.get("uri"):
        from indexer.vectorstore_milvus import drop_collection

        drop_collection(manifest.milvus, milvus_token)

"""Milvus as the vector store (extra ``milvus``: pymilvus + milvus-lite).

The same client code serves both deployments:

* **Milvus Lite** (no ``milvus_uri``): the collection lives in ``vectors.milvus.db/``
  inside the generation directory, so it is staged, renamed and pruned with the rest
  of the generation. Lite runs in-process and locks its directory: one process serves it.
* **Milvus cluster** (``milvus_uri`` = ``http://host:19530``): one collection per
  generation, ``avatar_scholar_<generation>``, so a build never touches the collection
  being served; when a generation is pruned from disk its collection is dropped
  (`drop_collection`, called by `store.prune_generations`). The manifest records the URI.

The index type follows the FAISS rule (vectors.pick_kind): FLAT up to 200k vectors, else
IVF_SQ8 with nprobe tuned against exact search (on query-like vectors) after the build.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from pathlib import Path
from typing import Any

import numpy as np

from indexer import store
from indexer.config import IndexerSettings
from indexer.errors import StoreError
from indexer.redact import redact
from indexer.vectors import (
    TUNE_QUERIES,
    ivf_lists,
    pick_kind,
    tune_search,
    tuning_queries,
)
from indexer.vectorstore_base import Hits, no_hits

logger = logging.getLogger(__name__)

MAX_LIMIT = 16_384  # Milvus's largest top-k
INSERT_BATCH = 5_000
_lite_lock = threading.Lock()
_lite_users: dict[str, int] = {}  # Lite data dir → open stores in this process


def _client(uri: str, token: str | None) -> Any:
    try:
        from pymilvus import MilvusClient
    except ImportError as exc:
        raise StoreError("vector_store=milvus needs the extra: pip install 'avatar-scholar[milvus]'") from exc
    try:
        return MilvusClient(uri=uri, token=token or "")
    except Exception as exc:  # pymilvus raises its own hierarchy for every connection failure
        message = redact(f"cannot connect to Milvus at {uri}: {exc}", [token])
        raise StoreError(message.splitlines()[0]) from exc


def _release_lite(path: str) -> None:
    """Stop this process's Milvus Lite server for `path` once no store uses it."""
    with _lite_lock:
        _lite_users[path] = _lite_users.get(path, 1) - 1
        if _lite_users[path] > 0:
            return
        del _lite_users[path]
    from milvus_lite.server_manager import server_manager_instance

    server_manager_instance.release_server(path)  # unlocks the directory


class MilvusStore:
    """Vectors in a Milvus collection (Lite inside the generation, or a cluster)."""

    kind = "milvus"

    def __init__(self, uri: str | None, collection: str, token: str | None = None,
                 index_kind: str = "auto", params: dict[str, Any] | None = None) -> None:
        self.uri, self.collection, self.token = uri, collection, token
        self.index_kind = index_kind
        self.params: dict[str, Any] = dict(params or {})
        self._vectors: np.ndarray | None = None
        self._queries: np.ndarray | None = None
        self._client: Any = None
        self._lite: str | None = None

    @classmethod
    def for_build(cls, settings: IndexerSettings, generation: str) -> MilvusStore:
        name = f"avatar_scholar_{generation}".lower() if settings.milvus_uri else "chunks"
        return cls(settings.milvus_uri, name, settings.milvus_token, settings.vector_index)

    @classmethod
    def from_manifest(cls, info: dict[str, Any], token: str | None = None) -> MilvusStore:
        """The store a manifest records; the cluster token comes from settings, never from it."""
        token = token if info.get("uri") else None
        return cls(info.get("uri"), info["collection"], token, params=info.get("params"))

    def _connect(self, gen_dir: Path) -> None:
        if self.uri:
            self._client = _client(self.uri, self.token)
            return
        path = str(store.milvus_lite_path(gen_dir).resolve())
        with _lite_lock:
            _lite_users[path] = _lite_users.get(path, 0) + 1
        self._lite = path
        try:
            self._client = _client(path, None)
        except StoreError:
            self.close()
            raise

    def build(self, vectors: np.ndarray, queries: np.ndarray | None = None) -> None:
        self._vectors = vectors  # may be memory-mapped: inserted block by block, never copied
        self._queries = queries
        kind = pick_kind(len(vectors), self.index_kind)  # type: ignore[arg-type]
        if kind == "flat" or not len(vectors):
            self.params = {"index_type": "FLAT", "build": {}}
        elif kind == "ivf-sq8":
            self.params = {"index_type": "IVF_SQ8", "build": {"nlist": ivf_lists(len(vectors))}}
        else:
            self.params = {"index_type": "HNSW_SQ", "build": {"M": 32, "efConstruction": 40}}

    def save(self, gen_dir: Path) -> None:
        if self._vectors is None:
            raise StoreError("MilvusStore.save before build")
        self._connect(gen_dir)
        try:
            self._create(self._vectors)
            self.params.update(self._tune(self._vectors))
        finally:
            self.close()  # Lite must unlock its directory before the generation is renamed

    def _create(self, vectors: np.ndarray) -> None:
        from pymilvus import DataType

        c = self._client
        if c.has_collection(self.collection):
            c.drop_collection(self.collection)
        schema = c.create_schema(auto_id=False, enable_dynamic_field=False)
        schema.add_field("id", DataType.INT64, is_primary=True)
        schema.add_field("vector", DataType.FLOAT_VECTOR, dim=max(1, vectors.shape[1]))
        index = c.prepare_index_params()
        index.add_index(field_name="vector", index_type=self.params["index_type"], metric_type="IP",
                        params=self.params["build"])
        c.create_collection(self.collection, schema=schema, index_params=index)
        for start in range(0, len(vectors), INSERT_BATCH):
            block = np.asarray(vectors[start : start + INSERT_BATCH], dtype=np.float32)
            c.insert(self.collection, [{"id": start + i, "vector": v} for i, v in enumerate(block)])
        c.flush(self.collection)
        c.load_collection(self.collection)
        logger.info("milvus: %d vectors in %s (%s)", len(vectors), self.collection,
                    self.params["index_type"])

    def _tune(self, x: np.ndarray, k: int = 10) -> dict[str, Any]:
        """Smallest nprobe / ef reaching TUNE_RECALL@k against exact search (as vectors.tune)."""
        import faiss

        key = {"IVF_SQ8": "nprobe", "HNSW_SQ": "ef"}.get(self.params["index_type"])
        if key is None:
            return {"search": {}}
        q = tuning_queries(x, TUNE_QUERIES, 0) if self._queries is None else self._queries
        truth = faiss.knn(q, x, k, metric=faiss.METRIC_INNER_PRODUCT)[1]
        top = self.params["build"].get("nlist", 4096)

        def search(value: int, qs: np.ndarray) -> np.ndarray:
            self.params["search"] = {key: value}
            return self._top(qs, k)

        value, recall = tune_search(search, q, truth, 4 if key == "nprobe" else 16, top)
        return {"search": {key: value}, "tuned_recall_at_10": round(recall, 4)}

    def _top(self, queries: np.ndarray, k: int) -> np.ndarray:
        found = np.full((len(queries), k), -1, dtype=np.int64)
        for i, qv in enumerate(queries):
            ids = self._query(qv, k, None)[0][:k]
            found[i, : len(ids)] = ids
        return found

    def load(self, gen_dir: Path) -> None:
        self._connect(gen_dir)
        self._client.load_collection(self.collection)

    def describe(self) -> dict[str, Any]:
        return {"vector_store": self.kind, "faiss_type": "",
                "milvus": {"uri": self.uri, "collection": self.collection, "params": self.params}}

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
        if self._lite is not None:
            path, self._lite = self._lite, None
            _release_lite(path)

    def __del__(self) -> None:  # a replaced Snapshot's store unlocks its Lite directory
        with contextlib.suppress(Exception):  # at interpreter shutdown there is no one to tell
            self.close()

    def search(self, qvec: np.ndarray, n: int, allowed: np.ndarray | None
               ) -> Hits:
        if allowed is not None and not len(allowed):
            return no_hits()
        return self._query(np.asarray(qvec, dtype=np.float32), min(n, MAX_LIMIT), allowed)

    def _query(self, qvec: np.ndarray, n: int, allowed: np.ndarray | None
               ) -> Hits:
        expr = "" if allowed is None else f"id in [{','.join(map(str, np.asarray(allowed).tolist()))}]"
        res = self._client.search(
            self.collection, data=[qvec.tolist()], limit=n, filter=expr, output_fields=["id"],
            search_params={"metric_type": "IP", "params": self.params.get("search", {})},
        )[0]
        ids = np.array([h["id"] for h in res], dtype=np.int64)
        return ids, np.array([h["distance"] for h in res], dtype=np.float32)


def drop_collection(info: dict[str, Any], token: str | None = None) -> None:
    """Drop a pruned generation's collection from a Milvus cluster (errors are logged)."""
    try:
        client = _client(info["uri"], token)
        try:
            client.drop_collection(info["collection"])
        finally:
            client.close()
    except Exception as exc:  # noqa: BLE001 - pruning must not fail a finished build
        logger.warning("could not drop Milvus collection %s: %s", info.get("collection"), exc)

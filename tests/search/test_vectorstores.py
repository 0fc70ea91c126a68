"""FAISS and Milvus (Lite) as vector stores: same results, filters, manifests, ANN types, pruning."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from indexer import store, vectorstore
from indexer.build import build
from indexer.embed import Embedder
from indexer.models import SourceSpec
from indexer.vectors import TARGET_RECALL, make_faiss_index, recall_at, tuning_queries
from indexer.vectorstore import FaissStore
from search.config import Settings
from search.models import Filters
from search.retrieval.engine import Searcher
from tests.conftest import SMALL_DIGESTS

QUERIES = [
    "audio-driven talking head generation",
    "3D Gaussian splatting human avatar from monocular video",
    "neural radiance field for dynamic heads",
    "lip synchronization with diffusion models",
    "基于3DGS的数字人",
]


def _build(data_dir: Path, corpus_dir: Path, embedder: Embedder, **fields: object) -> Settings:
    settings = Settings.load(data_dir, **fields)  # type: ignore[arg-type]
    specs = [SourceSpec(kind="path", value=str(corpus_dir / p)) for p in SMALL_DIGESTS]
    build(specs, settings.index, lambda: embedder, progress=False)
    return settings


@pytest.fixture(scope="module")
def milvus_small(tmp_path_factory: pytest.TempPathFactory, corpus_dir: Path,
                 embedder: Embedder) -> Iterator[Searcher]:
    """The small index built from scratch with vector_store=milvus (Milvus Lite)."""
    settings = _build(tmp_path_factory.mktemp("milvus_small"), corpus_dir, embedder,
                      vector_store="milvus")
    yield Searcher(settings, embedder_factory=lambda: embedder)


def _ids(searcher: Searcher, query: str, mode: str, filters: Filters | None = None) -> list[str]:
    return [h.paper_id for h in searcher.search(query, k=10, mode=mode, filters=filters).hits]  # type: ignore[arg-type]


@pytest.mark.parametrize("mode", ["dense", "hybrid"])
def test_both_stores_rank_the_same(small_searcher: Searcher, milvus_small: Searcher, mode: str) -> None:
    for query in QUERIES:
        faiss_ids = _ids(small_searcher, query, mode)
        assert faiss_ids and faiss_ids == _ids(milvus_small, query, mode), query


def test_dense_rows_and_cosines_agree(small_searcher: Searcher, milvus_small: Searcher,
                                      embedder: Embedder) -> None:
    for query in QUERIES:
        qvec = embedder.embed([query])[0]
        rows_f, cos_f = small_searcher.snapshot.dense(qvec, 30, None)
        rows_m, cos_m = milvus_small.snapshot.dense(qvec, 30, None)
        assert rows_f[:10] == rows_m[:10]
        np.testing.assert_allclose(cos_f, cos_m, atol=1e-4)


def test_filtered_search_works_on_both(small_searcher: Searcher, milvus_small: Searcher,
                                       embedder: Embedder) -> None:
    topic = small_searcher.snapshot.papers[0].topics[0]
    f = Filters(topic=topic)
    for query in QUERIES[:3]:
        ids = _ids(small_searcher, query, "hybrid", f)
        assert ids and ids == _ids(milvus_small, query, "hybrid", f)
        assert all(topic in small_searcher.paper(p).topics for p in ids)
    snap_f, snap_m = small_searcher.snapshot, milvus_small.snapshot
    allowed = np.isin(snap_f.paper_of_row, [0, 1, 2])
    qvec = embedder.embed([QUERIES[0]])[0]
    rows_f, _ = snap_f.dense(qvec, 50, allowed)
    assert rows_f and all(allowed[r] for r in rows_f)
    assert rows_f == snap_m.dense(qvec, 50, allowed)[0]
    assert snap_m.dense(qvec, 10, np.zeros_like(allowed)) == ([], [])


def test_manifest_and_files_record_the_store(small_searcher: Searcher, milvus_small: Searcher) -> None:
    f, m = small_searcher.snapshot, milvus_small.snapshot
    assert (f.manifest.vector_store, f.manifest.faiss_type) == ("faiss", "IndexFlatIP")
    assert (f.path / "vectors.faiss").is_file()
    assert m.manifest.vector_store == "milvus" and m.manifest.milvus["uri"] is None
    assert m.manifest.milvus["params"]["index_type"] == "FLAT"
    assert (m.path / "vectors.milvus.db").is_dir() and not (m.path / "vectors.faiss").exists()


@pytest.mark.parametrize("kind", ["ivf-sq8", "hnsw-sq8"])
def test_ann_index_types_keep_recall_and_filters(small_index: Settings, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch, kind: str) -> None:
    """The types used past 200k vectors, on real vectors: tuned recall, as loaded for serving."""
    import faiss

    emb = np.asarray(store.read_embeddings(store.generation_path(small_index.data_dir))[0])
    index, params = make_faiss_index(emb, kind)  # type: ignore[arg-type]
    assert params["kind"] == kind and params["tuned_recall_at_10"] >= TARGET_RECALL
    store.write_faiss(tmp_path, index)
    vs = FaissStore(params=params)
    vs.load(tmp_path)  # memory-mapped, search parameters applied from the recorded params
    queries = tuning_queries(emb, 50, seed=11)
    truth = faiss.knn(queries, emb, 10, metric=faiss.METRIC_INNER_PRODUCT)[1]
    found = np.stack([vs.search(q, 10, None)[0] for q in queries])
    assert recall_at(found, truth) >= TARGET_RECALL
    allowed = np.arange(0, len(emb), 3, dtype=np.int64)
    exact = [set(allowed[np.argsort(-(emb[allowed] @ q))[:10]].tolist()) for q in queries]
    for subset_exact in (vectorstore.SUBSET_EXACT, 0):  # every allowed code; through the ANN
        monkeypatch.setattr(vectorstore, "SUBSET_EXACT", subset_exact)
        got = [vs.search(q, 10, allowed)[0] for q in queries]
        assert all(set(g.tolist()) <= set(allowed.tolist()) for g in got)
        share = np.mean([len(set(g.tolist()) & e) / 10 for g, e in zip(got, exact, strict=True)])
        assert share >= (0.98 if subset_exact else 0.9)  # SQ8 codes: near-ties may swap


def test_cluster_collections_follow_generations(tmp_path: Path, corpus_dir: Path,
                                                embedder: Embedder) -> None:
    """With a Milvus URI: one collection per generation, dropped when it is pruned.

    A Milvus Lite path stands in for the cluster URI: the client code is the same.
    """
    from pymilvus import MilvusClient

    uri = str(tmp_path / "cluster.db")
    settings = Settings.load(tmp_path / "data", vector_store="milvus", milvus_uri=uri,
                              keep_generations=1)
    spec = [SourceSpec(kind="path", value=str(corpus_dir / SMALL_DIGESTS[0]))]
    first = build(spec, settings.index, lambda: embedder, progress=False).generation
    second = build(spec, settings.index, lambda: embedder, mode="reindex", progress=False).generation
    assert first and second and first != second
    manifest = store.read_manifest(store.generation_path(settings.data_dir))
    assert manifest.milvus["uri"] == uri
    assert MilvusClient(uri=uri).list_collections() == [f"avatar_scholar_{second}".lower()]
    searcher = Searcher(settings, embedder_factory=lambda: embedder)
    assert searcher.search(QUERIES[0], k=5, mode="dense").hits

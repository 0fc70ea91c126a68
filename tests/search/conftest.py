"""Search fixtures: the corpus index re-published with Milvus Lite as its vector store."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from indexer.build import build
from indexer.embed import Embedder
from indexer.models import SourceSpec
from search.config import Settings
from search.retrieval.engine import Searcher


@pytest.fixture(scope="session")
def milvus_corpus_index(tmp_path_factory: pytest.TempPathFactory, corpus_index: Settings,
                        corpus_dir: Path, embedder: Embedder) -> Settings:
    """The full-corpus index rebuilt with vector_store=milvus (Milvus Lite in the generation).

    A reindex of a copy of the FAISS corpus index: the real build path, with every
    vector reused by content hash instead of embedded again.
    """
    data_dir = tmp_path_factory.mktemp("milvus_corpus") / "data"
    shutil.copytree(corpus_index.data_dir, data_dir, ignore=shutil.ignore_patterns("lock", "jobs"))
    settings = Settings.load(data_dir, vector_store="milvus")
    report = build([SourceSpec(kind="path", value=str(corpus_dir))], settings.index, lambda: embedder,
                   mode="reindex", progress=False)
    assert report.embedded == 0 and report.generation
    return settings


@pytest.fixture(scope="session")
def milvus_corpus_searcher(milvus_corpus_index: Settings, embedder: Embedder) -> Searcher:
    """A Searcher over the Milvus-backed full-corpus index."""
    return Searcher(milvus_corpus_index, embedder_factory=lambda: embedder)


@pytest.fixture(params=["faiss", "milvus"])
def any_store_searcher(request: pytest.FixtureRequest) -> Searcher:
    """The full-corpus Searcher once per vector store."""
    name = "corpus_searcher" if request.param == "faiss" else "milvus_corpus_searcher"
    return request.getfixturevalue(name)

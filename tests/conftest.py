"""Shared fixtures: the real model (the shipped default backend) and indexes of the real corpus.

Two tiers. `make test-fast` runs the tests that need neither the model nor the shared
corpus (`-m "not slow"`), in seconds. Everything that uses the model, the corpus, a
real server or a browser is marked `slow`: explicitly in its module, and automatically
here for any test that depends on one of `SLOW_FIXTURES`, so a new test cannot slip a
model load into the fast tier. `make test` runs both tiers.

The full-corpus index is built once per test session and shared read-only. Set
AVATAR_SCHOLAR_TEST_INDEX to the data directory of an index built from
../shared/corpus/chatpaperfree to reuse it during development (never in CI).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from indexer.build import build  # noqa: E402
from indexer.config import IndexerSettings  # noqa: E402
from indexer.embed import Embedder, embedder_for  # noqa: E402
from indexer.models import SourceSpec  # noqa: E402
from search.config import Settings  # noqa: E402
from search.retrieval.engine import Searcher  # noqa: E402
from tests.fakes import HashEmbedder  # noqa: E402
from tests.shared import in_ci, require_shared  # noqa: E402
from tests.synthetic import write_synthetic  # noqa: E402

# A few digest files: every topic family, small enough to embed in seconds.
SMALL_DIGESTS = (
    "2024-01-24/Talking Head Generation.md",
    "2024-01-24/元宇宙_虚拟人.md",
    "2024-03-09/3DGS.md",
)
SLOW_FIXTURES = frozenset({"embedder", "shared_dir", "corpus_dir"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark `slow` every test that needs the real model or the shared corpus."""
    for item in items:
        if SLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """../shared, or a failure in CI / a skip elsewhere when it is missing."""
    return require_shared()


@pytest.fixture(scope="session")
def corpus_dir(shared_dir: Path) -> Path:
    return shared_dir / "corpus" / "chatpaperfree"


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """The real all-MiniLM-L6-v2 on the shipped default backend, loaded once per session."""
    return embedder_for(IndexerSettings())


@pytest.fixture()
def fake_embedder() -> HashEmbedder:
    """A model-free encoder for the fast tier."""
    return HashEmbedder()


def build_into(data_dir: Path, paths: list[Path], embedder: Embedder | HashEmbedder,
               **index: Any) -> Settings:
    """Build an index from local paths into `data_dir` with the given encoder."""
    settings = Settings.load(data_dir, **index)
    specs = [SourceSpec(kind="path", value=str(p)) for p in paths]
    build(specs, settings.index, lambda: embedder, progress=False)
    return settings


@pytest.fixture(scope="session")
def small_index(tmp_path_factory: pytest.TempPathFactory, corpus_dir: Path,
                embedder: Embedder) -> Settings:
    """An index of three digest files (≈ 100 papers)."""
    data_dir = tmp_path_factory.mktemp("small_index")
    return build_into(data_dir, [corpus_dir / p for p in SMALL_DIGESTS], embedder)


@pytest.fixture(scope="session")
def corpus_index(tmp_path_factory: pytest.TempPathFactory, corpus_dir: Path,
                 embedder: Embedder) -> Settings:
    """An index of the whole shared digest corpus (≈ 1,680 papers); do not modify it."""
    prebuilt = os.environ.get("AVATAR_SCHOLAR_TEST_INDEX")
    if prebuilt and not in_ci():
        return Settings.load(Path(prebuilt))
    data_dir = tmp_path_factory.mktemp("corpus_index")
    return build_into(data_dir, [corpus_dir], embedder)


@pytest.fixture(scope="session")
def corpus_searcher(corpus_index: Settings, embedder: Embedder) -> Searcher:
    """A Searcher over the full-corpus index, sharing the session's model."""
    return Searcher(corpus_index, embedder_factory=lambda: embedder)


@pytest.fixture()
def small_searcher(small_index: Settings, embedder: Embedder) -> Iterator[Searcher]:
    yield Searcher(small_index, embedder_factory=lambda: embedder)


@pytest.fixture(scope="session")
def synthetic_index(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The synthetic library (tests/synthetic.py) indexed with the model-free encoder."""
    root = tmp_path_factory.mktemp("synthetic")
    return build_into(root / "data", [write_synthetic(root / "library.jsonl")], HashEmbedder())


@pytest.fixture()
def synthetic_searcher(synthetic_index: Settings) -> Searcher:
    """A Searcher over the synthetic index, encoding queries with the same fake model."""
    return Searcher(synthetic_index, embedder_factory=HashEmbedder)

"""Shared fixtures: the real model, and indexes built from the real shared corpus.

The full-corpus index is built once per test session (a few minutes on two cores) and
shared read-only by every test that needs it. Set AVATAR_SCHOLAR_TEST_INDEX to the
data directory of an index built from ../shared/corpus/chatpaperfree to reuse it
during development (CI always builds a fresh one).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from indexer.build import build  # noqa: E402
from indexer.embed import Embedder, SentenceTransformerEmbedder  # noqa: E402
from indexer.models import SourceSpec  # noqa: E402
from search.config import SearchSettings  # noqa: E402
from search.engine import Searcher  # noqa: E402
from tests.shared import require_shared  # noqa: E402

# A few digest files: every topic family, small enough to embed in seconds.
SMALL_DIGESTS = (
    "2024-01-24/Talking Head Generation.md",
    "2024-01-24/元宇宙_虚拟人.md",
    "2024-03-09/3DGS.md",
)


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """../shared, or a failure in CI / a skip elsewhere when it is missing."""
    return require_shared()


@pytest.fixture(scope="session")
def corpus_dir(shared_dir: Path) -> Path:
    return shared_dir / "corpus" / "chatpaperfree"


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """The real all-MiniLM-L6-v2, loaded once per session."""
    return SentenceTransformerEmbedder()


def build_into(data_dir: Path, paths: list[Path], embedder: Embedder) -> SearchSettings:
    """Build an index from local paths into `data_dir` with the shared real embedder."""
    settings = SearchSettings(data_dir=data_dir)
    specs = [SourceSpec(kind="path", value=str(p)) for p in paths]
    build(specs, settings, lambda: embedder, progress=False)
    return settings


@pytest.fixture(scope="session")
def small_index(tmp_path_factory: pytest.TempPathFactory, corpus_dir: Path,
                embedder: Embedder) -> SearchSettings:
    """An index of three digest files (≈ 100 papers)."""
    data_dir = tmp_path_factory.mktemp("small_index")
    return build_into(data_dir, [corpus_dir / p for p in SMALL_DIGESTS], embedder)


@pytest.fixture(scope="session")
def corpus_index(tmp_path_factory: pytest.TempPathFactory, corpus_dir: Path,
                 embedder: Embedder) -> SearchSettings:
    """An index of the whole shared digest corpus (≈ 1,680 papers); do not modify it."""
    prebuilt = os.environ.get("AVATAR_SCHOLAR_TEST_INDEX")
    if prebuilt and not os.environ.get("CI"):
        return SearchSettings(data_dir=Path(prebuilt))
    data_dir = tmp_path_factory.mktemp("corpus_index")
    return build_into(data_dir, [corpus_dir], embedder)


@pytest.fixture(scope="session")
def corpus_searcher(corpus_index: SearchSettings, embedder: Embedder) -> Searcher:
    """A Searcher over the full-corpus index, sharing the session's model."""
    return Searcher(corpus_index, embedder_factory=lambda: embedder)


@pytest.fixture()
def small_searcher(small_index: SearchSettings, embedder: Embedder) -> Iterator[Searcher]:
    yield Searcher(small_index, embedder_factory=lambda: embedder)

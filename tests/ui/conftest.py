"""UI fixtures: API servers over real indexes (small, empty, hostile) and an AppTest factory."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from indexer.embed import Embedder
from search.config import Settings
from tests.conftest import build_into
from tests.ui.support import APP, EVIL_RECORD, RUN_TIMEOUT, serve_api


@pytest.fixture(scope="session")
def api_url(small_index: Settings, embedder: Embedder) -> Iterator[str]:
    """The API over the small shared index (read-only: no test writes to it)."""
    with serve_api(small_index, embedder) as url:
        yield url


@pytest.fixture()
def empty_api(tmp_path: Path, embedder: Embedder) -> Iterator[tuple[str, Path]]:
    """The API over an empty data directory (health → 503); yields (URL, data dir)."""
    data_dir = tmp_path / "empty"
    data_dir.mkdir()
    with serve_api(Settings.load(data_dir), embedder) as url:
        yield url, data_dir


@pytest.fixture(scope="module")
def evil_index(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Settings:
    """A one-paper index whose metadata is full of HTML and Markdown."""
    root = tmp_path_factory.mktemp("evil")
    src = root / "evil.jsonl"
    src.write_text(json.dumps(EVIL_RECORD, ensure_ascii=False) + "\n", encoding="utf-8")
    return build_into(root / "data", [src], embedder)


@pytest.fixture(scope="module")
def evil_api(evil_index: Settings, embedder: Embedder) -> Iterator[str]:
    with serve_api(evil_index, embedder) as url:
        yield url


@pytest.fixture()
def app_for(monkeypatch: pytest.MonkeyPatch) -> Callable[..., AppTest]:
    """AppTest factory: the app pointed at an API URL (and a data directory), first run done."""

    def make(url: str, page: str | None = None, data_dir: Path | None = None,
             query: dict[str, str] | None = None) -> AppTest:
        monkeypatch.setenv("AVATAR_SCHOLAR_API_URL", url)
        if data_dir is not None:
            monkeypatch.setenv("AVATAR_SCHOLAR_DATA", str(data_dir))
        at = AppTest.from_file(str(APP), default_timeout=RUN_TIMEOUT)
        at.run()
        if page:
            for key, value in (query or {}).items():
                at.query_params[key] = value
            at.switch_page(page)
            at.run()
        assert not at.exception, [e.value for e in at.exception]
        return at

    return make

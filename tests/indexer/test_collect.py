"""collect(): offline, every arXiv source is skipped with one notice, the rest is read."""

from __future__ import annotations

import logging
import socket
from pathlib import Path

import pytest

from indexer.collect import collect
from indexer.config import IndexerSettings
from indexer.models import SourceSpec
from tests.synthetic import synthetic_records, write_synthetic


def _closed_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}/api/query"


def test_offline_arxiv_sources_are_one_notice(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    library = write_synthetic(tmp_path / "library.jsonl")
    queries = ["talking head", "digital human", "NeRF avatar", "codec avatars"]
    specs = [SourceSpec(kind="path", value=str(library)),
             *(SourceSpec(kind="arxiv", value=q) for q in queries)]
    url = _closed_url()
    with caplog.at_level(logging.INFO):
        got = collect(specs, IndexerSettings(data_dir=tmp_path / "data", arxiv_url=url),
                      progress=False)
    assert got.notices == [f"arXiv unreachable ({url}): skipped 4 arXiv queries "
                           "(talking head, digital human, NeRF avatar, …)"]
    assert not [r for r in caplog.records if r.levelno >= logging.INFO and "reach" in r.message]
    assert len(got.documents) == len(synthetic_records())
    assert [s.kind for s in got.sources] == ["path"]  # no watermark for what was not fetched


def test_one_offline_query_is_named(tmp_path: Path) -> None:
    url = _closed_url()
    got = collect([SourceSpec(kind="arxiv", value="talking head")],
                  IndexerSettings(data_dir=tmp_path, arxiv_url=url), progress=False)
    assert got.notices == [f"arXiv unreachable ({url}): skipped 'arxiv:talking head'"]

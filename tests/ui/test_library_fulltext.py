"""Library page: the background full-text job's progress, as /api/fulltext serves it."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from indexer import store
from indexer.models import FulltextProgress
from tests.conftest import build_into
from tests.fakes import HashEmbedder
from tests.synthetic import write_synthetic
from tests.ui.support import serve_api

pytestmark = pytest.mark.slow  # a real API server


def test_library_shows_full_text_progress_then_the_result(
        tmp_path: Path, app_for: Callable[..., AppTest]) -> None:
    settings = build_into(tmp_path / "data", [write_synthetic(tmp_path / "lib.jsonl")], HashEmbedder())
    now = datetime.now(UTC).replace(microsecond=0)
    running = FulltextProgress(state="running", started=now, updated=now, done=3, total=10,
                               attached=2, skipped=1, papers=30, with_text=2, eta_seconds=754.0,
                               pid=os.getpid())
    store.write_progress(settings.data_dir, running)
    with serve_api(settings, HashEmbedder()) as url:  # type: ignore[arg-type]
        at = app_for(url, "views/library.py", data_dir=settings.data_dir)
        assert not at.exception and not at.error, [e.value for e in at.error]
        bar = at.get("progress")[0]
        assert bar.proto.value == 30  # percent
        assert bar.proto.text == "Downloading and indexing arXiv PDFs: 3 of 10 papers, about 13 min left"
        captions = [c.value for c in at.caption]
        assert any(c.startswith("2 of 30 arXiv papers have their full text indexed") for c in captions)

        store.write_progress(settings.data_dir, running.model_copy(update={
            "state": "done", "done": 10, "attached": 9, "with_text": 9, "eta_seconds": None}))
        at.run()
        assert not at.get("progress")
        assert any(c.value.startswith("9 of 30 arXiv papers") for c in at.caption)

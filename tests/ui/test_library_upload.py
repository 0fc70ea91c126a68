"""Library page: uploaded PDFs are saved to the inbox and indexed in-process, with a job report."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from streamlit.testing.v1 import AppTest

from indexer import store
from indexer.embed import Embedder
from search.config import Settings
from tests.conftest import build_into
from tests.shared import require_shared
from tests.ui.support import serve_api

PDF = "corpus/pdfs/1810.02054.pdf"  # the smallest PDF of the shared corpus
UPLOAD_TIMEOUT = 240.0


@pytest.fixture()
def library(tmp_path: Path, embedder: Embedder) -> Settings:
    """A one-paper library of its own: uploads write to it."""
    src = tmp_path / "one.jsonl"
    src.write_text(json.dumps({"arxiv_id": "2401.00001", "title": "A talking head paper",
                               "abstract": "Audio-driven talking head synthesis.",
                               "published": "2024-01-02"}) + "\n", encoding="utf-8")
    return build_into(tmp_path / "data", [src], embedder)


def _papers(url: str) -> int:
    return int(httpx.get(f"{url}/api/health", timeout=10).json()["papers"])


def test_uploaded_pdf_is_indexed_with_progress_and_report(
        library: Settings, embedder: Embedder, app_for: Callable[..., AppTest]) -> None:
    pdf = (require_shared() / PDF).read_bytes()
    with serve_api(library, embedder) as url:
        at = app_for(url, "views/library.py", data_dir=library.data_dir)
        assert {m.label: m.value for m in at.metric}["Papers"] == "1"
        at.file_uploader(key="uploads").set_value([("../My Paper (v2).pdf", pdf, "application/pdf"),
                                                   ("notes.pdf", b"not a pdf", "application/pdf")])
        at.run()
        at.button(key="index").click().run(timeout=UPLOAD_TIMEOUT)
        assert not at.exception and not at.error, [e.value for e in at.error]
        assert any(s.value.startswith("Indexed: 2 papers") for s in at.success)
        assert any("notes\\.pdf: not a PDF file" in w.value for w in at.warning)
        assert at.get("progress")
        # the counts above the upload already include it (same run, no reload)
        assert {m.label: m.value for m in at.metric}["Papers"] == "2"
        assert _papers(url) == 2
        added = [link.proto.query_string for link in at.main.get("page_link")]
        assert added == ["paper=1810.02054"]
        assert not any("already in the library" in i.value for i in at.info)
        assert (library.data_dir / "inbox" / "My Paper _v2_.pdf").is_file()
        report = store.read_job_reports(library.data_dir, 1)[0]
        assert report.kind == "upload" and report.added == 1 and report.papers == 2

        at.button(key="index").click().run(timeout=UPLOAD_TIMEOUT)  # the same file again
        assert [i.value for i in at.info] == ["My Paper \\_v2\\_\\.pdf is already in the library:"]
        assert [link.proto.query_string for link in at.main.get("page_link")] == ["paper=1810.02054"]
        assert {m.label: m.value for m in at.metric}["Papers"] == "2"


def test_upload_while_another_job_runs_says_so(
        library: Settings, embedder: Embedder, app_for: Callable[..., AppTest]) -> None:
    pdf = (require_shared() / PDF).read_bytes()
    with serve_api(library, embedder) as url:
        at = app_for(url, "views/library.py", data_dir=library.data_dir)
        at.file_uploader(key="uploads").set_value(("paper.pdf", pdf, "application/pdf"))
        at.run()
        with store.job_lock(library.data_dir):
            at.button(key="index").click().run(timeout=UPLOAD_TIMEOUT)
        assert [e.value for e in at.error] and "Another indexing job is running" in at.error[0].value
        assert (library.data_dir / "inbox" / "paper.pdf").is_file()  # kept for the next try
        assert _papers(url) == 1

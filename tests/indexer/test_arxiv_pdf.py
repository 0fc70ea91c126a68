"""Downloading arXiv PDFs against a real local mirror (tests/stubs/pdf_server.py): fast tier."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from indexer import store
from indexer.config import IndexerSettings
from indexer.errors import PdfFetchError
from indexer.sources.arxiv_pdf import PdfFetcher, pdf_delay, user_agent
from tests.stubs.pdf_server import PdfServer, paper_pdf

FAST = 0.05  # pause between requests and backoff base in tests (real default: 3 s)
PDF = paper_pdf("2401.00001")


@pytest.fixture
def srv(monkeypatch: pytest.MonkeyPatch) -> Iterator[PdfServer]:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")  # loopback only, whatever the env
    with PdfServer() as server:
        server.add("2401.00001", PDF)
        yield server


def fetcher(srv: PdfServer, tmp_path: Path, **kw: float) -> PdfFetcher:
    settings = IndexerSettings(data_dir=tmp_path, pdf_url=srv.url, pdf_delay_seconds=kw.pop("delay", FAST),
                               pdf_timeout_seconds=kw.pop("timeout", 0.5), **kw)  # type: ignore[arg-type]
    return PdfFetcher(settings, retries=2)


def fetch(f: PdfFetcher, tmp_path: Path, arxiv_id: str = "2401.00001", version: int | None = 1) -> Path:
    dest = store.pdf_file(tmp_path, store.pdf_key(arxiv_id, version))
    f.fetch(arxiv_id, version, dest)
    return dest


def failure(f: PdfFetcher, tmp_path: Path, arxiv_id: str = "2401.00001") -> PdfFetchError:
    with pytest.raises(PdfFetchError) as info:
        fetch(f, tmp_path, arxiv_id)
    assert "\n" not in str(info.value)
    assert not list(store.pdf_dir(tmp_path).glob("*")), "a failed download left a file behind"
    return info.value


def test_downloads_by_id_and_version_with_a_user_agent(srv: PdfServer, tmp_path: Path) -> None:
    with fetcher(srv, tmp_path) as f:
        dest = fetch(f, tmp_path)
    assert dest == tmp_path / "pdfs" / "2401.00001v1.pdf"
    assert dest.read_bytes() == PDF
    assert srv.paths() == ["/pdf/2401.00001v1"]
    agent = srv.requests[0].headers["user-agent"]
    assert agent == user_agent() and agent.startswith("avatar-scholar/")


def test_404_is_permanent_and_not_retried(srv: PdfServer, tmp_path: Path) -> None:
    with fetcher(srv, tmp_path) as f:
        err = failure(f, tmp_path, "2401.09999")
    assert str(err) == "no PDF on arXiv (HTTP 404)" and err.permanent and not err.transient
    assert len(srv.requests) == 1


def test_a_missing_version_is_a_404(srv: PdfServer, tmp_path: Path) -> None:
    with fetcher(srv, tmp_path) as f, pytest.raises(PdfFetchError, match="HTTP 404"):
        f.fetch("2401.00001", 2, tmp_path / "x.pdf")


def test_server_errors_are_retried_with_growing_pauses(srv: PdfServer, tmp_path: Path) -> None:
    srv.fault("2401.00001", "status", status=503, times=2)
    with fetcher(srv, tmp_path, delay=0.1) as f:
        assert fetch(f, tmp_path).read_bytes() == PDF
    gaps = srv.gaps()
    assert len(srv.requests) == 3
    assert gaps[0] >= 0.1 and gaps[1] >= 0.2  # backoff: delay, then twice the delay


def test_retry_after_is_honoured(srv: PdfServer, tmp_path: Path) -> None:
    srv.fault("2401.00001", "status", status=429, times=1, retry_after=1)
    with fetcher(srv, tmp_path) as f:
        fetch(f, tmp_path)
    assert srv.gaps()[0] >= 1.0


def test_server_errors_give_up_after_the_retries(srv: PdfServer, tmp_path: Path) -> None:
    srv.fault("2401.00001", "status", status=500)
    with fetcher(srv, tmp_path) as f:
        err = failure(f, tmp_path)
    assert err.transient and not err.permanent
    assert "HTTP 500" in str(err) and "(3 attempts)" in str(err)
    assert len(srv.requests) == 3


def test_an_html_page_is_not_a_pdf(srv: PdfServer, tmp_path: Path) -> None:
    srv.fault("2401.00001", "html")
    with fetcher(srv, tmp_path) as f:
        err = failure(f, tmp_path)
    assert str(err).startswith("not a PDF (the server sent text/html")
    assert len(srv.requests) == 1 and not err.permanent


def test_a_truncated_pdf_is_refused(srv: PdfServer, tmp_path: Path) -> None:
    srv.fault("2401.00001", "truncated")
    with fetcher(srv, tmp_path) as f:
        err = failure(f, tmp_path)
    assert "truncated PDF" in str(err) and "%%EOF" in str(err)


def test_a_body_cut_short_is_retried_then_given_up(srv: PdfServer, tmp_path: Path) -> None:
    srv.fault("2401.00001", "cut")
    with fetcher(srv, tmp_path) as f:
        err = failure(f, tmp_path)
    assert err.transient and "connection to 127.0.0.1" in str(err)
    assert len(srv.requests) == 3


@pytest.mark.parametrize("kind", ["stall_body", "stall"])
def test_a_stalled_server_cannot_hang_the_job(srv: PdfServer, tmp_path: Path, kind: str) -> None:
    srv.fault("2401.00001", kind)  # type: ignore[arg-type]
    t0 = time.monotonic()
    with fetcher(srv, tmp_path, timeout=0.3) as f:
        err = failure(f, tmp_path)
    assert time.monotonic() - t0 < 5
    assert str(err).startswith("no answer from 127.0.0.1") and "within 0.3 s" in str(err)
    assert err.transient


def test_an_oversized_pdf_is_refused_before_reading(srv: PdfServer, tmp_path: Path) -> None:
    srv.fault("2401.00001", "oversized", size=200_000_000)
    with fetcher(srv, tmp_path, pdf_max_mb=1) as f:
        err = failure(f, tmp_path)
    assert str(err) == "PDF is 200.0 MB, over the 1.0 MB cap (AVATAR_SCHOLAR_PDF_MAX_MB)"
    assert err.permanent and len(srv.requests) == 1


def test_an_oversized_stream_without_length_is_cut_at_the_cap(srv: PdfServer, tmp_path: Path) -> None:
    srv.fault("2401.00001", "oversized_chunked", size=50_000_000)
    t0 = time.monotonic()
    with fetcher(srv, tmp_path, pdf_max_mb=1) as f:
        err = failure(f, tmp_path)
    assert "over the 1.0 MB cap" in str(err) and err.permanent
    assert time.monotonic() - t0 < 5


def test_requests_are_spaced_and_one_at_a_time(srv: PdfServer, tmp_path: Path) -> None:
    for i in range(2, 6):
        srv.add(f"2401.0000{i}", paper_pdf(f"2401.0000{i}"))
    with fetcher(srv, tmp_path, delay=0.3) as f:
        for i in range(1, 6):
            fetch(f, tmp_path, f"2401.0000{i}")
    assert len(srv.requests) == 5 and srv.max_in_flight == 1
    assert min(srv.gaps()) >= 0.3


def test_the_pause_is_never_below_3_s_for_arxiv() -> None:
    fast = {"pdf_delay_seconds": 0.1}
    assert pdf_delay(IndexerSettings(**fast)) == 3.0  # type: ignore[arg-type]
    assert pdf_delay(IndexerSettings(pdf_url="https://arxiv.org/pdf", **fast)) == 3.0  # type: ignore[arg-type]
    assert pdf_delay(IndexerSettings(pdf_url="http://mirror.example/pdf", **fast)) == 0.1  # type: ignore[arg-type]
    assert pdf_delay(IndexerSettings(pdf_delay_seconds=10)) == 10.0


def test_stop_interrupts_a_pause(srv: PdfServer, tmp_path: Path) -> None:
    with fetcher(srv, tmp_path, delay=30) as f:
        fetch(f, tmp_path)
        f.stop()
        t0 = time.monotonic()
        with pytest.raises(PdfFetchError, match="stopped"):
            fetch(f, tmp_path, "2401.00002")
    assert time.monotonic() - t0 < 1 and len(srv.requests) == 1

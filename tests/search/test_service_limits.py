"""The API under hostile but fair load (issue 14): a slow LLM, oversized bodies, credentials.

A real uvicorn server in a thread over the synthetic index (model-free encoder), and the
stub LLM endpoint on loopback, so these run in the fast tier.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from search.config import Settings
from search.errors import BusyError
from search.service.limits import LLMSlots
from tests.fakes import HashEmbedder
from tests.stubs.llm_server import LLMServer, StubReply
from tests.ui.support import serve_api

QUESTION = "How does gaussian splatting animate a talking head?"
REPLY = "Gaussian splatting animates talking heads from multi-view video [1]."


def with_llm(index: Settings, base_url: str, **llm: Any) -> Settings:
    """The synthetic index's settings with an LLM endpoint configured."""
    return Settings.load(index.data_dir, llm={"base_url": base_url, "model": "stub-model", **llm})


@pytest.fixture()
def llm() -> Iterator[LLMServer]:
    with LLMServer() as srv:
        yield srv


@pytest.mark.slow  # real servers and waits: seconds each
def test_a_slow_llm_leaves_health_and_search_instant(synthetic_index: Settings,
                                                     llm: LLMServer) -> None:
    """50 concurrent asks against an LLM answering in 4 s: at most 4 wait on it, the rest
    get 503 + Retry-After at once, and health and search answer within a fraction of a
    second throughout (they took 17 s before)."""
    llm.push(*[StubReply(REPLY, delay=4.0) for _ in range(50)])
    settings = with_llm(synthetic_index, llm.url, max_concurrent=4, timeout=10)
    with serve_api(settings, HashEmbedder()) as url:
        assert httpx.get(f"{url}/api/health").status_code == 200
        with ThreadPoolExecutor(max_workers=50) as pool:
            asks = [pool.submit(httpx.post, f"{url}/api/ask", json={"question": QUESTION},
                                timeout=30) for _ in range(50)]
            time.sleep(0.5)  # every ask has arrived; four are waiting on the LLM
            health, search = [], []
            for _ in range(10):
                t0 = time.perf_counter()
                assert httpx.get(f"{url}/api/health", timeout=5).status_code == 200
                health.append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                assert httpx.get(f"{url}/api/search", params={"q": "talking head"},
                                 timeout=5).status_code == 200
                search.append(time.perf_counter() - t0)
                time.sleep(0.1)
            answers = [f.result() for f in asks]
    busy = [r for r in answers if r.status_code == 503]
    done = [r for r in answers if r.status_code == 200]
    assert max(health) < 1.0 and max(search) < 1.0, (health, search)  # an LLM call takes 4 s
    assert len(done) == 4 and len(busy) == 46, [r.status_code for r in answers]
    assert all(r.json()["generator"] == "llm:stub-model" for r in done)
    assert all(int(r.headers["Retry-After"]) >= 1 and "retry" in r.json()["detail"] for r in busy)
    assert len(llm.requests) == 4


def test_llm_slots_free_up_when_the_call_ends_not_when_the_client_leaves() -> None:
    release = threading.Event()

    def slow() -> str:
        release.wait(5)
        return "done"

    async def scenario() -> None:
        slots = LLMSlots(1, retry_after=3)
        first = asyncio.ensure_future(slots.run(slow))
        await asyncio.sleep(0.05)
        with pytest.raises(BusyError) as info:
            await slots.run(slow)
        assert info.value.retry_after == 3
        first.cancel()  # the client went away, but the call is still running
        await asyncio.sleep(0.05)
        with pytest.raises(BusyError):
            await slots.run(slow)
        release.set()
        await asyncio.sleep(0.2)
        assert await slots.run(lambda: "again") == "again"
        slots.close()

    asyncio.run(scenario())


def test_the_default_llm_timeout_is_at_most_20_seconds() -> None:
    assert Settings.load().llm.timeout <= 20


def _raw_request(url: str, head: str, body: bytes = b"") -> tuple[str, float]:
    """Send a request by hand; the status line and how long the answer took."""
    host, port = url.removeprefix("http://").split(":")
    t0 = time.perf_counter()
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(head.encode() + body)
        data = sock.recv(65536)
    return data.decode("latin-1").splitlines()[0], time.perf_counter() - t0


def test_oversized_bodies_get_413_before_they_are_read(synthetic_index: Settings) -> None:
    with serve_api(synthetic_index, HashEmbedder()) as url:
        # Declares 300 MB and sends 1 MB of it: refused at once, the rest never read.
        head = ("POST /api/ask HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                "Content-Length: 300000000\r\n\r\n")
        status, took = _raw_request(url, head, b"{" + b" " * 1_000_000)
        assert status == "HTTP/1.1 413 Request Entity Too Large" and took < 2
        # Chunked, with no length declared: refused once the cap is passed.
        chunk = b" " * 50_000
        chunked = (f"{len(chunk):x}\r\n").encode() + chunk + b"\r\n"
        head = ("POST /api/ask HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                "Transfer-Encoding: chunked\r\n\r\n")
        status, _ = _raw_request(url, head, chunked * 3)
        assert status == "HTTP/1.1 413 Request Entity Too Large"
        big = httpx.post(f"{url}/api/ask", content=b" " * 70_000,
                         headers={"Content-Type": "application/json"})
        assert big.status_code == 413 and "limit is 65536 bytes" in big.json()["detail"]
        # A small chunked body still reaches the app, and a normal ask works.
        small = httpx.post(f"{url}/api/ask", content=iter([json.dumps({"question": QUESTION})
                                                           .encode()]),
                           headers={"Content-Type": "application/json"})
        assert small.status_code == 200 and small.json()["citations"]
        assert httpx.get(f"{url}/api/health").status_code == 200


def test_llm_credentials_never_reach_notices_or_logs(synthetic_index: Settings, llm: LLMServer,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    port = llm.url.split(":")[2].split("/")[0]
    base = f"http://alice:s3cret-pass@127.0.0.1:{port}/v1"
    settings = with_llm(synthetic_index, base, api_key="sk-live-0123456789abcdef")
    caplog.set_level(logging.INFO)
    with serve_api(settings, HashEmbedder()) as url:
        resp = httpx.post(f"{url}/api/ask", json={"question": QUESTION}, timeout=30)
    assert resp.status_code == 200
    notices = " ".join(resp.json()["notices"])
    assert "LLM unavailable (HTTP 500 from http://127.0.0.1:" in notices
    logged = caplog.text
    assert "LLM generator failed" in logged
    for secret in ("alice", "s3cret-pass", "sk-live-0123456789abcdef"):
        assert secret not in notices and secret not in logged
    # The endpoint still received the credentials, as basic auth and the bearer key.
    sent = llm.requests[0].headers
    assert sent["Authorization"] in ("Bearer sk-live-0123456789abcdef",
                                     "Basic " + base64.b64encode(b"alice:s3cret-pass").decode())


def test_jobs_and_stats_show_no_server_paths(tmp_path: Path, synthetic_index: Settings) -> None:
    import shutil

    from indexer.models import JobReport, SkipReport
    from indexer.store import write_job_report

    data_dir = tmp_path / "data"
    shutil.copytree(synthetic_index.data_dir, data_dir)
    settings = Settings.load(data_dir)
    outside = "/srv/private/papers/My Thesis.pdf"
    write_job_report(data_dir, JobReport(
        kind="index", finished="2024-05-01T00:00:00Z", error=f"disk full in {data_dir}",
        notices=[f"arXiv unreachable (http://bob:pw@proxy:3128/api): skipped; see {outside}"],
        skipped=[SkipReport(path=outside, reason=f"encrypted PDF: {outside}"),
                 SkipReport(path=str(data_dir / "inbox" / "x.pdf"),
                            reason=f"empty file: {data_dir / 'inbox' / 'x.pdf'}")]))
    with serve_api(settings, HashEmbedder()) as url:
        jobs = httpx.get(f"{url}/api/jobs").json()
        stats = httpx.get(f"{url}/api/stats").json()
    text = json.dumps(jobs) + json.dumps(stats)
    for leak in (str(tmp_path), "/srv/private", "bob:pw"):
        assert leak not in text
    job = next(j for j in jobs if j["error"])
    assert [s["path"] for s in job["skipped"]] == ["My Thesis.pdf", "inbox/x.pdf"]
    assert job["skipped"][0]["reason"] == "encrypted PDF: My Thesis.pdf"
    assert job["error"] == "disk full in data"
    assert [s["value"] for s in stats["sources"]] == ["library.jsonl"]


def test_local_pdfs_have_no_path_as_url(tmp_path: Path, shared_dir: Path) -> None:
    """A PDF without an arXiv id is linked by its paper page (clients build it from
    `paper_id`); its `url` is empty, never the server's file path."""
    from tests.conftest import build_into

    pdf = shared_dir / "corpus" / "pdfs" / "lamport1982-byzantine-generals.pdf"
    settings = build_into(tmp_path / "data", [pdf], HashEmbedder())
    with serve_api(settings, HashEmbedder()) as url:
        hit = httpx.get(f"{url}/api/search", params={"q": "Byzantine generals"}).json()["hits"][0]
        detail = httpx.get(f"{url}/api/papers/{hit['paper_id']}").json()
        stats = httpx.get(f"{url}/api/stats").json()
    assert hit["paper_id"].startswith("local:") and hit["url"] == "" and detail["url"] == ""
    assert str(shared_dir) not in json.dumps([hit, detail, stats])
    assert stats["sources"][0]["value"] == pdf.name

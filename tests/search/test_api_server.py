"""`avatar-scholar serve` as a real uvicorn process on a free 127.0.0.1 port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import numpy as np
import pytest

from indexer.embed import Embedder
from search.config import Settings
from search.service.batching import BatchingEmbedder

CLI = Path(sys.executable).parent / "avatar-scholar"
READY_TIMEOUT = 120.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve_cmd(data_dir: Path, port: int) -> list[str]:
    return [str(CLI), "--data-dir", str(data_dir), "serve", "--port", str(port)]


def server_env() -> dict[str, str]:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    env.pop("AVATAR_SCHOLAR_API_PORT", None)
    return env


@dataclass
class Server:
    proc: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def wait_ready(server: Server) -> None:
    """Poll /api/health until it answers 200; fail with the server's log if it never does."""
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            pytest.fail(f"server exited with {server.proc.returncode}:\n{server.log.read_text()[-2000:]}")
        try:
            if httpx.get(f"{server.url}/api/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    pytest.fail(f"server not ready after {READY_TIMEOUT:.0f}s:\n{server.log.read_text()[-2000:]}")


@pytest.fixture(scope="module")
def server(small_index: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    log = tmp_path_factory.mktemp("serve") / "server.log"
    port = free_port()
    with open(log, "wb") as out:
        proc = subprocess.Popen(serve_cmd(small_index.data_dir, port), env=server_env(),
                                stdout=out, stderr=subprocess.STDOUT)
    srv = Server(proc, port, log)
    try:
        wait_ready(srv)
        yield srv
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_real_server_answers_search(server: Server) -> None:
    health = httpx.get(f"{server.url}/api/health").json()
    assert health["status"] == "ok" and health["papers"] > 0
    resp = httpx.get(f"{server.url}/api/search", params={"q": "3D gaussian avatar", "k": 5})
    assert resp.status_code == 200
    hits = resp.json()["hits"]
    assert 0 < len(hits) <= 5 and len({h["paper_id"] for h in hits}) == len(hits)
    assert httpx.get(f"{server.url}/docs").status_code == 200


def test_concurrent_requests_agree_with_sequential_ones(server: Server) -> None:
    queries = ["talking head", "gaussian splatting", "数字人", "lip sync audio", "NeRF avatar",
               "facial expression", "虚拟人 驱动", "3D human reconstruction"]
    with httpx.Client(base_url=server.url, timeout=60) as http:
        expected = {q: [h["paper_id"] for h in http.get("/api/search", params={"q": q}).json()["hits"]]
                    for q in queries}

    def run(q: str) -> tuple[str, int, list[str]]:
        with httpx.Client(base_url=server.url, timeout=60) as http:
            resp = http.get("/api/search", params={"q": q})
            return q, resp.status_code, [h["paper_id"] for h in resp.json().get("hits", [])]

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(run, queries * 4))
    for q, status, ids in results:
        assert status == 200 and ids == expected[q], q


def test_second_server_on_the_same_port_fails_in_one_line(server: Server,
                                                          small_index: Settings) -> None:
    done = subprocess.run(serve_cmd(small_index.data_dir, server.port), env=server_env(),
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert done.stderr == (f"error: port {server.port} on 127.0.0.1 is already in use"
                           " (set AVATAR_SCHOLAR_API_PORT or --port)\n")
    assert server.proc.poll() is None, "the running server is unaffected"


class SlowFake:
    """An embedder whose vector is the text's length, slow enough for callers to pile up."""

    model_id, dim, backend = "fake", 2, "fake"

    def __init__(self, fail_on: str | None = None) -> None:
        self.batches: list[list[str]] = []
        self.fail_on = fail_on

    def embed(self, texts: list[str], *, progress: bool = False) -> np.ndarray:
        self.batches.append(list(texts))
        time.sleep(0.03)
        if self.fail_on in texts:
            raise RuntimeError(f"cannot encode {self.fail_on}")
        return np.array([[len(t), 1.0] for t in texts], dtype=np.float32)

    def count_tokens(self, text: str) -> int:
        return len(text.split())


def test_batching_embedder_coalesces_concurrent_queries() -> None:
    fake = SlowFake()
    batcher = BatchingEmbedder(fake, max_batch=4)
    texts = ["x" * n for n in range(1, 17)]
    with ThreadPoolExecutor(max_workers=16) as pool:
        vectors = list(pool.map(lambda t: batcher.embed([t]), texts))
    assert [int(v[0, 0]) for v in vectors] == list(range(1, 17))
    assert all(v.shape == (1, 2) for v in vectors)
    assert sorted(t for b in fake.batches for t in b) == sorted(texts)
    assert len(fake.batches) < len(texts) and max(len(b) for b in fake.batches) <= 4
    assert batcher.embed(["solo"])[0, 0] == 4 and fake.batches[-1] == ["solo"]
    assert batcher.embed(["a", "bb"]).shape == (2, 2)  # bulk calls pass straight through


def test_batching_embedder_reports_failures_to_their_callers_only() -> None:
    fake = SlowFake(fail_on="bad")
    batcher = BatchingEmbedder(fake)
    with pytest.raises(RuntimeError, match="cannot encode bad"):
        batcher.embed(["bad"])
    assert batcher.embed(["good"])[0, 0] == 4  # the batcher is usable again


def test_batched_vectors_match_unbatched_ones(embedder: Embedder) -> None:
    """A query's vector does not depend on what else was encoded with it (int8 queries are
    never batched: dynamic quantization would make them depend on their batch-mates)."""
    texts = ["talking head", "3D gaussian splatting avatars from monocular video", "数字人", "NeRF"]
    batcher = BatchingEmbedder(embedder)
    with ThreadPoolExecutor(max_workers=4) as pool:
        batched = list(pool.map(lambda t: batcher.embed([t])[0], texts))
    for text, vec in zip(texts, batched, strict=True):
        assert np.allclose(vec, embedder.embed([text])[0], atol=1e-5), text

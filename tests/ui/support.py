"""UI test helpers: the real API on a real uvicorn server (background thread), hostile data."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn

import ui
from indexer.embed import Embedder
from search.config import Settings
from search.retrieval.engine import Searcher
from search.service.app import create_app

APP = Path(ui.__file__).parent / "app.py"
RUN_TIMEOUT = 90.0  # seconds for one script run: the first query also loads the model

# Hostile metadata: HTML and Markdown in every text field the UI shows.
EVIL_TITLE = "<script>alert(1)</script> **bold** [link](http://x) $x^2$ :red[red] # not a heading"
EVIL_RECORD = {
    "arxiv_id": "2401.99999",
    "title": EVIL_TITLE,
    "authors": ["<img src=x onerror=alert(2)>", "Zhang *San*"],
    "abstract": "We present a talking head avatar that synthesizes lip-synchronized talking head "
                "videos from speech audio with a neural radiance field. <script>alert(3)</script> "
                "Click [here](javascript:alert(4)) and see **this** | table | and `code` and > quote. "
                "The avatar keeps the lips in sync with the audio and renders in real time.",
    "published": "2024-01-16",
    "first_seen": "2024-01-24",
    "topics": ["Talking Head Generation"],
    "links": {"code": "javascript:alert(5)", "project": "https://example.org/a_(b)"},
    "summary_zh": "机器生成的摘要 <script>alert(6)</script> **粗体**",
    "takeaways_zh": ["要点一 <b>html</b>", "要点二 [link](http://x)"],
}


def free_port() -> int:
    """A port nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def serve_api(settings: Settings, embedder: Embedder) -> Iterator[str]:
    """The real API app on a real uvicorn server in a thread; yields its base URL."""
    app = create_app(settings, lambda: Searcher(settings, embedder_factory=lambda: embedder))
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while not server.started:
            if time.monotonic() > deadline or not thread.is_alive():
                pytest.fail(f"API server on {url} did not start")
            time.sleep(0.05)
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        sock.close()


def api_get(url: str, path: str) -> object:
    """JSON from the API, for expectations computed independently of the UI."""
    return httpx.get(f"{url}{path}", timeout=30).json()

"""A local OpenAI-compatible chat endpoint for tests: a real HTTP server on 127.0.0.1.

Tests queue scripted replies and read back what the client sent::

    with LLMServer() as srv:
        srv.push(StubReply("Avatars are animated from audio [1]."))
        srv.push(StubReply(status=500), StubReply(delay=2.0, content="late [1]."))
        srv.push(StubReply(content=lambda request: "echo " + request["model"]))
        ...                      # ChatClient(srv.url, "stub-model", "sk-test", timeout=1)
        srv.requests[0].json["messages"], srv.requests[0].headers["Authorization"]

`POST {url}/chat/completions` pops the next reply (HTTP 500 with an error body when
the queue is empty). A reply may be a string, a callable of the request JSON, a raw
body (for malformed JSON), a status code and a delay before answering (for timeouts).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

logger = logging.getLogger(__name__)

Content = str | Callable[[dict[str, Any]], str] | None


@dataclass
class StubReply:
    """One scripted answer of the stub."""

    content: Content = None
    status: int = 200
    delay: float = 0.0
    raw: bytes | None = None  # sent as-is instead of a chat-completion JSON body


@dataclass
class RecordedRequest:
    """What the client sent."""

    path: str
    headers: dict[str, str]
    json: dict[str, Any] = field(default_factory=dict)

    def message(self, role: str) -> str:
        """The content of the first message with this role ('' when absent)."""
        return next((m["content"] for m in self.json.get("messages", []) if m["role"] == role), "")


def completion(content: str, model: str = "stub-model") -> dict[str, Any]:
    """A chat-completion response body in the OpenAI shape."""
    return {
        "id": "chatcmpl-stub", "object": "chat.completion", "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "finish_reason": "stop",
                     "message": {"role": "assistant", "content": content}}],
        "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
    }


class LLMServer:
    """ThreadingHTTPServer in a daemon thread; `url` is the OpenAI-style base URL (…/v1)."""

    def __init__(self) -> None:
        self.replies: deque[StubReply] = deque()
        self.requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def push(self, *replies: StubReply) -> None:
        """Queue replies, answered in order."""
        with self._lock:
            self.replies.extend(replies)

    def _next(self, request: RecordedRequest) -> StubReply:
        with self._lock:
            self.requests.append(request)
            if self.replies:
                return self.replies.popleft()
        return StubReply(status=500, raw=b'{"error": {"message": "no scripted reply"}}')

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib name
                logger.debug("llm stub: " + format, *args)

            def do_POST(self) -> None:  # noqa: N802 - stdlib name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    data = json.loads(body or b"{}")
                except ValueError:
                    data = {}
                request = RecordedRequest(self.path, dict(self.headers.items()), data)
                reply = stub._next(request)
                if self.path.rstrip("/") != "/v1/chat/completions":
                    reply = StubReply(status=404, raw=b'{"error": "not found"}')
                time.sleep(reply.delay)
                self._send(reply, data)

            def _send(self, reply: StubReply, data: dict[str, Any]) -> None:
                if reply.raw is not None:
                    payload = reply.raw
                else:
                    content = reply.content(data) if callable(reply.content) else reply.content
                    payload = json.dumps(completion(content or "", data.get("model", ""))).encode()
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):  # the client timed out
                    logger.debug("llm stub: client went away")

        return Handler

    def __enter__(self) -> LLMServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

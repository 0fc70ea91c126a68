"""Limits that keep one kind of request from starving the others.

`BodyLimit` answers 413 to a request body over the cap before the application reads it:
a declared ``Content-Length`` is checked at once, and a chunked body is read only up to
the cap (never more than `max_bytes` is held in memory).

`LLMSlots` runs the requests that may call the LLM in a small thread pool of their own,
at most `size` at once; past that they get 503 with ``Retry-After``. A slow endpoint
therefore occupies only those threads, never the pool that serves search and health.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from search.errors import BusyError

T = TypeVar("T")


class BodyLimit:
    """ASGI middleware: 413 for request bodies larger than `max_bytes`."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None:
            if not declared.strip().isdigit() or int(declared) > self.max_bytes:
                await self._refuse(scope, receive, send)
                return
            await self.app(scope, receive, send)
            return
        # No length declared (chunked, or no body): read at most the cap, then replay it.
        buffered: list[Message] = []
        total = 0
        while True:
            message = await receive()
            buffered.append(message)
            if message["type"] != "http.request":
                break
            total += len(message.get("body", b""))
            if total > self.max_bytes:
                await self._refuse(scope, receive, send)
                return
            if not message.get("more_body"):
                break

        async def replay() -> Message:
            return buffered.pop(0) if buffered else await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        # Connection: close, since the rest of the body is never read from the socket.
        response = JSONResponse(
            {"detail": f"request body too large: the limit is {self.max_bytes} bytes"},
            status_code=413, headers={"Connection": "close"})
        await response(scope, receive, send)


class LLMSlots:
    """A bounded pool for work that may wait on the LLM; full → `BusyError` (503)."""

    def __init__(self, size: int, retry_after: int) -> None:
        self.size, self.retry_after = size, retry_after
        self._free = threading.BoundedSemaphore(size)
        self._pool = ThreadPoolExecutor(max_workers=size, thread_name_prefix="llm")

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """`fn(*args, **kwargs)` in the pool. Raises BusyError when every slot is taken."""
        if not self._free.acquire(blocking=False):
            raise BusyError(f"{self.size} answers are already waiting for the LLM; retry in"
                            f" {self.retry_after} s", retry_after=self.retry_after)
        try:
            future: Future[T] = self._pool.submit(fn, *args, **kwargs)
        except BaseException:
            self._free.release()
            raise
        # Freed when the call really ends, not when a client gives up waiting for it.
        future.add_done_callback(lambda _: self._free.release())
        return await asyncio.wrap_future(future)

    def close(self) -> None:
        """Stop taking work; calls under way finish in their threads."""
        self._pool.shutdown(wait=False, cancel_futures=True)

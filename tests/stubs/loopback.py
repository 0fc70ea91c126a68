"""The lifecycle the stub servers share: listen on a free port of 127.0.0.1, serve from a
daemon thread, stop quickly (releasing answers that are deliberately stalled)."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self


class StubHTTPServer(ThreadingHTTPServer):
    """ThreadingHTTPServer whose handlers reach the stub through ``self.server.stub``."""

    daemon_threads = True
    stub: Any


class LoopbackServer:
    """Base of a stub server; subclasses set `handler`. Use as a context manager."""

    handler: type[BaseHTTPRequestHandler]

    def __init__(self) -> None:
        self._stopping = threading.Event()  # set by stop(): stalled answers give up
        self._httpd: StubHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> Self:
        """Listen on a free port of 127.0.0.1 and serve in a background thread."""
        self._httpd = StubHTTPServer(("127.0.0.1", 0), self.handler)
        self._httpd.stub = self
        # A short poll interval makes stop() quick.
        self._thread = threading.Thread(target=self._httpd.serve_forever,
                                        kwargs={"poll_interval": 0.02}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving (stalled answers are released) and free the port."""
        self._stopping.set()
        if self._httpd:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread:
            self._thread.join(timeout=5)

    @property
    def port(self) -> int:
        assert self._httpd, "server not started"
        return int(self._httpd.server_address[1])

"""`avatar-scholar serve`: the HTTP API under uvicorn (registered on import).

The served process encodes queries through a `BatchingEmbedder`: encoding one short
query costs about as much as encoding eight (the forward pass is bound by reading the
model's weights, not by arithmetic), so queries that arrive while the model is busy
are encoded together in the next pass.
"""

from __future__ import annotations

import argparse
import errno
import logging
import socket
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from indexer.embed import Embedder, load_embedder
from search.cli import EXIT_ERROR, register
from search.config import SearchSettings

if TYPE_CHECKING:
    from search.engine import Searcher

logger = logging.getLogger(__name__)


@dataclass
class _Job:
    text: str
    done: threading.Event = field(default_factory=threading.Event)
    vector: np.ndarray | None = None
    error: Exception | None = None
    lead: bool = False


class BatchingEmbedder:
    """Wraps an Embedder so that concurrent one-text `embed` calls share forward passes.

    No timer and no extra thread: the first caller to find the model idle encodes
    everything queued (up to `max_batch`, its own text first), hands the lead to the
    oldest caller still waiting, and returns. A lone caller never waits.
    """

    def __init__(self, inner: Embedder, max_batch: int = 16) -> None:
        self.inner, self.max_batch = inner, max_batch
        self.model_id, self.dim, self.backend = inner.model_id, inner.dim, inner.backend
        self.batches = 0  # forward passes run for single-text calls (tests read it)
        self._lock = threading.Lock()
        self._queue: list[_Job] = []
        self._busy = False

    def count_tokens(self, text: str) -> int:
        """Word pieces of `text` (delegated)."""
        return self.inner.count_tokens(text)

    def embed(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        """Vectors of `texts`; a single text joins the next shared batch."""
        if len(texts) != 1:
            return self.inner.embed(texts, progress=progress)
        job = _Job(texts[0])
        with self._lock:
            self._queue.append(job)
            if not self._busy:
                self._busy = job.lead = True
        if not job.lead:
            job.done.wait()  # woken with a result, or to take the lead
        if job.lead:
            self._run_batch()
        if job.error is not None:
            raise job.error
        assert job.vector is not None  # set by whichever caller ran the batch
        return job.vector[None, :]

    def _run_batch(self) -> None:
        with self._lock:
            batch = self._queue[: self.max_batch]
            del self._queue[: self.max_batch]
        try:
            vectors = self.inner.embed([job.text for job in batch])
            for job, vector in zip(batch, vectors, strict=True):
                job.vector = vector
        except Exception as exc:  # every caller of the batch gets the failure
            for job in batch:
                job.error = exc
        finally:
            self.batches += 1
            with self._lock:
                if self._queue:
                    self._queue[0].lead = True
                    self._queue[0].done.set()
                else:
                    self._busy = False
            for job in batch:
                job.done.set()


def served_searcher(settings: SearchSettings) -> Searcher:
    """The server's Searcher: queries are encoded in shared batches, by the backend that
    built the served index (as the engine's default factory does)."""
    from search.engine import Searcher

    engine: Searcher | None = None

    def embedder() -> Embedder:
        backend = engine.snapshot.manifest.backend if engine else settings.backend
        return BatchingEmbedder(load_embedder(backend, settings.batch_size))

    engine = Searcher(settings, embedder_factory=embedder)
    return engine


def _serve_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--host", help="interface to bind (default: 127.0.0.1 or $AVATAR_SCHOLAR_API_HOST)")
    p.add_argument("--port", type=int,
                   help="port to listen on (default: 8000 or $AVATAR_SCHOLAR_API_PORT)")
    p.add_argument("--torch-threads", type=int, default=1, metavar="N",
                   help="threads per query encoding (default 1: concurrent requests use the"
                        " other cores; more only helps a single client on an idle machine)")


def bind_socket(host: str, port: int) -> socket.socket:
    """A socket bound to host:port, so a busy port is reported before anything loads.

    uvicorn is handed this very socket, so no other process can take the port between
    the check and the server starting.

    Raises:
        OSError: the address cannot be bound (errno EADDRINUSE when the port is taken).
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto must be IPPROTO_TCP, not 0: asyncio only sets TCP_NODELAY on accepted sockets
    # whose proto says TCP, and without it Nagle + delayed ACK add ~40 ms to every response.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        # Same option uvicorn uses: a port in TIME_WAIT is free, one with a listener is not.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


def run_serve(args: argparse.Namespace, settings: SearchSettings) -> int:
    """Bind the port, then run uvicorn with one app (one model, one index) until stopped."""
    host = args.host or settings.api_host
    port = settings.api_port if args.port is None else args.port
    try:
        sock = bind_socket(host, port)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            reason = f"port {port} on {host} is already in use (set AVATAR_SCHOLAR_API_PORT or --port)"
        else:
            reason = f"cannot listen on {host}:{port}: {exc.strerror or exc}"
        sys.stderr.write(f"error: {reason}\n")
        return EXIT_ERROR
    import torch
    import uvicorn

    from search.api import create_app

    torch.set_num_threads(max(1, args.torch_threads))

    config = uvicorn.Config(create_app(settings, lambda: served_searcher(settings)),
                            host=host, port=port, workers=1,
                            log_level="warning" if args.quiet else "info")
    logger.info("serving the API on http://%s:%d (docs at /docs)", host, port)
    uvicorn.Server(config).run(sockets=[sock])
    return 0


register("serve", "Run the HTTP API (search, ask, papers, stats; OpenAPI docs at /docs).",
         _serve_args, run_serve)

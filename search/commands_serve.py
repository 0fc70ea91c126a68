"""`avatar-scholar serve`: the HTTP API under uvicorn (registered on import).

The served process encodes queries through a `search.batching.BatchingEmbedder`, so
concurrent requests share one forward pass.
"""

from __future__ import annotations

import argparse
import errno
import logging
import socket
import sys
from typing import TYPE_CHECKING

from indexer.embed import Embedder, load_embedder
from search.batching import BatchingEmbedder
from search.cli import EXIT_ERROR, register
from search.config import SearchSettings

if TYPE_CHECKING:
    from search.engine import Searcher

logger = logging.getLogger(__name__)


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

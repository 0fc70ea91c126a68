"""`avatar-scholar serve`: the HTTP API under uvicorn.

The served process encodes queries through a `search.service.batching.BatchingEmbedder`, so
concurrent requests share one forward pass.
"""

from __future__ import annotations

import argparse
import errno
import ipaddress
import logging
import socket
import sys
from typing import TYPE_CHECKING

from indexer.embed import Embedder, embedder_for
from search.cli.base import EXIT_ERROR, PORT, Command, bounded_int
from search.config import Settings
from search.service.batching import BatchingEmbedder

if TYPE_CHECKING:
    from search.retrieval.engine import Searcher

logger = logging.getLogger(__name__)


def served_searcher(settings: Settings, threads: int = 1) -> Searcher:
    """The server's Searcher: queries are encoded in shared batches, by the backend that
    built the served index (as the engine's default factory does), with `threads`
    intra-op threads per forward pass."""
    from search.retrieval.engine import Searcher

    engine: Searcher | None = None

    def embedder() -> Embedder:
        backend = engine.snapshot.manifest.backend if engine else settings.index.backend
        return BatchingEmbedder(embedder_for(settings.index, backend, threads))

    engine = Searcher(settings, embedder_factory=embedder, fallback=True)
    return engine


def _serve_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--host", help="interface to bind (default: 127.0.0.1 or $AVATAR_SCHOLAR_API_HOST)")
    p.add_argument("--port", type=PORT,
                   help="port to listen on (default: 8000 or $AVATAR_SCHOLAR_API_PORT)")
    p.add_argument("--threads", "--torch-threads", type=bounded_int(1, 256), default=1, metavar="N",
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


def exposed(host: str) -> bool:
    """True unless `host` is a loopback address: the API would be reachable from other machines."""
    if host == "localhost":
        return False
    try:
        return not ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:  # a host name other than localhost: assume it is reachable
        return True


def run_serve(args: argparse.Namespace, settings: Settings) -> int:
    """Bind the port, then run uvicorn with one app (one model, one index) until stopped."""
    host = args.host or settings.service.api_host
    port = settings.service.api_port if args.port is None else args.port
    try:
        sock = bind_socket(host, port)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            reason = f"port {port} on {host} is already in use (set AVATAR_SCHOLAR_API_PORT or --port)"
        else:
            reason = f"cannot listen on {host}:{port}: {exc.strerror or exc}"
        sys.stderr.write(f"error: {reason}\n")
        return EXIT_ERROR
    if exposed(host):  # printed even with -q: nothing else says the API is open to the network
        sys.stderr.write(f"warning: the API has no authentication and {host}:{port} is reachable"
                         " from other machines; put it behind a reverse proxy with authentication"
                         " (docs/operations.md)\n")
    import uvicorn

    from search.service.app import create_app

    # The encoder's threads (ONNX Runtime's or torch's, whichever built the index) are set
    # where it is created; torch is only imported for a torch-built index.
    threads = max(1, args.threads)
    config = uvicorn.Config(create_app(settings, lambda: served_searcher(settings, threads)),
                            host=host, port=port, workers=1,
                            log_level="warning" if args.quiet else "info")
    logger.info("serving the API on http://%s:%d (docs at /docs)", host, port)
    uvicorn.Server(config).run(sockets=[sock])
    return 0


COMMAND = Command("serve", "Run the HTTP API (search, ask, papers, stats; OpenAPI docs at /docs).",
                  _serve_args, run_serve)

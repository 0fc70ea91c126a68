"""A local arXiv PDF mirror for tests: a real HTTP server answering ``/pdf/<id>v<version>``.

Serves real PDFs (the shared corpus, by the arXiv ids of its MANIFEST.tsv) at the URL
shape of export.arxiv.org, records every request (path, headers, start and end time,
how many were in flight at once), and misbehaves on demand. The code under test is
pointed at `PdfServer.url` (``IndexerSettings(pdf_url=srv.url)``); it listens on
127.0.0.1 only::

    with PdfServer() as srv:
        srv.add_manifest(SHARED / "corpus" / "pdfs")    # every arXiv PDF, as version 1
        srv.fault("2401.04099", "stall_body")            # headers, then silence
        srv.fault("2309.04247", "status", status=503, times=2)
        ...; srv.requests[0].headers["user-agent"], srv.gaps(), srv.max_in_flight

Fault kinds: ``status`` (answer `status`), ``html`` (200 with an HTML page),
``truncated`` (200, the first third of the PDF, with a matching Content-Length),
``cut`` (Content-Length of the whole PDF, a third of it sent, then the connection
closes), ``stall_body`` (status and headers, then nothing), ``stall`` (nothing at all),
``oversized`` (a Content-Length of `size` bytes), ``oversized_chunked`` (no
Content-Length, `size` bytes streamed in chunks).
"""

from __future__ import annotations

import logging
import re
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Literal

from tests.stubs.loopback import LoopbackServer, StubHTTPServer

logger = logging.getLogger(__name__)

FaultKind = Literal["status", "html", "truncated", "cut", "stall_body", "stall", "oversized",
                    "oversized_chunked"]
HTML = b"<!DOCTYPE html><html><body><h1>PDF unavailable</h1><p>Try again later.</p></body></html>"
_PATH = re.compile(r"^/pdf/(?P<id>.+?)(?:v(?P<v>\d+))?(?:\.pdf)?$")


@dataclass
class Fault:
    """A scripted misbehaviour for one paper: for `times` requests (None: every one)."""

    kind: FaultKind
    times: int | None = None
    status: int = 500
    size: int = 0
    retry_after: int | None = None


@dataclass
class Request:
    """A request the stub received."""

    path: str
    headers: dict[str, str]
    start: float
    end: float = 0.0


def manifest_ids(pdfs_dir: Path) -> dict[str, Path]:
    """arXiv id → PDF file, from the MANIFEST.tsv of a PDF folder (files without an id left out)."""
    rows = [ln.split("\t") for ln in (pdfs_dir / "MANIFEST.tsv").read_text("utf-8").splitlines()[1:]]
    return {r[1]: pdfs_dir / r[0] for r in rows if len(r) > 1 and r[1] not in ("", "-")}


class _Handler(BaseHTTPRequestHandler):
    server: StubHTTPServer
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # http.server's naming
        stub = self.server.stub
        req = stub.begin(self.path, {k.lower(): v for k, v in self.headers.items()})
        try:
            stub.answer(self, req)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout or a size cap)
        finally:
            stub.finish(req)

    def log_message(self, format: str, *args: object) -> None:
        logger.debug("pdf stub: " + format, *args)


class PdfServer(LoopbackServer):
    """The stub mirror; use as a context manager (or `start`/`stop`)."""

    handler = _Handler

    def __init__(self) -> None:
        self.pdfs: dict[str, tuple[int, bytes]] = {}
        self.faults: dict[str, Fault] = {}
        self.requests: list[Request] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()
        super().__init__()

    @property
    def url(self) -> str:
        """The PDF base URL, e.g. ``http://127.0.0.1:PORT/pdf``."""
        return f"http://127.0.0.1:{self.port}/pdf"

    def add(self, arxiv_id: str, pdf: Path | bytes, version: int = 1) -> None:
        """Serve `pdf` as ``<id>v<version>`` (and as ``<id>``, the latest)."""
        data = pdf if isinstance(pdf, bytes) else pdf.read_bytes()
        with self._lock:
            self.pdfs[arxiv_id] = (version, data)

    def add_manifest(self, pdfs_dir: Path, version: int = 1) -> list[str]:
        """Serve every PDF of a folder's MANIFEST.tsv that has an arXiv id; returns the ids."""
        found = manifest_ids(pdfs_dir)
        for arxiv_id, path in found.items():
            self.add(arxiv_id, path, version)
        return sorted(found)

    def fault(self, arxiv_id: str, kind: FaultKind, *, times: int | None = None,
              status: int = 500, size: int = 0, retry_after: int | None = None) -> None:
        """Misbehave for this paper (see the module docstring for the kinds)."""
        with self._lock:
            self.faults[arxiv_id] = Fault(kind, times, status, size, retry_after)

    def paths(self) -> list[str]:
        """The path of every request, in order."""
        return [r.path for r in self.requests]

    def gaps(self) -> list[float]:
        """Seconds between the starts of successive requests."""
        starts = sorted(r.start for r in self.requests)
        return [b - a for a, b in zip(starts, starts[1:], strict=False)]

    def begin(self, path: str, headers: dict[str, str]) -> Request:
        req = Request(path, headers, time.monotonic())
        with self._lock:
            self.requests.append(req)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        return req

    def finish(self, req: Request) -> None:
        with self._lock:
            self.in_flight -= 1
            req.end = time.monotonic()

    def _lookup(self, path: str) -> tuple[str, bytes | None, Fault | None]:
        m = _PATH.match(path.split("?")[0])
        if not m:
            return "", None, None
        arxiv_id, version = m.group("id"), m.group("v")
        with self._lock:
            served = self.pdfs.get(arxiv_id)
            fault = self.faults.get(arxiv_id)
            if fault and fault.times is not None:
                fault.times -= 1
                if fault.times <= 0:
                    del self.faults[arxiv_id]
        if served is None or (version and int(version) != served[0]):
            return arxiv_id, None, fault
        return arxiv_id, served[1], fault

    def answer(self, h: _Handler, req: Request) -> None:
        """Write the answer for one request: the PDF, a 404 or the scripted fault."""
        _, data, fault = self._lookup(req.path)
        if fault is not None:
            self._misbehave(h, fault, data or b"%PDF-1.5\n")
            return
        if data is None:
            self._send(h, 404, b"Not found: no such paper or version\n", "text/plain")
            return
        self._send(h, 200, data, "application/pdf")

    def _send(self, h: _Handler, status: int, body: bytes, ctype: str,
              length: int | None = None, extra: dict[str, str] | None = None) -> None:
        h.send_response(status)
        h.send_header("Content-Type", ctype)
        h.send_header("Content-Length", str(len(body) if length is None else length))
        for k, v in (extra or {}).items():
            h.send_header(k, v)
        h.end_headers()
        h.wfile.write(body)
        h.wfile.flush()

    def _misbehave(self, h: _Handler, fault: Fault, data: bytes) -> None:
        kind = fault.kind
        if kind == "status":
            extra = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
            self._send(h, fault.status, f"HTTP {fault.status} from the stub\n".encode(),
                       "text/plain", extra=extra)
        elif kind == "html":
            self._send(h, 200, HTML, "text/html; charset=utf-8")
        elif kind == "truncated":
            self._send(h, 200, data[: len(data) // 3], "application/pdf")
        elif kind == "cut":
            self._send(h, 200, data[: len(data) // 3], "application/pdf", length=len(data))
            h.close_connection = True
        elif kind == "stall":
            self._stopping.wait(600)
        elif kind == "stall_body":
            h.send_response(200)
            h.send_header("Content-Type", "application/pdf")
            h.send_header("Content-Length", str(len(data)))
            h.end_headers()
            h.wfile.flush()
            self._stopping.wait(600)
        elif kind == "oversized":
            self._send(h, 200, data[:1024], "application/pdf", length=fault.size)
            h.close_connection = True
        elif kind == "oversized_chunked":
            self._chunked(h, data, fault.size)

    def _chunked(self, h: _Handler, data: bytes, size: int) -> None:
        """`size` bytes in chunks with no Content-Length: the cap must cut it off."""
        h.send_response(200)
        h.send_header("Content-Type", "application/pdf")
        h.send_header("Transfer-Encoding", "chunked")
        h.end_headers()
        block = (data[:1024] + b"\0" * (1 << 16))[: 1 << 16]
        sent = 0
        while sent < size and not self._stopping.is_set():
            h.wfile.write(f"{len(block):x}\r\n".encode() + block + b"\r\n")
            sent += len(block)
        h.wfile.write(b"0\r\n\r\n")
        h.close_connection = True


def make_pdf(arxiv_id: str, title: str, sections: list[tuple[str, str]], version: int = 1) -> bytes:
    """A small paper PDF with an arXiv side stamp, a title and headed sections (for the fast tier)."""
    import pymupdf

    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_text((20, 500), f"arXiv:{arxiv_id}v{version} [cs.CV] 1 Jan 2024", fontsize=10,
                     rotate=90)
    page.insert_text((72, 72), title, fontsize=16, fontname="hebo")
    y = 102.0
    for name, text in sections:
        lines, words = [], text.split()
        while words:
            n = 1
            while n < len(words) and len(" ".join(words[: n + 1])) <= 80:
                n += 1
            lines.append(" ".join(words[:n]))
            words = words[n:]
        for i, line in enumerate([name, *lines]):
            if y > 760:
                page, y = doc.new_page(), 72.0
            page.insert_text((72, y), line, fontsize=12 if i == 0 else 10,
                             fontname="hebo" if i == 0 else "helv")
            y += 18 if i == 0 else 13
        y += 10
    return bytes(doc.tobytes())


def paper_pdf(arxiv_id: str, title: str = "A Stub Paper About Avatars", version: int = 1,
              fact: str = "The loss weight of the lip term is 0.37.") -> bytes:
    """`make_pdf` with an abstract, three body sections holding `fact`, and references."""
    filler = " ".join(f"Sentence {i} explains one more step of the avatar method." for i in range(30))
    return make_pdf(arxiv_id, title, [
        ("Abstract", "We animate avatars from audio. " * 6),
        ("1 Introduction", filler),
        ("2 Method", f"{filler} {fact}"),
        ("3 Experiments", filler),
        ("References", "[1] A. Author. Some paper. 2020."),
    ], version)

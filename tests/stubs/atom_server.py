"""A local arXiv API for tests: a real HTTP server answering ``/api/query`` with arXiv Atom.

Tests register entries and script failures; the code under test is pointed at
`AtomServer.url` (``IndexerSettings(arxiv_url=srv.url)``). It listens on 127.0.0.1
only, on a free port::

    with AtomServer() as srv:
        srv.add(StubEntry("2401.00001", title="A paper"), *make_entries(5, first=2))
        srv.fail("status", status=500, times=2)   # the next two requests get HTTP 500
        ...                                       # fetch from srv.url
        srv.requests[0].params["search_query"], srv.gaps()

Answers follow the arXiv API: ``search_query`` (``all:``/``ti:``/``abs:``/``au:``/
``cat:``/``co:`` terms, phrases in quotes, AND by default, OR when written), ``id_list``,
``start``/``max_results`` paging, ``sortBy`` (relevance = insertion order,
submittedDate, lastUpdatedDate) and ``sortOrder``, with opensearch totals.
"""

from __future__ import annotations

import logging
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from typing import Literal
from urllib.parse import parse_qs, urlencode, urlsplit
from xml.sax.saxutils import escape, quoteattr

from tests.stubs.loopback import LoopbackServer, StubHTTPServer

logger = logging.getLogger(__name__)

FaultKind = Literal["status", "garbage", "empty_page", "delay"]
GARBAGE = b"<html><body><h1>Service temporarily unavailable</h1></body></html>"
_TERM = re.compile(r'\b(all|ti|abs|au|cat|co):(?:"([^"]*)"|([^\s()"]+))')
_NS = (
    'xmlns="http://www.w3.org/2005/Atom" '
    'xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" '
    'xmlns:arxiv="http://arxiv.org/schemas/atom"'
)


@dataclass
class StubEntry:
    """One paper as the stub serves it. ``arxiv_id=""`` omits <id>; ``title=None`` omits <title>."""

    arxiv_id: str
    version: int = 1
    title: str | None = "A stub paper"
    authors: list[str] = field(default_factory=lambda: ["Ada Lovelace"])
    abstract: str = "An abstract about avatars."
    comment: str | None = None
    published: datetime = datetime(2024, 1, 1, 12, 0, tzinfo=UTC)
    updated: datetime | None = None  # None: same as published (a v1 never revised)
    categories: list[str] = field(default_factory=lambda: ["cs.CV"])
    primary_category: str | None = None  # None: the first category
    pdf: bool = True

    @property
    def last_updated(self) -> datetime:
        """When the latest version was submitted."""
        return self.updated or self.published

    @property
    def versioned_id(self) -> str:
        """E.g. ``2401.08503v2``."""
        return f"{self.arxiv_id}v{self.version}"


def make_entries(n: int, *, first: int = 1, newest: datetime = datetime(2024, 3, 1, 12, 0, tzinfo=UTC),
                 step: timedelta = timedelta(days=1), **fields: object) -> list[StubEntry]:
    """`n` entries ``2401.0000<first>``… published one `step` apart, the first the newest."""
    return [
        StubEntry(f"2401.{first + i:05d}", title=f"Stub paper {first + i}",
                  published=newest - i * step, **fields)  # type: ignore[arg-type]
        for i in range(n)
    ]


@dataclass
class Fault:
    """A scripted failure: applies to `times` requests (None: all) after `after` pass."""

    kind: FaultKind
    times: int | None = 1
    after: int = 0
    status: int = 500
    body: bytes = GARBAGE
    seconds: float = 0.0


@dataclass
class Request:
    """A request the stub received: the raw path, its first query values, monotonic time."""

    path: str
    params: dict[str, str]
    time: float


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _entry_xml(e: StubEntry) -> str:
    """One <entry>, shaped like arXiv's."""
    parts = ["  <entry>"]
    if e.arxiv_id:
        parts.append(f"    <id>http://arxiv.org/abs/{e.versioned_id}</id>")
    parts.append(f"    <updated>{_stamp(e.last_updated)}</updated>")
    parts.append(f"    <published>{_stamp(e.published)}</published>")
    if e.title is not None:
        parts.append(f"    <title>{escape(e.title)}</title>")
    parts.append(f"    <summary>{escape(e.abstract)}</summary>")
    parts += [f"    <author>\n      <name>{escape(a)}</name>\n    </author>" for a in e.authors]
    if e.comment is not None:
        parts.append(f"    <arxiv:comment>{escape(e.comment)}</arxiv:comment>")
    abs_url, pdf_url = (f"http://arxiv.org/{k}/{e.versioned_id}" for k in ("abs", "pdf"))
    parts.append(f'    <link href="{abs_url}" rel="alternate" type="text/html"/>')
    if e.pdf:
        parts.append(f'    <link title="pdf" href="{pdf_url}" rel="related" type="application/pdf"/>')
    primary = e.primary_category or (e.categories[0] if e.categories else "")
    scheme = 'scheme="http://arxiv.org/schemas/atom"'
    parts.append(f"    <arxiv:primary_category term={quoteattr(primary)} {scheme}/>")
    parts += [f"    <category term={quoteattr(c)} {scheme}/>" for c in e.categories]
    parts.append("  </entry>")
    return "\n".join(parts)


def feed_xml(entries: list[StubEntry], *, total: int, start: int, per_page: int, query: str) -> bytes:
    """A whole arXiv API answer page."""
    head = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f"<feed {_NS}>",
        f'  <link href="http://arxiv.org/api/query?{escape(query)}" rel="self" type="application/atom+xml"/>',
        f'  <title type="html">ArXiv Query: {escape(query)}</title>',
        "  <id>http://arxiv.org/api/stub</id>",
        f"  <updated>{_stamp(datetime.now(UTC))}</updated>",
        f"  <opensearch:totalResults>{total}</opensearch:totalResults>",
        f"  <opensearch:startIndex>{start}</opensearch:startIndex>",
        f"  <opensearch:itemsPerPage>{per_page}</opensearch:itemsPerPage>",
    ]
    return "\n".join([*head, *map(_entry_xml, entries), "</feed>", ""]).encode("utf-8")


def _field_text(e: StubEntry, name: str) -> str:
    texts = {
        "ti": e.title or "", "abs": e.abstract, "au": " ".join(e.authors),
        "cat": " ".join(e.categories), "co": e.comment or "",
    }  # fmt: skip
    return (" ".join(texts.values()) if name == "all" else texts[name]).lower()


def matches(e: StubEntry, search_query: str) -> bool:
    """Whether an entry answers a search query (an empty or unparsed query matches all)."""
    terms = _TERM.findall(search_query)
    if not terms:
        return True
    hits = [(phrase or word).lower() in _field_text(e, name) for name, phrase, word in terms]
    return any(hits) if " OR " in search_query else all(hits)


class _Handler(BaseHTTPRequestHandler):
    server: StubHTTPServer

    def do_GET(self) -> None:  # http.server's naming
        status, body, ctype = self.server.stub.handle(self.path)
        try:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test)

    def log_message(self, format: str, *args: object) -> None:
        logger.debug("atom stub: " + format, *args)


class AtomServer(LoopbackServer):
    """The stub server; use as a context manager (or `start`/`stop`)."""

    handler = _Handler

    def __init__(self) -> None:
        self.entries: dict[str, StubEntry] = {}
        self.requests: list[Request] = []
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        super().__init__()

    @property
    def url(self) -> str:
        """The API endpoint, e.g. ``http://127.0.0.1:PORT/api/query``."""
        return f"http://127.0.0.1:{self.port}/api/query"

    def add(self, *entries: StubEntry) -> None:
        """Serve these entries (an entry with a known id replaces it: a new version)."""
        with self._lock:
            for e in entries:
                key = e.arxiv_id or f"<no id #{len(self.entries)}>"
                self.entries.pop(key, None)  # a new version moves to the end, as on arXiv
                self.entries[key] = e

    def fail(self, kind: FaultKind = "status", *, times: int | None = 1, after: int = 0,
             status: int = 500, body: bytes = GARBAGE, seconds: float = 0.0) -> None:
        """Script a failure for upcoming requests; faults queue up and apply one at a time.

        Kinds: ``status`` answers `status` with a plain-text body; ``garbage`` answers 200
        with `body` (HTML by default); ``empty_page`` answers a correct feed header with
        no entries; ``delay`` waits `seconds`, then answers normally.
        """
        with self._lock:
            self._faults.append(Fault(kind, times, after, status, body, seconds))

    @property
    def queries(self) -> list[str]:
        """The ``search_query`` of every request, in order."""
        return [r.params.get("search_query", "") for r in self.requests]

    def gaps(self) -> list[float]:
        """Seconds between successive requests."""
        times = [r.time for r in self.requests]
        return [b - a for a, b in zip(times, times[1:], strict=False)]

    def _next_fault(self) -> Fault | None:
        with self._lock:
            if not self._faults:
                return None
            fault = self._faults[0]
            if fault.after > 0:
                fault.after -= 1
                return None
            if fault.times is not None:
                fault.times -= 1
                if fault.times <= 0:
                    self._faults.pop(0)
            return fault

    def handle(self, path: str) -> tuple[int, bytes, str]:
        """Answer one request path: (status, body, content type)."""
        parts = urlsplit(path)
        params = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        with self._lock:
            self.requests.append(Request(path, params, time.monotonic()))
        if parts.path.rstrip("/") != "/api/query":
            return 404, b"not found", "text/plain"
        fault = self._next_fault()
        if fault and fault.kind == "delay":
            self._stopping.wait(fault.seconds)
        elif fault and fault.kind == "status":
            return fault.status, f"HTTP {fault.status} from the stub".encode(), "text/plain"
        elif fault and fault.kind == "garbage":
            return 200, fault.body, "text/html"
        return 200, self._page(params, empty=bool(fault and fault.kind == "empty_page")), (
            "application/atom+xml; charset=utf-8"
        )

    def _page(self, params: dict[str, str], *, empty: bool) -> bytes:
        with self._lock:
            found = [e for e in self.entries.values() if matches(e, params.get("search_query", ""))]
        ids = {i.split("v")[0] for i in params.get("id_list", "").split(",") if i}
        found = [e for e in found if e.arxiv_id in ids] if ids else found
        sort_by = params.get("sortBy", "relevance")
        if sort_by in ("submittedDate", "lastUpdatedDate"):
            key = (lambda e: e.published) if sort_by == "submittedDate" else (lambda e: e.last_updated)
            found.sort(key=key, reverse=params.get("sortOrder", "descending") == "descending")
        start, per_page = int(params.get("start", 0)), int(params.get("max_results", 10))
        page = [] if empty else found[start : start + per_page]
        keys = ("search_query", "id_list", "start", "max_results")
        query = urlencode([(k, params[k]) for k in keys if k in params])
        return feed_xml(page, total=len(found), start=start, per_page=per_page, query=query)


def unused_url() -> str:
    """An API URL on 127.0.0.1 where nothing listens (the port was free a moment ago)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/api/query"

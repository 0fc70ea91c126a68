"""Download arXiv PDFs, politely, into the PDF cache. The only module that fetches PDFs.

PDFs come from arXiv's export mirror (``settings.pdf_url``, tests point it at a local
stub) as ``<pdf_url>/<id>v<version>``. One `PdfFetcher` sends one request at a time and
pauses ``settings.pdf_delay_seconds`` between them, counted from the end of the previous
request (never below 3 s for arxiv.org, as for the API; calls of the arXiv API client
to the same host count too). Every request names the tool in its User-Agent. Server
errors (5xx, 429), broken connections and timeouts are retried with exponential backoff
(honouring Retry-After); a 404 or another refusal is not.

A body is streamed to a temporary file and renamed into the cache only once it has
passed every check: the size cap (a Content-Length over it is refused before reading),
the ``%PDF-`` magic, a ``%%EOF`` at the end (a truncated file has none), and a deadline,
so a server that stalls or trickles cannot hang a job. Every failure is one
`PdfFetchError` line (the caller names the paper), and the paper keeps its abstract.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from importlib import metadata
from pathlib import Path
from typing import ClassVar
from urllib.parse import urlsplit

import httpx

from indexer import store
from indexer.config import IndexerSettings
from indexer.errors import PdfFetchError
from indexer.sources.arxiv import ARXIV_MIN_DELAY, MAX_BACKOFF, last_call

logger = logging.getLogger(__name__)

RETRIES = 3  # after the first attempt: 4 requests at most per paper
MAGIC = b"%PDF-"
HEAD = 1024  # readers accept the magic anywhere in the first KB, as indexer.sources.pdf does
TAIL = 2048  # where a complete PDF has its %%EOF
CHUNK = 1 << 16
DEADLINE_FACTOR = 10  # a whole download may take 10 x the per-read timeout
MAX_RETRY_AFTER = 300.0


class _Retry(Exception):
    """A failure worth another attempt after a pause (5xx, 429, timeouts, broken connections)."""

    def __init__(self, reason: str, retry_after: float = 0.0) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


def user_agent() -> str:
    """The User-Agent of every PDF request: the tool, its version and how it behaves."""
    try:
        version = metadata.version("avatar-scholar")
    except metadata.PackageNotFoundError:
        version = "dev"
    return (f"avatar-scholar/{version} (research-paper search indexing full text;"
            f" one request at a time, 3 s apart) httpx/{httpx.__version__}")


def pdf_delay(settings: IndexerSettings) -> float:
    """The pause between PDF requests: the setting, but at least 3 s for arxiv.org."""
    host = urlsplit(settings.pdf_url).hostname or ""
    delay = settings.pdf_delay_seconds
    return max(delay, ARXIV_MIN_DELAY) if host.endswith("arxiv.org") else max(delay, 0.0)


def _mb(n: float) -> str:
    return f"{n / 1e6:.1f} MB"


def _retry_after(resp: httpx.Response) -> float:
    value = resp.headers.get("retry-after", "")
    return min(float(value), MAX_RETRY_AFTER) if value.strip().isdigit() else 0.0


class PdfFetcher:
    """Downloads PDFs one at a time with the pauses, retries and checks described above.

    Not thread-safe by design: one fetcher is used by one thread, which is what makes
    the requests sequential. `stop()` makes a pause or the next request end the job.
    """

    _last_by_host: ClassVar[dict[str, float]] = {}  # monotonic end of the last request

    def __init__(self, settings: IndexerSettings, *, retries: int = RETRIES) -> None:
        self.base = settings.pdf_url.rstrip("/")
        self.host = urlsplit(self.base).netloc
        self.delay = pdf_delay(settings)
        self.max_bytes = int(settings.pdf_max_mb * 1e6)
        self.timeout = settings.pdf_timeout_seconds
        self.retries = retries
        self.requests = 0
        self._stop = threading.Event()
        self._client = httpx.Client(timeout=httpx.Timeout(self.timeout), follow_redirects=True,
                                    headers={"User-Agent": user_agent()})

    def __enter__(self) -> PdfFetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the connection pool."""
        self._client.close()

    def stop(self) -> None:
        """Interrupt a pause; the current or next `fetch` raises PdfFetchError."""
        self._stop.set()

    def url(self, arxiv_id: str, version: int | None) -> str:
        """The URL of one version of a paper's PDF (no version: the latest)."""
        return f"{self.base}/{arxiv_id}" + (f"v{version}" if version else "")

    def fetch(self, arxiv_id: str, version: int | None, dest: Path) -> int:
        """Download a paper's PDF to `dest` (atomically) and return its size in bytes.

        Raises:
            PdfFetchError: one line saying why (the caller names the paper); `.permanent`
                for a 404/410 or a PDF over the cap, `.transient` when the network or the
                server failed every attempt.
        """
        url = self.url(arxiv_id, version)
        for attempt in range(self.retries + 1):
            try:
                self._pause(0.0)
                return self._download(url, dest)
            except _Retry as exc:
                if attempt == self.retries or self._stop.is_set():
                    raise PdfFetchError(f"{exc.reason} ({attempt + 1} attempts)",
                                        transient=True) from exc
                backoff = max(min(self.delay * 2**attempt, MAX_BACKOFF), exc.retry_after)
                logger.info("PDF %s: %s; retry %d/%d in %.1f s", url, exc.reason, attempt + 1,
                            self.retries, backoff)
                self._pause(backoff)
            finally:
                self._last_by_host[self.host] = time.monotonic()
        raise AssertionError("unreachable")  # the loop returns or raises

    def _pause(self, at_least: float) -> None:
        """Wait `at_least` seconds and until `delay` has passed since this host's last call."""
        now = time.monotonic()
        waits = [at_least]
        if (last := self._last_by_host.get(self.host)) is not None:
            waits.append(last + self.delay - now)
        if (api := last_call(self.host)) is not None:
            waits.append(self.delay - (datetime.now() - api).total_seconds())
        if self._stop.wait(max(waits)) or self._stop.is_set():
            raise PdfFetchError("stopped before the request", transient=True)

    def _download(self, url: str, dest: Path) -> int:
        self.requests += 1
        try:
            with self._client.stream("GET", url) as resp:
                self._check(resp)
                return store.write_stream(dest, self._body(resp))
        except httpx.TimeoutException as exc:
            raise _Retry(f"no answer from {self.host} within {self.timeout:g} s") from exc
        except httpx.TransportError as exc:  # refused, reset, or a body cut short
            raise _Retry(f"connection to {self.host} failed ({type(exc).__name__})") from exc

    def _check(self, resp: httpx.Response) -> None:
        """Refuse an answer by its status and headers, before reading the body."""
        status = resp.status_code
        if status in (404, 410):
            raise PdfFetchError(f"no PDF on arXiv (HTTP {status})", permanent=True)
        if status == 429 or status >= 500:
            raise _Retry(f"HTTP {status} from {self.host}", _retry_after(resp))
        if status != 200:
            raise PdfFetchError(f"HTTP {status} from {self.host} (refused, not retried)")
        length = resp.headers.get("content-length", "")
        if length.isdigit() and int(length) > self.max_bytes:
            raise PdfFetchError(f"PDF is {_mb(int(length))}, over the {_mb(self.max_bytes)} cap"
                                " (AVATAR_SCHOLAR_PDF_MAX_MB)", permanent=True)

    def _body(self, resp: httpx.Response) -> Iterator[bytes]:
        """The body in chunks, checked as it streams (size, magic, deadline) and at its end."""
        deadline = time.monotonic() + self.timeout * DEADLINE_FACTOR
        head, tail, size = b"", b"", 0
        kind = resp.headers.get("content-type", "no content type").split(";")[0]
        for chunk in resp.iter_bytes(CHUNK):
            size += len(chunk)
            if size > self.max_bytes:
                raise PdfFetchError(f"PDF is over the {_mb(self.max_bytes)} cap"
                                    " (AVATAR_SCHOLAR_PDF_MAX_MB)", permanent=True)
            if time.monotonic() > deadline or self._stop.is_set():
                raise _Retry(f"download took over {self.timeout * DEADLINE_FACTOR:g} s")
            if len(head) < HEAD:
                head += chunk[: HEAD - len(head)]
                if len(head) == HEAD and MAGIC not in head:
                    raise PdfFetchError(f"not a PDF (the server sent {kind})")
            tail = (tail + chunk)[-TAIL:]
            yield chunk
        if MAGIC not in head:
            raise PdfFetchError(f"not a PDF (the server sent {kind}, {size} bytes)")
        if b"%%EOF" not in tail:
            raise PdfFetchError(f"truncated PDF ({_mb(size)}, no %%EOF at its end)")

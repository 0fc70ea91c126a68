"""Fetch arXiv search results as `Document`s (arXiv metadata plus the abstract), politely.

`make_client` builds the `arxiv.Client` a run shares, pointed at ``settings.arxiv_url``
(tests use a local Atom server). It pauses ``settings.arxiv_delay_seconds`` between
calls (at least 3 s for arxiv.org, per the API terms; also across clients of one host),
backs off exponentially between retries, times out stalled answers and refuses bodies
that are not Atom. `fetch_arxiv` yields documents newest first, stopping early at
``since`` or the watermark; `paper_from_result` is the pure mapping. Every failure
reaches the caller as one `FetchError` line.

Plain query text is searched as a phrase in all fields, ``all:"talking head"``: ``all``
rather than ``ti``/``abs`` because it also covers the comment, where authors name their
project. Text already in arXiv syntax (``ti:``, ``au:``, ``cat:``, AND/OR...) goes as is.
"""

from __future__ import annotations

import logging
import re
import socket
import time
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, ClassVar
from urllib.parse import urlsplit

import arxiv
import requests
from requests.adapters import HTTPAdapter

from indexer.config import IndexerSettings
from indexer.errors import FetchError, ParseError
from indexer.models import Document, Paper, Passage, parse_arxiv_id
from indexer.textproc import comment_links

logger = logging.getLogger(__name__)

ARXIV_MIN_DELAY = 3.0  # arXiv API terms of use: at most one request every three seconds
MAX_BACKOFF = 60.0
_ATOM = "{http://www.w3.org/2005/Atom}"
_OPENSEARCH = "{http://a9.com/-/spec/opensearch/1.1/}"
_ARXIV_SYNTAX = re.compile(r"\b(?:all|ti|au|abs|co|jr|cat|rn|id):|\b(?:AND|OR|ANDNOT)\b")


@dataclass
class ArxivQuery:
    """One arXiv search: the user's text, the oldest submission wanted, a cap, a topic label."""

    query: str
    since: date | None = None
    max_results: int = 200
    topic: str | None = None

    def __post_init__(self) -> None:
        if not self.query.strip():
            raise ValueError("empty arXiv query")
        if self.max_results < 1:
            raise ValueError(f"max_results must be at least 1, got {self.max_results}")

    @property
    def search_query(self) -> str:
        """The arXiv API ``search_query`` (see the module docstring for the choice)."""
        text = " ".join(self.query.split())
        if _ARXIV_SYNTAX.search(text):
            return text
        return f'all:"{text.replace(chr(34), "")}"'


class _FeedError(arxiv.ArxivError):
    """An answer arxiv.Client would misread as "no results"; not worth retrying."""


class _TimeoutAdapter(HTTPAdapter):
    """Gives every request a timeout: arxiv.Client sets none, so a stalled server would hang."""

    def __init__(self, timeout: float) -> None:
        super().__init__()
        self.timeout = timeout

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        """Send with our timeout unless the caller gave one."""
        kwargs["timeout"] = kwargs.get("timeout") or self.timeout
        return super().send(request, **kwargs)


def _check_feed(resp: requests.Response, *args: Any, **kwargs: Any) -> None:
    """Response hook: refuse client errors and non-Atom bodies; flag empty pages claiming more.

    arxiv.Client retries any non-200 answer, and reads an unparseable body or an empty
    first page as "no results"; these checks make such answers fail loudly instead.
    """
    status = resp.status_code
    if 400 <= status < 500 and status != 429:
        raise _FeedError(resp.url, 0, f"answered HTTP {status} (request rejected, not retried)")
    if status != 200:
        return  # 5xx and 429: arxiv raises HTTPError and retries, with our backoff
    try:
        root = ET.fromstring(resp.content)
    except ET.ParseError as exc:
        raise _FeedError(resp.url, 0, f"answered something that is not XML ({exc})") from exc
    if root.tag != f"{_ATOM}feed":
        raise _FeedError(resp.url, 0, f"answered something that is not an Atom feed (root <{root.tag}>)")
    counts = [root.findtext(f"{_OPENSEARCH}{n}", "").strip() for n in ("totalResults", "startIndex")]
    total, start = (int(c) if c.isdigit() else 0 for c in counts)
    if root.find(f"{_ATOM}entry") is None and total > start:
        raise arxiv.UnexpectedEmptyPageError(resp.url, 0, arxiv._feed.parse(resp.content))


class _PoliteClient(arxiv.Client):
    """`arxiv.Client` with exponential backoff, a per-host pause, timeouts and feed checks.

    Paging, the pause and the retry count stay the package's own; this hooks into its
    internals (`_parse_feed`, `_session`, `_last_request_dt`, stable from arxiv 2.1 to 4.x).
    """

    _last_by_host: ClassVar[dict[str, datetime]] = {}
    _last_request_dt: datetime | None

    def __init__(self, url: str, *, page_size: int, delay_seconds: float, num_retries: int,
                 backoff_seconds: float, timeout: float) -> None:
        super().__init__(page_size=page_size, delay_seconds=delay_seconds, num_retries=num_retries)
        escaped = url.replace("{", "{{").replace("}", "}}")
        self.query_url_format = escaped + ("&" if "?" in url else "?") + "{}"
        self.backoff_seconds = backoff_seconds
        self.timeout = timeout
        self._host = urlsplit(url).netloc
        adapter = _TimeoutAdapter(timeout)
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)
        self._session.hooks["response"].append(_check_feed)

    def _parse_feed(self, url: str, first_page: bool = True, _try_index: int = 0) -> Any:
        if _try_index:  # arxiv retries by calling us again with the next try index
            pause = min(self.backoff_seconds * 2 ** (_try_index - 1), MAX_BACKOFF)
            logger.info("arXiv retry %d/%d in %.2f s", _try_index, self.num_retries, pause)
            time.sleep(pause)
        shared = self._last_by_host.get(self._host)
        if shared and (self._last_request_dt is None or shared > self._last_request_dt):
            self._last_request_dt = shared  # another client's call counts toward the pause
        try:
            return super()._parse_feed(url, first_page=first_page, _try_index=_try_index)
        finally:  # failed calls count too (arxiv only stamps answers that passed our hook)
            self._last_request_dt = datetime.now()  # naive local time, as arxiv compares it
            self._last_by_host[self._host] = self._last_request_dt


def last_call(host: str) -> datetime | None:
    """When an API client of this process last called `host` (naive local time), if ever;
    the PDF fetcher counts it toward its own pause, since both talk to export.arxiv.org."""
    return _PoliteClient._last_by_host.get(host)


def make_client(settings: IndexerSettings, *, page_size: int = 100, num_retries: int = 3,
                timeout: float = 30.0) -> arxiv.Client:
    """The client one run shares, pointed at ``settings.arxiv_url``.

    ``settings.arxiv_delay_seconds`` is the pause between calls and the backoff base;
    `num_retries` retries 5xx/429 answers, connection errors and suspect empty pages;
    `timeout` bounds the wait for a connection or an answer, in seconds.
    """
    url = settings.arxiv_url
    delay = settings.arxiv_delay_seconds
    if (urlsplit(url).hostname or "").endswith("arxiv.org"):
        delay = max(delay, ARXIV_MIN_DELAY)
    return _PoliteClient(url, page_size=page_size, delay_seconds=delay, num_retries=num_retries,
                         backoff_seconds=delay, timeout=timeout)


def _utc(moment: datetime) -> datetime:
    """Aware UTC; a naive watermark is taken to be UTC already."""
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def _reason(exc: BaseException, attempts: int) -> str:
    """One line saying why a fetch failed (retried errors only reach us after every try)."""
    if isinstance(exc, arxiv.HTTPError):
        return f"HTTP {exc.status} from {urlsplit(exc.url).netloc} after {attempts} attempts"
    if isinstance(exc, arxiv.UnexpectedEmptyPageError):
        return f"arXiv kept answering an empty page where results were due ({attempts} attempts)"
    if isinstance(exc, arxiv.ArxivError):
        return f"{urlsplit(exc.url).netloc} {exc.message}"
    request = getattr(exc, "request", None)
    host = urlsplit(request.url).netloc if request is not None and request.url else "arXiv"
    if isinstance(exc, requests.ConnectionError):
        return f"cannot connect to {host} ({type(exc).__name__}, {attempts} attempts)"
    if isinstance(exc, requests.Timeout):
        return f"no answer from {host} in time ({type(exc).__name__})"
    return " ".join(f"{type(exc).__name__}: {exc}".split())[:300]


def _results(client: arxiv.Client, search: arxiv.Search, label: str) -> Iterator[arxiv.Result]:
    """The client's results, with every failure turned into one `FetchError`."""
    results = client.results(search)
    while True:
        try:
            result = next(results)
        except StopIteration:
            return
        except (arxiv.ArxivError, requests.RequestException, ValueError) as exc:
            reason = _reason(exc, client.num_retries + 1)
            raise FetchError(f"arXiv query '{label}' failed: {reason}") from exc
        yield result


def fetch_arxiv(q: ArxivQuery, client: arxiv.Client, *,
                updated_after: datetime | None = None) -> Iterator[Document]:
    """Documents for an arXiv search, newest first.

    Without a watermark results come by submission date and stop at the first one
    submitted before ``q.since``. With ``updated_after`` they come by last update and
    stop at the first not updated after it (``since`` then filters without stopping).
    At most ``q.max_results`` results are read. Entries without an id or title are
    skipped with a warning.

    Raises:
        FetchError: arXiv could not be reached or answered garbage; documents already
            yielded stay yielded.
    """
    watermark = _utc(updated_after) if updated_after else None
    sort_by = arxiv.SortCriterion.LastUpdatedDate if watermark else arxiv.SortCriterion.SubmittedDate
    search = arxiv.Search(query=q.search_query, max_results=q.max_results, sort_by=sort_by,
                          sort_order=arxiv.SortOrder.Descending)
    logger.info("arXiv search %s (by %s, at most %d)", search.query, sort_by.value, q.max_results)
    seen: set[str] = set()  # arXiv pages can overlap when entries shift between requests
    for result in _results(client, search, q.query):
        if watermark and result.updated <= watermark:
            break
        if q.since and result.published.date() < q.since:
            if watermark:
                continue
            break
        try:
            paper = paper_from_result(result, topic=q.topic, query=q.query)
        except ParseError as exc:
            logger.warning("arXiv query '%s': skipped an entry: %s", q.query, exc)
            continue
        if paper.paper_id in seen:
            continue
        seen.add(paper.paper_id)
        # The chunker adds the title itself; the abstract is the only text arXiv gives.
        passages = [Passage(section="Abstract", text=paper.abstract)] if paper.abstract else []
        yield Document(paper=paper, passages=passages)
    logger.info("arXiv query '%s': %d papers", q.query, len(seen))


def _collapse(text: str | None) -> str:
    return " ".join((text or "").split())


def _day(moment: datetime) -> date | None:
    placeholder = moment.replace(tzinfo=None) == datetime.min  # arxiv.Result's "not given"
    return None if placeholder else _utc(moment).date()


def paper_from_result(result: arxiv.Result, *, topic: str | None = None, query: str = "") -> Paper:
    """Map one arXiv result to a `Paper`; pure, every field as arXiv served it (whitespace
    collapsed, as the feed wraps lines); nothing is filled in that arXiv did not send.

    Raises:
        ParseError: the result has no recognisable arXiv id, or no title.
    """
    short = result.get_short_id() if result.entry_id else ""
    ident = parse_arxiv_id(short)
    if ident is None or not short.lower().startswith(ident[0].lower()):
        raise ParseError(f"arXiv entry without a valid id ({result.entry_id!r})")
    title = _collapse(result.title)
    if not title:
        raise ParseError(f"arXiv entry {ident[0]} has no title")
    comment = _collapse(result.comment)
    links = {"pdf": result.pdf_url} if result.pdf_url else {}
    links.update(comment_links(comment))
    categories = [c for c in dict.fromkeys([result.primary_category, *result.categories]) if c]
    return Paper(
        paper_id=ident[0], arxiv_id=ident[0], version=ident[1], title=title,
        authors=[name for a in result.authors if (name := _collapse(a.name))],
        abstract=_collapse(result.summary), comment=comment,
        published=_day(result.published), updated=_day(result.updated),
        categories=categories, links=links, topics=[topic] if topic else [],
        source="arxiv", source_path=query,
    )  # fmt: skip


def network_available(url: str, timeout: float = 3.0) -> bool:
    """Whether a TCP connection to the host of `url` (or the proxy for it) opens in time."""
    parts = urlsplit(url)
    proxy = urllib.request.getproxies().get(parts.scheme)
    if proxy and parts.hostname and not urllib.request.proxy_bypass(parts.hostname):
        parts = urlsplit(proxy if "://" in proxy else f"http://{proxy}")
    if not parts.hostname:
        return False
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        with socket.create_connection((parts.hostname, port), timeout=timeout):
            return True
    except (OSError, ValueError) as exc:
        logger.debug("cannot reach %s: %s", parts.netloc or url, exc)  # the caller says it once
        return False

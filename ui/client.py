"""HTTP client for the Avatar Scholar API, returning the API's own models (`search.models`).

Every response is validated with the schema the API declares for it, so the UI and the
service cannot drift apart silently: a response that does not fit is an `ApiError`
naming the route. Failures are raised as `ApiError` subclasses whose message is fit to
show the user as is.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, TypeAdapter, ValidationError

from indexer.models import FulltextProgress, JobReport
from search.models import (
    Answer,
    Health,
    Hit,
    MapResponse,
    PaperDetail,
    PaperList,
    PaperSummary,
    PassageSearchResponse,
    SearchResponse,
    SimilarResponse,
    Stats,
    ThemeDetail,
    ThemeList,
    TopicCount,
)

Model = TypeVar("Model", bound=BaseModel)


class ApiError(Exception):
    """The API answered with an error, or could not be reached."""


class ApiUnavailableError(ApiError):
    """Nothing answers at the API URL (not started, wrong port, crashed)."""


class UnavailableError(ApiError):
    """The API runs but cannot serve this yet (HTTP 503): no index."""


class NotFoundError(ApiError):
    """The requested paper (or route) does not exist (HTTP 404)."""


class InvalidInputError(ApiError):
    """The API refused the input (HTTP 422); the message says what to change."""


# How the pages name the request fields the API validates.
FIELD_NAMES = {"q": "search text", "question": "question", "since": "“From” date",
               "until": "“To” date", "topic": "topic", "author": "author name",
               "k": "number of papers", "limit": "number of papers", "offset": "offset"}


def unavailable_message(base_url: str) -> str:
    """The one sentence shown whenever the API cannot be reached."""
    return f"API not reachable at {base_url} — start it with `avatar-scholar serve`"


class ApiClient:
    """Thin synchronous client; one instance per base URL."""

    def __init__(self, base_url: str, timeout: float = 60.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(base_url=self.base_url, timeout=timeout)

    def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """Send a request and turn transport and HTTP failures into ApiError subclasses."""
        try:
            resp = self._http.request(method, path, **kwargs)
        except httpx.TransportError as exc:
            raise ApiUnavailableError(unavailable_message(self.base_url)) from exc
        if resp.status_code < 400:
            return resp
        detail = _detail(resp)
        if resp.status_code == 503:
            raise UnavailableError(detail or "no index yet")
        if resp.status_code == 404:
            raise NotFoundError(detail or f"not found: {path}")
        if resp.status_code in (400, 422):
            sent = {**(kwargs.get("params") or {}), **(kwargs.get("json") or {})}
            raise InvalidInputError(invalid_input_message(resp, sent))
        if resp.status_code >= 500:
            raise ApiError(f"The API failed on this request ({detail or resp.reason_phrase}); "
                           "its log has the details.")
        raise ApiError(f"The API refused the request: {detail or resp.reason_phrase}")

    def _get(self, path: str, schema: type[Model] | TypeAdapter[Any], **params: Any) -> Any:
        clean = {k: v for k, v in params.items() if v not in (None, "")}
        return _parse(self._request("GET", path, params=clean), path, schema)

    def health(self) -> Health:
        """Index status. Raises UnavailableError when nothing is indexed yet."""
        return self._get("/api/health", Health)  # type: ignore[no-any-return]

    def search(self, q: str, k: int = 10, since: date | None = None, until: date | None = None,
               topic: str | None = None, author: str | None = None) -> SearchResponse:
        """Hybrid search with optional filters."""
        return self._get("/api/search", SearchResponse, q=q, k=k, since=since,  # type: ignore[no-any-return]
                         until=until, topic=topic, author=author)

    def passages(self, q: str, k: int = 10, since: date | None = None,
                 until: date | None = None, topic: str | None = None,
                 author: str | None = None) -> PassageSearchResponse:
        """The best passages (several per paper), with the same filters as `search`."""
        return self._get("/api/search", PassageSearchResponse, q=q, k=k,  # type: ignore[no-any-return]
                         since=since, until=until, topic=topic, author=author, unit="passage")

    def ask(self, question: str, k: int | None = None) -> Answer:
        """A cited overview answering `question`."""
        body: dict[str, Any] = {"question": question}
        if k:
            body["k"] = k
        return _parse(self._request("POST", "/api/ask", json=body), "/api/ask", Answer)  # type: ignore[no-any-return]

    def paper(self, paper_id: str) -> PaperDetail:
        """One paper's page. Raises NotFoundError."""
        return self._get(f"/api/papers/{_quote(paper_id)}", PaperDetail)  # type: ignore[no-any-return]

    def similar(self, paper_id: str, k: int = 5) -> list[Hit]:
        """Papers nearest to this one."""
        found: SimilarResponse = self._get(f"/api/papers/{_quote(paper_id)}/similar",
                                           SimilarResponse, k=k)
        return found.hits

    def bibtex(self, paper_id: str) -> str:
        """A BibTeX entry for the paper."""
        return self._request("GET", f"/api/papers/{_quote(paper_id)}/bibtex").text

    def stats(self) -> Stats:
        """Counts per topic and month, the last build and the sources."""
        return self._get("/api/stats", Stats)  # type: ignore[no-any-return]

    def topics(self) -> list[str]:
        """Topic names, most frequent first as the API orders them."""
        counts: list[TopicCount] = self._get("/api/topics", TypeAdapter(list[TopicCount]))
        return [t.topic for t in counts]

    def papers(self, since: date | None = None, until: date | None = None,
               topic: str | None = None, limit: int = 1000) -> tuple[int, list[PaperSummary]]:
        """Papers matching the filters, newest first, paging through the API: (total, papers)."""
        out: list[PaperSummary] = []
        total = 0
        while len(out) < limit:
            page = min(1000, limit - len(out))
            found: PaperList = self._get("/api/papers", PaperList, since=since, until=until,
                                         topic=topic, limit=page, offset=len(out))
            total = found.total
            out.extend(found.papers)
            if len(found.papers) < page or len(out) >= total:
                break
        return total, out

    def themes(self, sort: str = "papers") -> ThemeList:
        """The themes with their trends; `sort` papers, growth_3m or growth_6m."""
        return self._get("/api/themes", ThemeList, sort=sort)  # type: ignore[no-any-return]

    def theme(self, theme_id: int) -> ThemeDetail:
        """One theme with all its papers. Raises NotFoundError."""
        return self._get(f"/api/themes/{int(theme_id)}", ThemeDetail)  # type: ignore[no-any-return]

    def map(self) -> MapResponse:
        """Every paper's map position, theme and date, and the themes' names."""
        return self._get("/api/map", MapResponse)  # type: ignore[no-any-return]

    def jobs(self) -> list[JobReport]:
        """Recent indexing job reports, newest first."""
        return self._get("/api/jobs", TypeAdapter(list[JobReport]))  # type: ignore[no-any-return]

    def fulltext(self) -> FulltextProgress | None:
        """The full-text job's progress, or None when none has run."""
        return self._get("/api/fulltext", TypeAdapter(FulltextProgress | None))  # type: ignore[no-any-return]


def _parse(resp: httpx.Response, path: str, schema: type[Model] | TypeAdapter[Any]) -> Any:
    """The response body validated with the API's schema, or an ApiError naming the route."""
    try:
        if isinstance(schema, TypeAdapter):
            return schema.validate_json(resp.content)
        return schema.model_validate_json(resp.content)
    except ValidationError as exc:
        raise ApiError(f"unexpected response from {path}: {exc.error_count()} field(s) "
                       f"do not match the API schema") from exc


def _quote(paper_id: str) -> str:
    # Paper ids may contain '/' (old-style arXiv ids) or other characters; keep them one segment.
    return quote(paper_id, safe="")


def invalid_input_message(resp: httpx.Response, sent: dict[str, Any]) -> str:
    """A 400/422 answer as sentences a reader can act on, one per refused field.

    The API's errors name the field (``loc``) and the rule (``type``); the limits come
    from its message, the length of what was typed from `sent`.
    """
    try:
        body = resp.json()
    except ValueError:
        body = {}
    errors = body.get("errors") if isinstance(body, dict) else None
    if not errors:  # a domain error: "since: expected a date as YYYY-MM-DD, got '2024-13'"
        field, sep, rest = _detail(resp).partition(": ")
        if sep and field in FIELD_NAMES:
            return f"The {FIELD_NAMES[field]} is not valid: {rest}."
        return f"The API refused the request: {_detail(resp) or resp.reason_phrase}."
    return " ".join(_sentence(e, sent) for e in errors if isinstance(e, dict))


def _sentence(error: dict[str, Any], sent: dict[str, Any]) -> str:
    """One validation error as a sentence."""
    field = str(error.get("loc", ""))
    name = FIELD_NAMES.get(field, field or "request")
    kind, msg = str(error.get("type", "")), str(error.get("msg", ""))
    limit = next(iter(re.findall(r"\d[\d,]*", msg)), "")
    value = sent.get(field)
    if kind == "string_too_long" and limit:
        typed = f" is {len(str(value)):,} characters long;" if value is not None else " is too long;"
        return f"Your {name}{typed} the limit is {int(limit.replace(',', '')):,}. Shorten it and try again."
    if kind in ("string_too_short", "missing"):
        return f"The {name} is empty. Type something first."
    if kind in ("less_than_equal", "greater_than_equal") and limit:
        bound = "at most" if kind == "less_than_equal" else "at least"
        return f"The {name} must be {bound} {limit}."
    return f"The {name} is not valid ({msg or kind})."


def _detail(resp: httpx.Response) -> str:
    try:
        data = resp.json()
    except ValueError:
        return resp.text.strip()[:200]
    return str(data.get("detail", "")) if isinstance(data, dict) else ""

"""HTTP client for the Avatar Scholar API, returning `search.models` types.

Responses are parsed defensively: a missing key gets a sensible default, so a UI built
against one API version keeps working when a field is added or dropped. Failures are
raised as `ApiError` subclasses whose message is fit to show the user as is.
"""

from __future__ import annotations

import os
from datetime import date
from typing import Any

import httpx
from pydantic import BaseModel, Field

from search.models import Answer, Hit, SearchResponse

DEFAULT_API_URL = "http://127.0.0.1:8000"
API_URL_ENV = "AVATAR_SCHOLAR_API_URL"


class ApiError(Exception):
    """The API answered with an error, or could not be reached."""


class ApiUnavailableError(ApiError):
    """Nothing answers at the API URL (not started, wrong port, crashed)."""


class UnavailableError(ApiError):
    """The API runs but cannot serve this yet (HTTP 503): no index, or no answerer."""


class NotFoundError(ApiError):
    """The requested paper (or route) does not exist (HTTP 404)."""


class Health(BaseModel):
    """GET /api/health."""

    status: str = "ok"
    papers: int = 0
    chunks: int = 0
    generation: str | None = None
    built_at: str | None = None


class PaperDetail(BaseModel):
    """GET /api/papers/{id} (and a row of GET /api/papers), flattened for rendering.

    `summary`, `takeaways` and `structured` are machine-generated (the digests' Chinese
    summaries); `generated_by` and `generated_note` say so and are shown with them.
    """

    paper_id: str
    arxiv_id: str | None = None
    title: str = ""
    authors: list[str] = Field(default_factory=list)
    abstract: str = ""
    comment: str = ""
    published: date | None = None
    updated: date | None = None
    first_seen: date | None = None
    topics: list[str] = Field(default_factory=list)
    categories: list[str] = Field(default_factory=list)
    links: dict[str, str] = Field(default_factory=dict)
    url: str = ""
    pdf_url: str | None = None
    summary: str = ""
    takeaways: list[str] = Field(default_factory=list)
    structured: str = ""
    generated_by: str = ""
    generated_note: str = ""


def api_url() -> str:
    """The API base URL: $AVATAR_SCHOLAR_API_URL, else the local default."""
    return (os.environ.get(API_URL_ENV) or DEFAULT_API_URL).rstrip("/")


def unavailable_message(base_url: str) -> str:
    """The one sentence shown whenever the API cannot be reached."""
    return f"API not reachable at {base_url} — start it with `avatar-scholar serve`"


def _hit(data: dict[str, Any]) -> Hit:
    """A Hit from a JSON object that may lack optional keys."""
    pid = data.get("paper_id") or data.get("arxiv_id") or ""
    return Hit.model_validate({
        "arxiv_id": None, "paper_id": pid, "title": pid, "authors": [], "published": None,
        "topics": [], "score": 0.0, "excerpt": "", "section": "", "page": None, "url": "",
        **{k: v for k, v in data.items() if v is not None or k in ("arxiv_id", "published", "page")},
    })


def _citation(data: dict[str, Any]) -> dict[str, Any]:
    pid = data.get("paper_id") or data.get("arxiv_id") or ""
    return {"arxiv_id": None, "paper_id": pid, "title": pid, "section": "", "page": None,
            "excerpt": "", "url": "", **{k: v for k, v in data.items() if v is not None}}


def _paper(data: dict[str, Any]) -> PaperDetail:
    """Flatten a paper payload; the machine-generated block may be nested, flat or absent."""
    gen = data.get("machine_generated")
    gen = gen if isinstance(gen, dict) else {}
    flat = {k: v for k, v in data.items()
            if v is not None and k in PaperDetail.model_fields and k != "links"}
    flat.setdefault("paper_id", data.get("arxiv_id") or "")
    flat["summary"] = gen.get("summary_zh") or gen.get("summary") or data.get("summary_zh") or ""
    flat["takeaways"] = gen.get("takeaways_zh") or gen.get("takeaways") or []
    flat["structured"] = gen.get("structured_zh") or ""
    flat["generated_by"] = str(gen.get("generator") or "")
    flat["generated_note"] = str(gen.get("note") or "")
    links = data.get("links")
    flat["links"] = {str(k): str(v) for k, v in links.items()} if isinstance(links, dict) else {}
    return PaperDetail.model_validate(flat)


class ApiClient:
    """Thin synchronous client; one instance per base URL."""

    def __init__(self, base_url: str | None = None, timeout: float = 60.0) -> None:
        self.base_url = (base_url or api_url()).rstrip("/")
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
        raise ApiError(f"API error {resp.status_code} on {path}: {detail or resp.reason_phrase}")

    def _json(self, path: str, **params: Any) -> Any:
        clean = {k: v for k, v in params.items() if v not in (None, "")}
        return self._request("GET", path, params=clean).json()

    def health(self) -> Health:
        """Index status. Raises UnavailableError when nothing is indexed yet."""
        return Health.model_validate(self._json("/api/health"))

    def search(self, q: str, k: int = 10, since: date | None = None, until: date | None = None,
               topic: str | None = None, author: str | None = None) -> SearchResponse:
        """Hybrid search with optional filters."""
        data = self._json("/api/search", q=q, k=k, since=since, until=until, topic=topic,
                          author=author)
        return SearchResponse(
            query=data.get("query", q), took_ms=data.get("took_ms", 0.0),
            total=data.get("total", len(data.get("hits", []))),
            hits=[_hit(h) for h in data.get("hits", [])], notices=data.get("notices", []),
            expanded_query=data.get("expanded_query"),
        )

    def ask(self, question: str, k: int | None = None) -> Answer:
        """A cited overview answering `question`."""
        body: dict[str, Any] = {"question": question}
        if k:
            body["k"] = k
        data = self._request("POST", "/api/ask", json=body).json()
        return Answer.model_validate({
            "question": question, "overview": "", "generator": "", "took_ms": 0.0, "notices": [],
            **{k: v for k, v in data.items() if v is not None},
            "citations": [_citation(c) for c in data.get("citations", [])],
        })

    def paper(self, paper_id: str) -> PaperDetail:
        """One paper's page. Raises NotFoundError."""
        return _paper(self._json(f"/api/papers/{_quote(paper_id)}"))

    def similar(self, paper_id: str, k: int = 5) -> list[Hit]:
        """Papers nearest to this one."""
        data = self._json(f"/api/papers/{_quote(paper_id)}/similar", k=k)
        return [_hit(h) for h in _items(data, "hits", "papers")]

    def bibtex(self, paper_id: str) -> str:
        """A BibTeX entry for the paper."""
        return self._request("GET", f"/api/papers/{_quote(paper_id)}/bibtex").text

    def stats(self) -> dict[str, Any]:
        """Counts per topic and month, the last build and the sources (raw JSON)."""
        return dict(self._json("/api/stats"))

    def topics(self) -> list[str]:
        """Topic names, most frequent first as the API orders them."""
        out = []
        for t in _items(self._json("/api/topics"), "topics"):
            name = t.get("topic") or t.get("name") if isinstance(t, dict) else t
            if name:
                out.append(str(name))
        return out

    def papers(self, since: date | None = None, until: date | None = None,
               topic: str | None = None, limit: int = 1000) -> tuple[int, list[PaperDetail]]:
        """Papers matching the filters, newest first, paging through the API: (total, papers)."""
        out: list[PaperDetail] = []
        total = 0
        while len(out) < limit:
            page = min(1000, limit - len(out))
            data = self._json("/api/papers", since=since, until=until, topic=topic,
                              limit=page, offset=len(out))
            rows = _items(data, "papers")
            total = int(data.get("total", len(rows))) if isinstance(data, dict) else len(rows)
            out.extend(_paper(p) for p in rows if isinstance(p, dict))
            if len(rows) < page or len(out) >= total:
                break
        return total, out

    def jobs(self) -> list[dict[str, Any]]:
        """Recent indexing job reports, newest first."""
        return [j for j in _items(self._json("/api/jobs"), "jobs") if isinstance(j, dict)]


def _items(data: Any, *keys: str) -> list[Any]:
    """A list payload, or the list under the first of `keys` in an object payload."""
    if isinstance(data, list):
        return data
    if isinstance(data, dict):
        for key in keys:
            if isinstance(data.get(key), list):
                return list(data[key])
    return []


def _quote(paper_id: str) -> str:
    # Paper ids may contain '/' (old-style arXiv ids) or other characters; keep them one segment.
    from urllib.parse import quote

    return quote(paper_id, safe="")


def _detail(resp: httpx.Response) -> str:
    try:
        data = resp.json()
    except ValueError:
        return resp.text.strip()[:200]
    return str(data.get("detail", "")) if isinstance(data, dict) else ""

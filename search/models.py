"""Search-side records; they are also the API's response schemas."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field


class Filters(BaseModel):
    """Restrictions applied before the top-k cut."""

    since: date | None = None
    until: date | None = None
    topic: str | None = None
    author: str | None = None
    has_code: bool = False
    has_project: bool = False

    def active(self) -> bool:
        return any(v not in (None, False, "") for v in self.model_dump().values())


class Hit(BaseModel):
    """One paper in a result list, with its best-matching excerpt."""

    arxiv_id: str | None
    paper_id: str
    title: str
    authors: list[str]
    published: date | None
    first_seen: date | None = None
    topics: list[str]
    score: float
    excerpt: str
    section: str
    page: int | None
    url: str
    chunk_id: str = ""


class SearchResponse(BaseModel):
    """A ranked, one-hit-per-paper answer to a query."""

    query: str
    took_ms: float
    total: int
    hits: list[Hit]
    notices: list[str] = Field(default_factory=list)
    expanded_query: str | None = None


class Citation(BaseModel):
    """A numbered, verbatim excerpt that an overview sentence points to."""

    n: int
    arxiv_id: str | None
    paper_id: str
    title: str
    section: str
    page: int | None
    excerpt: str
    url: str


class Answer(BaseModel):
    """A generated overview whose [n] markers resolve to `citations`."""

    question: str
    overview: str
    citations: list[Citation]
    generator: str
    took_ms: float
    notices: list[str] = Field(default_factory=list)

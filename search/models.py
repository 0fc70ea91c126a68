"""Search-side records; they are also the API's request and response schemas (one per concept).

The UI's client validates responses with these same models."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from indexer.models import SourceSpec

GENERATOR = "Gemini-Pro via ChatPaperFree"


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

    unit: Literal["paper"] = "paper"
    query: str
    took_ms: float
    total: int
    hits: list[Hit]
    notices: list[str] = Field(default_factory=list)
    expanded_query: str | None = None


class PassageHit(BaseModel):
    """One passage (a chunk of a paper's text) in a passage-level result list."""

    paper_id: str
    arxiv_id: str | None
    title: str
    authors: list[str]
    published: date | None
    section: str
    page: int | None
    text: str
    score: float
    chunk_id: str
    url: str


class PassageSearchResponse(BaseModel):
    """Passages ranked for a query, best first; several may come from one paper."""

    unit: Literal["passage"] = "passage"
    query: str
    took_ms: float
    total: int
    passages: list[PassageHit]
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
    machine_zh: str = Field("", description="A relevant sentence of the paper's machine-generated"
                            " Chinese summary (Gemini-Pro via ChatPaperFree), shown beside the"
                            " verbatim excerpt and labelled as machine-written.")


class Answer(BaseModel):
    """A generated overview whose [n] markers resolve to `citations`."""

    question: str
    overview: str
    citations: list[Citation]
    generator: str
    took_ms: float
    notices: list[str] = Field(default_factory=list)


class MachineGenerated(BaseModel):
    """Machine-written Chinese summaries from the digests; not part of the paper's metadata."""

    generator: str = GENERATOR
    language: str = "zh"
    note: str = "Machine-generated from the paper by an LLM; may contain errors."
    summary_zh: str = ""
    takeaways_zh: list[str] = Field(default_factory=list)
    structured_zh: str = ""


class PaperSummary(BaseModel):
    """A paper in a listing (the digest page)."""

    paper_id: str
    arxiv_id: str | None
    title: str
    authors: list[str]
    published: date | None
    first_seen: date | None
    digest_dates: list[date]
    topics: list[str]
    links: dict[str, str]
    url: str
    abstract: str
    machine_generated: MachineGenerated | None = None


class PaperDetail(PaperSummary):
    """Everything stored about one paper."""

    version: int | None
    updated: date | None
    comment: str
    categories: list[str]
    pdf_url: str | None
    source: str


class PaperList(BaseModel):
    """A page of papers, newest first; `total` counts every match before `limit`."""

    total: int
    papers: list[PaperSummary]


class TopicCount(BaseModel):
    """A digest topic and how many papers carry it."""

    topic: str
    count: int


class Stats(BaseModel):
    """What the served generation holds and how it was built."""

    generation: str
    built_at: datetime
    model_id: str
    papers: int
    chunks: int
    vectors: int
    topics: dict[str, int]
    months: dict[str, int]
    undated: int
    with_machine_summary: int
    with_code: int
    arxiv_papers: int
    sources: list[SourceSpec]
    build_seconds: dict[str, float]


class Health(BaseModel):
    """GET /api/health: the served generation; 503 with `detail` instead while none is loaded.

    `status` is "ok", or "degraded" while the current generation failed to load and an
    older one is served; `detail` then says why.
    """

    status: str
    papers: int
    chunks: int
    generation: str
    built_at: datetime
    detail: str | None = None


class AskRequest(BaseModel):
    """A question for a cited overview (the API narrows `question` to the configured length)."""

    question: str = Field(min_length=1, description="English or 中文")
    k: int = Field(8, ge=1, le=100, description="Papers to draw evidence from.")


class SimilarResponse(BaseModel):
    """Papers nearest to one paper, best first."""

    paper_id: str
    arxiv_id: str | None
    total: int
    hits: list[Hit]


class ThemePaper(BaseModel):
    """A paper as a theme lists it, with how central it is to the theme."""

    paper_id: str
    arxiv_id: str | None
    title: str
    published: date | None = Field(description="Published, else first seen in a digest.")
    similarity: float = Field(description="Cosine between the paper and the theme's centroid.")


class ThemeGrowth(BaseModel):
    """A theme over the last `months` months (up to the index's newest paper) and the
    `months` before: its papers, their share of all papers dated then, and the change."""

    months: int
    recent: int
    before: int
    share_recent: float
    share_before: float
    growth: float | None = Field(description="Relative change of share (0.5 = half as large"
                                             " again); null without papers in both windows.")


class ThemeSummary(BaseModel):
    """A line of work learned from the papers, its trend and representative papers."""

    theme_id: int
    name: str
    name_zh: str = Field(description="The name with glossary translations where there are any.")
    terms: list[str]
    papers: int
    per_month: dict[str, int]
    growth_3m: ThemeGrowth
    growth_6m: ThemeGrowth
    top_papers: list[ThemePaper] = Field(description="The papers nearest its centre.")
    recent_papers: list[ThemePaper] = Field(description="The nearest of the last 3 months.")


class ThemeDetail(ThemeSummary):
    """A theme with all its papers, most central first."""

    members: list[ThemePaper]


class ThemeList(BaseModel):
    """GET /api/themes: the themes of the served generation."""

    generation: str
    newest: date | None = Field(description="The newest paper date: trend windows end here.")
    papers: int
    themed: int = Field(description="Papers that belong to a theme.")
    themes: list[ThemeSummary]
    notices: list[str] = Field(default_factory=list)


class MapPoint(BaseModel):
    """One paper on the map."""

    paper_id: str
    title: str
    published: date | None
    x: float
    y: float
    theme_id: int = Field(description="-1 for a paper in no theme.")


class ThemeName(BaseModel):
    """A theme's number and names, for a map's legend."""

    theme_id: int
    name: str
    name_zh: str
    papers: int


class MapResponse(BaseModel):
    """GET /api/map: every paper with a position on the 2-D map, and the themes."""

    generation: str
    points: list[MapPoint]
    themes: list[ThemeName]
    notices: list[str] = Field(default_factory=list)

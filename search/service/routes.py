"""The API's routes, registered on an app by `search.service.app.create_app`.

No ``from __future__ import annotations`` here: the ask body model is made per app
(its length limit is a setting), and FastAPI must see the real class in the signature.
"""

import logging
from typing import Annotated, Literal

from fastapi import FastAPI, Query, Request
from fastapi.responses import JSONResponse, PlainTextResponse
from pydantic import Field, create_model
from starlette.concurrency import run_in_threadpool

from indexer.errors import StoreError
from indexer.models import FulltextProgress, JobReport
from indexer.redact import public_job, public_text, redact
from indexer.store import read_job_reports, read_progress
from search.answer.ask import answer
from search.config import Settings
from search.errors import IncompatibleIndexError
from search.export.bibtex import to_bibtex
from search.models import (
    Answer,
    AskRequest,
    Health,
    PaperDetail,
    PaperList,
    PassageSearchResponse,
    SearchResponse,
    SimilarResponse,
    Stats,
    TopicCount,
)
from search.retrieval import catalogue
from search.service.deps import FiltersDep, SearcherDep, find_paper
from search.service.limits import LLMSlots

logger = logging.getLogger(__name__)


def ask_request_model(max_chars: int) -> type[AskRequest]:
    """`AskRequest` with the question's length capped at `max_chars` (shown in OpenAPI)."""
    question = (str, Field(min_length=1, max_length=max_chars, description="English or 中文"))
    return create_model("AskRequest", __base__=AskRequest, question=question)


def add_search_routes(app: FastAPI, settings: Settings) -> None:
    @app.get("/api/health", response_model=Health,
             responses={503: {"description": "No index loaded yet; `detail` says why."}})
    def health(request: Request) -> Health | JSONResponse:
        """Which generation is served, with its size."""
        try:
            searcher = request.app.state.searchers.get()
            snap = searcher.refresh()
        except (StoreError, IncompatibleIndexError) as exc:
            why = public_text(str(exc).splitlines()[0], settings.data_dir)
            return JSONResponse({"status": "unavailable", "detail": why}, status_code=503)
        problem = searcher.degraded
        detail = public_text(problem, settings.data_dir) if problem else None
        return Health(status="degraded" if problem else "ok", detail=detail,
                      papers=len(snap.papers), chunks=len(snap.paper_of_row),
                      generation=snap.generation, built_at=snap.manifest.built_at)

    @app.get("/api/search", response_model=SearchResponse | PassageSearchResponse)
    def search(
        searcher: SearcherDep, filters: FiltersDep,
        q: Annotated[str, Query(min_length=1, max_length=settings.ranking.max_query_chars,
                                description="Words, a question (English or 中文), or an arXiv id")],
        k: Annotated[int, Query(ge=1, le=100, description="Number of papers (or passages)")] = 10,
        unit: Annotated[Literal["paper", "passage"], Query(
            description="paper: one hit per paper; passage: the best passages, several per "
                        "paper allowed, each with its section and page")] = "paper",
    ) -> SearchResponse | PassageSearchResponse:
        """Hybrid semantic + keyword search, best first: papers, or passages of papers."""
        if unit == "passage":
            return searcher.passages(q, k=k, filters=filters)
        return searcher.search(q, k=k, filters=filters)

    ask_body = ask_request_model(settings.ranking.max_query_chars)
    secrets = settings.secrets()

    @app.post("/api/ask", response_model=Answer,
              responses={503: {"description": "No index loaded yet, or every LLM slot is busy"
                                              " (then with Retry-After)."},
                         413: {"description": "Request body over the size limit."}})
    async def ask(body: ask_body, searcher: SearcherDep,  # type: ignore[valid-type]
                  http: Request) -> Answer:
        """A short overview of the best passages, each claim citing an excerpt [n]."""
        request: AskRequest = body
        slots: LLMSlots | None = http.app.state.llm_slots
        if slots is None:  # no LLM: the built-in overview, in the shared threadpool
            result = await run_in_threadpool(answer, searcher, request.question, k=request.k,
                                             llm_settings=settings.llm)
        else:
            result = await slots.run(answer, searcher, request.question, k=request.k,
                                     llm_settings=settings.llm)
        # Notices quote LLM errors; no credential may ride along with them.
        result.notices = [redact(n, secrets) for n in result.notices]
        return result


def add_catalogue_routes(app: FastAPI, settings: Settings) -> None:
    @app.get("/api/papers", response_model=PaperList)
    def papers(
        searcher: SearcherDep, filters: FiltersDep,
        limit: Annotated[int, Query(ge=1, le=1000)] = 50,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> PaperList:
        """Papers matching the filters, newest first (for the digest page)."""
        return catalogue.list_papers(searcher.refresh(), filters, limit, offset)

    @app.get("/api/topics", response_model=list[TopicCount])
    def topics(searcher: SearcherDep) -> list[TopicCount]:
        """Every digest topic with its paper count, most frequent first."""
        return catalogue.topic_counts(searcher.refresh().papers)

    @app.get("/api/stats", response_model=Stats)
    def index_stats(searcher: SearcherDep) -> Stats:
        """Papers per topic and month, build time, generation, sources and counts."""
        return catalogue.stats(searcher.refresh())

    @app.get("/api/jobs", response_model=list[JobReport])
    def jobs(limit: Annotated[int, Query(ge=1, le=200)] = 20) -> list[JobReport]:
        """Recent indexing job reports, newest first (paths relative to the data directory)."""
        secrets = settings.secrets()
        return [public_job(r, settings.data_dir, secrets)
                for r in read_job_reports(settings.data_dir, limit)]

    @app.get("/api/fulltext", response_model=FulltextProgress | None)
    def fulltext() -> FulltextProgress | None:
        """The full-text job (arXiv PDFs being fetched and indexed): done/total, ETA, state;
        null when none has run."""
        return read_progress(settings.data_dir)


def add_paper_routes(app: FastAPI) -> None:
    # The sub-resources come first: `{paper_id:path}` would also match ".../similar".
    @app.get("/api/papers/{paper_id:path}/similar", response_model=SimilarResponse)
    def similar(searcher: SearcherDep, paper_id: str,
                k: Annotated[int, Query(ge=1, le=100, description="Number of papers")] = 10,
                ) -> SimilarResponse:
        """Papers nearest to this one by their mean chunk vector."""
        paper = find_paper(searcher, paper_id)
        hits = searcher.similar(paper.paper_id, k=k)
        return SimilarResponse(paper_id=paper.paper_id, arxiv_id=paper.arxiv_id,
                               total=len(hits), hits=hits)

    @app.get("/api/papers/{paper_id:path}/bibtex", response_class=PlainTextResponse)
    def bibtex(searcher: SearcherDep, paper_id: str) -> PlainTextResponse:
        """A BibTeX entry (@misc with eprint/archivePrefix) for the paper."""
        return PlainTextResponse(to_bibtex(find_paper(searcher, paper_id)))

    @app.get("/api/papers/{paper_id:path}", response_model=PaperDetail)
    def paper(searcher: SearcherDep, paper_id: str) -> PaperDetail:
        """Metadata, abstract, topics, links, and the labelled machine-generated summary."""
        return catalogue.paper_detail(find_paper(searcher, paper_id))

"""The HTTP API: FastAPI over one process-wide `Searcher` (OpenAPI at ``/docs``).

The model and the index are loaded once per process, in the lifespan. The app starts
without an index and answers 503 until a generation appears (it retries at most once a
second); a newly published generation is picked up by `Searcher.refresh` without a
restart. Routes are plain ``def`` functions, so they run in the threadpool.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from calendar import monthrange
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from indexer.errors import StoreError
from indexer.models import Paper
from indexer.store import read_job_reports
from search import stats
from search.bibtex import to_bibtex
from search.config import SearchSettings
from search.engine import Searcher
from search.errors import (
    GenerationError,
    IncompatibleIndexError,
    IndexNotFoundError,
    PaperNotFoundError,
    QueryError,
)
from search.models import Answer, Filters, Hit, SearchResponse
from search.query import arxiv_id_query

logger = logging.getLogger(__name__)

MAX_QUERY_CHARS = 1000
SearcherFactory = Callable[[], Searcher]


class Health(BaseModel):
    """The served generation; 503 with `detail` instead while no index is loaded."""

    status: str
    papers: int
    chunks: int
    generation: str
    built_at: datetime


class AskRequest(BaseModel):
    """A question for a cited overview."""

    question: str = Field(min_length=1, max_length=MAX_QUERY_CHARS, description="English or 中文")
    k: int = Field(8, ge=1, le=100, description="Passages to cite.")


class SimilarResponse(BaseModel):
    """Papers nearest to one paper, best first."""

    paper_id: str
    arxiv_id: str | None
    total: int
    hits: list[Hit]


class SearcherHolder:
    """One Searcher per process, created on first need; failures are retried at most once a second."""

    def __init__(self, factory: SearcherFactory, retry_interval: float = 1.0) -> None:
        self._factory = factory
        self._interval = retry_interval
        self._searcher: Searcher | None = None
        self._lock = threading.Lock()
        self._tried = float("-inf")
        self._reason = "the index has not been loaded yet"

    def get(self) -> Searcher:
        """The Searcher. Raises IndexNotFoundError (→ 503) while there is no usable index."""
        if self._searcher is not None:
            return self._searcher
        with self._lock:
            now = time.monotonic()
            if self._searcher is None and now - self._tried >= self._interval:
                self._tried = now
                try:
                    self._searcher = self._factory()
                except (StoreError, IncompatibleIndexError) as exc:
                    self._reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            if self._searcher is None:
                raise IndexNotFoundError(self._reason)
            return self._searcher

    def warm_up(self) -> None:
        """Load the index, the model and the tokenizers now, so no request pays for them."""
        try:
            self.get().search("talking head avatar 数字人", k=1)
        except (StoreError, IncompatibleIndexError) as exc:
            logger.warning("API starting without a usable index: %s", exc)
        except Exception:  # a failed warm-up must not stop the server; requests will report it
            logger.exception("warm-up query failed")


def get_searcher(request: Request) -> Searcher:
    """Dependency: the process-wide Searcher."""
    holder: SearcherHolder = request.app.state.searchers
    return holder.get()


SearcherDep = Annotated[Searcher, Depends(get_searcher)]


def parse_day(name: str, value: str | None, *, end: bool = False) -> date | None:
    """``YYYY-MM-DD``, ``YYYY-MM`` or ``YYYY`` (a month or year means its first day, or its
    last when `end`). Raises QueryError naming the parameter."""
    text = (value or "").strip()
    if not text:
        return None
    m = re.fullmatch(r"([0-9]{4})(?:-([0-9]{1,2})(?:-([0-9]{1,2}))?)?", text)
    try:
        if m:
            year, month = int(m.group(1)), int(m.group(2) or (12 if end else 1))
            last = monthrange(year, month)[1] if 1 <= month <= 12 else 0
            day = int(m.group(3)) if m.group(3) else (last if end else 1)
            return date(year, month, day)
    except ValueError:
        pass
    raise QueryError(f"{name}: expected a date as YYYY-MM-DD (or YYYY-MM, YYYY), got {text[:40]!r}")


def get_filters(
    since: Annotated[str | None, Query(description="On/after: YYYY-MM-DD, YYYY-MM or YYYY")] = None,
    until: Annotated[str | None, Query(description="On/before: YYYY-MM-DD, YYYY-MM or YYYY")] = None,
    topic: Annotated[str | None, Query(max_length=200, description="Digest topic")] = None,
    author: Annotated[str | None, Query(max_length=200, description="Part of an author name")] = None,
) -> Filters:
    """Dependency: validated date/topic/author filters. Raises QueryError (→ 422)."""
    start, stop = parse_day("since", since), parse_day("until", until, end=True)
    if start and stop and start > stop:
        raise QueryError(f"since ({start}) is after until ({stop})")
    return Filters(since=start, until=stop, topic=(topic or "").strip() or None,
                   author=(author or "").strip() or None)


FiltersDep = Annotated[Filters, Depends(get_filters)]


def find_paper(searcher: Searcher, paper_id: str) -> Paper:
    """A paper by id, also accepting a versioned id or an arXiv URL. Raises PaperNotFoundError."""
    try:
        return searcher.paper(paper_id)
    except PaperNotFoundError:
        bare = arxiv_id_query(paper_id)
        if bare and bare != paper_id:
            return searcher.paper(bare)
        raise


def _where(loc: tuple[Any, ...] | list[Any]) -> str:
    """``q``, ``question`` or ``body``: the parameter or body field a validation error is about."""
    source, *rest = loc or ("request",)
    names = [part for part in rest if isinstance(part, str)]  # ints are list/JSON positions
    return ".".join(names) or str(source)


def _readable(exc: Exception) -> tuple[str, list[dict[str, Any]]]:
    """One human sentence and a compact machine list (no echo of the offending input)."""
    errors = []
    for err in exc.errors() if isinstance(exc, RequestValidationError) else []:
        msg = str(err.get("msg", "invalid"))
        if err.get("type") == "json_invalid":
            msg = f"not valid JSON ({err.get('ctx', {}).get('error', 'decode error')})"
        errors.append({"loc": _where(err.get("loc", ())), "msg": msg, "type": str(err.get("type", ""))})
    return "; ".join(f"{e['loc']}: {e['msg']}" for e in errors) or "invalid request", errors


def _add_error_handlers(app: FastAPI) -> None:
    """Domain errors → 404/422/503 with a one-line detail; anything else → a bare 500."""

    def status(code: int) -> Callable[[Request, Exception], JSONResponse]:
        def handler(request: Request, exc: Exception) -> JSONResponse:
            detail = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            return JSONResponse({"detail": detail}, status_code=code)

        return handler

    for exc_type, code in ((QueryError, 422), (PaperNotFoundError, 404), (StoreError, 503),
                           (IncompatibleIndexError, 503), (GenerationError, 502)):
        app.add_exception_handler(exc_type, status(code))

    def invalid(request: Request, exc: Exception) -> JSONResponse:
        detail, errors = _readable(exc)
        return JSONResponse({"detail": detail, "errors": errors}, status_code=422)

    def internal(request: Request, exc: Exception) -> JSONResponse:
        logger.error("%s %s failed", request.method, request.url.path, exc_info=exc)
        return JSONResponse({"detail": "internal error"}, status_code=500)

    app.add_exception_handler(RequestValidationError, invalid)
    app.add_exception_handler(Exception, internal)


def create_app(settings: SearchSettings, searcher_factory: SearcherFactory | None = None) -> FastAPI:
    """The API app. `searcher_factory` lets tests share one model; the default loads its own."""
    holder = SearcherHolder(searcher_factory or (lambda: Searcher(settings)))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await run_in_threadpool(holder.warm_up)
        yield

    app = FastAPI(title="Avatar Scholar", version="0.1.0", lifespan=lifespan,
                  description="Hybrid search and cited overviews over papers on avatars and "
                              "digital humans.")
    app.state.searchers = holder
    _add_error_handlers(app)
    _add_search_routes(app, settings)
    _add_catalogue_routes(app, settings)
    _add_paper_routes(app)
    return app


def _add_search_routes(app: FastAPI, settings: SearchSettings) -> None:
    @app.get("/api/health", response_model=Health,
             responses={503: {"description": "No index loaded yet; `detail` says why."}})
    def health(request: Request) -> Health | JSONResponse:
        """Which generation is served, with its size."""
        try:
            snap = request.app.state.searchers.get().refresh()
        except (StoreError, IncompatibleIndexError) as exc:
            return JSONResponse({"status": "unavailable", "detail": str(exc).splitlines()[0]},
                                status_code=503)
        return Health(status="ok", papers=len(snap.papers), chunks=len(snap.paper_of_row),
                      generation=snap.generation, built_at=snap.manifest.built_at)

    @app.get("/api/search", response_model=SearchResponse)
    def search(
        searcher: SearcherDep, filters: FiltersDep,
        q: Annotated[str, Query(min_length=1, max_length=MAX_QUERY_CHARS,
                                description="Words, a question (English or 中文), or an arXiv id")],
        k: Annotated[int, Query(ge=1, le=100, description="Number of papers")] = 10,
    ) -> SearchResponse:
        """Hybrid semantic + keyword search; one hit per paper, best first."""
        return searcher.search(q, k=k, filters=filters)

    @app.post("/api/ask", response_model=Answer,
              responses={503: {"description": "No index, or answering is not available."}})
    def ask(body: AskRequest, searcher: SearcherDep) -> Answer:
        """A short overview of the best passages, each claim citing an excerpt [n]."""
        try:
            from search.answer import answer
        except ImportError as exc:
            logger.error("search.answer cannot be imported: %s", exc)
            raise HTTPException(503, "answering is not available in this installation") from exc
        return answer(searcher, body.question, k=body.k, settings=settings)


def _add_catalogue_routes(app: FastAPI, settings: SearchSettings) -> None:
    @app.get("/api/papers", response_model=stats.PaperList)
    def papers(
        searcher: SearcherDep, filters: FiltersDep,
        limit: Annotated[int, Query(ge=1, le=1000)] = 50,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> stats.PaperList:
        """Papers matching the filters, newest first (for the digest page)."""
        return stats.list_papers(searcher.refresh(), filters, limit, offset)

    @app.get("/api/topics", response_model=list[stats.TopicCount])
    def topics(searcher: SearcherDep) -> list[stats.TopicCount]:
        """Every digest topic with its paper count, most frequent first."""
        return stats.topic_counts(searcher.refresh().papers)

    @app.get("/api/stats", response_model=stats.Stats)
    def index_stats(searcher: SearcherDep) -> stats.Stats:
        """Papers per topic and month, build time, generation, sources and counts."""
        return stats.stats(searcher.refresh())

    @app.get("/api/jobs")
    def jobs(limit: Annotated[int, Query(ge=1, le=200)] = 20) -> list[dict[str, Any]]:
        """Recent indexing job reports, newest first."""
        return read_job_reports(settings.data_dir, limit)


def _add_paper_routes(app: FastAPI) -> None:
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

    @app.get("/api/papers/{paper_id:path}", response_model=stats.PaperDetail)
    def paper(searcher: SearcherDep, paper_id: str) -> stats.PaperDetail:
        """Metadata, abstract, topics, links, and the labelled machine-generated summary."""
        return stats.paper_detail(find_paper(searcher, paper_id))

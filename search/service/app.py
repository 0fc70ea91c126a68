"""The HTTP API: FastAPI over one process-wide `Searcher` (OpenAPI at ``/docs``).

The model and the index are loaded once per process, in the lifespan. The app starts
without an index and answers 503 until a generation appears (it retries at most once a
second); a newly published generation is picked up by `Searcher.refresh` without a
restart. Routes (search/service/routes.py) are plain ``def`` functions, so they run in
the threadpool.
"""

from __future__ import annotations

import logging
import math
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from indexer.errors import StoreError
from indexer.redact import public_text
from search.answer.llm import client_from_settings
from search.config import Settings
from search.errors import (
    BusyError,
    GenerationError,
    IncompatibleIndexError,
    PaperNotFoundError,
    QueryError,
    ThemeNotFoundError,
)
from search.retrieval.engine import Searcher
from search.service.deps import SearcherFactory, SearcherHolder
from search.service.limits import BodyLimit, LLMSlots
from search.service.routes import add_catalogue_routes, add_paper_routes, add_search_routes
from search.service.theme_routes import add_theme_routes

logger = logging.getLogger(__name__)


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


def _add_error_handlers(app: FastAPI, data_dir: Path) -> None:
    """Domain errors → 404/422/503 with a one-line detail; anything else → a bare 500.

    Paths in details are shown relative to the data directory (or as file names)."""

    def status(code: int) -> Callable[[Request, Exception], JSONResponse]:
        def handler(request: Request, exc: Exception) -> JSONResponse:
            detail = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            return JSONResponse({"detail": public_text(detail, data_dir)}, status_code=code)

        return handler

    for exc_type, code in ((QueryError, 422), (PaperNotFoundError, 404), (ThemeNotFoundError, 404),
                           (StoreError, 503),
                           (IncompatibleIndexError, 503), (GenerationError, 502)):
        app.add_exception_handler(exc_type, status(code))

    def invalid(request: Request, exc: Exception) -> JSONResponse:
        detail, errors = _readable(exc)
        return JSONResponse({"detail": detail, "errors": errors}, status_code=422)

    def internal(request: Request, exc: Exception) -> JSONResponse:
        logger.error("%s %s failed", request.method, request.url.path, exc_info=exc)
        return JSONResponse({"detail": "internal error"}, status_code=500)

    def busy(request: Request, exc: Exception) -> JSONResponse:
        seconds = exc.retry_after if isinstance(exc, BusyError) else 10
        return JSONResponse({"detail": str(exc)}, status_code=503,
                            headers={"Retry-After": str(seconds)})

    app.add_exception_handler(RequestValidationError, invalid)
    app.add_exception_handler(BusyError, busy)
    app.add_exception_handler(Exception, internal)


def create_app(settings: Settings, searcher_factory: SearcherFactory | None = None) -> FastAPI:
    """The API app. `searcher_factory` lets tests share one model; the default loads its own."""
    holder = SearcherHolder(searcher_factory or (lambda: Searcher(settings, fallback=True)))
    llm = settings.llm
    # Only with an LLM configured can an ask wait long on something outside this process.
    slots = (LLMSlots(llm.max_concurrent, retry_after=max(1, math.ceil(llm.timeout / 2)))
             if client_from_settings(llm) else None)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await run_in_threadpool(holder.warm_up)
        yield
        if slots is not None:
            slots.close()

    app = FastAPI(title="Avatar Scholar", version="0.1.0", lifespan=lifespan,
                  description="Hybrid search and cited overviews over papers on avatars and "
                              "digital humans.")
    app.state.searchers = holder
    app.state.llm_slots = slots
    app.add_middleware(BodyLimit, max_bytes=settings.service.max_body_bytes)
    _add_error_handlers(app, settings.data_dir)
    add_search_routes(app, settings)
    add_catalogue_routes(app, settings)
    add_paper_routes(app)
    add_theme_routes(app)
    return app

"""Request dependencies of the API: the process-wide Searcher, filters, paper lookup."""

from __future__ import annotations

import logging
import re
import threading
import time
from calendar import monthrange
from collections.abc import Callable
from datetime import date
from typing import Annotated

from fastapi import Depends, Query, Request

from indexer.errors import StoreError
from indexer.models import Paper
from search.errors import IncompatibleIndexError, IndexNotFoundError, PaperNotFoundError, QueryError
from search.models import Filters
from search.retrieval.engine import Searcher
from search.retrieval.query import arxiv_id_query

logger = logging.getLogger(__name__)

SearcherFactory = Callable[[], Searcher]


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
        """Load the index, the model, the tokenizers and the method-name index now, so no
        request pays for them."""
        try:
            searcher = self.get()
            searcher.search("talking head avatar 数字人", k=1)
            searcher.named_papers("")
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

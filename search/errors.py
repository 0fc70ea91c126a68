"""Search domain errors; the CLI prints them in one line and the API maps them to HTTP codes."""

from indexer.errors import IndexNotFoundError, StoreError


class SearchError(Exception):
    """Base class for search-side failures."""


class QueryError(SearchError):
    """The query itself is unusable (empty, malformed date, ...): HTTP 422."""


class PaperNotFoundError(SearchError):
    """No paper with that id in the index: HTTP 404."""


class ThemeNotFoundError(SearchError):
    """No theme with that number in the served generation: HTTP 404."""


class IncompatibleIndexError(SearchError):
    """The index was built with another model or dimension than the one loaded."""


class LexiconError(SearchError):
    """A lexicon or glossary file is malformed, or there is nothing to mine it from."""


class GenerationError(SearchError):
    """The answer generator failed (the built-in one is used instead)."""


class BusyError(SearchError):
    """Too many requests are waiting on a slow resource (the LLM): HTTP 503 + Retry-After."""

    def __init__(self, message: str, retry_after: int = 10) -> None:
        super().__init__(message)
        self.retry_after = retry_after


__all__ = [
    "BusyError",
    "GenerationError",
    "IncompatibleIndexError",
    "IndexNotFoundError",
    "LexiconError",
    "PaperNotFoundError",
    "QueryError",
    "SearchError",
    "StoreError",
    "ThemeNotFoundError",
]

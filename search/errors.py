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


class GenerationError(SearchError):
    """The answer generator failed (the built-in one is used instead)."""


__all__ = [
    "GenerationError",
    "IncompatibleIndexError",
    "IndexNotFoundError",
    "PaperNotFoundError",
    "QueryError",
    "SearchError",
    "StoreError",
    "ThemeNotFoundError",
]

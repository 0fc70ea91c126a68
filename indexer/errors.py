"""Indexer domain errors. Each names the path, id or page that failed."""


class IndexerError(Exception):
    """Base class: anything the CLI reports as a one-line error."""


class ParseError(IndexerError):
    """A file or entry could not be parsed (corrupt, encrypted, empty, truncated)."""


class FetchError(IndexerError):
    """A remote source (arXiv) could not be reached or answered garbage."""


class StoreError(IndexerError):
    """The index on disk is missing, incompatible or could not be written."""


class DiskFullError(StoreError):
    """The data directory's filesystem has no room for a new generation."""


class IndexNotFoundError(StoreError):
    """No index generation exists in the data directory."""


class LockedError(IndexerError):
    """Another indexing job holds the lock on the data directory."""


class PdfFetchError(FetchError):
    """An arXiv PDF could not be downloaded; the message is one line naming the paper.

    `permanent`: asking again will not help (HTTP 404, over the size cap), so the paper
    is marked and not asked for again. `transient`: the network or the server failed
    after every retry, worth a later run.
    """

    def __init__(self, message: str, *, permanent: bool = False, transient: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.transient = transient

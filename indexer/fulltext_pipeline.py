"""Download → parse, as a pipeline: a download thread runs ahead of the job's own thread.

The download thread fetches one PDF at a time (`PdfFetcher`: polite pauses, retries) and
queues it as soon as it is on disk; `results()` parses each one in the caller's thread and
yields the outcomes in plan order. So the ≥ 3 s pauses between downloads overlap the
parsing and the embedding of earlier papers, which is where the time goes.

Parsing in a worker process, to overlap it with embedding as well, was measured and
dropped: on 2 cores the encoder already uses both, parsing is under a tenth of the CPU
work, and the worker made the job about 10 % slower (benchmarks/fulltext.py keeps that
variant, `OverlappedPipeline`, for the comparison).
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from indexer import store
from indexer.config import IndexerSettings
from indexer.errors import PdfFetchError
from indexer.fulltext import Parsed, parse_to_cache
from indexer.sources.arxiv_pdf import PdfFetcher

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Task:
    """One paper to enrich, and what is left to do for it."""

    paper_id: str
    arxiv_id: str
    version: int | None
    title: str
    step: Literal["fetch", "parse"]

    @property
    def key(self) -> str:
        """Its PDF cache key."""
        return store.pdf_key(self.arxiv_id, self.version)


@dataclass(frozen=True)
class Outcome:
    """What became of a task: `parsed` (possibly with an error) or a download `failure`."""

    task: Task
    url: str
    downloaded: int = 0
    parsed: Parsed | None = None
    failure: PdfFetchError | None = None


class Pipeline:
    """Runs the download thread for a list of tasks; use as a context manager."""

    def __init__(self, tasks: list[Task], settings: IndexerSettings) -> None:
        self.tasks = tasks
        self.data_dir = settings.data_dir
        self.keep_pdfs = settings.keep_pdfs
        self.fetcher = PdfFetcher(settings)
        self._queue: queue.Queue[tuple[Task, int, PdfFetchError | None] | None] = queue.Queue()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._download_all, name="pdf-download", daemon=True)

    def __enter__(self) -> Pipeline:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
        self._thread.join(timeout=5)
        self.fetcher.close()

    def stop(self) -> None:
        """Stop downloading: a pause ends at once, a download at its next chunk."""
        self._stopping.set()
        self.fetcher.stop()

    def _download_all(self) -> None:
        try:
            for task in self.tasks:
                if self._stopping.is_set():
                    break
                size, failure = 0, None
                if task.step == "fetch":
                    try:
                        size = self.fetcher.fetch(task.arxiv_id, task.version,
                                                  store.pdf_file(self.data_dir, task.key))
                    except PdfFetchError as exc:
                        failure = exc
                self.downloaded(task, failure)
                self._queue.put((task, size, failure))
        finally:
            self._queue.put(None)

    def downloaded(self, task: Task, failure: PdfFetchError | None) -> None:
        """Called in the download thread as each PDF is on disk (or failed); a hook."""

    def results(self) -> Iterator[Outcome]:
        """One outcome per task, in order, as downloads complete."""
        while (item := self._queue.get()) is not None:
            task, size, failure = item
            url = self.fetcher.url(task.arxiv_id, task.version)
            if failure is not None:
                if self._stopping.is_set():
                    return  # the failure is the stop itself
                yield Outcome(task, url, failure=failure)
                continue
            yield Outcome(task, url, downloaded=size, parsed=self.parse(task))

    def parse(self, task: Task) -> Parsed:
        """Parse a downloaded PDF into the passages cache."""
        return parse_to_cache(task.arxiv_id, task.version, self.data_dir, self.keep_pdfs)

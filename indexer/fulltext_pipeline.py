"""Download → parse, as a pipeline: a download thread feeding a PDF-parsing worker process.

The download thread fetches one PDF at a time (`PdfFetcher`: polite pauses, retries) and
hands each one to a worker process as soon as it is on disk, so parsing runs while the
next download waits and while the caller embeds the previous batch. Results come back
in plan order from `results()`. A worker that dies (a PDF that crashes MuPDF) is
replaced and the file given one more try, then reported as a failure; the job goes on.

With ``overlap=False`` the caller's thread parses instead (no worker process); downloads
still run ahead in their thread. benchmarks/fulltext.py measures both.
"""

from __future__ import annotations

import logging
import multiprocessing
import queue
import threading
from collections.abc import Iterator
from concurrent.futures import CancelledError, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Literal

from indexer import store
from indexer.config import IndexerSettings
from indexer.errors import PdfFetchError
from indexer.fulltext import Parsed, parse_to_cache
from indexer.sources.arxiv_pdf import PdfFetcher

logger = logging.getLogger(__name__)


_Parsing = tuple[Future[Parsed], ProcessPoolExecutor]  # a submitted parse and its pool


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
    """Runs the download thread and the parser for a list of tasks; use as a context manager."""

    def __init__(self, tasks: list[Task], settings: IndexerSettings, *, overlap: bool = True) -> None:
        self.tasks = tasks
        self.data_dir = settings.data_dir
        self.keep_pdfs = settings.keep_pdfs
        self.fetcher = PdfFetcher(settings)
        self.overlap = overlap
        self._pool: ProcessPoolExecutor | None = self._new_pool() if overlap else None
        self._pool_lock = threading.Lock()
        self._queue: queue.Queue[tuple[Task, int, _Parsing | None,
                                       PdfFetchError | None] | None] = queue.Queue()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._download_all, name="pdf-download", daemon=True)

    def __enter__(self) -> Pipeline:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
        self._thread.join(timeout=5)
        self.fetcher.close()
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)

    def stop(self) -> None:
        """Stop downloading: the thread ends after the current request."""
        self._stopping.set()
        self.fetcher.stop()

    @staticmethod
    def _new_pool() -> ProcessPoolExecutor:
        # spawn: the caller may hold threads (ONNX Runtime, the download thread) that fork copies badly
        return ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))

    def _submit(self, task: Task) -> _Parsing | None:
        """Hand a PDF to the worker; None when there is no worker (not overlapping, or broken)."""
        with self._pool_lock:
            pool = self._pool
            if pool is None:
                return None
            try:
                return pool.submit(parse_to_cache, task.arxiv_id, task.version, self.data_dir,
                                   self.keep_pdfs), pool
            except (BrokenProcessPool, RuntimeError):
                return None  # a dead worker, or shut down: _parse renews it

    def _renew(self, broken: ProcessPoolExecutor | None) -> None:
        """Replace the worker pool if it is still the broken one."""
        with self._pool_lock:
            if self._pool is broken and broken is not None:
                broken.shutdown(wait=False, cancel_futures=True)
                self._pool = self._new_pool()

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
                future = self._submit(task) if failure is None else None
                self._queue.put((task, size, future, failure))
        finally:
            self._queue.put(None)

    def results(self) -> Iterator[Outcome]:
        """One outcome per task, in order, as downloads and parses complete."""
        while (item := self._queue.get()) is not None:
            task, size, future, failure = item
            url = self.fetcher.url(task.arxiv_id, task.version)
            if failure is not None:
                if self._stopping.is_set():
                    return  # the failure is the stop itself
                yield Outcome(task, url, failure=failure)
                continue
            yield Outcome(task, url, downloaded=size, parsed=self._parse(task, future))

    def _parse(self, task: Task, parsing: _Parsing | None) -> Parsed:
        if not self.overlap:
            return parse_to_cache(task.arxiv_id, task.version, self.data_dir, self.keep_pdfs)
        for _ in range(2):
            parsing = parsing or self._submit(task)
            if parsing is None:  # the pool was found broken at submission
                self._renew(self._pool)
                continue
            future, pool = parsing
            try:
                return future.result()
            except (BrokenProcessPool, CancelledError):
                logger.warning("the PDF parser died on %s; starting a new one", task.key)
                self._renew(pool)
                parsing = None
        return Parsed(task.key, error="the PDF parser crashed on this file")

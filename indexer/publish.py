"""Write a new generation, check it, publish it; a failed job leaves nothing half-done.

The stage of `indexer.build` that touches the disk: it refuses early when the disk has
no room (`indexer.space`), writes every file into ``generations/.tmp-<name>``, verifies
that the staged generation opens and answers a query (`indexer.verify`), then renames it
into place and switches ``CURRENT``. Any failure removes the staging directory, so the
next run starts clean, and a full disk becomes one `DiskFullError` line.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from indexer import space, store
from indexer.config import IndexerSettings
from indexer.errors import IndexerError, StoreError
from indexer.faults import checkpoint
from indexer.models import Chunk, Document, JobReport
from indexer.themes import ThemeData
from indexer.vectors import build_bm25, row_arrays
from indexer.vectorstore import build_store, release_generation
from indexer.verify import verify_generation

logger = logging.getLogger(__name__)


def write_generation(data_dir: Path, docs: list[tuple[Document, str]], chunks: list[Chunk],
                     vec_rows: dict[int, int], vectors: np.ndarray, manifest: dict,
                     settings: IndexerSettings, queries: np.ndarray | None = None,
                     themes: Callable[[np.ndarray], ThemeData] | None = None) -> str:
    """Write a complete generation into a staging dir, check it, then publish it.

    `themes` computes the themes and map from the papers' vectors (see `indexer.themes`);
    without it the generation has none.

    Whatever fails on the way removes the staging dir, so the next run starts clean; a
    full disk is reported as `DiskFullError` naming the data directory and the space needed.
    """
    name = manifest["generation"]
    needed = space.estimate_bytes((c.text for c in chunks), len(vectors), len(docs), vectors.shape[1])
    if settings.check_free_space:
        space.check_free_space(data_dir, needed)
    staged = store.generations_dir(data_dir) / f".tmp-{name}"
    try:
        staged = store.staging_dir(data_dir, name)
        _write_staged(staged, docs, chunks, vec_rows, vectors, manifest, settings, queries, themes)
        verify_generation(staged, settings.milvus_token)  # never switch CURRENT to a broken build
        checkpoint("write")
        store.publish_generation(data_dir, staged, name, settings.keep_generations,
                                 on_prune=lambda gen: release_generation(gen, settings.milvus_token))
    except BaseException as exc:
        shutil.rmtree(staged, ignore_errors=True)
        if space.is_disk_full(exc):
            raise space.disk_full_error(data_dir, needed) from exc
        if isinstance(exc, OSError | sqlite3.Error):
            raise StoreError(f"cannot write a new index generation in {data_dir}: {exc}"
                             .splitlines()[0]) from exc
        raise
    return name


def _write_staged(staged: Path, docs: list[tuple[Document, str]], chunks: list[Chunk],
                  vec_rows: dict[int, int], vectors: np.ndarray, manifest: dict,
                  settings: IndexerSettings, queries: np.ndarray | None,
                  themes: Callable[[np.ndarray], ThemeData] | None) -> None:
    """Every file of a generation, into the staging dir (the manifest last)."""
    name = manifest["generation"]
    store.write_sqlite(staged / "papers.sqlite", docs, chunks, vec_rows)
    rows_of_vectors = np.array(sorted(vec_rows, key=vec_rows.__getitem__), dtype=np.int64)
    store.write_embeddings(staged, vectors, rows_of_vectors)
    number = {d.paper.paper_id: i for i, (d, _) in enumerate(docs)}
    paper_of_row = np.array([number[c.paper_id] for c in chunks], dtype=np.int32)
    langs = np.array([c.lang for c in chunks], dtype="<U2")
    arrays = row_arrays(paper_of_row, langs, rows_of_vectors, vectors, len(docs))
    store.write_rows(staged, arrays)
    if themes is not None:
        t0 = time.perf_counter()
        fitted = themes(arrays.paper_vectors)
        store.write_themes(staged, fitted)
        manifest.update(themes=len(fitted.themes.themes))
        manifest.setdefault("seconds", {})["themes"] = time.perf_counter() - t0
        checkpoint("themes")
    manifest.update(build_store(staged, vectors, settings, name, queries))
    titles = {d.paper.paper_id: d.paper.title for d, _ in docs}
    store.write_bm25(staged, build_bm25([f"{titles[c.paper_id]} {c.text}" for c in chunks]))
    store.write_json(staged / "manifest.json", manifest)


@contextlib.contextmanager
def failure_reported(data_dir: Path, job: Callable[..., JobReport], kind: str) -> Iterator[None]:
    """Leave a job report with the error when the job fails (the CLI reports successes)."""
    try:
        yield
    except IndexerError as exc:
        error = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        try:
            store.write_job_report(data_dir, job(kind, error=error))
        except OSError as write_exc:  # the disk may still be full: the error itself matters more
            logger.warning("could not store the report of the failed job: %s", write_exc)
        raise


def check_space_early(data_dir: Path) -> None:
    """Refuse before reading any source when there is not even room for a copy of the
    current generation (a new one is rarely smaller)."""
    if store.current_generation(data_dir):
        current = space.tree_bytes(store.generation_path(data_dir))
        space.check_free_space(data_dir, int(current * space.MARGIN) + space.SLACK)

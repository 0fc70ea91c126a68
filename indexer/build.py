"""Build a new index generation: collect → merge → plan → chunk → embed → themes → write → publish.

Builds are incremental by content hash: a paper whose hash is unchanged keeps its
chunks and vectors from the previous generation (no re-parse of its text into new
chunks, no re-embedding); a changed one (new arXiv version, new PDF) is re-chunked
and re-embedded. Every build writes a whole new generation and switches to it
atomically, so search keeps answering from the previous one until the switch.
"""

from __future__ import annotations

import functools
import logging
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import Field
from tqdm import tqdm

from indexer import store
from indexer.chunk import chunk_document
from indexer.collect import Collected, collect
from indexer.config import IndexerSettings
from indexer.embed import Embedder
from indexer.errors import StoreError
from indexer.faults import checkpoint
from indexer.fulltext import attach_cached
from indexer.merge import merge_all, merge_pair
from indexer.models import BuildCounts, Chunk, Document, JobReport, SourceSpec
from indexer.publish import check_space_early, failure_reported, write_generation
from indexer.themes import ThemeData, compute_themes, theme_text
from indexer.vectors import pick_kind, query_spans
from indexer.verify import check_database

logger = logging.getLogger(__name__)

BuildMode = Literal["add", "reindex"]
Progress = Callable[[str, int, int], None]  # (stage, done, total) for UIs; tqdm covers the CLI
EMBED_SLICE = 256  # texts per progress update; large enough to keep batches full


class BuildReport(BuildCounts):
    """What one indexing job did, while it runs; `job` is its stored form."""

    arxiv_ids: list[str] = Field(default_factory=list)  # papers the arXiv API gave this job

    def job(self, kind: str, error: str | None = None) -> JobReport:
        """The stored form of this report, for a job of `kind` (index, reindex, upload, ...)."""
        return JobReport(kind=kind, finished=datetime.now(UTC).replace(microsecond=0),
                         error=error, **self.model_dump(exclude={"arxiv_ids"}))

    def summary(self) -> str:
        """The one line printed at the end of a job."""
        return (
            f"{self.papers} papers, {self.chunks} chunks ({self.added} added, {self.updated} updated,"
            f" {self.removed} removed, {self.unchanged} unchanged), {len(self.skipped)} skipped,"
            f" {sum(self.seconds.values()):.1f}s"
        )


@dataclass
class _Previous:
    docs: dict[str, tuple[Document, str]]
    chunks: dict[str, list[tuple[Chunk, int | None]]]
    embeddings: np.ndarray
    sources: list[SourceSpec]


def _load_previous(data_dir: Path, notices: list[str]) -> _Previous | None:
    """The current generation's contents; a damaged one gives way to the newest intact
    older generation (with a notice), so a reindex can repair the index."""
    name = store.current_generation(data_dir)
    if not name:
        return None
    for candidate in [name, *store.older_generations(data_dir, name)]:
        try:
            return _read_generation(store.generation_path(data_dir, candidate))
        except StoreError as exc:
            notices.append(f"generation {candidate} is damaged and was not built upon: "
                           f"{str(exc).splitlines()[0]}")
    return None


def _read_generation(gen: Path) -> _Previous:
    manifest = store.read_manifest(gen)
    con = store.connect_readonly(gen)
    try:
        check_database(gen / "papers.sqlite", con, manifest)
        docs = store.read_documents(con)
        by_paper: dict[str, list[tuple[Chunk, int | None]]] = {}
        for chunk, vec_row in store.read_chunks(con):
            by_paper.setdefault(chunk.paper_id, []).append((chunk, vec_row))
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"damaged index database in {gen}: {exc}") from exc
    finally:
        con.close()
    emb, _ = store.read_embeddings(gen)
    return _Previous(docs, by_paper, emb, manifest.sources)


def _removable(doc: Document, complete: list[SourceSpec]) -> bool:
    """A paper may be dropped only if a source that produced it was re-read in full."""
    path = doc.paper.source_path
    return bool(path) and any(
        spec.kind in ("path", "library") and (path == spec.value or path.startswith(spec.value + "/"))
        for spec in complete
    )


def _final_docs(fresh: list[Document], prev: _Previous | None, mode: BuildMode,
                got: Collected, keep_removed: bool, report: BuildReport) -> list[Document]:
    """The documents the new generation holds: fresh ones merged over the previous set."""
    if prev is None:
        return fresh
    out: dict[str, Document] = {}
    fresh_ids = {d.paper.paper_id for d in fresh}
    for pid, (doc, _) in prev.docs.items():
        if pid in fresh_ids:
            continue
        if mode == "reindex" and not keep_removed and _removable(doc, got.complete):
            report.removed += 1
            continue
        out[pid] = doc
    for doc in fresh:
        pid = doc.paper.paper_id
        old = prev.docs.get(pid)
        # Adding a source enriches a known paper (e.g. its PDF after its digest entry).
        out[pid] = merge_pair(old[0], doc) if (old and mode == "add") else doc
    return list(out.values())


def _merge_sources(old: list[SourceSpec], new: list[SourceSpec]) -> list[SourceSpec]:
    by_key = {(s.kind, s.value): s for s in old}
    for s in new:
        by_key[(s.kind, s.value)] = s
    return list(by_key.values())


def embed_text(title: str, chunk: Chunk) -> str:
    """What the encoder sees for a chunk: the paper title gives every chunk its context."""
    return f"{title}. {chunk.text}"


def _chunk_and_embed(docs: list[tuple[Document, str]], prev: _Previous | None,
                     embedder: Embedder, settings: IndexerSettings, report: BuildReport,
                     progress: bool, on_progress: Progress | None
                     ) -> tuple[list[Chunk], dict[int, int], np.ndarray]:
    """Chunks in row order, their vector rows, and the vectors (reused or new)."""
    chunks: list[Chunk] = []
    reused: list[tuple[int, int]] = []  # (new chunk row, previous vector row)
    fresh: list[tuple[int, str]] = []  # (new chunk row, text to embed)
    t0 = time.perf_counter()
    for doc, h in docs:
        pid = doc.paper.paper_id
        old = prev.docs.get(pid) if prev else None
        if prev and old and old[1] == h and pid in prev.chunks:
            report.unchanged += 1
            for chunk, vec_row in prev.chunks[pid]:
                if vec_row is not None:
                    reused.append((len(chunks), vec_row))
                chunks.append(chunk)
            continue
        if old:
            report.updated += 1
        else:
            report.added += 1
        title = doc.paper.title
        budget = max(64, settings.max_tokens - embedder.count_tokens(title + ".") - 2)
        for chunk in chunk_document(doc, words=settings.chunk_words, overlap=settings.chunk_overlap,
                                    budget=budget, count_tokens=embedder.count_tokens):
            if chunk.lang == "en":
                fresh.append((len(chunks), embed_text(title, chunk)))
            chunks.append(chunk)
    report.seconds["chunk"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    new_vecs = _embed(embedder, [t for _, t in fresh], progress, on_progress)
    report.embedded = len(fresh)
    report.seconds["embed"] = time.perf_counter() - t0
    rows = sorted([(r, "old", v) for r, v in reused] + [(r, "new", i) for i, (r, _) in enumerate(fresh)])
    vectors = np.zeros((len(rows), embedder.dim), dtype=np.float32)
    vec_rows: dict[int, int] = {}
    for i, (row, kind, src) in enumerate(rows):
        vectors[i] = prev.embeddings[src] if kind == "old" and prev is not None else new_vecs[src]
        vec_rows[row] = i
    return chunks, vec_rows, vectors


def _embed(embedder: Embedder, texts: list[str], progress: bool,
           on_progress: Progress | None) -> np.ndarray:
    """Embed in length-sorted slices: full batches, a progress bar, and crash points."""
    order = np.argsort([len(t) for t in texts], kind="stable")[::-1]
    out = np.zeros((len(texts), embedder.dim), dtype=np.float32)
    with tqdm(total=len(texts), desc="embed", unit="chunk", disable=not progress) as bar:
        for start in range(0, len(texts), EMBED_SLICE):
            idx = order[start : start + EMBED_SLICE]
            out[idx] = embedder.embed([texts[i] for i in idx])
            bar.update(len(idx))
            if on_progress:
                on_progress("embed", min(start + EMBED_SLICE, len(texts)), len(texts))
            checkpoint("embed")
    return out


def _tuning_queries(embedder: Embedder, chunks: list[Chunk], n: int,
                    settings: IndexerSettings) -> np.ndarray | None:
    """Query-like vectors to tune an ANN index with; exact search needs none."""
    if pick_kind(n, settings.vector_index) == "flat":
        return None
    return embedder.embed(query_spans([c.text for c in chunks if c.lang == "en"]))


def _themes(data_dir: Path, docs: list[tuple[Document, str]], previous: list[str] | None,
            refit: bool, vectors: np.ndarray) -> ThemeData:
    """The new generation's themes and map, from the current generation's where it has them."""
    prev = None
    if previous and not refit:
        try:
            prev = store.read_themes(store.generation_path(data_dir))
        except StoreError as exc:  # unreadable: fit anew rather than fail the build
            logger.warning("refitting themes: %s", exc)
    return compute_themes([d.paper.paper_id for d, _ in docs], [theme_text(d) for d, _ in docs],
                          vectors, prev, previous or [], refit)


def build(specs: list[SourceSpec], settings: IndexerSettings,
          embedder_factory: Callable[[], Embedder], *, mode: BuildMode = "add",
          keep_removed: bool = False, progress: bool = True,
          on_progress: Progress | None = None,
          use_watermarks: bool | None = None, kind: str | None = None) -> BuildReport:
    """Run one indexing job under the data directory's lock and publish a new generation.

    `mode="add"` merges what the sources yield into the current papers; `"reindex"`
    treats the sources as the whole truth (papers gone from a fully re-read source are
    removed unless `keep_removed`). arXiv sources ask only for what changed since their
    watermark when `use_watermarks` (default: in reindex mode). A job that fails leaves a
    job report of `kind` (default: "index" or "reindex") with its `error`.

    Raises:
        LockedError: another job holds the lock.
        ParseError: a local source path does not exist.
        DiskFullError: no room for a new generation (checked before reading and writing).
    """
    data_dir = settings.data_dir
    report = BuildReport()
    kind = kind or ("index" if mode == "add" else "reindex")
    with store.job_lock(data_dir), failure_reported(data_dir, report.job, kind):
        t0 = time.perf_counter()
        if settings.check_free_space:
            check_space_early(data_dir)
        prev = _load_previous(data_dir, report.notices)
        watermarks = mode == "reindex" if use_watermarks is None else use_watermarks
        got = collect(specs, settings, incremental=watermarks, progress=progress)
        report.skipped, report.notices = got.skipped, report.notices + got.notices
        report.omitted = got.omitted
        report.arxiv_ids = [d.paper.paper_id for d in got.documents if d.paper.source == "arxiv"]
        docs = _final_docs(merge_all(got.documents), prev, mode, got, keep_removed, report)
        docs, attached = attach_cached(docs, data_dir)  # full text from the PDF cache
        if prev is not None and not got.documents and not attached and (
                mode == "add" or not got.complete):
            report.notices.append("nothing new from the sources; the index is unchanged")
            report.papers = len(prev.docs)
            return report
        report.seconds["parse"] = time.perf_counter() - t0
        checkpoint("parse")
        if not docs and prev is None:
            report.notices.append("no papers found in the given sources; nothing indexed")
            return report
        hashed = [(d, d.content_hash()) for d in docs]
        embedder = embedder_factory()
        if on_progress:
            on_progress("parse", len(hashed), len(hashed))
        chunks, vec_rows, vectors = _chunk_and_embed(hashed, prev, embedder, settings, report,
                                                     progress, on_progress)
        t0 = time.perf_counter()
        manifest = _manifest(settings, embedder, hashed, chunks, vectors, report,
                             _merge_sources(prev.sources if prev else [], got.sources))
        queries = _tuning_queries(embedder, chunks, len(vectors), settings)
        themes = functools.partial(_themes, data_dir, hashed, list(prev.docs) if prev else None,
                                   mode == "reindex")
        report.generation = write_generation(data_dir, hashed, chunks, vec_rows, vectors,
                                             manifest, settings, queries, themes)
        report.seconds["write"] = time.perf_counter() - t0
        report.papers, report.chunks = len(hashed), len(chunks)
        if on_progress:
            on_progress("write", 1, 1)
    return report


def _manifest(settings: IndexerSettings, embedder: Embedder, docs: list, chunks: list,
              vectors: np.ndarray, report: BuildReport, sources: list[SourceSpec]) -> dict:
    return store.IndexManifest(
        generation=store.new_generation_name(), built_at=datetime.now(UTC),
        model_id=embedder.model_id, dim=embedder.dim, backend=embedder.backend,
        chunk_words=settings.chunk_words, chunk_overlap=settings.chunk_overlap,
        max_tokens=settings.max_tokens, papers=len(docs), chunks=len(chunks),
        vectors=len(vectors), sources=sources, seconds=dict(report.seconds),
    ).model_dump(mode="json")

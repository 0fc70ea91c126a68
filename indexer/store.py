"""All index_data/ I/O: generations, the CURRENT pointer, the lock and job reports.

Layout of a data directory::

    CURRENT                      name of the generation being served (replaced atomically)
    generations/<name>/          one complete, immutable index build
        manifest.json            model, dim, backend, vector store, chunking, counts, sources
        papers.sqlite            papers and chunks (text, section, page, span)
        *.npy, vectors.faiss,    vectors, per-row arrays, the vector index and the keyword
        vectors.milvus.db/, bm25/  index: see indexer/store_vectors.py
        themes.json, layout.npy, …  themes and the 2-D map: see indexer/store_themes.py
    lock                         held (flock) by the one indexing job allowed at a time
    jobs/<timestamp>.json        one report per indexing job
    pdfs/                        arXiv PDFs and their parsed text: see indexer/store_fulltext.py

A build writes into ``generations/.tmp-<name>`` and renames it into place before
``CURRENT`` is switched, so a killed build never leaves a half-written index behind
the pointer; readers always open whatever ``CURRENT`` named when they looked.
The array files are read and written by `indexer.store_vectors` and
`indexer.store_themes`, re-exported here.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sqlite3
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from indexer import locks
from indexer.errors import IndexNotFoundError, StoreError
from indexer.faults import checkpoint, disk_full
from indexer.models import Chunk, Document, JobReport, Paper, Passage, SourceSpec
from indexer.store_fulltext import (  # noqa: F401 - re-exported: the PDF cache, pdfs/
    background_log,
    cached_bodies,
    clear_skips,
    fetch_lock,
    passages_file,
    pdf_dir,
    pdf_file,
    pdf_key,
    read_passages,
    read_progress,
    read_skip,
    remove_partial_files,
    write_passages,
    write_progress,
    write_skip,
    write_stream,
)
from indexer.store_themes import read_themes, write_themes  # noqa: F401 - re-exported
from indexer.store_vectors import (  # noqa: F401 - re-exported: store is the I/O facade
    faiss_size,
    milvus_lite_path,
    read_bm25,
    read_embeddings,
    read_faiss,
    read_rows,
    write_bm25,
    write_embeddings,
    write_faiss,
    write_rows,
)

SCHEMA = """
CREATE TABLE papers (paper_id TEXT PRIMARY KEY, content_hash TEXT NOT NULL, data TEXT NOT NULL);
CREATE TABLE chunks (
    row INTEGER PRIMARY KEY, chunk_id TEXT NOT NULL, paper_id TEXT NOT NULL, ordinal INTEGER,
    section TEXT, page INTEGER, start INTEGER, "end" INTEGER, text TEXT NOT NULL, lang TEXT,
    vec_row INTEGER
);
CREATE INDEX chunks_paper ON chunks(paper_id);
CREATE TABLE passages (paper_id TEXT NOT NULL, ord INTEGER, section TEXT, page INTEGER, text TEXT);
CREATE INDEX passages_paper ON passages(paper_id);
"""


class IndexManifest(BaseModel):
    """What a generation was built from and with; checked before it is searched."""

    generation: str
    built_at: datetime
    model_id: str
    dim: int
    backend: str
    vector_store: str = "faiss"
    faiss_type: str = "IndexFlatIP"
    faiss_params: dict[str, Any] = Field(default_factory=dict)
    milvus: dict[str, Any] = Field(default_factory=dict)
    chunk_words: int
    chunk_overlap: int
    max_tokens: int
    papers: int
    chunks: int
    vectors: int
    themes: int = 0
    sources: list[SourceSpec] = Field(default_factory=list)
    seconds: dict[str, float] = Field(default_factory=dict)


def generations_dir(data_dir: Path) -> Path:
    return data_dir / "generations"


def current_generation(data_dir: Path) -> str | None:
    """Name of the generation being served, or None for an empty data directory."""
    try:
        name = (data_dir / "CURRENT").read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    return name if name and (generations_dir(data_dir) / name).is_dir() else None


def generation_path(data_dir: Path, name: str | None = None) -> Path:
    """Directory of a generation (the current one by default)."""
    name = name or current_generation(data_dir)
    if not name:
        raise IndexNotFoundError(
            f"no index in {data_dir}: build one with `avatar-scholar index SOURCE`"
        )
    return generations_dir(data_dir) / name


def older_generations(data_dir: Path, name: str) -> list[str]:
    """Published generations older than `name`, newest first (fallbacks for a damaged one)."""
    root = generations_dir(data_dir)
    if not root.is_dir():
        return []
    return sorted((p.name for p in root.iterdir()
                   if p.is_dir() and not p.name.startswith(".") and p.name < name), reverse=True)


def new_generation_name() -> str:
    """Sortable, unique generation name (UTC timestamp with microseconds)."""
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")


def staging_dir(data_dir: Path, name: str) -> Path:
    """An empty directory to write a new generation into."""
    path = generations_dir(data_dir) / f".tmp-{name}"
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


def write_sqlite(path: Path, docs: list[tuple[Document, str]], chunks: Iterable[Chunk],
                 vec_rows: dict[int, int]) -> None:
    """Write documents (paper, content hash, passages) and chunks to a new SQLite file.

    Papers are numbered in the order given (their rowid): row arrays refer to that order.
    """
    con = sqlite3.connect(path)
    try:
        con.executescript(SCHEMA)
        con.executemany(
            "INSERT INTO papers VALUES (?, ?, ?)",
            ((d.paper.paper_id, h, d.paper.model_dump_json()) for d, h in docs),
        )
        con.executemany(
            "INSERT INTO passages VALUES (?, ?, ?, ?, ?)",
            (
                (d.paper.paper_id, i, p.section, p.page, p.text)
                for d, _ in docs
                for i, p in enumerate(d.passages)
            ),
        )
        con.executemany(
            "INSERT INTO chunks VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (
                (i, c.chunk_id, c.paper_id, c.ordinal, c.section, c.page, c.start, c.end,
                 c.text, c.lang, vec_rows.get(i))
                for i, c in enumerate(chunks)
            ),
        )
        disk_full("sqlite", path)
        con.commit()
    finally:
        con.close()


def write_json(path: Path, data: Any) -> None:
    """Write JSON atomically (temp file in the same directory, fsync, rename)."""
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(data, fh, ensure_ascii=False, indent=2, default=str)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _fsync_tree(path: Path) -> None:
    for f in path.rglob("*"):
        if f.is_file():
            with open(f, "rb") as fh:
                os.fsync(fh.fileno())


def publish_generation(data_dir: Path, staged: Path, name: str, keep: int = 2,
                       on_prune: Callable[[Path], None] | None = None) -> Path:
    """Make a staged generation live: rename into place, switch CURRENT, prune old ones."""
    _fsync_tree(staged)
    final = generations_dir(data_dir) / name
    os.replace(staged, final)
    checkpoint("switch")
    pointer = data_dir / "CURRENT"
    tmp = data_dir / ".CURRENT.tmp"
    try:
        disk_full("pointer", tmp)
        tmp.write_text(name + "\n", encoding="utf-8")
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
    except OSError:
        tmp.unlink(missing_ok=True)
        shutil.rmtree(final, ignore_errors=True)  # never published: CURRENT did not move
        raise
    os.replace(tmp, pointer)  # the atomic switch readers observe
    prune_generations(data_dir, keep, on_prune)
    return final


def prune_generations(data_dir: Path, keep: int = 2,
                      on_prune: Callable[[Path], None] | None = None) -> None:
    """Remove all but the newest `keep` generations and any abandoned staging dirs.

    `on_prune(gen_dir)` runs before a generation's directory is removed, to release
    what it owns outside it (its collection on a Milvus cluster).
    """
    root = generations_dir(data_dir)
    if not root.is_dir():
        return
    current = current_generation(data_dir)
    for stale in root.glob(".tmp-*"):
        shutil.rmtree(stale, ignore_errors=True)
    names = sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    for name in names[:-keep] if keep > 0 else names:
        if name != current:
            if on_prune is not None:
                on_prune(root / name)
            shutil.rmtree(root / name, ignore_errors=True)


def read_manifest(gen_dir: Path) -> IndexManifest:
    """The manifest of a generation, or a clear error if it is missing or unreadable."""
    path = gen_dir / "manifest.json"
    try:
        return IndexManifest.model_validate_json(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise StoreError(f"unreadable index manifest {path}: {exc}".splitlines()[0]) from exc


def connect_readonly(gen_dir: Path) -> sqlite3.Connection:
    """A read-only SQLite connection to a generation's database."""
    path = gen_dir / "papers.sqlite"
    if not path.is_file():
        raise StoreError(f"index database missing: {path}")
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
    con.row_factory = sqlite3.Row
    return con


def read_papers(con: sqlite3.Connection) -> dict[str, tuple[Paper, str]]:
    """Every paper with its content hash, keyed by paper id."""
    rows = con.execute("SELECT paper_id, content_hash, data FROM papers ORDER BY rowid").fetchall()
    return {r[0]: (Paper.model_validate_json(r[2]), r[1]) for r in rows}


def read_documents(con: sqlite3.Connection) -> dict[str, tuple[Document, str]]:
    """Every stored document (paper and passages) with its content hash."""
    passages: dict[str, list[Passage]] = {}
    for r in con.execute("SELECT paper_id, section, page, text FROM passages ORDER BY paper_id, ord"):
        passages.setdefault(r[0], []).append(Passage(section=r[1], page=r[2], text=r[3]))
    return {
        pid: (Document(paper=paper, passages=passages.get(pid, [])), h)
        for pid, (paper, h) in read_papers(con).items()
    }


def read_chunks(con: sqlite3.Connection) -> list[tuple[Chunk, int | None]]:
    """Every chunk in row order, with its vector row (None for keyword-only chunks)."""
    rows = con.execute(
        'SELECT chunk_id, paper_id, ordinal, section, page, start, "end", text, lang, vec_row'
        " FROM chunks ORDER BY row"
    ).fetchall()
    return [
        (Chunk(chunk_id=r[0], paper_id=r[1], ordinal=r[2], section=r[3], page=r[4], start=r[5],
               end=r[6], text=r[7], lang=r[8]), r[9])
        for r in rows
    ]


def job_lock(data_dir: Path) -> contextlib.AbstractContextManager[None]:
    """Hold the data directory's lock for one indexing job, or raise LockedError."""
    return locks.exclusive(data_dir / "lock", f"another indexing job is running on {data_dir}")


def write_job_report(data_dir: Path, report: JobReport) -> Path:
    """Store one job's JSON report under jobs/ and return its path."""
    jobs = data_dir / "jobs"
    jobs.mkdir(parents=True, exist_ok=True)
    path = jobs / f"{new_generation_name()}.json"
    write_json(path, report.model_dump(mode="json"))
    return path


def read_job_reports(data_dir: Path, limit: int = 20) -> list[JobReport]:
    """The most recent job reports, newest first (unreadable ones are left out)."""
    jobs = data_dir / "jobs"
    if not jobs.is_dir():
        return []
    out = []
    for path in sorted(jobs.glob("*.json"), reverse=True)[:limit]:
        with contextlib.suppress(OSError, ValueError):
            out.append(JobReport.model_validate_json(path.read_text(encoding="utf-8")))
    return out


def read_sources_toml(data_dir: Path) -> dict[str, Any]:
    """The default sources (arXiv topic queries, inbox) from sources.toml, if present."""
    import tomllib

    path = data_dir / "sources.toml"
    if not path.is_file():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise StoreError(f"invalid {path}: {exc}") from exc

"""Check that a generation is whole and answers queries, before it is published or served.

SQLite opens a truncated file without complaint and only fails on the query that needs a
missing page, so opening is not enough: `check_database` compares the file with the size
its header records and reads the last chunk; `check_answers` runs a dense and a keyword
query. A build runs `verify_generation` on the staged generation before switching
``CURRENT``; search runs both checks on what it has loaded before serving it.
Every failure is a `StoreError` naming the generation and what is wrong.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import numpy as np

from indexer import store
from indexer.errors import StoreError
from indexer.vectorstore import VectorStore, open_store

_HEADER = b"SQLite format 3\x00"


def check_sqlite_file(path: Path) -> None:
    """Raise StoreError when `path` is not an SQLite file or is shorter than its header says."""
    try:
        with open(path, "rb") as fh:
            header = fh.read(100)
        size = path.stat().st_size
    except OSError as exc:
        raise StoreError(f"cannot read index database {path}: {exc.strerror or exc}") from exc
    if len(header) < 100 or not header.startswith(_HEADER):
        raise StoreError(f"damaged index database {path}: not an SQLite file ({size} bytes)")
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65_536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    # The page count in the header is trustworthy when its version stamp matches.
    if header[24:28] == header[92:96] and pages and size < pages * page_size:
        raise StoreError(f"damaged index database {path}: truncated to {size:,} of"
                         f" {pages * page_size:,} bytes")


def check_database(path: Path, con: sqlite3.Connection, manifest: store.IndexManifest) -> None:
    """The database is whole and holds as many papers and chunks as the manifest says."""
    check_sqlite_file(path)
    try:
        papers = con.execute("SELECT max(rowid) FROM papers").fetchone()[0] or 0
        last = con.execute("SELECT max(row) FROM chunks").fetchone()[0]
        if last is not None:
            con.execute("SELECT text FROM chunks WHERE row = ?", (last,)).fetchone()
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"damaged index database {path}: {exc}") from exc
    chunks = 0 if last is None else last + 1
    if (papers, chunks) != (manifest.papers, manifest.chunks):
        raise StoreError(f"index database {path} holds {papers} papers and {chunks} chunks; its"
                         f" manifest says {manifest.papers} and {manifest.chunks}")


def check_answers(gen_dir: Path, vectors: VectorStore, bm25: Any, probe: np.ndarray | None) -> None:
    """One dense query (`probe`, a stored vector) and one keyword query must both answer."""
    try:
        if probe is not None and not len(vectors.search(probe, 1, None)[0]):
            raise StoreError(f"the vector index of {gen_dir} returns nothing")
        if getattr(bm25, "vocab_dict", None):
            bm25.get_scores_from_ids([0])
    except StoreError:
        raise
    except Exception as exc:  # FAISS, Milvus and bm25s each raise their own types on bad data
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise StoreError(f"generation {gen_dir} does not answer queries: {first}") from exc


def verify_generation(gen_dir: Path, milvus_token: str | None = None) -> None:
    """Open a generation as search does and query it. Raises StoreError naming the problem."""
    manifest = store.read_manifest(gen_dir)
    con = store.connect_readonly(gen_dir)
    try:
        check_database(gen_dir / "papers.sqlite", con, manifest)
    finally:
        con.close()
    emb, _ = store.read_embeddings(gen_dir)
    if emb.shape != (manifest.vectors, manifest.dim):
        raise StoreError(f"embeddings of {gen_dir} have shape {emb.shape}, expected"
                         f" ({manifest.vectors}, {manifest.dim})")
    vs = open_store(gen_dir, manifest, milvus_token)
    try:
        check_answers(gen_dir, vs, store.read_bm25(gen_dir),
                      np.asarray(emb[0]) if len(emb) else None)
    finally:
        vs.close()

"""Disk space for builds: a cheap check before writing, and one clear error when the disk fills.

A build needs room for a whole new generation next to the one being served. Before it
reads its sources it compares the free space with the size of the current generation,
and before it writes, with an estimate from what it is about to write; either way it
refuses early with `DiskFullError` naming the data directory and the space needed. A
disk that fills anyway (another process wrote to it) is recognised in the exception the
write raised (`is_disk_full`) and reported the same way.
"""

from __future__ import annotations

import errno
import shutil
import sqlite3
from collections.abc import Iterable
from pathlib import Path

from indexer.errors import DiskFullError

MB = 1024 * 1024
MARGIN = 1.15  # estimates are rough; ask for a little more than they say
SLACK = 8 * MB  # manifest, job report, SQLite journal, filesystem blocks
_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})
_FULL_TEXT = ("disk is full", "no space left", "disk quota exceeded", "file too large")


def free_bytes(path: Path) -> int:
    """Bytes available to this user on the filesystem holding `path` (its nearest existing parent)."""
    for candidate in (path, *path.parents):
        if candidate.exists():
            return shutil.disk_usage(candidate).free
    return shutil.disk_usage("/").free


def tree_bytes(path: Path) -> int:
    """Total size of the files under `path` (0 when it does not exist)."""
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) if path.is_dir() else 0


def estimate_bytes(texts: Iterable[str], n_vectors: int, n_papers: int, dim: int) -> int:
    """Rough size of a generation: texts twice (SQLite and BM25), vectors twice (the
    embeddings and the vector index), paper vectors, per-paper records and row arrays."""
    text = sum(len(t.encode("utf-8")) for t in texts)
    vectors = 4 * dim * (2 * n_vectors + n_papers)
    return int(MARGIN * (2 * text + vectors + 2048 * n_papers + 64 * n_vectors)) + SLACK


def _mb(n: int) -> str:
    return f"{max(n, 0) / MB:,.0f} MB" if n >= MB else f"{max(n, 0) / 1024:,.0f} KB"


def check_free_space(data_dir: Path, needed: int) -> None:
    """Raise DiskFullError when `data_dir`'s filesystem has less than `needed` bytes free."""
    free = free_bytes(data_dir)
    if free < needed:
        raise DiskFullError(
            f"not enough free space for a new index generation in {data_dir}: it needs about"
            f" {_mb(needed)}, {_mb(free)} are free; free some space and run again")


def is_disk_full(exc: BaseException) -> bool:
    """Whether a write failed because the disk (or the user's quota) is full."""
    for e in (exc, exc.__cause__, exc.__context__):
        if isinstance(e, OSError) and e.errno in _FULL_ERRNOS:
            return True
        if isinstance(e, sqlite3.OperationalError | RuntimeError | OSError) and any(
                t in str(e).lower() for t in _FULL_TEXT):
            return True
    return False


def disk_full_error(data_dir: Path, needed: int) -> DiskFullError:
    """The one-line error for a build that filled the disk (its staging is already removed)."""
    return DiskFullError(
        f"disk full while writing a new index generation in {data_dir}: it needs about"
        f" {_mb(needed)}, {_mb(free_bytes(data_dir))} are free; the partial generation was"
        " removed and the index is unchanged; free some space and run again")

"""index_data/pdfs/: the cache of arXiv PDFs and their parsed text (re-exported by `store`).

Layout (a key is ``<arxiv id>v<version>``, ``/`` of old-style ids written as ``_``)::

    pdfs/<key>.pdf               the PDF as arXiv served it (not kept with keep_pdfs=false)
    pdfs/<key>.passages.json.gz  its body as passages (section, page, text), attached to the
                                 paper by every build; this is what makes full text persistent
    pdfs/<key>.skip.json         why the PDF cannot be used (HTTP 404, over the size cap,
                                 unreadable); not asked for again until --retry-skipped
    pdfs/progress.json           the running or last full-text job (served by /api/fulltext)
    pdfs/background.log          output of the job `run` starts in the background
    pdfs/lock                    held by the one job downloading at a time

Every file is written to a temporary name, fsynced and renamed, so an interrupted
download or parse leaves nothing that looks complete.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import re
import tempfile
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from indexer import locks
from indexer.models import FulltextProgress, Passage

PASSAGES_FORMAT = 1
_PASSAGES = ".passages.json.gz"
_KEY = re.compile(r"^(?P<id>.+?)(?:v(?P<v>\d+))?$")


def pdf_dir(data_dir: Path) -> Path:
    """The PDF cache directory of a data directory."""
    return data_dir / "pdfs"


def pdf_key(arxiv_id: str, version: int | None) -> str:
    """The cache key of one version of a paper (no version: whatever arXiv serves as latest)."""
    return arxiv_id.replace("/", "_") + (f"v{version}" if version else "")


def pdf_file(data_dir: Path, key: str) -> Path:
    """Where the PDF of `key` is cached."""
    return pdf_dir(data_dir) / f"{key}.pdf"


def passages_file(data_dir: Path, key: str) -> Path:
    """Where the parsed body of `key` is cached."""
    return pdf_dir(data_dir) / f"{key}{_PASSAGES}"


def _skip_file(data_dir: Path, key: str) -> Path:
    return pdf_dir(data_dir) / f"{key}.skip.json"


@contextlib.contextmanager
def _atomic(path: Path) -> Iterator[Any]:
    """A binary file handle whose content replaces `path` only if the block completes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_stream(path: Path, chunks: Iterable[bytes]) -> int:
    """Write a stream of bytes to `path` atomically and return its size.

    If `chunks` raises (a failed download, a check that refuses the body), nothing is
    left behind and the exception propagates.
    """
    size = 0
    with _atomic(path) as fh:
        for chunk in chunks:
            fh.write(chunk)
            size += len(chunk)
    return size


def cached_bodies(data_dir: Path) -> dict[str, dict[int, str]]:
    """Every cached body: ``pdf_key(id, None)`` → {version (0 when unversioned): key}."""
    out: dict[str, dict[int, str]] = {}
    for path in pdf_dir(data_dir).glob("*" + _PASSAGES):
        key = path.name[: -len(_PASSAGES)]
        m = _KEY.match(key)
        if m:
            out.setdefault(m.group("id"), {})[int(m.group("v") or 0)] = key
    return out


def write_passages(path: Path, passages: list[Passage], meta: dict[str, Any]) -> None:
    """Store a paper's parsed body (gzip JSON, deterministic bytes) atomically."""
    record = {"format": PASSAGES_FORMAT, **meta,
              "passages": [p.model_dump(mode="json") for p in passages]}
    data = json.dumps(record, ensure_ascii=False, sort_keys=True).encode("utf-8")
    with _atomic(path) as fh:
        fh.write(gzip.compress(data, compresslevel=6, mtime=0))


def read_passages(path: Path) -> list[Passage] | None:
    """A cached body, or None when there is none or it cannot be read (then it is redone)."""
    try:
        record = json.loads(gzip.decompress(path.read_bytes()))
        if record.get("format") != PASSAGES_FORMAT:
            return None
        return [Passage.model_validate(p) for p in record["passages"]]
    except (OSError, EOFError, ValueError, KeyError, TypeError):
        return None


def write_skip(data_dir: Path, key: str, reason: str) -> None:
    """Remember that `key` cannot be used, and why."""
    when = datetime.now(UTC).replace(microsecond=0).isoformat()
    with _atomic(_skip_file(data_dir, key)) as fh:
        fh.write(json.dumps({"reason": reason, "when": when}).encode("utf-8"))


def read_skip(data_dir: Path, key: str) -> str | None:
    """Why `key` was given up on, or None."""
    try:
        return str(json.loads(_skip_file(data_dir, key).read_text("utf-8"))["reason"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def clear_skips(data_dir: Path) -> int:
    """Forget every given-up paper (for --retry-skipped); returns how many there were."""
    files = list(pdf_dir(data_dir).glob("*.skip.json"))
    for f in files:
        f.unlink(missing_ok=True)
    return len(files)


def remove_partial_files(data_dir: Path) -> None:
    """Delete temporary files left by a job that was killed mid-write."""
    for tmp in pdf_dir(data_dir).glob(".*.tmp"):
        tmp.unlink(missing_ok=True)


def fetch_lock(data_dir: Path) -> contextlib.AbstractContextManager[None]:
    """Hold the PDF cache's lock (one downloading job per data directory) or raise LockedError."""
    return locks.exclusive(pdf_dir(data_dir) / "lock",
                           f"another full-text job is running on {data_dir}")


def background_log(data_dir: Path) -> Path:
    """Where the background full-text job started by `run` writes its output."""
    pdf_dir(data_dir).mkdir(parents=True, exist_ok=True)
    return pdf_dir(data_dir) / "background.log"


def write_progress(data_dir: Path, progress: FulltextProgress) -> None:
    """Publish the full-text job's progress (read by the API's Library view)."""
    with _atomic(pdf_dir(data_dir) / "progress.json") as fh:
        fh.write(progress.model_dump_json(indent=2).encode("utf-8"))


def read_progress(data_dir: Path) -> FulltextProgress | None:
    """The full-text job's progress; a "running" job whose process is gone reads as stopped."""
    try:
        text = (pdf_dir(data_dir) / "progress.json").read_text("utf-8")
        progress = FulltextProgress.model_validate_json(text)
    except (OSError, ValueError):
        return None
    if progress.state == "running" and progress.pid and not _alive(progress.pid):
        progress = progress.model_copy(update={"state": "stopped", "eta_seconds": None})
    return progress


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: it exists
    return True

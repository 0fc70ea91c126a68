"""Upload PDFs into the inbox and index them in-process (the Library page's one write path).

The UI process runs the same `indexer.build.build` as ``avatar-scholar index``, under the
same data-directory lock, and leaves the same JSON job report; the API picks up the new
generation on its next request.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from indexer import store
from indexer.build import BuildReport, Progress, build
from indexer.collect import parse_source
from indexer.config import IndexerSettings
from indexer.embed import Embedder

MAX_UPLOAD_BYTES = 200 * 1024 * 1024  # Streamlit's own upload limit (server.maxUploadSize)
_UNSAFE = re.compile(r"[^\w.\- ]+")


@dataclass
class Saved:
    """What `save_uploads` wrote to the inbox, and what it refused."""

    paths: list[Path] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (file name, reason)


def inbox_dir(data_dir: Path) -> Path:
    """The inbox folder named in sources.toml (default ``inbox``), created if missing."""
    name = str(store.read_sources_toml(data_dir).get("inbox", "inbox"))
    path = data_dir / name
    path.mkdir(parents=True, exist_ok=True)
    return path


def safe_name(name: str) -> str:
    """A plain file name for an upload: no directories, no odd characters, ``.pdf`` suffix."""
    stem = _UNSAFE.sub("_", Path(name.replace("\\", "/")).name).strip(" ._") or "upload"
    return stem if stem.lower().endswith(".pdf") else stem + ".pdf"


def save_uploads(files: list[tuple[str, bytes]], inbox: Path) -> Saved:
    """Write PDF uploads into `inbox` (same name → replaced); non-PDFs are rejected."""
    saved = Saved()
    for name, data in files:
        if not data.startswith(b"%PDF-"):
            saved.rejected.append((name, "not a PDF file"))
            continue
        if len(data) > MAX_UPLOAD_BYTES:
            saved.rejected.append((name, f"larger than {MAX_UPLOAD_BYTES // 2**20} MB"))
            continue
        path = inbox / safe_name(name)
        tmp = path.with_name(f".{path.name}.part")
        tmp.write_bytes(data)
        tmp.replace(path)  # a concurrent build never reads half a file
        saved.paths.append(path)
    return saved


def index_inbox(settings: IndexerSettings, embedder_factory: Callable[[], Embedder],
                on_progress: Progress | None = None) -> BuildReport:
    """Index the inbox folder into the current library and record a job report.

    Unchanged papers keep their vectors, so only new or replaced PDFs are embedded.

    Raises:
        LockedError: another indexing job holds the data directory's lock.
    """
    spec = parse_source(str(inbox_dir(settings.data_dir)))
    report = build([spec], settings, embedder_factory, mode="add", progress=False,
                   on_progress=on_progress, kind="upload")
    store.write_job_report(settings.data_dir, report.job("upload"))
    return report

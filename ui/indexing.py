"""Upload PDFs into the inbox and index them in-process (the Library page's one write path).

The UI process runs the same `indexer.build.build` as ``avatar-scholar index``, under the
same data-directory lock, and leaves the same JSON job report; the API picks up the new
generation on its next request.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from indexer import store
from indexer.build import BuildReport, Progress, build
from indexer.collect import parse_source
from indexer.config import IndexerSettings
from indexer.embed import Embedder
from indexer.errors import ParseError
from ui.client import ApiClient, ApiError

MAX_UPLOAD_BYTES = 200 * 1024 * 1024  # Streamlit's own upload limit (server.maxUploadSize)
_UNSAFE = re.compile(r"[^\w.\- ]+")


@dataclass
class Saved:
    """What `save_uploads` wrote to the inbox, and what it refused."""

    paths: list[Path] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (file name, reason)


@dataclass(frozen=True)
class Upload:
    """A saved PDF as the index will know it."""

    path: Path
    paper_id: str
    title: str


def identify(paths: list[Path]) -> list[Upload]:
    """Each PDF's paper id and title, read as the build reads them (unreadable ones are
    left out: the build reports why)."""
    from indexer.sources.pdf import read_pdf  # PyMuPDF loads only when PDFs are uploaded

    found = []
    for path in paths:
        try:
            paper = read_pdf(path).paper
        except ParseError:
            continue
        found.append(Upload(path, paper.paper_id, paper.title))
    return found


def in_library(client: ApiClient, paper_id: str) -> bool:
    """Whether the API serves a paper with this id (False when it cannot say)."""
    try:
        client.paper(paper_id)
    except ApiError:
        return False
    return True


def wait_for_generation(client: ApiClient, generation: str | None, timeout: float = 20.0) -> bool:
    """Ask the API until it serves `generation` (it switches on its next request after a
    build), so counts shown right after an upload include it. False on timeout."""
    deadline = time.monotonic() + timeout
    while generation:
        try:
            if client.health().generation == generation:
                return True
        except ApiError:
            pass
        if time.monotonic() > deadline:
            return False
        time.sleep(0.3)
    return False


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

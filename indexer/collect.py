"""Read sources into documents: local paths (digests, PDFs, JSONL), arXiv queries, the library.

Each reader reports what it could not use as `SkipReport`s; only a source that
cannot be read at all (a missing path) raises. arXiv is optional: offline, one line
says it was skipped and the rest of the sources are still read.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tqdm import tqdm

from indexer.config import IndexerSettings
from indexer.errors import FetchError, IndexerError, ParseError
from indexer.models import Document, Omission, SkipReport, SourceSpec
from indexer.redact import redact

logger = logging.getLogger(__name__)

WATERMARK_MARGIN = timedelta(days=3)
DIGEST_SUFFIXES = {".md", ".markdown", ".txt"}
JSONL_SUFFIXES = (".jsonl", ".jsonl.gz")


@dataclass
class Collected:
    """Documents read from a set of sources, what was skipped, and notices for the user."""

    documents: list[Document] = field(default_factory=list)
    skipped: list[SkipReport] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    complete: list[SourceSpec] = field(default_factory=list)  # read fully, so removals count
    sources: list[SourceSpec] = field(default_factory=list)
    omitted: list[Omission] = field(default_factory=list)  # parts of inputs left out on purpose


def parse_source(text: str, since: str | None = None, max_results: int | None = None) -> SourceSpec:
    """Turn a CLI argument into a source: ``arxiv:<query>``, ``library:<file>`` or a path."""
    from datetime import date

    since_d = date.fromisoformat(since) if since else None
    if text.startswith("arxiv:"):
        query = text.removeprefix("arxiv:").strip()
        if not query:
            raise IndexerError("empty arXiv query: write it as arxiv:\"talking head\"")
        return SourceSpec(kind="arxiv", value=query, since=since_d, max_results=max_results or 200)
    if text.startswith("library:"):
        return SourceSpec(kind="library", value=str(Path(text.removeprefix("library:")).resolve()))
    return SourceSpec(kind="path", value=str(Path(text).expanduser().resolve()))


def _is_jsonl(path: Path) -> bool:
    return path.name.endswith(JSONL_SUFFIXES)


def _files_under(root: Path) -> list[Path]:
    """Readable candidates under a directory, in a stable order."""
    wanted = [
        p for p in root.rglob("*")
        if p.is_file() and not p.name.startswith(".")
        and (p.suffix.lower() in DIGEST_SUFFIXES | {".pdf"} or _is_jsonl(p))
    ]
    return sorted(wanted)


def read_file(path: Path) -> tuple[list[Document], list[SkipReport]]:
    """Read one file by its type; a file that fails becomes a skip report."""
    # Readers are imported lazily: PyMuPDF costs start-up time a digest-only run doesn't need.
    try:
        if path.suffix.lower() == ".pdf":
            from indexer.sources.pdf import read_pdf

            return [read_pdf(path)], []
        if _is_jsonl(path):
            from indexer.sources.jsonl import read_jsonl

            return read_jsonl(path)
        if path.suffix.lower() in DIGEST_SUFFIXES:
            from indexer.sources.digest import read_digest

            return read_digest(path)
    except ParseError as exc:
        return [], [SkipReport(path=str(path), reason=str(exc))]
    return [], [SkipReport(path=str(path), reason="unsupported file type (want .pdf, .md, .jsonl)")]


def read_path(root: Path, progress: bool = True) -> tuple[list[Document], list[SkipReport]]:
    """Read a file or every supported file under a directory."""
    if not root.exists():
        raise ParseError(f"no such file or directory: {root}")
    files = _files_under(root) if root.is_dir() else [root]
    if root.is_dir() and not files:
        return [], [SkipReport(path=str(root), reason="no PDFs, digests or JSONL files found")]
    docs: list[Document] = []
    skipped: list[SkipReport] = []
    for path in tqdm(files, desc="parse", unit="file", disable=not progress or len(files) < 2):
        got, skip = read_file(path)
        docs.extend(got)
        skipped.extend(skip)
    return docs, skipped


def arxiv_reachable(specs: list[SourceSpec], settings: IndexerSettings, out: Collected) -> bool:
    """Whether arXiv answers; checked once per job. Offline, the one notice names every
    skipped query (the first run has fifteen: one line, not one per query)."""
    from indexer.sources.arxiv import network_available

    queries = [s.value for s in specs if s.kind == "arxiv"]
    if not queries or network_available(settings.arxiv_url):
        return True
    skipped = f"'arxiv:{queries[0]}'" if len(queries) == 1 else \
        f"{len(queries)} arXiv queries ({', '.join(queries[:3])}{', …' if len(queries) > 3 else ''})"
    out.notices.append(f"arXiv unreachable ({redact(settings.arxiv_url)}): skipped {skipped}")
    return False


def read_arxiv(spec: SourceSpec, settings: IndexerSettings, out: Collected,
               incremental: bool) -> None:
    """Fetch an arXiv query into `out`; failing, one notice and nothing else."""
    from indexer.sources.arxiv import ArxivQuery, fetch_arxiv, make_client

    query = ArxivQuery(spec.value, since=spec.since, max_results=spec.max_results or 200,
                       topic=spec.value)
    watermark = spec.watermark if incremental else None
    # arXiv's `updated` is the submission time of a version, announced hours or days
    # later; a margin keeps late announcements from slipping under the watermark.
    started = datetime.now(UTC) - WATERMARK_MARGIN
    try:
        for doc in fetch_arxiv(query, make_client(settings), updated_after=watermark):
            out.documents.append(doc)
    except FetchError as exc:
        out.notices.append(str(exc))
        return
    out.sources.append(spec.model_copy(update={"watermark": started}))


def collect(specs: list[SourceSpec], settings: IndexerSettings, *, incremental: bool = False,
            progress: bool = True, on_source: Callable[[SourceSpec], None] | None = None
            ) -> Collected:
    """Read every source; see the module docstring for the failure rules."""
    from indexer.sources.jsonl import read_jsonl

    out = Collected()
    online = arxiv_reachable(specs, settings, out)
    for spec in specs:
        if on_source:
            on_source(spec)
        if spec.kind == "arxiv":
            if online:
                read_arxiv(spec, settings, out, incremental)
            continue
        path = Path(spec.value)
        if spec.kind == "library":
            if not path.is_file():
                raise ParseError(f"library file not found: {path}")
            docs, skipped = read_jsonl(path)
        else:
            docs, skipped = read_path(path, progress)
        out.documents.extend(docs)
        out.omitted.extend(o for d in docs for o in d.omitted)
        out.skipped.extend(skipped)
        out.complete.append(spec)
        out.sources.append(spec)
    return out

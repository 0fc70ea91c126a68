"""Typed records that flow through the indexer and are stored on disk.

A source reader yields `Document`s (a `Paper` plus its text as `Passage`s); the
chunker turns passages into `Chunk`s; the store persists papers and chunks. These
models are the on-disk contract, so changes here are schema changes.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

SourceKind = Literal["digest", "pdf", "arxiv", "jsonl"]

_ARXIV_ID = re.compile(
    r"(?P<id>\d{4}\.\d{4,5}|[a-z\-]+(?:\.[A-Z]{2})?/\d{7})(?:v(?P<v>\d+))?", re.IGNORECASE
)


def parse_arxiv_id(text: str) -> tuple[str, int | None] | None:
    """Find an arXiv identifier in `text` (a bare id, an abs/pdf URL or a file name).

    Returns:
        ``(id_without_version, version_or_None)`` or None when there is no id.
    """
    m = _ARXIV_ID.search(text)
    if not m:
        return None
    return m.group("id"), int(m.group("v")) if m.group("v") else None


def arxiv_abs_url(arxiv_id: str) -> str:
    """The arXiv abstract page of a paper."""
    return f"https://arxiv.org/abs/{arxiv_id}"


def arxiv_pdf_url(arxiv_id: str) -> str:
    """The arXiv PDF of a paper."""
    return f"https://arxiv.org/pdf/{arxiv_id}"


class Paper(BaseModel):
    """One paper's metadata, merged across every source that mentions it.

    `paper_id` is the arXiv id without version when there is one, else
    ``"local:<sha1 of the file>"``. Fields ending in ``_zh`` are machine-generated
    (ChatPaperFree's Gemini-Pro digests) and must be shown as such, never as metadata.
    """

    paper_id: str
    arxiv_id: str | None = None
    version: int | None = None
    title: str
    authors: list[str] = Field(default_factory=list)
    abstract: str = ""
    comment: str = ""
    published: date | None = None
    updated: date | None = None
    first_seen: date | None = None
    digest_dates: list[date] = Field(default_factory=list)
    topics: list[str] = Field(default_factory=list)
    categories: list[str] = Field(default_factory=list)
    links: dict[str, str] = Field(default_factory=dict)
    summary_zh: str = ""
    takeaways_zh: list[str] = Field(default_factory=list)
    structured_zh: str = ""
    source: SourceKind
    source_path: str = ""
    pdf_path: str | None = None

    @property
    def url(self) -> str:
        """Where a reader can open the paper: its arXiv page, or "" for a local paper
        (clients link to its paper page; a server's file paths are never shown)."""
        return arxiv_abs_url(self.arxiv_id) if self.arxiv_id else ""

    @property
    def has_machine_summary(self) -> bool:
        return bool(self.summary_zh or self.takeaways_zh or self.structured_zh)


class Passage(BaseModel):
    """A run of text under one section heading, on one page (PDFs) or none (metadata)."""

    section: str
    page: int | None = None
    text: str


class Omission(BaseModel):
    """Text of an input deliberately left out of the index (a PDF's reference list), by page."""

    path: str
    what: str
    pages: str  # "9-11"


class Document(BaseModel):
    """What a source reader produces: a paper and the English text to index."""

    paper: Paper
    passages: list[Passage] = Field(default_factory=list)
    omitted: list[Omission] = Field(default_factory=list)  # reported in the job, not stored

    def content_hash(self) -> str:
        """Hash of everything that affects chunks and embeddings (not topics or dates)."""
        h = hashlib.sha1()
        for part in (self.paper.title, self.paper.abstract, str(self.paper.version)):
            h.update(part.encode("utf-8"))
            h.update(b"\x00")
        for p in self.passages:
            h.update(f"{p.section}\x00{p.page}\x00{p.text}\x00".encode())
        h.update(self.paper.summary_zh.encode("utf-8"))
        h.update("\x00".join(self.paper.takeaways_zh).encode("utf-8"))
        return h.hexdigest()


class Chunk(BaseModel):
    """A retrievable span of a paper's text, citable as paper · section · page.

    `start`/`end` index into the concatenated text of the chunk's section passages.
    English chunks are embedded; Chinese (machine-generated) chunks only go to the
    keyword index.
    """

    chunk_id: str
    paper_id: str
    ordinal: int
    section: str
    page: int | None = None
    start: int = 0
    end: int = 0
    text: str
    lang: Literal["en", "zh"] = "en"


class SkipReport(BaseModel):
    """An input that was not indexed, and why (shown to the user, never a traceback)."""

    path: str
    reason: str
    entry: str | None = None


class SourceSpec(BaseModel):
    """A source as recorded in the manifest, so `reindex` can read it again."""

    kind: Literal["path", "arxiv", "library"]
    value: str
    since: date | None = None
    max_results: int | None = None
    watermark: datetime | None = None


class BuildCounts(BaseModel):
    """What an indexing job did: the generation it published and what changed in it."""

    generation: str | None = None
    papers: int = 0
    chunks: int = 0
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    embedded: int = 0
    notices: list[str] = Field(default_factory=list)
    skipped: list[SkipReport] = Field(default_factory=list)
    seconds: dict[str, float] = Field(default_factory=dict)
    omitted: list[Omission] = Field(default_factory=list)


class JobReport(BuildCounts):
    """What one indexing job did, as stored under jobs/ and served by /api/jobs."""

    kind: str
    finished: datetime
    error: str | None = Field(None, description="Why the job failed; None when it finished.")


ProgressState = Literal["running", "done", "stopped", "offline"]


class FulltextProgress(BaseModel):
    """The state of the full-text job (running or last run), as served by /api/fulltext.

    `done` of `total` papers this run have been handled (body attached or skipped);
    `papers`/`with_text` count the index's arXiv papers and those with a full text.
    """

    state: ProgressState
    started: datetime
    updated: datetime
    done: int = 0
    total: int = 0
    attached: int = 0
    skipped: int = 0
    downloaded: int = 0
    papers: int = 0
    with_text: int = 0
    eta_seconds: float | None = None
    pid: int | None = None
    message: str = ""


class Theme(BaseModel):
    """A line of work learned from the papers' vectors, named by its distinctive terms."""

    theme_id: int
    name: str = Field(description='Its two most distinctive terms, e.g. "head avatars · '
                                  'Gaussian splatting (3DGS)".')
    terms: list[str] = Field(default_factory=list, description="Distinctive terms, best first.")
    min_similarity: float = Field(0.0, description="Cosine to the theme's centroid above which a"
                                                   " paper joins it (new papers, outliers).")


class ThemeSet(BaseModel):
    """The themes of a generation (themes.json), and how and when they were fitted.

    Per-paper arrays (theme number, 2-D map position) sit beside it as .npy files;
    `Theme.theme_id` indexes the centroid rows.
    """

    method: str
    fitted_at: datetime
    fitted_papers: int = Field(description="Papers the themes were fitted on; later builds "
                                           "assign new papers to them until a refit.")
    params: dict[str, float | int | str] = Field(default_factory=dict)
    themes: list[Theme] = Field(default_factory=list)

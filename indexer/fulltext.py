"""Full text for arXiv papers: which papers need a body, parsing a cached PDF, attaching it.

A paper indexed from metadata only (arXiv, the bundled library, a digest) has just its
abstract. Its body comes from its arXiv PDF: `indexer.fulltext_job` downloads the PDF
into ``pdfs/`` and `parse_to_cache` stores the parsed passages (sections, pages,
reading order, by `indexer.sources.pdf.read_pdf`) next to it.

`attach_cached` is a build stage: every build attaches the cached body to each paper
that has an arXiv id and no body, under the paper's own id. Metadata stays as its
source gave it (arXiv, JSONL, digest); the passages become the metadata abstract plus
the PDF's sections. So a `reindex` of the abstract-only library keeps every body it had,
with the same content hash, hence the same vectors. The paper's ``pdf_path`` records
which cached version the body came from: a body from an older version is stale and is
replaced once the new version is cached.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from indexer import store
from indexer.errors import ParseError
from indexer.models import Document, Paper, Passage

ABSTRACT = "Abstract"  # the section name every reader gives an abstract


@dataclass(frozen=True)
class Parsed:
    """What parsing one cached PDF gave: its passages and pages, or why it failed."""

    key: str
    passages: int = 0
    pages: int = 0
    seconds: float = 0.0
    error: str | None = None


def has_body(doc: Document) -> bool:
    """Whether a document has text beyond its abstract."""
    return any(p.section != ABSTRACT for p in doc.passages)


def cache_key(paper: Paper) -> str | None:
    """The PDF cache key of a paper's current version, or None without an arXiv id."""
    return store.pdf_key(paper.arxiv_id, paper.version) if paper.arxiv_id else None


class BodyCheck:
    """Decides, for one data directory, which documents need a (new) body from the cache."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.cache = store.pdf_dir(data_dir).resolve()

    def from_cache(self, paper: Paper) -> bool:
        """Whether the paper's body came from this PDF cache (any version)."""
        return bool(paper.pdf_path) and Path(paper.pdf_path or "").parent == self.cache

    def needs_body(self, doc: Document) -> bool:
        """An arXiv paper without a body, or whose body is from another version's PDF."""
        key = cache_key(doc.paper)
        if key is None:
            return False
        if not has_body(doc):
            return True
        return self.from_cache(doc.paper) and Path(doc.paper.pdf_path or "").stem != key


def attach(doc: Document, passages: list[Passage], pdf: Path) -> Document:
    """The document with the PDF's passages as its body; its metadata abstract is kept
    (cleaner than the PDF's), the PDF's abstract only stands in when there is none."""
    own = [p for p in doc.passages if p.section == ABSTRACT and p.text.strip()]
    body = [p for p in passages if p.section != ABSTRACT]
    abstract = own or [p for p in passages if p.section == ABSTRACT]
    paper = doc.paper.model_copy(update={"pdf_path": str(pdf)})
    return Document(paper=paper, passages=abstract + body)


def _best_key(paper: Paper, cached: dict[str, dict[int, str]]) -> str | None:
    """The cached body for the paper's version, else its newest cached version (a stale body
    beats none until the right one is fetched), else None."""
    versions = cached.get(store.pdf_key(paper.arxiv_id or "", None), {})
    if not versions:
        return None
    return versions.get(paper.version or 0) or versions[max(versions)]


def attach_cached(docs: list[Document], data_dir: Path) -> tuple[list[Document], int]:
    """The build stage: attach cached bodies to the documents that need one.

    Returns the documents (in the same order) and how many got a new body.
    """
    check, cached = BodyCheck(data_dir), store.cached_bodies(data_dir)
    out: list[Document] = []
    attached = 0
    for doc in docs:
        key = _best_key(doc.paper, cached) if check.needs_body(doc) else None
        pdf = check.cache / f"{key}.pdf"
        if key and doc.paper.pdf_path != str(pdf):  # not the body it already has
            passages = store.read_passages(store.passages_file(data_dir, key))
            if passages:
                doc = attach(doc, passages, pdf)
                attached += 1
        out.append(doc)
    return out, attached


def parse_to_cache(arxiv_id: str, version: int | None, data_dir: Path, keep_pdf: bool) -> Parsed:
    """Parse a cached PDF and store its passages next to it (picklable, for a worker process).

    A PDF that cannot be read, holds no body or is another paper's (its arXiv stamp
    names another id) gives `Parsed.error` instead.
    """
    from indexer.sources.pdf import read_pdf  # PyMuPDF: only where PDFs are parsed

    key = store.pdf_key(arxiv_id, version)
    pdf = store.pdf_file(data_dir, key)
    t0 = time.perf_counter()
    try:
        doc = read_pdf(pdf)
    except ParseError as exc:
        return Parsed(key, seconds=time.perf_counter() - t0,
                      error=str(exc).replace(str(pdf), "").rstrip(": ") or "unreadable PDF")
    found = doc.paper.arxiv_id
    if found and found.lower() != arxiv_id.lower():
        return Parsed(key, error=f"the PDF is arXiv:{found}, not {arxiv_id}")
    if not any(p.section != ABSTRACT for p in doc.passages):
        return Parsed(key, error="no body text found in the PDF")
    pages = max((p.page or 0 for p in doc.passages), default=0)
    store.write_passages(store.passages_file(data_dir, key), doc.passages,
                         {"arxiv_id": arxiv_id, "version": version, "pages": pages})
    if not keep_pdf:
        pdf.unlink(missing_ok=True)
    return Parsed(key, len(doc.passages), pages, time.perf_counter() - t0)

"""Read a research-paper PDF into a `Document`: metadata plus text passages by section.

This is the only module that imports PyMuPDF. Layout work (visible text, running
headers, column order, hyphenation) is in `indexer.sources.pdf_layout`, and the split
into sections (how they are named, references dropped, appendices kept) in
`indexer.sources.pdf_sections`.
"""

from __future__ import annotations

import hashlib
import logging
import re
from pathlib import Path

import pymupdf

from indexer.errors import ParseError
from indexer.models import Document, Omission, Paper, Passage, parse_arxiv_id
from indexer.sources import pdf_layout as layout
from indexer.sources.pdf_layout import Block
from indexer.sources.pdf_sections import ABSTRACT, split_sections

logger = logging.getLogger(__name__)

# Expanded ligatures ("ﬁ" -> "fi") so words are searchable; images are not needed.
_TEXT_FLAGS = (
    pymupdf.TEXTFLAGS_DICT & ~pymupdf.TEXT_PRESERVE_LIGATURES & ~pymupdf.TEXT_PRESERVE_IMAGES
)
# What PyMuPDF raises for damaged files: its own RuntimeError subclasses, ValueError
# ("document closed or encrypted") and the MuPDF C library's errors.
_MUPDF_ERRORS = (RuntimeError, ValueError, pymupdf.mupdf.FzErrorBase)
_STAMP_ID = re.compile(r"arXiv:\s*(\S+?)\s+\[[\w.\-]+\]")


def read_pdf(path: Path) -> Document:
    """Read a paper PDF: its metadata and its text as passages by section and page.

    Args:
        path: the PDF file.

    Returns:
        A `Document` whose paper has ``source="pdf"`` and whose passages follow the
        reading order, without headers, footers, page numbers or the reference lists
        (whose pages the document's `omitted` lists).

    Raises:
        ParseError: the file is missing, empty, not a PDF, corrupt, encrypted, or has
            no text layer (an image-only scan).
    """
    data = _read_bytes(path)
    pymupdf.TOOLS.mupdf_display_errors(False)  # MuPDF would print repairs to stderr
    pymupdf.TOOLS.mupdf_display_warnings(False)
    pymupdf.TOOLS.reset_mupdf_warnings()
    doc = _open(data, path)
    try:
        pages = _load_pages(doc, path)
        meta_title = (doc.metadata or {}).get("title") or ""
        stamp = _STAMP_ID.search(doc[0].get_text())  # the arXiv side stamp
    except _MUPDF_ERRORS as exc:
        raise ParseError(f"cannot read PDF ({_one_line(exc)}): {path}") from exc
    finally:
        doc.close()
        warnings = pymupdf.TOOLS.mupdf_warnings(reset=True)
        if warnings:
            logger.debug("MuPDF warnings for %s: %s", path, " | ".join(warnings.splitlines()))
    passages, dropped = split_sections(pages)
    paper = _paper(path, data, pages, passages, meta_title, stamp.group(1) if stamp else "")
    omitted = [Omission(path=str(path), what="reference list",
                        pages=f"{first}-{last}" if last > first else str(first))
               for first, last in dropped]
    return Document(paper=paper, passages=passages, omitted=omitted)


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def _read_bytes(path: Path) -> bytes:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ParseError(f"cannot read file ({exc.strerror or _one_line(exc)}): {path}") from exc
    if not data:
        raise ParseError(f"empty file (0 bytes), not a PDF: {path}")
    if b"%PDF-" not in data[:1024]:
        raise ParseError(f"not a PDF (no %PDF header): {path}")
    return data


def _open(data: bytes, path: Path) -> pymupdf.Document:
    try:
        doc = pymupdf.open(stream=data, filetype="pdf")
    except _MUPDF_ERRORS as exc:
        raise ParseError(f"corrupt or truncated PDF ({_one_line(exc)}): {path}") from exc
    if doc.needs_pass and not doc.authenticate(""):
        doc.close()
        raise ParseError(f"encrypted PDF, cannot read text without the password: {path}")
    if doc.page_count == 0:
        doc.close()
        raise ParseError(f"PDF has no pages (corrupt or truncated): {path}")
    return doc


def _load_pages(doc: pymupdf.Document, path: Path) -> list[list[Block]]:
    """Every page's blocks in reading order, headers and footers dropped."""
    raw, sizes = [], []
    for page in doc.pages():
        try:
            d = page.get_text("dict", flags=_TEXT_FLAGS)
        except _MUPDF_ERRORS as exc:
            msg = _one_line(exc)
            raise ParseError(f"cannot read page {page.number + 1} ({msg}): {path}") from exc
        # An OCR'd scan is invisible text over an image: there it is the content.
        raw.append(layout.extract_blocks(d, keep_invisible=not layout.has_visible_text(d)))
        sizes.append((page.rect.width, page.rect.height))
    if not any(raw):
        raise ParseError(_no_text_reason(doc, path))
    raw = layout.drop_running_text(raw, [h for _, h in sizes])
    body = layout.body_font_size(raw)
    return [
        layout.reading_order(blocks, w, h, body, first=i == 0)
        for i, (blocks, (w, h)) in enumerate(zip(raw, sizes, strict=True))
    ]


def _no_text_reason(doc: pymupdf.Document, path: Path) -> str:
    if doc.is_repaired:
        return f"damaged or truncated PDF, no readable text: {path}"
    if any(page.get_images() for page in doc.pages()):
        return f"no text layer (scanned images only; OCR it first): {path}"
    return f"PDF has no extractable text: {path}"


def _sensible_title(title: str) -> bool:
    title = title.strip()
    junk = re.search(r"\.(pdf|dvi|tex|docx?)$|^(untitled|microsoft word|arxiv)", title, re.I)
    return len(title.split()) >= 2 and len(title) >= 8 and not junk


def _title_from_fonts(first_page: list[Block], vocab: set[str]) -> str:
    """The largest text in the top half of the first page's text (where titles are)."""
    lines = [ln for b in first_page for ln in b.lines if re.search("[A-Za-z]{2}", ln.text)]
    if not lines:
        return ""
    bottom = max(ln.bbox[3] for ln in lines)
    top = [ln for ln in lines if ln.bbox[1] < 0.5 * bottom] or lines
    biggest = max(ln.size for ln in top)
    return layout.join_lines([ln.text for ln in top if ln.size >= biggest - 0.6], vocab)


def _paper(
    path: Path,
    data: bytes,
    pages: list[list[Block]],
    passages: list[Passage],
    meta_title: str,
    stamp: str,
) -> Paper:
    found = parse_arxiv_id(stamp) if stamp else None
    found = found or parse_arxiv_id(path.name)
    arxiv_id, version = found if found else (None, None)
    if _sensible_title(meta_title):
        title = " ".join(meta_title.split())
    else:
        first = next((blocks for blocks in pages if blocks), [])  # skip a blank cover
        title = _title_from_fonts(first, layout.vocabulary([first])) or path.stem
    abstract = " ".join(p.text for p in passages if p.section == ABSTRACT)
    return Paper(
        paper_id=arxiv_id or "local:" + hashlib.sha1(data).hexdigest()[:16],
        arxiv_id=arxiv_id,
        version=version,
        title=title,
        abstract=" ".join(abstract.split()),
        source="pdf",
        source_path=str(path),
        pdf_path=str(path),
    )

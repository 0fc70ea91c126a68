"""Read a research-paper PDF into a `Document`: metadata plus text passages by section.

This is the only module that imports PyMuPDF. Layout work (visible text, running
headers, column order, hyphenation) is in `indexer.sources.pdf_layout`, the split
into sections (how they are named, references dropped, appendices kept) in
`indexer.sources.pdf_sections`, and authors, dates and the abstract's clean-up in
`indexer.sources.pdf_meta`.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pymupdf

from indexer.errors import ParseError
from indexer.models import Document, Omission, Paper, Passage, parse_arxiv_id
from indexer.sources import pdf_layout as layout
from indexer.sources import pdf_meta as meta
from indexer.sources.pdf_layout import Block
from indexer.sources.pdf_sections import ABSTRACT, split_sections
from indexer.sources.pdf_tables import group_tables

logger = logging.getLogger(__name__)

# Expanded ligatures ("ﬁ" -> "fi") so words are searchable; images are not needed.
_TEXT_FLAGS = (
    pymupdf.TEXTFLAGS_DICT & ~pymupdf.TEXT_PRESERVE_LIGATURES & ~pymupdf.TEXT_PRESERVE_IMAGES
)
# What PyMuPDF raises for damaged files: its own RuntimeError subclasses, ValueError
# ("document closed or encrypted") and the MuPDF C library's errors.
_MUPDF_ERRORS = (RuntimeError, ValueError, pymupdf.mupdf.FzErrorBase)
_STAMP_ID = re.compile(r"arXiv:\s*(\S+?)\s+\[[\w.\-]+\]\s*(\d{1,2}\s+[A-Za-z]{3}\w*\s+\d{4})?")
_TEXT_ID = re.compile(r"arXiv:\s*(\d{4}\.\d{4,5}(?:v\d+)?|[a-z\-]+(?:\.[A-Z]{2})?/\d{7}(?:v\d+)?)")


@dataclass
class _FirstPage:
    """What the metadata comes from: the document info and the first page with text."""

    info: dict[str, str]
    page: dict
    height: float
    text: str
    ocr: bool = False  # the page is a scan whose text is an invisible OCR layer


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
        pages, first = _load_pages(doc, path)
    except _MUPDF_ERRORS as exc:
        raise ParseError(f"cannot read PDF ({_one_line(exc)}): {path}") from exc
    finally:
        doc.close()
        warnings = pymupdf.TOOLS.mupdf_warnings(reset=True)
        if warnings:
            logger.debug("MuPDF warnings for %s: %s", path, " | ".join(warnings.splitlines()))
    passages, dropped = split_sections(pages)
    omitted = [Omission(path=str(path), what="reference list",
                        pages=f"{start}-{end}" if end > start else str(start))
               for start, end in dropped]
    return Document(paper=_paper(path, data, pages, passages, first), passages=passages,
                    omitted=omitted)


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


def _load_pages(doc: pymupdf.Document, path: Path) -> tuple[list[list[Block]], _FirstPage]:
    """Every page's blocks in reading order, headers and footers dropped; and the first
    page with text, for the metadata."""
    raw, sizes = [], []
    first: _FirstPage | None = None
    for page in doc.pages():
        try:
            d = page.get_text("dict", flags=_TEXT_FLAGS)
            # An OCR'd scan is invisible text over an image: there it is the content.
            ocr = not layout.has_visible_text(d)
            raw.append(layout.extract_blocks(d, keep_invisible=ocr))
            if first is None and raw[-1]:
                first = _FirstPage(doc.metadata or {}, d, page.rect.height, page.get_text(), ocr)
        except _MUPDF_ERRORS as exc:
            msg = _one_line(exc)
            raise ParseError(f"cannot read page {page.number + 1} ({msg}): {path}") from exc
        sizes.append((page.rect.width, page.rect.height))
    if not any(raw):
        raise ParseError(_no_text_reason(doc, path))
    raw = layout.drop_running_text(raw, [h for _, h in sizes])
    body = layout.body_font_size(raw)
    pages = [
        layout.reading_order(group_tables(blocks, w, body), w, h, body, first=i == 0)
        for i, (blocks, (w, h)) in enumerate(zip(raw, sizes, strict=True))
    ]
    return pages, first or _FirstPage(doc.metadata or {}, {}, sizes[0][1], doc[0].get_text())


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


def _arxiv_id(path: Path, first: _FirstPage) -> tuple[str | None, int | None, str]:
    """(id, version, stamp date text) from the arXiv side stamp, else the file name, else an
    ``arXiv:`` id in the first page's text."""
    stamp = _STAMP_ID.search(first.text)
    found = parse_arxiv_id(stamp.group(1)) if stamp else None
    found = found or parse_arxiv_id(path.name)
    if not found and (m := _TEXT_ID.search(first.text)):
        found = parse_arxiv_id(m.group(1))
    arxiv_id, version = found if found else (None, None)
    return arxiv_id, version, (stamp.group(2) or "") if stamp else ""


def _dates(arxiv_id: str | None, version: int | None, stamp: str,
           info: dict[str, str]) -> tuple[date | None, date | None]:
    """(published, updated). An arXiv PDF is dated by arXiv (the stamp's date is version
    `version`'s, the id gives v1's month): its metadata dates are those of whoever last
    saved the file (a 2013 paper re-saved by a viewer in 2024). Other PDFs: the metadata."""
    if arxiv_id:
        when = meta.stamp_date(stamp) if stamp else None
        if version == 1 and when:
            return when, None
        return meta.arxiv_month(arxiv_id), when if version and version > 1 else None
    return meta.pdf_date(info.get("creationDate")) or meta.pdf_date(info.get("modDate")), None


def _paper(path: Path, data: bytes, pages: list[list[Block]], passages: list[Passage],
           first: _FirstPage) -> Paper:
    arxiv_id, version, stamp = _arxiv_id(path, first)
    meta_title = first.info.get("title") or ""
    if _sensible_title(meta_title):
        title = " ".join(meta_title.split())
    else:
        blocks = next((blocks for blocks in pages if blocks), [])  # skip a blank cover
        title = _title_from_fonts(blocks, layout.vocabulary([blocks])) or path.stem
    authors = (meta.authors_from_metadata(first.info.get("author") or "")
               or meta.authors_from_layout(first.page, first.height, first.ocr))
    published, updated = _dates(arxiv_id, version, stamp, first.info)
    abstract = [part for p in passages if p.section == ABSTRACT for part in p.text.split("\n")]
    return Paper(
        paper_id=arxiv_id or "local:" + hashlib.sha1(data).hexdigest()[:16],
        arxiv_id=arxiv_id,
        version=version,
        title=_title_case(meta.fix_accents(title)),
        authors=authors,
        abstract=meta.clean_abstract(abstract),
        published=published,
        updated=updated,
        source="pdf",
        source_path=str(path),
        pdf_path=str(path),
    )


def _title_case(title: str) -> str:
    """An all-capitals title (ICLR, some journals) in title case; "3D", "NeRF" stay."""
    if not title.isupper():
        return title
    small = {"a", "an", "and", "as", "at", "by", "for", "from", "in", "of", "on", "or", "the",
             "to", "via", "with"}
    words = [w.lower() if w.lower() in small else w.capitalize() if len(w) > 3 else w
             for w in title.split()]
    return " ".join([words[0][:1].upper() + words[0][1:], *words[1:]]) if words else title

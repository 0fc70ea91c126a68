"""Read a research-paper PDF into a `Document`: metadata plus text passages by section.

This is the only module that imports PyMuPDF. Layout work (visible text, running
headers, column order, hyphenation) is in `indexer.sources.pdf_layout`.

Sections: text before the first heading is "Front matter"; each top-level heading
("Abstract", "1 Introduction", "III Method", ...) starts a section named after it;
numbered subsections ("4.1 Datasets") stay in their parent section and keep their
heading in the text. The reference list is dropped; appendices after it (headings
"Appendix ...", "Supplementary ..." or lettered "A ...") are returned.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

import pymupdf

from indexer.errors import ParseError
from indexer.models import Document, Paper, Passage, parse_arxiv_id
from indexer.sources import pdf_layout as layout
from indexer.sources.pdf_layout import Block, Line

logger = logging.getLogger(__name__)

FRONT_MATTER = "Front matter"
ABSTRACT = "Abstract"
# Expanded ligatures ("ﬁ" -> "fi") so words are searchable; images are not needed.
_TEXT_FLAGS = (
    pymupdf.TEXTFLAGS_DICT & ~pymupdf.TEXT_PRESERVE_LIGATURES & ~pymupdf.TEXT_PRESERVE_IMAGES
)
_STAMP_ID = re.compile(r"arXiv:\s*(\S+?)\s+\[[\w.\-]+\]")
_HEADING = re.compile(
    r"^(?:(?P<num>\d{1,2}(?:\.\d{1,2})*|[IVX]{1,6}|[A-H])(?P<dot>[.:]?)\s+)?"
    r"(?P<title>[A-Z][^!;]{1,80}?)\s*[.:]?$"
)
_KNOWN = re.compile(
    r"^(?:abstract|introduction|related works?|background|prior work|preliminar(?:y|ies)"
    r"|(?:our |proposed )?(?:method(?:s|ology)?|approach)(?: overview)?"
    r"|experiments?|experimental (?:results|setup|evaluation)|evaluations?|results"
    r"|discussions?|limitations?|conclusions?|concluding remarks|summary"
    r"|acknowledge?ments?|references|bibliography|appendix|appendices"
    r"|supplementary(?: materials?)?|keywords|index terms|ccs concepts)"
    r"(?:$|\s*:.*|\s+(?:and|&)\s.*)"
)
_REFERENCES = re.compile(r"^(?:references|bibliography|literature cited)$")
_APPENDIX = re.compile(r"^(?:appendix|appendices|supplementary|supplemental)\b")
_RUN_IN_ABSTRACT = re.compile(r"^(?:Abstract|ABSTRACT)\s*[.:—–-]\s*(?P<rest>\S.*)$")
_ROMAN = {"I": 1, "V": 5, "X": 10}
_SMALL_WORDS = frozenset("a an and as at by for from in of on or the to via vs with".split())


@dataclass
class _Heading:
    name: str
    kind: str  # "section", "references" or "appendix"
    number: int | None = None
    rest: str = ""  # run-in text after "Abstract—"


@dataclass
class _Walk:
    """State while walking the document's lines in reading order."""

    body: float
    sig: tuple[float, bool, bool] | None
    numbered: bool
    vocab: set[str]
    section: str = FRONT_MATTER
    in_refs: bool = False
    last_number: int = 0
    next_letter: str = "A"
    passages: list[tuple[str, int, list[str]]] = field(default_factory=list)


def read_pdf(path: Path) -> Document:
    """Read a paper PDF: its metadata and its text as passages by section and page.

    Args:
        path: the PDF file.

    Returns:
        A `Document` whose paper has ``source="pdf"`` and whose passages follow the
        reading order, without headers, footers, page numbers or the reference list.

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
        stamp = _STAMP_ID.search(_page_text(doc, 0, path))
    finally:
        doc.close()
        warnings = pymupdf.TOOLS.mupdf_warnings(reset=True)
        if warnings:
            logger.debug("MuPDF warnings for %s: %s", path, " | ".join(warnings.splitlines()))
    passages = _passages(pages)
    paper = _paper(path, data, pages, passages, meta_title, stamp.group(1) if stamp else "")
    return Document(paper=paper, passages=passages)


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def _read_bytes(path: Path) -> bytes:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ParseError(f"cannot read PDF {path}: {exc.strerror or _one_line(exc)}") from exc
    if not data:
        raise ParseError(f"empty file (0 bytes), not a PDF: {path}")
    if b"%PDF-" not in data[:1024]:
        raise ParseError(f"not a PDF (no %PDF header): {path}")
    return data


def _open(data: bytes, path: Path) -> pymupdf.Document:
    try:
        doc = pymupdf.open(stream=data, filetype="pdf")
    except Exception as exc:  # PyMuPDF raises several unrelated types for bad files
        raise ParseError(f"corrupt or truncated PDF ({_one_line(exc)}): {path}") from exc
    if doc.needs_pass and not doc.authenticate(""):
        doc.close()
        raise ParseError(f"encrypted PDF, cannot read text without the password: {path}")
    if doc.page_count == 0:
        doc.close()
        raise ParseError(f"PDF has no pages (corrupt or truncated): {path}")
    return doc


def _page_text(doc: pymupdf.Document, index: int, path: Path) -> str:
    try:
        return doc[index].get_text()
    except Exception as exc:  # see _open
        raise ParseError(f"cannot read page {index + 1} of {path}: {_one_line(exc)}") from exc


def _load_pages(doc: pymupdf.Document, path: Path) -> list[list[Block]]:
    """Every page's blocks in reading order, headers and footers dropped."""
    raw, sizes = [], []
    for page in doc:
        try:
            d = page.get_text("dict", flags=_TEXT_FLAGS)
        except Exception as exc:  # see _open
            raise ParseError(f"cannot read page {page.number + 1} of {path}: {exc}") from exc
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
    if any(page.get_images() for page in doc):
        return f"no text layer (scanned images only; OCR it first): {path}"
    return f"PDF has no extractable text: {path}"


def _parse(line: Line) -> re.Match[str] | None:
    m = _HEADING.match(line.text)
    if not m or len(m.group("title").split()) > 12 or ". " in m.group("title"):
        return None
    if re.search(r"\d$|\.\s?\.", m.group("title")):  # a contents line: "Method .... 3"
        return None
    return m


def _signature(line: Line) -> tuple[float, bool, bool]:
    return (round(line.size, 1), line.bold, line.upper)


def _matches(line: Line, sig: tuple[float, bool, bool] | None) -> bool:
    if sig is None:
        return False
    size, bold, upper = sig
    return abs(line.size - size) <= max(0.6, 0.06 * size) and (line.bold, line.upper) == (
        bold,
        upper,
    )


def _heading_style(pages: list[list[Block]], body: float) -> tuple[tuple, bool] | None:
    """The look of top-level headings, learnt from lines like "1 Introduction"."""
    numbered, plain = [], []
    for blocks in pages:
        for block in blocks:
            for line in block.lines:
                m = _parse(line)
                if not m or not _KNOWN.match(m.group("title").lower()):
                    continue
                if line.bold or line.upper or line.size >= 1.08 * body or m.group("num"):
                    (numbered if m.group("num") else plain).append(_signature(line))
    found = numbered or plain
    if not found:
        return None
    return max(set(found), key=found.count), bool(numbered)


def _number(num: str) -> int | None:
    if num.isdigit():
        return int(num)
    if set(num) <= set(_ROMAN):
        values = [_ROMAN[c] for c in num]
        return sum(-v if v < n else v for v, n in zip(values, values[1:] + [0], strict=True))
    return None


def _case_word(word: str) -> str:
    if word.lower() in _SMALL_WORDS:
        return word.lower()
    return word if len(word) <= 3 else word.capitalize()  # "CCS", "3D", "GAN" stay


def _clean_title(title: str) -> str:
    words = title.strip(" .:").split()
    if not title.isupper():
        return " ".join(words)
    cased = [_case_word(w) for w in words]
    return " ".join([cased[0].capitalize(), *cased[1:]]) if cased else ""


def _classify(line: Line, lone: bool, walk: _Walk) -> _Heading | None:
    """Whether a line is a top-level heading, given the document's heading style."""
    m = _parse(line)
    if not m:
        run_in = _RUN_IN_ABSTRACT.match(line.text)
        return _Heading(ABSTRACT, "section", rest=run_in.group("rest")) if run_in else None
    num, title = m.group("num") or "", _clean_title(m.group("title"))
    low, same = title.lower(), _matches(line, walk.sig)
    name = f"{num} {title}" if num else title
    styled = (line.bold or line.upper or line.size >= 1.08 * walk.body) and (
        line.size >= 0.95 * walk.body  # bold table cells are smaller than the text
    )
    if num and num == walk.next_letter and same:  # "A Proofs": appendices are lettered
        return _Heading(name, "appendix")
    if _REFERENCES.match(low) and (same or styled or line.bold or line.upper or lone):
        return _Heading(name, "references")  # missing it would index the bibliography
    if _KNOWN.match(low) and (same or styled) and "." not in num:
        kind = "references" if _REFERENCES.match(low) else "section"
        kind = "appendix" if _APPENDIX.match(low) else kind
        return _Heading(name, kind, _number(num) if num else None)
    if not same or "." in num:  # other headings must look like the known ones
        return None
    value = _number(num) if num else None
    if value is not None and walk.last_number < value <= walk.last_number + 2:
        return _Heading(name, "section", value)
    if not num and not walk.numbered and walk.section != FRONT_MATTER:  # not the authors
        return _Heading(name, "section")
    return None


def _enter(walk: _Walk, head: _Heading) -> bool:
    """Apply a heading to the walk; False when it is ignored."""
    if head.kind == "references":
        walk.in_refs = True
        return False
    if walk.in_refs and head.kind != "appendix":
        return False  # only an appendix ends the reference list
    if head.kind == "appendix":
        walk.in_refs = False
        if head.name[:1] == walk.next_letter:
            walk.next_letter = chr(ord(walk.next_letter) + 1)
    if head.number is not None:
        walk.last_number = head.number
    walk.section = head.name
    return True


def _continues(head: Line, line: Line) -> bool:
    """Whether `line` is the second line of a long heading ("... Training and Deploy-")."""
    return (
        (line.bold, line.upper) == (head.bold, head.upper)
        and 0.75 * head.size <= line.size <= head.size + 0.6  # small caps shrink
        and not head.text.endswith((".", ":"))
        and not re.match(r"\d", line.text)
        and len(line.text.split()) <= 10
    )


def _add(walk: _Walk, page: int, lines: list[str]) -> None:
    if not lines or walk.in_refs:
        return
    text = layout.join_lines(lines, walk.vocab)
    if walk.passages and walk.passages[-1][:2] == (walk.section, page):
        parts = walk.passages[-1][2]
        if re.search(r"[A-Za-z]-$", parts[-1]) and text[:1].islower():
            parts[-1] = layout.join_lines([parts[-1], text], walk.vocab)  # column break
        else:
            parts.append(text)
    else:
        walk.passages.append((walk.section, page, [text]))


def _walk_block(walk: _Walk, page: int, block: Block) -> None:
    buffer: list[str] = []
    head_line: Line | None = None
    for line in block.lines:
        if head_line and _continues(head_line, line):
            walk.section = layout.join_lines([walk.section, _clean_title(line.text)], walk.vocab)
            head_line = line
            continue
        head_line = None
        head = _classify(line, len(block.lines) == 1, walk)
        if head is None:
            buffer.append(line.text)
            continue
        _add(walk, page, buffer)
        if _enter(walk, head) and not head.rest:
            head_line = line
        buffer = [head.rest] if head.rest else []
    _add(walk, page, buffer)


def _passages(pages: list[list[Block]]) -> list[Passage]:
    """Walk the lines in reading order, splitting them into passages at headings."""
    body = layout.body_font_size(pages)
    style = _heading_style(pages, body)
    sig, numbered = style if style else (None, False)
    walk = _Walk(body, sig, numbered, layout.vocabulary(pages))
    for page_no, blocks in enumerate(pages, start=1):
        for block in blocks:
            _walk_block(walk, page_no, block)
    return [Passage(section=s, page=p, text="\n".join(parts)) for s, p, parts in walk.passages]


def _sensible_title(title: str) -> bool:
    title = title.strip()
    junk = re.search(r"\.(pdf|dvi|tex|docx?)$|^(untitled|microsoft word|arxiv)", title, re.I)
    return len(title.split()) >= 2 and len(title) >= 8 and not junk


def _title_from_fonts(first_page: list[Block], vocab: set[str]) -> str:
    """The largest text in the top half of the first page (where titles are)."""
    lines = [ln for b in first_page for ln in b.lines if re.search("[A-Za-z]{2}", ln.text)]
    if not lines:
        return ""
    bottom = max(ln.bbox[3] for ln in lines)
    top = [ln for ln in lines if ln.bbox[1] < 0.5 * bottom]
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
        title = _title_from_fonts(pages[0], layout.vocabulary(pages[:1])) or path.stem
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

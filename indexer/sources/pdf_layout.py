"""Page layout for PDF text: visible lines, running headers, reading order, line joins.

Pure functions over the dicts PyMuPDF returns from ``page.get_text("dict")``; the
PyMuPDF calls themselves live in `indexer.sources.pdf`.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

WHITE = 0xFFFFFF
MIN_FONT_SIZE = 3.0  # smaller text is a hidden watermark or a plot's tick label
HEADER_ZONE = 0.10  # running headers sit in the top 10% of a page ...
FOOTER_ZONE = 0.87  # ... and footers below 87% (ACM scans put them that high)
_STAMP = re.compile(r"^arXiv:\S+\s+\[[\w.\-]+\]\s+\d{1,2}\s+\w{3}\s+\d{4}$")
_WORD = re.compile(r"[A-Za-z]{2}")
_CAPTION = re.compile(r"^(Figure|Fig\.|Table|Algorithm)\s*[A-Z]?\d+\s*[.:|]")
_FOOTNOTE_MARK = re.compile(r"^[\d*†‡§¶]")
_REFS_HEADING = re.compile(r"^(\d+\.?\s+)?(references|bibliography)$", re.IGNORECASE)
# Hyphenated line ends that are real compounds ("self-\nsupervised"), when the
# document itself never spells the word out either way.
_COMPOUND_HEADS = frozenset(
    [
        "self",
        "non",
        "cross",
        "well",
        "state",
        "high",
        "low",
        "real",
        "semi",
        "coarse",
        "fine",
        "long",
        "short",
        "multi",
        "end",
    ]
)


@dataclass
class Line:
    """One visual line of text (spans on the same baseline merged)."""

    text: str
    bbox: tuple[float, float, float, float]
    size: float
    bold: bool

    @property
    def upper(self) -> bool:
        letters = [c for c in self.text if c.isalpha()]
        return len(letters) >= 3 and all(c.isupper() for c in letters)


@dataclass
class Block:
    """A run of lines PyMuPDF grouped together (usually a paragraph), or a table: its
    caption, then one line per row (`indexer.sources.pdf_tables`)."""

    lines: list[Line]
    table: bool = False

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        boxes = [ln.bbox for ln in self.lines]
        return (
            min(b[0] for b in boxes),
            min(b[1] for b in boxes),
            max(b[2] for b in boxes),
            max(b[3] for b in boxes),
        )

    @property
    def text(self) -> str:
        return " ".join(ln.text for ln in self.lines)

    @property
    def size(self) -> float:
        return Counter(round(ln.size, 1) for ln in self.lines).most_common(1)[0][0]


def _visible(span: dict) -> bool:
    # alpha 0 is text render mode 3 ("invisible"), what OCR tools write over a scan.
    return span["color"] != WHITE and span["size"] >= MIN_FONT_SIZE and span.get("alpha", 255) != 0


def has_visible_text(page: dict) -> bool:
    """Whether a page has any visible (not white, tiny or render-mode-invisible) text."""
    return any(
        _visible(s) and s["text"].strip()
        for b in page["blocks"]
        for ln in b.get("lines", ())
        for s in ln["spans"]
    )


def _make_line(spans: list[dict], bbox: tuple[float, float, float, float]) -> Line | None:
    text = " ".join("".join(s["text"] for s in spans).split())
    inked = [s for s in spans if s["text"].strip()]
    if not text or not inked:
        return None
    letters = sum(len(s["text"].strip()) for s in inked)
    bold = sum(len(s["text"].strip()) for s in inked if s["flags"] & 16 or "Bold" in s["font"])
    return Line(text, bbox, max(s["size"] for s in inked), bold * 2 > letters)


def _same_baseline(a: Line, b: Line) -> bool:
    overlap = min(a.bbox[3], b.bbox[3]) - max(a.bbox[1], b.bbox[1])
    height = min(a.bbox[3] - a.bbox[1], b.bbox[3] - b.bbox[1])
    return height > 0 and overlap > 0.5 * height and b.bbox[0] >= a.bbox[2] - 1


def _merge(a: Line, b: Line) -> Line:
    box = (a.bbox[0], min(a.bbox[1], b.bbox[1]), b.bbox[2], max(a.bbox[3], b.bbox[3]))
    return Line(f"{a.text} {b.text}", box, max(a.size, b.size), a.bold and b.bold)


def extract_blocks(page: dict, keep_invisible: bool) -> list[Block]:
    """Text blocks of a page with invisible, rotated and stamp lines removed.

    Args:
        page: ``page.get_text("dict")`` output.
        keep_invisible: keep invisible spans (an OCR layer over a scanned page).
    """
    blocks = []
    for raw in page["blocks"]:
        lines: list[Line] = []
        for ln in raw.get("lines", ()):
            if abs(ln["dir"][1]) > 0.01 or ln["dir"][0] < 0:  # side stamps, axis labels
                continue
            spans = [s for s in ln["spans"] if keep_invisible or _visible(s)]
            line = _make_line(spans, tuple(ln["bbox"]))
            if line is None or _STAMP.match(line.text):
                continue
            if lines and _same_baseline(lines[-1], line):  # "1" + "INTRODUCTION"
                lines[-1] = _merge(lines[-1], line)
            else:
                lines.append(line)
        # Blocks without a single two-letter word are page numbers or plot ticks.
        if lines and any(_WORD.search(ln.text) for ln in lines):
            blocks.append(Block(lines))
    return blocks


def _margin_key(block: Block, height: float) -> str | None:
    _, y0, _, y1 = block.bbox
    if y1 > HEADER_ZONE * height and y0 < FOOTER_ZONE * height:
        return None
    return re.sub(r"\d+", "#", " ".join(block.text.lower().split()))


def drop_running_text(pages: list[list[Block]], heights: list[float]) -> list[list[Block]]:
    """Drop headers and footers: margin blocks whose text (digits aside) repeats."""
    seen: Counter[str] = Counter()
    for blocks, height in zip(pages, heights, strict=True):
        seen.update({k for b in blocks if (k := _margin_key(b, height))})
    threshold = max(2, math.ceil(0.2 * len(pages)))
    return [
        [b for b in blocks if seen[_margin_key(b, height) or ""] < threshold]
        for blocks, height in zip(pages, heights, strict=True)
    ]


def _is_aside(block: Block, height: float, body_size: float, first: bool) -> bool:
    if block.table:  # a table with its caption stays where it is (`pdf_tables`)
        return False
    if _CAPTION.match(block.text):
        return True
    if block.size < 0.85 * body_size and len(block.text) < 40:  # labels inside a figure
        return not _REFS_HEADING.match(block.text)
    if block.size >= 0.9 * body_size or block.bbox[1] < 0.65 * height:
        return False
    # Footnotes; on the first page also the copyright and affiliation notes (later
    # pages may have the small print of the reference list there).
    return first or bool(_FOOTNOTE_MARK.match(block.text))


def reading_order(
    blocks: list[Block], width: float, height: float, body_size: float, first: bool = False
) -> list[Block]:
    """Order a page's blocks for reading, handling one and two columns.

    Full-width blocks (titles, wide figures) cut the page into bands; inside a band
    the left column is read before the right one. Captions and footnotes go last so
    they do not split a sentence that runs on from one column to the next; a table
    (one block with its caption, `indexer.sources.pdf_tables`) stays in place, after
    the sentence it interrupts.

    Args:
        blocks: the page's blocks.
        width: page width.
        height: page height.
        body_size: the document's running-text font size.
        first: whether this is the first page (its small print is moved last too).
    """
    mid, tol = width / 2, 0.02 * width
    out: list[Block] = []
    left: list[Block] = []
    right: list[Block] = []
    for block in sorted(blocks, key=lambda b: (b.bbox[1], b.bbox[0])):
        x0, _, x1, _ = block.bbox
        if x1 <= mid + tol:
            left.append(block)
        elif x0 >= mid - tol:
            right.append(block)
        else:
            out += left + right + [block]
            left, right = [], []
    out = _tables_after_sentences(out + left + right)
    aside = [_is_aside(b, height, body_size, first) for b in out]
    return [b for b, a in zip(out, aside, strict=True) if not a] + [
        b for b, a in zip(out, aside, strict=True) if a
    ]


def _tables_after_sentences(order: list[Block]) -> list[Block]:
    """Move a table that sits between the two halves of a sentence (one column ending
    "... Textual", the next starting "Inversion [6] ...") after the block that ends it."""
    out = list(order)
    for i in range(1, len(out) - 1):
        if out[i].table and not out[i - 1].table and not out[i + 1].table and not re.search(
                r"[.!?:;][)\]\"'”’]*$", out[i - 1].text):
            out[i], out[i + 1] = out[i + 1], out[i]
    return out


def body_font_size(pages: Iterable[list[Block]]) -> float:
    """The most common font size, weighted by characters (the running text's size)."""
    sizes: Counter[float] = Counter()
    for blocks in pages:
        for block in blocks:
            for ln in block.lines:
                sizes[round(ln.size, 1)] += len(ln.text)
    return sizes.most_common(1)[0][0] if sizes else 10.0


def vocabulary(pages: Iterable[list[Block]]) -> set[str]:
    """Lower-cased words of the document, to decide line-end hyphens."""
    words: set[str] = set()
    for blocks in pages:
        for block in blocks:
            for ln in block.lines:
                tokens = ln.text.split()
                if tokens and tokens[-1].endswith("-"):
                    tokens.pop()  # a word broken at the line end is not a word
                words.update(t.strip(".,;:()[]\"'").lower() for t in tokens)
    return words


def _keep_hyphen(head: str, tail: str, vocab: set[str]) -> bool:
    joined, hyphened = (head + tail).lower(), f"{head}-{tail}".lower()
    if joined in vocab:
        return False
    if hyphened in vocab or "-" in head:  # "state-of-the-" + "art"
        return True
    # "3D-" or "NeRF-" are names in a compound; "Re-" + "lightable" is a syllable break.
    return not head[1:].islower() or head.lower() in _COMPOUND_HEADS


def join_lines(lines: Iterable[str], vocab: set[str]) -> str:
    """Join the lines of a paragraph with spaces, undoing line-end hyphenation."""
    out = ""
    for line in lines:
        if not out:
            out = line
            continue
        head = re.search(r"([\w-]*\w)-$", out)
        if not head:
            out = f"{out} {line}"
            continue
        tail = re.match(r"[a-z]+", line)
        word = head.group(1).split("-")[-1]
        if tail and word.isalpha() and not _keep_hyphen(head.group(1), tail.group(0), vocab):
            out = out[:-1] + line
        else:
            out += line
    return out

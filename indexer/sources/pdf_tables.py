"""Tables as units: a "Table N" caption kept with its rows, the rows rebuilt from the layout.

In a PDF's text layer a table is a scatter of blocks (one per row, per column or per
cell) that reading order would weave into the prose around it, with its caption moved
to the end of the page. A value a table gives is then quoted without the caption and
column names that say what it is ("Ours 0.566 0.730 6.218" pages away from "CSIM").
Here each table caption takes the table-like blocks next to it in its column (below it,
or above it where captions follow their tables), and their lines are regrouped into
rows by baseline, read left to right. The caption and its rows leave the prose flow and
become one block, caption first, so a chunk or an excerpt that quotes the caption runs
on into the header and the rows. Reading order places that block where the table is
(not with the captions at the end of the page, which may be inside a reference list).

Pure functions over `Block`s; a table's block is marked ``table=True`` so the section
walker never reads a row as a heading.
"""

from __future__ import annotations

import re

from indexer.sentences import TABLE_CAPTION
from indexer.sources.pdf_layout import Block, Line, join_lines

_NUMBER = re.compile(r"^[(\[]?[-+±~≈]?\d+(?:[.,]\d+)*[%)\]]?[↑↓]?$|^[-–—✓✗×/]$")
_HEADING_LINE = re.compile(r"^(?:\d{1,2}(?:\.\d{1,2})*|[A-H](?:\.\d{1,2})*|[IVX]{1,5})\.?\s+[A-Z]")
MAX_GAP = 2.0  # body font sizes of white space between a caption and its table, or two rows
PROSE_WORDS = 6  # a line this long whose words are mostly lower case is running text
PROSE_LOWER = 0.4
PROSE_NUMBERS = 0.3
MIN_NUMBERS = 3  # a table of results or settings has at least this many numbers


def _numeric_share(tokens: list[str]) -> float:
    return sum(bool(_NUMBER.match(t)) for t in tokens) / len(tokens) if tokens else 0.0


def _numbers(blocks: list[Block]) -> int:
    return sum(bool(_NUMBER.match(t)) for b in blocks for t in b.text.split())


def _prose_line(text: str) -> bool:
    tokens = text.split()
    if len(tokens) < PROSE_WORDS or _numeric_share(tokens) >= PROSE_NUMBERS:
        return False
    lower = sum(t[:1].islower() for t in tokens)
    return lower >= PROSE_LOWER * len(tokens)


def _tabular(block: Block, body_size: float) -> bool:
    """Whether a block can be part of a table: no running-text line, not a heading or
    a caption, not larger than the running text."""
    if block.size > 1.05 * body_size or TABLE_CAPTION.match(block.text):
        return False
    if re.match(r"^(?:Figure|Fig\.)\s*[A-Z]?\d+", block.text):
        return False
    if len(block.lines) == 1 and _HEADING_LINE.match(block.text) and _numeric_share(
            block.text.split()[1:]) < PROSE_NUMBERS:
        return False  # "4.2 Results", a section heading right below a table
    return not any(_prose_line(ln.text) for ln in block.lines)


def _column(caption: Block, width: float) -> tuple[float, float]:
    """The horizontal band a table lies in: its caption's column, or the whole page when
    the caption crosses the middle."""
    x0, _, x1, _ = caption.bbox
    mid, tol = width / 2, 0.02 * width
    if x0 < mid - tol and x1 > mid + tol:
        return 0.0, width
    return (0.0, mid + tol) if x1 <= mid + tol else (mid - tol, width)


def _walk(caption: Block, blocks: list[Block], body_size: float, down: bool) -> list[Block]:
    """The table-like blocks adjacent to the caption on one side, nearest first."""
    gap = MAX_GAP * body_size
    side = [b for b in blocks if (b.bbox[1] >= caption.bbox[3] - 2 if down
                                  else b.bbox[3] <= caption.bbox[1] + 2)]
    side.sort(key=lambda b: b.bbox[1] if down else -b.bbox[3])
    taken: list[Block] = []
    edge = caption.bbox[3] if down else caption.bbox[1]
    for block in side:
        distance = block.bbox[1] - edge if down else edge - block.bbox[3]
        if distance > gap or not _tabular(block, body_size):
            break
        taken.append(block)
        edge = max(edge, block.bbox[3]) if down else min(edge, block.bbox[1])
    return taken


def _rows(blocks: list[Block]) -> list[Line]:
    """The lines of a table's blocks regrouped by baseline into rows, left to right."""
    lines = sorted((ln for b in blocks for ln in b.lines), key=lambda ln: ln.bbox[1] + ln.bbox[3])
    rows: list[list[Line]] = []
    for line in lines:
        if rows and _same_row(rows[-1], line):
            rows[-1].append(line)
        else:
            rows.append([line])
    return [_joined(sorted(row, key=lambda ln: ln.bbox[0])) for row in rows]


def _joined(lines: list[Line], text: str | None = None) -> Line:
    box = (min(ln.bbox[0] for ln in lines), min(ln.bbox[1] for ln in lines),
           max(ln.bbox[2] for ln in lines), max(ln.bbox[3] for ln in lines))
    text = " ".join(ln.text for ln in lines) if text is None else text
    return Line(text, box, max(ln.size for ln in lines), all(ln.bold for ln in lines))


def _same_row(row: list[Line], line: Line) -> bool:
    top, bottom = min(ln.bbox[1] for ln in row), max(ln.bbox[3] for ln in row)
    centre = (line.bbox[1] + line.bbox[3]) / 2
    return top <= centre <= bottom


def group_tables(blocks: list[Block], width: float, body_size: float) -> list[Block]:
    """A page's blocks with each table made one block: its caption as the first line
    (hyphenation undone), then one line per row; marked ``table=True``.

    Args:
        blocks: the page's blocks.
        width: page width.
        body_size: the document's running-text font size.
    """
    captions = [b for b in blocks if TABLE_CAPTION.match(b.text)]
    used: set[int] = set()
    tables: list[Block] = []
    for caption in sorted(captions, key=lambda b: (b.bbox[1], b.bbox[0])):
        lo, hi = _column(caption, width)
        tol = 0.02 * width
        near = [b for b in blocks if id(b) not in used and b is not caption
                and b.bbox[0] >= lo - tol and b.bbox[2] <= hi + tol]
        below = _walk(caption, near, body_size, down=True)
        above = _walk(caption, near, body_size, down=False)
        body = max(below, above, key=_numbers)  # below on a tie: captions usually lead
        if _numbers(body) < MIN_NUMBERS:
            continue  # equation pieces or labels next to the caption, not a table
        used.update(id(b) for b in [caption, *body])
        title = _joined(caption.lines, join_lines([ln.text for ln in caption.lines], set()))
        tables.append(Block([title, *_rows(body)], table=True))
    return [b for b in blocks if id(b) not in used] + tables

"""Answers that live in tables: windows of a table's text around the words asked about.

PDF text of a results or settings table is a run of names and numbers with no sentence
in it ("male-3-casual 20.64 23.74 … 30.59"), so no quotable sentence holds a value that
only the table gives. For a question about a number, a value, a metric or a duration, a
passage that reads like a table offers windows around the question's words and around
"Ours" (the paper's own row) as candidates; the excerpt is the window's verbatim text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Set as AbstractSet

from indexer.sentences import TABLE_CAPTION, is_row, lines_with_offsets, sentence_spans
from indexer.textproc import fold

TABLE_KINDS = frozenset({"number", "value", "metric", "duration", "hardware"})
_TOKEN = re.compile(r"\S+")
# A cell that is a number: "0.665", "-3", "(12.5)", "87%", or a count out of trials ("17/30").
_NUMERIC = re.compile(r"^[(\[]?[-+±]?\d*[.,]?\d+(?:[.,]\d+)?(?:/\d+)?[%)\]]?$")
MIN_NUMBERS = 8
# A table-like run inside a prose passage: mostly numbers, several rows of them.
MIN_ROW_NUMBERS, ROW_SHARE = 8, 0.4
NUMERIC_SHARE = 0.25
BEFORE, AFTER = 8, 24  # tokens of a window before and after its anchor word
OWN_ROW = "ours"


def is_table(text: str, min_numbers: int = MIN_NUMBERS, share: float = NUMERIC_SHARE) -> bool:
    """True when the text reads like a table: many tokens are bare numbers."""
    tokens = text.split()
    numbers = sum(bool(_NUMERIC.match(t)) for t in tokens)
    return numbers >= min_numbers and numbers >= share * len(tokens)


MIN_CAPTIONED_NUMBERS = 3  # rows under a caption are a table with this many numbers


def table_runs(text: str) -> list[tuple[int, int]]:
    """(start, end) spans of a passage's table-like parts: the whole passage when it reads
    like a table; else the rows after a caption line (the PDF reader writes a table as its
    caption and then one line per row), other runs of row lines, and sentences that are a
    table flattened into prose ("… Method CLIP Score ↑ FID↓ SJC 0.2979 27.50 … Ours
    0.3213 14.98"), each holding enough numbers."""
    if is_table(text):
        return [(0, len(text))]
    spans: list[tuple[int, int, bool]] = []  # start, end, right after a caption
    run: tuple[int, int, bool] | None = None
    captioned = False
    for start, line in lines_with_offsets(text):
        end = start + len(line)
        # A caption line ending in its header ("Table 1. … settings. Method IS ↑ FVD ↓")
        # reads like a row, but it opens the table rather than continuing one.
        if is_row(line) and not TABLE_CAPTION.match(line):
            run = (run[0], end, run[2]) if run else (start, end, captioned)
            continue
        if run:
            spans.append(run)
            run = None
        captioned = bool(TABLE_CAPTION.match(line))
        spans += [(start + a, start + b, False) for a, b in sentence_spans(line)]
    if run:
        spans.append(run)
    return [(a, b) for a, b, after_caption in spans
            if is_table(text[a:b], MIN_CAPTIONED_NUMBERS if after_caption else MIN_ROW_NUMBERS,
                        0.0 if after_caption else ROW_SHARE)]


def table_windows(text: str, words: AbstractSet[str]) -> list[tuple[int, int]]:
    """(start, end) character spans of windows around the anchor words, overlaps merged."""
    tokens = list(_TOKEN.finditer(text))
    anchors = [i for i, m in enumerate(tokens) if _forms(m.group(0)) & (words | {OWN_ROW})]
    spans: list[tuple[int, int]] = []
    for i in anchors:
        lo, hi = max(0, i - BEFORE), min(len(tokens) - 1, i + AFTER)
        start, end = tokens[lo].start(), tokens[hi].end()
        if spans and start <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(end, spans[-1][1]))
        else:
            spans.append((start, end))
    return spans


def own_row(text: str, names: AbstractSet[str] = frozenset()) -> bool:
    """True when a table window holds the paper's own row: "Ours", or the method's name."""
    return any(_forms(t) & (names | {OWN_ROW}) for t in text.split())


_VERSION = re.compile(r"(?<=[a-z]{2})v?\d+$")  # a model's version: TPUv3 is a TPU


def _forms(token: str) -> set[str]:
    """A table cell as a word: folded, a formula symbol's subscript (𝜆VGG is VGG's), and
    without a version suffix (TPUv3 is a TPU)."""
    word = unicodedata.normalize("NFKC", token).strip(".,;:()[]").lower()
    return {fold(word), fold(word.lstrip("λ")), fold(_VERSION.sub("", word))}


CONTEXT_WORDS = 60  # words of a table's preceding text that score its windows
CAPTION_WORDS, NEAR_WORDS = 40, 20  # of the caption, and of the rows right before a window
# A table's caption as the PDF reader writes it: at the start of a line or of a sentence
# ("… as shown in Table 1." is a mention, not a caption).
_CAPTION_AT = re.compile(r"(?:^\s*|\n|[.!?]\s)((?:Table|TABLE|Tab\.)\s*[A-Z]?\d+\s*[.:|]\s)")


def window_context(before: str, previous: str = "") -> str:
    """The text that names a table window's rows and columns.

    Inside a table the PDF reader kept whole (a caption, then a line per row): the
    caption's first words, the header line after it and the rows right before the
    window. Otherwise the last words before the window in its passage, after those of
    the previous passage (a caption and header that a chunk boundary cut)."""
    text = f"{previous}\n{before}"  # a passage boundary ends a line
    captions = list(_CAPTION_AT.finditer(text))
    caption = captions[-1] if captions else None
    lines = text[caption.start(1):].split("\n") if caption else []
    if len(lines) > 1 and (is_row(lines[1]) or not lines[1].strip()):  # a caption, then rows
        near = " ".join(lines[2:]).split()[-NEAR_WORDS:]
        return " ".join([*lines[0].split()[:CAPTION_WORDS], *lines[1].split(), *near])
    return " ".join(text.split()[-CONTEXT_WORDS:])

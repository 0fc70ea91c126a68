"""Answers that live in tables: windows of a table's text around the words asked about.

PDF text of a results or settings table is a run of names and numbers with no sentence
in it ("male-3-casual 20.64 23.74 … 30.59"), so no quotable sentence holds a value that
only the table gives. For a question about a number, a value, a metric or a duration, a
passage that reads like a table offers windows around the question's words and around
"Ours" (the paper's own row) as candidates; the excerpt is the window's verbatim text.
"""

from __future__ import annotations

import re
from collections.abc import Set as AbstractSet

from indexer.sentences import sentence_spans
from indexer.textproc import fold

TABLE_KINDS = frozenset({"number", "value", "metric", "duration"})
_TOKEN = re.compile(r"\S+")
_NUMERIC = re.compile(r"^[(\[]?[-+±]?\d*[.,]?\d+(?:[.,]\d+)?[%)\]]?$")
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


ROW_WORDS = 40  # a line this short that does not end a sentence can be a table row


def table_runs(text: str) -> list[tuple[int, int]]:
    """(start, end) spans of a passage's table-like parts: the whole passage when it reads
    like a table; else runs of row lines (the PDF reader writes a table as its caption
    and then one line per row) and sentences that are a table flattened into prose
    ("… Method CLIP Score ↑ FID↓ SJC 0.2979 27.50 … Ours 0.3213 14.98"), each holding
    enough numbers."""
    if is_table(text):
        return [(0, len(text))]
    spans: list[tuple[int, int]] = []
    run: tuple[int, int] | None = None
    offset = 0
    for line in text.split("\n"):
        start, end = offset, offset + len(line)
        offset = end + 1
        tokens = line.split()
        if tokens and len(tokens) <= ROW_WORDS and not line.rstrip().endswith((".", ":")):
            run = (run[0], end) if run else (start, end)
            continue
        if run:
            spans.append(run)
            run = None
        spans += [(start + a, start + b) for a, b in sentence_spans(line)]
    if run:
        spans.append(run)
    return [(a, b) for a, b in spans if is_table(text[a:b], MIN_ROW_NUMBERS, ROW_SHARE)]


def table_windows(text: str, words: AbstractSet[str]) -> list[tuple[int, int]]:
    """(start, end) character spans of windows around the anchor words, overlaps merged."""
    tokens = list(_TOKEN.finditer(text))
    anchors = [i for i, m in enumerate(tokens)
               if fold(m.group(0).strip(".,;:()[]").lower()) in words | {OWN_ROW}]
    spans: list[tuple[int, int]] = []
    for i in anchors:
        lo, hi = max(0, i - BEFORE), min(len(tokens) - 1, i + AFTER)
        start, end = tokens[lo].start(), tokens[hi].end()
        if spans and start <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(end, spans[-1][1]))
        else:
            spans.append((start, end))
    return spans


CONTEXT_WORDS = 60  # words of a table's preceding text that score its windows


def window_context(before: str, previous: str = "") -> str:
    """The text that names a table window's rows and columns: the last words before the
    window in its passage, after those of the previous passage (the caption and header of
    a table that a chunk boundary cut)."""
    words = f"{previous} {before}".split()
    return " ".join(words[-CONTEXT_WORDS:])

"""The one sentence splitter: the chunker packs its sentences, answers quote them.

English: '.', '!' and '?' end a sentence when followed by space and a character that is
not lower case, except after an abbreviation (e.g., et al., Fig., single capitals as in
"J. Smith") or a list's number ("three stages: 1. Sample …", "2. Fit …": the number opens
its item). Chinese: '。', '！' and '？' always end one. A newline always ends one.
Trailing citation markers (``[3]``, ``[1, 2]``) stay with the sentence they close.
"""

from __future__ import annotations

import re

_END = re.compile(r"(?:[.!?]+|[。！？]+)[\"'”’)\]]*(?:\s*\[[\d,;\s–-]+\])*")
# A list item's number: at a sentence's start, or after the colon that announces the list.
_ENUMERATOR = re.compile(r"(?:^|[:;]\s*)\(?\d{1,2}$")
_ABBREV = frozenset("e.g i.e al etc fig figs eq eqs vs cf approx resp sec no ref refs et ca".split())


def _abbreviation_before(text: str, pos: int) -> bool:
    m = re.search(r"([A-Za-z][A-Za-z.]*)$", text[:pos])
    if not m:
        return False
    word = m.group(1).lower().rstrip(".")
    return word in _ABBREV or (len(word) == 1 and text[pos - 1].isupper())


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) character offsets of each sentence of `text`, whitespace trimmed."""
    spans: list[tuple[int, int]] = []
    offset = 0
    for line in text.split("\n"):
        start = 0
        for m in _END.finditer(line):
            end, rest = m.end(), line[m.end():]
            cjk = m.group(0)[0] in "。！？"
            if not cjk and rest and (not rest[0].isspace() or rest.lstrip()[:1].islower()
                                     or _abbreviation_before(line, m.start())
                                     or (m.group(0) == "." and _ENUMERATOR.search(line[start:m.start()].strip()))):
                continue
            _add_span(spans, line, start, end, offset)
            start = end
        _add_span(spans, line, start, len(line), offset)
        offset += len(line) + 1
    return spans


def _add_span(spans: list[tuple[int, int]], line: str, start: int, end: int, offset: int) -> None:
    piece = line[start:end]
    if piece.strip():
        lead = len(piece) - len(piece.lstrip())
        spans.append((offset + start + lead, offset + start + len(piece.rstrip())))


def split_sentences(text: str) -> list[str]:
    """The sentences of `text` (see `sentence_spans`)."""
    return [text[a:b] for a, b in sentence_spans(text)]


# How the PDF reader writes a table (`indexer.sources.pdf_tables`): its caption on one
# line, then one line per row. A row is short and does not end a sentence.
TABLE_CAPTION = re.compile(r"^(?:Table|TABLE|Tab\.)\s*[A-Z]?\d+\s*[.:|]")
ROW_WORDS = 40


def is_row(line: str) -> bool:
    """Whether a line can be a table row: short, and not ending a sentence."""
    tokens = line.split()
    return 0 < len(tokens) <= ROW_WORDS and not line.rstrip().endswith((".", ":"))


def lines_with_offsets(text: str) -> list[tuple[int, str]]:
    """The lines of a text, each with the offset where it starts."""
    out: list[tuple[int, str]] = []
    offset = 0
    for line in text.split("\n"):
        out.append((offset, line))
        offset += len(line) + 1
    return out


def table_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of the tables in a text: a caption line ("Table 2: …") and the
    row lines right after it (at least one)."""
    lines = lines_with_offsets(text)
    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(lines):
        start, line = lines[i]
        j = i + 1
        if TABLE_CAPTION.match(line):
            while j < len(lines) and is_row(lines[j][1]):
                j += 1
            if j > i + 1:
                spans.append((start, lines[j - 1][0] + len(lines[j - 1][1])))
        i = j
    return spans

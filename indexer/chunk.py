"""Section-aware chunking: passages → overlapping chunks that fit the encoder.

Chunks never cross a section boundary, so a hit can be cited as paper · section ·
page. Text is packed sentence by sentence (`indexer.sentences`) to about `chunk_words` words with a small
overlap; a chunk whose word-piece count would exceed the model's window is split
further, because sentence-transformers would otherwise truncate it silently. A table
(its caption, then a line per row) is packed as one span, on lines of its own, and split
only between rows.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from indexer.models import Chunk, Document, Passage
from indexer.sentences import TABLE_CAPTION, lines_with_offsets, sentence_spans, table_spans
from indexer.sources.pdf_sections import ABSTRACT, FRONT_MATTER

TokenCounter = Callable[[str], int]
SUMMARY_SECTION = "Summary (machine-generated)"  # a digest's Chinese summary, one chunk
# Sections that say what a paper is about as a whole; every other section is its body.
HEAD_SECTIONS = frozenset({FRONT_MATTER, ABSTRACT, SUMMARY_SECTION})
HEADING_WORDS = 10  # a line of its own this short, without a full stop, is a heading
CAPTION_HEAD_WORDS = 16  # of a table's caption, repeated above rows split from it

_CJK = re.compile(r"[\u4e00-\u9fff]")


@dataclass(frozen=True)
class _Span:
    """A sentence of a section: its text, offsets into the section text, and page."""

    text: str
    start: int
    end: int
    page: int | None
    heading: bool = False  # a short line of its own without a full stop ("3.2 DATASETS")
    caption: str = ""  # rows split from their table: the caption's opening, to repeat


def word_count(text: str) -> int:
    """Words for chunk sizing; each CJK character counts as one word."""
    return len(text.split()) + len(_CJK.findall(text))


def _section_runs(passages: Iterable[Passage]) -> list[list[Passage]]:
    """Group consecutive passages that share a section heading."""
    runs: list[list[Passage]] = []
    for p in passages:
        if not p.text.strip():
            continue
        if runs and runs[-1][0].section == p.section:
            runs[-1].append(p)
        else:
            runs.append([p])
    return runs


def _sentences(run: list[Passage]) -> list[_Span]:
    """Split a section's passages into sentences, keeping page and character offsets.

    A table (its caption, then a line per row) is one span, lines kept, so a chunk that
    fits it holds the caption and header that say what its numbers are."""
    spans: list[_Span] = []
    offset = 0
    for passage in run:
        tables = table_spans(passage.text)
        for start, end in sentence_spans(passage.text):
            table = next(((a, b) for a, b in tables if a <= start < b), None)
            if table and start > table[0]:
                continue  # inside a table already added
            start, end = table or (start, end)
            text = passage.text[start:end]
            heading = (len(text.split()) <= HEADING_WORDS and not re.search(r"[.!?:;,]$", text)
                       and passage.text[end:end + 1] in ("\n", "")
                       and passage.text[start - 1:start] in ("\n", ""))
            spans.append(_Span(text, offset + start, offset + end, passage.page, heading))
        offset += len(passage.text) + 1  # passages are joined with one separator character
    return spans


def _split_long(span: _Span, max_words: int) -> list[_Span]:
    """Cut one over-long sentence into word windows (rare: run-on text); a table into
    runs of whole rows."""
    if len(span.text.split()) <= max_words:
        return [span]
    if "\n" in span.text:
        return _split_rows(span, max_words)
    words = span.text.split()
    out = []
    for i in range(0, len(words), max_words):
        piece = " ".join(words[i : i + max_words])
        out.append(_Span(piece, span.start, span.end, span.page))
    return out


def _split_rows(span: _Span, max_words: int) -> list[_Span]:
    """A table's lines packed into pieces of at most `max_words` (a longer line alone).

    Pieces after the caption's carry its opening (`_Span.caption`): rows cut from their
    caption would not say what table they are ("… Ours 26.6" of COCO-Stuff-27's mIoU)."""
    pieces: list[_Span] = []
    lines: list[tuple[int, str]] = []
    for offset, line in lines_with_offsets(span.text):
        if lines and sum(len(t.split()) for _, t in lines) + len(line.split()) > max_words:
            pieces.append(_rows_span(span, lines))
            lines = []
        lines.append((offset, line))
    pieces.append(_rows_span(span, lines))
    out = [p for piece in pieces for p in _split_long(piece, max_words)]
    head = span.caption or _caption_head(span.text)
    if not head or len(head.split()) > max_words // 3:
        return out
    return [p if i == 0 and not span.caption else replace(p, caption=head) for i, p in enumerate(out)]


def _caption_head(table: str) -> str:
    """A table's caption opening: its first sentence, if short, else its first words."""
    line = table.split("\n", 1)[0]
    if not TABLE_CAPTION.match(line):
        return ""
    first = next(iter(sentence_spans(line)), (0, len(line)))
    words = line[first[0]:first[1]].split()
    if len(words) <= 3:  # "Table 3." alone: its next sentence says what it is
        words = line.split()
    return " ".join(words[:CAPTION_HEAD_WORDS])


def _rows_span(span: _Span, lines: list[tuple[int, str]]) -> _Span:
    start = span.start + lines[0][0]
    text = "\n".join(t for _, t in lines)
    return _Span(text, start, start + len(text), span.page)


def _pack(spans: list[_Span], words: int, overlap: int) -> list[list[_Span]]:
    """Greedy sentence packing to ~`words` words, repeating ~`overlap` words."""
    groups: list[list[_Span]] = []
    current: list[_Span] = []
    size = 0
    for span in spans:
        n = word_count(span.text)
        if current and size + n > words:
            groups.append(current)
            keep: list[_Span] = []
            kept = 0
            for prev in reversed(current):
                kept += word_count(prev.text)
                if kept > overlap:
                    break
                keep.insert(0, prev)
            current, size = keep, sum(word_count(s.text) for s in keep)
        current.append(span)
        size += n
    if current and (not groups or current[-1] is not groups[-1][-1]):
        groups.append(current)
    return groups


def _fit(group: list[_Span], budget: int, count: TokenCounter) -> list[list[_Span]]:
    """Split a packed group in halves until every part fits the token budget."""
    text = " ".join([group[0].caption, *(s.text for s in group)])
    if count(text) <= budget or len(group) == 1:
        if len(group) == 1 and count(text) > budget:
            words = max(8, len(text.split()) // 2)
            halves = _split_long(group[0], words)
            if len(halves) > 1:
                return [part for h in halves for part in _fit([h], budget, count)]
        return [group]
    mid = len(group) // 2
    return _fit(group[:mid], budget, count) + _fit(group[mid:], budget, count)


def chunk_document(
    doc: Document,
    *,
    words: int = 200,
    overlap: int = 30,
    budget: int = 240,
    count_tokens: TokenCounter | None = None,
) -> list[Chunk]:
    """Chunk a document's English passages, then add its machine-generated Chinese text.

    Args:
        doc: the paper and its passages.
        words: target words per chunk.
        overlap: words repeated from the previous chunk of the same section.
        budget: maximum word pieces per chunk (the model window minus room for the title).
        count_tokens: word-piece counter of the embedding model; words × 1.5 when None.

    Returns:
        Chunks in reading order; English ones first, then at most one Chinese chunk.
    """
    count = count_tokens or (lambda t: int(word_count(t) * 1.5))
    chunks: list[Chunk] = []
    for run in _section_runs(doc.passages):
        spans = [s for sp in _sentences(run) for s in _split_long(sp, words)]
        for group in _pack(spans, words, overlap):
            for part in _fit(group, budget, count):
                chunks.append(_make_chunk(doc, len(chunks), run[0].section, part, "en"))
    zh = _chinese_text(doc)
    if zh:
        span = _Span(zh, 0, len(zh), None)
        chunks.append(_make_chunk(doc, len(chunks), SUMMARY_SECTION, [span], "zh"))
    return chunks


def _chinese_text(doc: Document) -> str:
    """The digest's Chinese summary and takeaways, for keyword search only."""
    parts = [doc.paper.summary_zh.strip(), *(t.strip() for t in doc.paper.takeaways_zh)]
    return "\n".join(p for p in parts if p)


def _make_chunk(doc: Document, ordinal: int, section: str, spans: list[_Span], lang: str) -> Chunk:
    return Chunk(
        chunk_id=f"{doc.paper.paper_id}#{ordinal}",
        paper_id=doc.paper.paper_id,
        ordinal=ordinal,
        section=section,
        page=spans[0].page,
        start=spans[0].start,
        end=spans[-1].end,
        text=_joined(spans) if lang == "en" else spans[0].text,
        lang="zh" if lang == "zh" else "en",
    )


def _joined(spans: list[_Span]) -> str:
    """Sentences joined by spaces; a heading and a table on lines of their own, as in
    their passage (else a heading would read as the start of the sentence after it).
    Rows split from their table open with the caption's opening line."""
    out = f"{spans[0].caption}\n{spans[0].text}" if spans[0].caption else spans[0].text
    for prev, span in zip(spans, spans[1:], strict=False):
        own_line = prev.heading or "\n" in prev.text or "\n" in span.text
        out += ("\n" if own_line else " ") + span.text
    return out

"""Passages joined with their neighbours, so that an excerpt can run across a chunk boundary.

The chunker cuts a section every ~200 words and repeats at most 30 words of the chunk before;
a longer sentence that ends one chunk is not repeated, and what follows it (often the answer:
"… we use A-pose videos with six types of clothing. | For each video, we uniformly select
frames 0-400 …") opens another passage. A quoted sentence at either edge of its passage is
therefore quoted from the passage joined with the sentences next to it in the same section:
the section's own text, read across the cut. The citation keeps the passage's section and
page.
"""

from __future__ import annotations

from indexer.sentences import TABLE_CAPTION, is_row, sentence_spans
from search.answer.evidence import Evidence
from search.answer.sentences import Sentence
from search.retrieval.engine import Searcher

EDGE_SENTENCES = 2  # sentences taken from a neighbouring passage


def join_edges(searcher: Searcher, evidence: list[Evidence], picks: list[Sentence]) -> None:
    """Re-point each pick that opens or ends its passage to a copy of the passage joined with
    its neighbours' adjacent sentences (appended to `evidence`), offsets shifted to match."""
    moved: dict[int, tuple[int, int]] = {}  # evidence index → (joined index, shift)
    for ev in dict.fromkeys(s.ev for s in picks):
        own = [s for s in picks if s.ev == ev]
        text = evidence[ev].text
        spans = sentence_spans(text)
        if not spans:
            continue
        opens = any(s.start <= spans[0][1] for s in own)
        ends = any(s.end >= spans[-1][0] for s in own)
        before = _before(searcher, evidence[ev], text) if opens else ""
        after = _after(searcher, evidence[ev], text) if ends else ""
        if before or after:
            hit = evidence[ev].hit.model_copy(update={"text": before + text + after})
            evidence.append(Evidence(hit, evidence[ev].paper, evidence[ev].score, evidence[ev].focus))
            moved[ev] = (len(evidence) - 1, len(before))
    for s in picks:
        if s.ev in moved:
            s.ev, shift = moved[s.ev]
            s.start, s.end = s.start + shift, s.end + shift


def _before(searcher: Searcher, ev: Evidence, text: str) -> str:
    """The last sentences of the passage before, not repeated at the start of `text`, and
    what joins them to it ("" when there are none)."""
    previous = searcher.preceding(ev.hit)
    if previous is None:
        return ""
    prior = previous.text
    spans = sentence_spans(prior)
    # Chunks overlap: the passage may open with the last sentences of the one before.
    cut = next((a for a, _ in spans if text.startswith(prior[a:].strip())), len(prior))
    new = [(a, b) for a, b in spans if b <= cut][-EDGE_SENTENCES:]
    if not new:
        return ""
    piece = prior[new[0][0]:new[-1][1]]
    return piece + _separator(piece, text.split("\n", 1)[0])


def _after(searcher: Searcher, ev: Evidence, text: str) -> str:
    """The first sentences of the passage after, not already at the end of `text`, and
    what joins them to it ("" when there are none)."""
    following = searcher.following(ev.hit)
    if following is None:
        return ""
    nxt = following.text
    repeated = next((text[a:].strip() for a, _ in sentence_spans(text)
                     if nxt.startswith(text[a:].strip())), "")
    rest = nxt[len(repeated):]
    spans = sentence_spans(rest)[:EDGE_SENTENCES]
    if not spans:
        return ""
    piece = rest[spans[0][0]:spans[-1][1]]
    return _separator(piece, text.rsplit("\n", 1)[-1]) + piece


def _separator(piece: str, line: str) -> str:
    """How the chunker joins two pieces of a section: a table's caption and rows stand on
    lines of their own (a table split between chunks goes on in the next), prose runs on."""
    tabular = "\n" in piece or TABLE_CAPTION.match(piece) or (is_row(line) and not piece[:1].islower())
    return "\n" if tabular else " "

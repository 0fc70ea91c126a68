"""What a passage offers to quote for a question: its usable sentences, the sentences
that give the asked fact though they are too short or too long to quote as a rule, and,
for a question about a number, windows of its tables."""

from __future__ import annotations

import re
from collections.abc import Set as AbstractSet

from indexer.sentences import sentence_spans
from search.answer.extract import usable_sentence
from search.answer.facts import Kind, supplies
from search.answer.tables import TABLE_KINDS, table_runs, table_windows


def quotable_spans(text: str, kinds: tuple[Kind, ...], words: AbstractSet[str],
                   captions: bool = False) -> list[tuple[int, int, bool]]:
    """(start, end, is a table window) of what the passage offers to quote: its usable
    sentences, and for a question about a number its table windows around `words`. With
    `captions` (the question asks about a figure), a figure's caption without its label."""
    spans = sentence_spans(text)
    if captions:
        spans = [_after_label(text, span) for span in spans]
    out = [(a, b, False) for a, b in (_where_clause(text, _after_equation(text, span)) for span in spans)
           if usable_sentence(text[a:b]) or _gives_fact(text[a:b], kinds)
           or _long_sentence(text[a:b])]
    if TABLE_KINDS & set(kinds):
        out += [(lo + a, lo + b, True)
                for lo, hi in table_runs(text) for a, b in table_windows(text[lo:hi], words)]
    return out


# "Figure 4: Two attention heads, also in layer 5 of 6, apparently involved in anaphora
# resolution." states what the figure shows once its label is gone.
_FIGURE_LABEL = re.compile(r"(?:Figure|Fig\.)\s*\d+\s*[:.|]\s*(?=[A-Z])")


def _after_label(text: str, span: tuple[int, int]) -> tuple[int, int]:
    """A figure caption's sentence span without its "Figure N:" label."""
    m = _FIGURE_LABEL.match(text, span[0], span[1])
    return (m.end(), span[1]) if m else span


# The end of a displayed equation: "… + λattnLattn, (10) where λid = 1 and λattn = 2.5 is used",
# or in words: "where ξ(x) is the index of the closest vertex … , and τ is 0.2", "where ϵ is
# often set at 1−12".
_WHERE_SET = re.compile(r"\bwhere\b[^.]{0,120}?[=≈]\s*[\d.]+"
                        r"|^where\b.{0,200}?\b(?:is|are|equals|(?:set|fixed) (?:at|to))\s+\d+(?:\.\d+)?(?![\w-])")
# A short sentence that sets a value: "We used warmup_steps = 4000."
_SHORT_SET = re.compile(r"^[A-Z][^.]{0,60}?\S\s*=\s*[\d.,]+[kKMB%]?\.$")
# A displayed equation's number, then its closing clause: "…, z < 0, (172) where a > 1 …".
_EQUATION_END = re.compile(r"\(\d{1,3}\)\s+(?=where\b)")


def _after_equation(text: str, span: tuple[int, int]) -> tuple[int, int]:
    """An unusable sentence span without the displayed equation it opens with: the PDF text
    runs the equation's symbols into its closing "where …" clause, which alone is quotable."""
    if usable_sentence(text[span[0]:span[1]]):
        return span
    m = _EQUATION_END.search(text, span[0], span[1])
    return (m.end(), span[1]) if m else span


_STOP = re.compile(r"\.(?=\s|$)")


def _where_clause(text: str, span: tuple[int, int]) -> tuple[int, int]:
    """An equation's closing "where …" clause that sets a value, up to the end of the
    sentence holding the value: the clause starts in lower case, and so may the sentence
    after it ("… set at 1−12. fθs is the online encoder …"), which no split then separates."""
    a, b = span
    clause = text[a:b]
    m = _WHERE_SET.search(clause)
    if not clause.startswith("where") or not m or usable_sentence(clause):
        return span
    end = _STOP.search(clause, m.end())
    return (a, a + end.start() + 1) if end else span


LONG_WORDS = 100  # a sentence this long still states a fact in a paper's body


def _long_sentence(text: str) -> bool:
    """A complete sentence over the quotable length ("We render each of the 25K objects
    from four viewpoints … and lit with 12 different lighting conditions.")."""
    words = text.split()
    if not 70 < len(words) <= LONG_WORDS or text.rstrip()[-1] not in ".!?":
        return False
    tail = " ".join(words[-60:])
    return usable_sentence(" ".join(words[:60]) + ".") and usable_sentence(tail[:1].upper() + tail[1:])


_SHORT = re.compile(r"^[A-Z][^.]{0,60}\.$")


def _gives_fact(text: str, kinds: tuple[Kind, ...]) -> bool:
    """A sentence that gives the kind of fact asked though it is no usable sentence: an
    equation's closing clause, split from its sentence by the equation, so it starts in
    lower case ("where λ1 = 2"); or a sentence too short to quote on its own ("We used
    K = 2.", "Training takes approximately 4 days.")."""
    text, asked = text.strip(), set(kinds)
    if {"value", "number"} & asked:
        if _WHERE_SET.search(text) and usable_sentence(text[:1].upper() + text[1:]):
            return True
        if len(text.split()) >= 3 and _SHORT_SET.match(text):
            return True
    timed = asked & {"duration", "hardware"}
    return bool(timed) and len(text.split()) >= 3 and bool(_SHORT.match(text)) and supplies(
        text, tuple(sorted(timed))) > 0

"""Split a paper's text into sections at its headings.

Text before the first heading is "Front matter". Each top-level heading ("Abstract",
"1 Introduction", "III Method", ...) starts a section named after it, with the number
kept and ALL-CAPS titles re-cased. Numbered subsections ("4.1 Datasets") stay in their
parent section and keep their heading line in the text. The reference list is
dropped, and only it: the next heading after it (an appendix, the next chapter, the next
paper of a proceedings volume) resumes the text, unless what follows that heading still
reads like bibliography entries (a heading-like line inside the list), which is dropped
too. What was dropped is returned as page ranges, for the job report.

A document's top-level headings are recognised by their look, learnt from the lines
that name a usual section ("1 Introduction", "RELATED WORK"): any other numbered line
in that font, size and case is a heading too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from indexer.models import Passage
from indexer.sources import pdf_layout as layout
from indexer.sources.pdf_layout import Block, Line

FRONT_MATTER = "Front matter"
ABSTRACT = "Abstract"

# "3. Method", "III. METHOD", "4.1 Datasets", "A Proofs" or unnumbered "Abstract".
_HEADING = re.compile(
    r"^(?:(?P<num>\d{1,2}(?:\.\d{1,2})*|[IVX]{1,6}|[A-H](?:\.\d{1,2})*)(?P<dot>[.:]?)\s+)?"
    r"(?P<title>[A-Z][^!;]{1,80}?)\s*[.:]?$"
)
# Usual section names (lower-cased), also as "Limitations and Conclusion".
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
# What bibliography entries have and prose rarely does: "[12]", "12." or author names at the
# start of a line, a year after the authors or at the end, page ranges, venues, DOIs.
_REF_ENTRY = re.compile(
    r"^\s*(?:\[\d{1,4}\]|\d{1,3}\.\s+[A-Z])"  # [12] or 12. Name
    r"|^[A-Z][\w'’\-]+,\s+(?:[A-Z]\.\s?)+"  # He, K.
    r"|^(?:[A-Z]\.\s?)+[A-Z][\w'’\-]+,"  # K. He,
    r"|^[A-Z][a-z]+(?:[ \-][A-Z][a-z]*\.?){1,2},\s+[A-Z][a-z]+"  # Kaiming He, Xiangyu
    r"|\b(?:19|20)\d{2}[a-z]?\.\s|(?:19|20)\d{2}[a-z]?\)?\.?\s*$"  # Sun. 2016. Deep / CVPR, 2016.
    r"|\b\d{1,5}\s?[–-]\s?\d{1,5}\.?\s*$"  # pages 770–778.
    r"|\bIn\s+(?:Proc\.|Proceedings)|\barXiv(?: preprint)?\s+arXiv:|\bpp\.\s*\d|\bvol\.\s*\d"
    r"|\bdoi:|https?://doi")
# "Abstract—We present ..." (IEEE) or "Abstract. We ..." (Springer) on one line.
_RUN_IN_ABSTRACT = re.compile(r"^(?:Abstract|ABSTRACT)\s*[.:—–-]\s*(?P<rest>\S.*)$")
TRIAL_LINES = 40  # lines after a heading that show whether a reference list really ended
# Share of those lines with a bibliography feature: 0.38-0.85 in the reference lists of the
# shared PDFs, at most 0.17 in their prose (author-year citations included).
REFERENCE_SHARE = 0.3
Sig = tuple[float, bool, bool]  # font size, bold, upper-case: how a heading looks
_ROMAN = {"I": 1, "V": 5, "X": 10}
_SMALL_WORDS = frozenset(
    "a an and as at by for from in into of on or the to via vs with without".split()
)


@dataclass
class _Heading:
    name: str
    kind: str  # "section", "references" or "appendix"
    number: int | None = None
    rest: str = ""  # run-in text after "Abstract—"


@dataclass
class _Walk:
    """State while walking the document's lines in reading order."""

    body: float  # running-text font size
    sig: Sig | None  # size, bold, upper-case of top-level headings
    numbered: bool  # whether top-level headings carry numbers
    vocab: set[str]
    section: str = FRONT_MATTER
    in_refs: bool = False
    last_number: int = 0
    next_letter: str = "A"
    passages: list[tuple[str, int, list[str]]] = field(default_factory=list)
    refs: list[int] = field(default_factory=list)  # [first, last] page of the open reference list
    resumed: int | None = None  # passages from here on follow a reference list: still on trial
    trial: list[str] = field(default_factory=list)  # their first lines, as printed
    dropped: list[tuple[int, int]] = field(default_factory=list)  # page ranges of reference lists
    page: int = 0


def _parse(line: Line, styled: bool = False) -> re.Match[str] | None:
    """The parts of a heading-like line; `styled` lines (in the headings' own look) may end
    in a number ("Proofs for Section 3"), others would be contents lines ("Method 3")."""
    m = _HEADING.match(line.text)
    if not m or len(m.group("title").split()) > 12 or ". " in m.group("title"):
        return None
    if re.search(r"\.\s?\.", m.group("title")) or (  # a contents line: "Method .... 3"
            re.search(r"\d$", m.group("title")) and not (styled and m.group("num"))):
        return None
    return m


def _signature(line: Line) -> Sig:
    return (round(line.size, 1), line.bold, line.upper)


def _matches(line: Line, sig: Sig | None) -> bool:
    if sig is None:
        return False
    size, bold, upper = sig
    return abs(line.size - size) <= max(0.6, 0.06 * size) and (line.bold, line.upper) == (
        bold,
        upper,
    )


def _heading_style(pages: list[list[Block]], body: float) -> tuple[Sig, bool] | None:
    """The look of top-level headings, learnt from lines like "1 Introduction"."""
    numbered: list[Sig] = []
    plain: list[Sig] = []
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
    run_in = _RUN_IN_ABSTRACT.match(line.text)
    if run_in:
        return _Heading(ABSTRACT, "section", rest=run_in.group("rest"))
    m = _parse(line, styled=_matches(line, walk.sig))
    if not m:
        return None
    num, title = m.group("num") or "", _clean_title(m.group("title"))
    low, same = title.lower(), _matches(line, walk.sig)
    name = f"{num} {title}" if num else title
    styled = (line.bold or line.upper or line.size >= 1.08 * walk.body) and (
        line.size >= 0.95 * walk.body  # bold table cells are smaller than the text
    )
    # "A Proofs": appendices are lettered; after a reference list, bold or capitals will do.
    if num and num == walk.next_letter and (same or (styled and walk.in_refs)):
        return _Heading(name, "appendix")
    if _REFERENCES.match(low) and (same or styled or line.bold or line.upper or lone):
        return _Heading(name, "references")  # missing it would index the bibliography
    if _KNOWN.match(low) and (same or styled) and "." not in num:
        kind = "appendix" if _APPENDIX.match(low) else "section"
        return _Heading(name, kind, _number(num) if num else None)
    if not same or "." in num:  # other headings must look like the known ones
        return None
    value = _number(num) if num else None
    if value is not None and walk.last_number < value <= walk.last_number + 2:
        return _Heading(name, "section", value)
    if not num and (walk.in_refs or not walk.numbered) and walk.section != FRONT_MATTER:
        return _Heading(name, "section")  # (not the authors' names before the first heading)
    return None


def _reference_like(lines: list[str]) -> bool:
    """Whether lines read like bibliography entries rather than prose."""
    lines = [ln for ln in lines[:TRIAL_LINES] if ln.strip()]
    hits = sum(1 for ln in lines if _REF_ENTRY.search(ln))
    return bool(lines) and hits >= REFERENCE_SHARE * len(lines)


def _judge_resumed(walk: _Walk) -> None:
    """End the trial of the text after a reference list: prose is kept; text that still
    reads like bibliography entries is dropped and the reference list goes on."""
    if walk.resumed is None:
        return
    start, walk.resumed = walk.resumed, None
    tail, lines, walk.trial = walk.passages[start:], walk.trial, []
    if _reference_like(lines):
        del walk.passages[start:]
        walk.in_refs = True
        walk.refs[1] = max([walk.refs[1], *(page for _, page, _ in tail)])
    else:
        walk.dropped.append((walk.refs[0], walk.refs[1]))


def _enter(walk: _Walk, head: _Heading) -> bool:
    """Apply a heading to the walk; False when it is ignored."""
    _judge_resumed(walk)
    if head.kind == "references":
        if not walk.in_refs:
            walk.in_refs, walk.refs = True, [walk.page, walk.page]
        return False
    if walk.in_refs:  # the next heading ends the reference list
        walk.in_refs = False
        if head.kind == "appendix":
            walk.dropped.append((walk.refs[0], walk.refs[1]))
        else:  # on trial: it may be a heading-like line inside the list (`_judge_resumed`)
            walk.resumed = len(walk.passages)
    if head.kind == "appendix" and head.name[:1] == walk.next_letter:
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
        and len(head.text) >= 30  # a short heading did not need to wrap
        and not head.text.endswith((".", ":"))
        and not re.match(r"\d", line.text)
        and len(line.text.split()) <= 10
    )


def _add(walk: _Walk, page: int, lines: list[str]) -> None:
    if lines and walk.in_refs:
        walk.refs[1] = page
    if not lines or walk.in_refs:
        return
    if walk.resumed is not None and len(walk.trial) < TRIAL_LINES:
        walk.trial.extend(lines)
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
    if block.table:  # a table: its caption and each row a paragraph, never a heading
        for line in block.lines:
            _add(walk, page, [line.text])
        return
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


def split_sections(pages: list[list[Block]]) -> tuple[list[Passage], list[tuple[int, int]]]:
    """Split a document's text into passages at its top-level headings.

    Args:
        pages: every page's blocks, in reading order.

    Returns:
        Passages in reading order, one per section and page, without the reference
        lists; and the (first, last) page of every reference list left out.
    """
    body = layout.body_font_size(pages)
    style = _heading_style(pages, body)
    sig, numbered = style if style else (None, False)
    walk = _Walk(body, sig, numbered, layout.vocabulary(pages))
    for page_no, blocks in enumerate(pages, start=1):
        walk.page = page_no
        for block in blocks:
            _walk_block(walk, page_no, block)
    _judge_resumed(walk)
    if walk.in_refs:
        walk.dropped.append((walk.refs[0], walk.refs[1]))
    passages = [Passage(section=s, page=p, text="\n".join(parts)) for s, p, parts in walk.passages]
    return passages, walk.dropped

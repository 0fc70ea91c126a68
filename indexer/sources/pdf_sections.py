"""Split a paper's text into sections at its headings.

Text before the first heading is "Front matter". Each top-level heading ("Abstract",
"1 Introduction", "III Method", ...) starts a section named after it, with the number
kept and ALL-CAPS titles re-cased. Numbered subsections ("4.1 Datasets") stay in their
parent section and keep their heading line in the text. The reference list is
dropped; an appendix after it (a heading "Appendix ...", "Supplementary ..." or a
lettered "A ...") is returned.

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
# "Abstract—We present ..." (IEEE) or "Abstract. We ..." (Springer) on one line.
_RUN_IN_ABSTRACT = re.compile(r"^(?:Abstract|ABSTRACT)\s*[.:—–-]\s*(?P<rest>\S.*)$")
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


def _parse(line: Line) -> re.Match[str] | None:
    m = _HEADING.match(line.text)
    if not m or len(m.group("title").split()) > 12 or ". " in m.group("title"):
        return None
    if re.search(r"\d$|\.\s?\.", m.group("title")):  # a contents line: "Method .... 3"
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
    m = _parse(line)
    if not m:
        return None
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
        kind = "appendix" if _APPENDIX.match(low) else "section"
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
        and len(head.text) >= 30  # a short heading did not need to wrap
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


def split_sections(pages: list[list[Block]]) -> list[Passage]:
    """Split a document's text into passages at its top-level headings.

    Args:
        pages: every page's blocks, in reading order.

    Returns:
        Passages in reading order, one per section and page, without the references.
    """
    body = layout.body_font_size(pages)
    style = _heading_style(pages, body)
    sig, numbered = style if style else (None, False)
    walk = _Walk(body, sig, numbered, layout.vocabulary(pages))
    for page_no, blocks in enumerate(pages, start=1):
        for block in blocks:
            _walk_block(walk, page_no, block)
    return [Passage(section=s, page=p, text="\n".join(parts)) for s, p, parts in walk.passages]

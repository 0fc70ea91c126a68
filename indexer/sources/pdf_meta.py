"""A paper's authors, date and clean abstract from its PDF: metadata first, then the layout.

Pure functions over what `indexer.sources.pdf` reads with PyMuPDF: the document's
metadata dict and the first page's ``get_text("dict")``.

Authors: the PDF's ``author`` field when it names people (most arXiv PDFs leave it
empty), else the author block of the first page, between the title and the abstract.
That block mixes names with affiliations, e-mails and footnote marks, so it is read as
rows of text in which superscripts, footnote symbols and wide gaps separate names; the
name rows are those in the type style (size, weight) of the first row that reads as
names, and a row's names run until its first segment that is not a name ("Senior
Member", an institute).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

MARKS = "*∗†‡§¶⋆★♠♢♣♡♥♦#+✉"
_MARK_RUN = re.compile(f"[{re.escape(MARKS)}]+")
_SPLIT = re.compile(r"\s*(?:\||,|;|&|\band\b|\s{3,})\s*")
_INITIAL = re.compile(r"^(?:[A-Z]\.-?)+[A-Z]?\.?$")
_PARTICLES = frozenset("van von der den de da di del della la le du dos des bin al el ter zu".split())
_NOT_NAMES = frozenset("""
    university univ universiteit universität université universidad institute institut inst
    research lab labs laboratory laboratories technology technologies tech inc ltd corp
    corporation company group department dept school college academy center centre faculty
    hospital foundation team studio studios systems sciences science engineering computer
    google microsoft meta nvidia adobe tencent alibaba bytedance baidu deepmind amazon apple
    facebook intel samsung huawei sony snap disney oppo kuaishou sensetime megvii openai ai
    preprint member senior fellow ieee acm abstract introduction project page code github
    equal contribution contributions corresponding author authors conference workshop
    proceedings arxiv email vision graphics learning intelligence intelligent national state
    international
    key china usa germany kingdom united states japan korea switzerland france canada
    singapore italy spain india australia netherlands israel sweden austria belgium denmark
    finland norway poland russia taiwan beijing shanghai shenzhen hangzhou zurich
    zürich london paris tokyo seoul boston california
""".split())
_MONTHS = {m: i for i, m in enumerate(
    "jan feb mar apr may jun jul aug sep oct nov dec".split(), start=1)}
_ACCENTS = {"´": "\u0301", "`": "\u0300", "¨": "\u0308", "ˆ": "\u0302", "˜": "\u0303",
            "ˇ": "\u030c", "¸": "\u0327", "˚": "\u030a", "˘": "\u0306", "˙": "\u0307"}
_LOOSE_ACCENT = re.compile("([" + "".join(_ACCENTS) + r"])\s?([A-Za-z])")
_FOOTNOTE = re.compile(
    r"equal(ly)? contribut|contributed equally|corresponding author|work (was )?(done|performed)"
    r"|project lead|\S+@\S+\.\w|©|copyright|permission to make digital|preprint\. under review"
    r"|^\d+(st|nd|rd|th) conference on|conference on neural information processing",
    re.IGNORECASE)
_CAPTION = re.compile(r"^(Figure|Fig\.|Table)\s*\d+\s*[.:|]")
_TAIL = re.compile(r"\s*\b(Index Terms|Keywords|Key words|CCS Concepts)\b\s*[—–:.\-]?.*$", re.DOTALL)


def fix_accents(text: str) -> str:
    """LaTeX's detached accents as real letters: ``Pocz´os`` → ``Poczós``, ``Jiˇrí`` → ``Jiří``."""
    if not any(a in text for a in _ACCENTS):
        return text
    return unicodedata.normalize(
        "NFC", _LOOSE_ACCENT.sub(lambda m: m.group(2) + _ACCENTS[m.group(1)], text))


def _clean_segment(segment: str) -> str:
    """A name candidate without affiliation numbers, nicknames or stray punctuation."""
    text = re.sub(r"[“\"(][^”\")]*[”\")]", " ", segment)  # Jiezhi “Stephen” Yang
    text = re.sub(r"(?<=[^\W\d_])\d+(?:\s*,\s*\d+)*", " ", text)  # Xu1,2
    return " ".join(text.strip(" .,;:-").split())


def _token_ok(token: str, last: bool) -> bool:
    if token in _PARTICLES or _INITIAL.match(token):  # "van", "J.": never the surname
        return not last
    if last and len(token) == 1:  # "Application I" is no surname
        return False
    return token[0].isupper() and all(c.isalpha() or c in ".-'’" for c in token)


def as_name(segment: str) -> str | None:
    """`segment` as a person's name (capitalised if written in capitals), or None."""
    text = _clean_segment(segment)
    tokens = text.split()
    if not 2 <= len(tokens) <= 5 or len(text) > 40 or re.search(r"[\d@/:()\[\]]", text):
        return None
    if any(t.lower().strip(".") in _NOT_NAMES for t in tokens):
        return None
    if not all(_token_ok(t, i == len(tokens) - 1) for i, t in enumerate(tokens)):
        return None
    if text.isupper():
        tokens = [t if _INITIAL.match(t) else t.capitalize() for t in tokens]
    return " ".join(tokens)


def authors_from_metadata(field: str) -> list[str]:
    """Names in the PDF's ``author`` field ("A; B", "A, B and C"), if it names people."""
    text = fix_accents(" ".join((field or "").split()))
    parts = text.split(";") if ";" in text else re.split(r",|\band\b|&", text)
    names = [n for n in (as_name(p) for p in parts) if n]
    return names if names and len(names) >= len([p for p in parts if p.strip()]) / 2 else []


@dataclass
class Piece:
    """One line of PyMuPDF's page dict: text (marks and superscripts turned into ``|``),
    box and type style."""

    text: str
    x0: float
    y0: float
    y1: float
    size: float
    bold: bool

    @property
    def style(self) -> tuple[float, bool]:
        return round(self.size * 2) / 2, self.bold


def _visible(span: dict, ocr: bool) -> bool:
    return span["size"] >= 3 and (ocr or (span.get("alpha", 255) != 0 and span["color"] != 0xFFFFFF))


def _piece(line: dict, ocr: bool) -> Piece | None:
    spans = [s for s in line["spans"] if not s["text"].strip() or _visible(s, ocr)]
    inked = [s for s in spans if s["text"].strip()]
    if not inked or abs(line["dir"][1]) > 0.01 or line["dir"][0] < 0:
        return None
    main = max(inked, key=lambda s: len(s["text"].strip()))
    text = "".join("|" if s["text"].strip() and s["size"] < 0.8 * main["size"] else s["text"]
                   for s in spans)
    bold = bool(main["flags"] & 16) or "Bold" in main["font"]
    x0, y0, _, y1 = line["bbox"]
    return Piece(fix_accents(_MARK_RUN.sub("|", text)), x0, y0, y1, main["size"], bold)


def _rows(page: dict, ocr: bool) -> list[list[Piece]]:
    """The page's pieces grouped into rows (a shared baseline), top to bottom, left to right."""
    pieces = sorted((p for b in page.get("blocks", ()) for ln in b.get("lines", ())
                     if (p := _piece(ln, ocr))), key=lambda p: (p.y0, p.x0))
    rows: list[list[Piece]] = []
    for p in pieces:
        if rows and abs(p.y0 - rows[-1][0].y0) < 0.5 * p.size and p.style == rows[-1][0].style:
            rows[-1].append(p)
        else:
            rows.append([p])
    return [sorted(r, key=lambda p: p.x0) for r in rows]


def _author_region(rows: list[list[Piece]], height: float) -> list[list[Piece]]:
    """The rows under the title (the largest type in the top half) and above the abstract."""
    top = [r for r in rows if r[0].y0 < 0.5 * height and re.search("[A-Za-z]{2}", r[0].text)]
    if not top:
        return []
    biggest = max(p.size for r in top for p in r)
    title_bottom = max(p.y1 for r in top for p in r if p.size >= biggest - 0.6)
    region = []
    for row in rows:
        if row[0].y0 < title_bottom - 1:
            continue
        if row[0].y0 > 0.6 * height or re.match(r"(?i)(a\s?b\s?s\s?t\s?r\s?a\s?c\s?t|index terms|keywords)\b",
                                                 row[0].text.strip(" |")):
            break
        region.append(row)
    return region


def _segments(row: list[Piece]) -> list[str]:
    return [s for s in _SPLIT.split(" | ".join(p.text for p in row)) if s.strip(" |")]


def authors_from_layout(page: dict, height: float, ocr: bool = False) -> list[str]:
    """The names in the first page's author block (see the module docstring); `ocr`: the
    page's text is an invisible OCR layer over a scan."""
    region = [r for r in _author_region(_rows(page, ocr), height)
              if not re.match(rf"\s*[{re.escape(MARKS)}|\d]", r[0].text)]  # affiliation rows
    style = next((r[0].style for r in region if (segs := _segments(r)) and as_name(segs[0])),
                 None)
    names: list[str] = []
    carry = ""
    for row in (r for r in region if r[0].style == style):
        segs = _segments(row)
        if carry and segs:
            segs[0], carry = f"{carry} {segs[0]}", ""
        last = _clean_segment(segs[-1]).split() if segs else []
        if (segs and not row[-1].text.rstrip().endswith(("|", ","))
                and all(as_name(s) for s in segs[:-1])
                and (len(last) == 1 or (last and re.fullmatch(r"[A-Z]\.?", last[-1])))):
            carry = " ".join(t + "." if len(t) == 1 else t for t in last)  # "Harshil" / "Bhatia4"
            segs = segs[:-1]
        for seg in segs:
            name = as_name(seg)
            if name is None:
                break
            if name not in names:
                names.append(name)
    return names


def pdf_date(value: str | None) -> date | None:
    """A PDF date string (``D:20230904011015Z``) as a date, or None."""
    m = re.match(r"(?:D:)?(\d{4})(\d{2})(\d{2})", value or "")
    if not m:
        return None
    try:
        day = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None
    return day if date(1950, 1, 1) <= day <= date.today() else None


def stamp_date(text: str) -> date | None:
    """The date of an arXiv side stamp's ``8 Jan 2024``."""
    m = re.fullmatch(r"(\d{1,2})\s+([A-Za-z]{3})\w*\s+(\d{4})", text.strip())
    if not m or m.group(2).lower() not in _MONTHS:
        return None
    try:
        return date(int(m.group(3)), _MONTHS[m.group(2).lower()], int(m.group(1)))
    except ValueError:
        return None


def arxiv_month(arxiv_id: str) -> date | None:
    """The first day of the month a new- or old-style arXiv id was issued (``2401.…`` → 2024-01-01)."""
    m = re.search(r"(?:^|/)(\d{2})(\d{2})[.\d]", arxiv_id)
    if not m or not 1 <= int(m.group(2)) <= 12:
        return None
    year = int(m.group(1))
    return date(2000 + year if year < 91 else 1900 + year, int(m.group(2)), 1)


def clean_abstract(parts: list[str]) -> str:
    """The abstract's paragraphs without the first page's small print that got into it:
    figure captions, footnotes ("Equal contribution", "Corresponding author", e-mails,
    affiliation marks), venue lines, stray figure labels, and a trailing "Index Terms" or
    "Keywords" list."""
    kept = []
    for part in (" ".join(p.split()) for p in parts):
        if not part or _CAPTION.match(part) or _FOOTNOTE.search(part):
            continue
        if re.match(rf"[{re.escape(MARKS)}]", part) or (len(part.split()) < 5 and part[-1] not in ".!?"):
            continue
        kept.append(part)
    return _TAIL.sub("", " ".join(kept)).strip()

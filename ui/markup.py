"""Text for Streamlit's Markdown: escaping, query-term highlighting, LaTeX-ish markup as text.

Pure functions (no Streamlit calls), shared by the pages and the digest download.
Everything from a paper is escaped before it is shown; highlighting finds the terms in
the raw text and escapes each piece before wrapping a match, so a term can never open
Markdown or HTML of its own.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

# ASCII punctuation that means something to CommonMark, GFM or Streamlit's Markdown.
_MD_SPECIALS = "\\`*_{}[]()#+-.!|~$:="
_ESCAPES = str.maketrans(
    {**{c: "\\" + c for c in _MD_SPECIALS}, "<": "&lt;", ">": "&gt;", "&": "&amp;"}
)
HIGHLIGHT = ":orange-background[{}]"

_WORD = re.compile(r"[A-Za-z0-9]+")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]{2,}")
_STOPWORDS = frozenset(
    "a an and are as at be based by can do does for from how in into is it its of on or "
    "that the their this to using via what when which who why with without".split()
)
# Chinese function words that join the terms of a query ("基于3DGS的数字人").
_ZH_GLUE = re.compile("基于|如何|怎么|什么|哪些|怎样|以及|通过|使用|[的了和与及在是用对从把被为中或等吗呢个]")


def escape_md(text: object) -> str:
    """Text that Markdown shows literally: specials backslash-escaped, ``< > &`` as entities."""
    return str(text).translate(_ESCAPES)


def plural(n: int, word: str, many: str | None = None) -> str:
    """``1 paper``, ``2 papers`` (or the irregular `many`)."""
    return f"{n:,} {word if n == 1 else many or word + 's'}"


def query_terms(*queries: str | None) -> list[str]:
    """Words worth highlighting from the query (and its English expansion), longest first.

    Latin words of two or more letters or digits that are not stopwords (singular), and
    runs of two or more Chinese characters between function words, with their bigrams.
    """
    terms: dict[str, None] = {}
    for query in queries:
        for word in _WORD.findall(query or ""):
            if len(word) >= 2 and word.lower() not in _STOPWORDS:
                terms[_singular(word.lower())] = None
        for run in _CJK.findall(query or ""):
            for part in (p for p in _ZH_GLUE.split(run) if len(p) >= 2):
                # the whole run, and its two-character words for text that splits it
                terms.update(dict.fromkeys([part, *(part[i:i + 2] for i in range(len(part) - 1))]))
    return sorted(terms, key=len, reverse=True)


def _singular(word: str) -> str:
    """"avatars" → "avatar", so that a term marks both forms (it matches as a word start)."""
    return word[:-1] if len(word) > 3 and word.isalpha() and word[-1] == "s" and word[-2] != "s" else word


def _term_pattern(terms: Iterable[str]) -> re.Pattern[str] | None:
    parts = []
    for term in terms:
        if _CJK.fullmatch(term):
            parts.append(re.escape(term))
        else:  # a word and its endings: "avatar" marks "avatars", "animat" would not start inside a word
            parts.append(rf"(?<![A-Za-z0-9]){re.escape(term)}[A-Za-z]*")
    return re.compile("|".join(parts), re.IGNORECASE) if parts else None


def highlight(text: str, terms: Iterable[str]) -> str:
    """`text` escaped for Markdown, with every occurrence of a term marked."""
    pattern = _term_pattern(terms)
    if pattern is None:
        return escape_md(text)
    out: list[str] = []
    pos = 0
    for m in pattern.finditer(text):
        out.append(escape_md(text[pos:m.start()]))
        out.append(HIGHLIGHT.format(escape_md(m.group(0))))
        pos = m.end()
    out.append(escape_md(text[pos:]))
    return "".join(out)


# LaTeX as it appears in arXiv abstracts: a few text commands, symbols and $math$.
_SYMBOLS = {
    "times": "×", "sim": "~", "approx": "≈", "leq": "≤", "le": "≤", "geq": "≥", "ge": "≥",
    "pm": "±", "cdot": "·", "circ": "°", "degree": "°", "infty": "∞", "rightarrow": "→",
    "to": "→", "leftarrow": "←", "Rightarrow": "⇒", "ll": "≪", "gg": "≫", "neq": "≠",
    "ne": "≠", "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε",
    "lambda": "λ", "mu": "μ", "pi": "π", "sigma": "σ", "theta": "θ", "phi": "φ", "tau": "τ",
    "omega": "ω", "Delta": "Δ", "Sigma": "Σ", "Omega": "Ω", "ldots": "…", "dots": "…",
    "cdots": "…", "%": "%", "&": "&", "#": "#", "_": "_", "$": "$", "{": "{", "}": "}",
    "textasciitilde": "~", "LaTeX": "LaTeX", "TeX": "TeX", "prime": "′",
}
_SPACING = {"!", ",", ";", ":", " ", "quad", "qquad", "left", "right", "displaystyle", "mathrm"}
_DROP_ARGS = {"footnote", "freefootnote", "thanks", "label", "cite", "ref", "eqref", "vspace",
              "hspace"}
_SUPERSCRIPTS = str.maketrans("0123456789+-=()n", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿ")
_SUBSCRIPTS = str.maketrans("0123456789+-=()", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎")
_COMMAND = re.compile(r"\\([A-Za-z]+|.)")
_ACCENT = re.compile(r"\\([\"'`^~=.]|[vcHuk](?=[{ ]))\s?(?:\{\s*([A-Za-z]|\\[ij])\s*\}|([A-Za-z]))")
_COMBINING = {'"': "\u0308", "'": "\u0301", "`": "\u0300", "^": "\u0302", "~": "\u0303",
              "=": "\u0304", ".": "\u0307", "v": "\u030c", "c": "\u0327", "H": "\u030b",
              "u": "\u0306", "k": "\u0328"}


def _braced(text: str, start: int) -> tuple[str, int]:
    """The ``{...}`` group at `start` (nesting respected) and the index after it."""
    depth = 0
    for i in range(start, len(text)):
        if text[i] == "{" and (i == 0 or text[i - 1] != "\\"):
            depth += 1
        elif text[i] == "}" and text[i - 1] != "\\":
            depth -= 1
            if depth == 0:
                return text[start + 1:i], i + 1
    return text[start + 1:], len(text)


def _script(text: str, i: int, mark: str) -> tuple[str, int]:
    """The argument of ``^``/``_`` at `i` as Unicode super/subscript when every character has
    one, else as ``^x`` or ``^(xy)``; and the index after it."""
    if i < len(text) and text[i] == "{":
        arg, end = _braced(text, i)
    elif i < len(text) and text[i] == "\\":
        m = _COMMAND.match(text, i)
        arg, end = (text[i:m.end()], m.end()) if m else ("", i + 1)
    else:
        arg, end = text[i:i + 1], i + 1
    plain = latex_to_text(f"${arg}$").strip()
    table = _SUPERSCRIPTS if mark == "^" else _SUBSCRIPTS
    if plain in ("°", "′") or (plain and all(ord(c) in table for c in plain)):
        return plain.translate(table), end
    return (f"{mark}{plain}" if len(plain) <= 1 else f"{mark}({plain})"), end


def latex_to_text(text: str) -> str:
    """LaTeX-ish markup as readable text: ``\\textbf{1)}`` → ``1)``, ``$20\\times$`` → ``20×``.

    Text commands keep their argument (``\\href{url}{label}`` keeps the label), symbols
    become their Unicode character, footnotes and citations are dropped, and the ``$``s
    around math disappear; inside math, braces go and ``^2`` becomes ``²``. Unknown
    commands lose only their backslash. Text without a command or a ``$…$`` pair is
    returned as it is.
    """
    if not re.search(r"\\[A-Za-z%&#$_{}\"'`^~=.]|\$[^$]+\$", text):
        return text
    text = _ACCENT.sub(_accented, text)
    out: list[str] = []
    math = False
    i = 0
    while i < len(text):
        c = text[i]
        if c == "\\":
            i = _command(text, i, out)
        elif c == "$" and (math or "$" in text[i + 1:]):
            math, i = not math, i + 1
        elif math and c in "^_":
            arg, i = _script(text, i + 1, c)
            out.append(arg)
        elif math and c in "{}":
            i += 1
        else:
            out.append(c)
            i += 1
    return re.sub(r"[ \t]{2,}", " ", "".join(out))


def _accented(m: re.Match[str]) -> str:
    """``\\"i`` or ``\\'{e}`` as the accented letter."""
    letter = (m.group(2) or m.group(3) or "").replace("\\i", "i").replace("\\j", "j")
    return unicodedata.normalize("NFC", letter + _COMBINING[m.group(1)])


def _command(text: str, i: int, out: list[str]) -> int:
    """Append what the command at `i` stands for to `out`; return the index after it."""
    m = _COMMAND.match(text, i)
    if m is None:
        return i + 1
    name, end = m.group(1), m.end()
    if name in _SYMBOLS:
        out.append(_SYMBOLS[name])
    elif name in _SPACING:
        out.append(" " if name in ("quad", "qquad", " ") else "")
    elif end < len(text) and text[end] == "{":
        arg, end = _braced(text, end)
        if name in ("href", "frac") and end < len(text) and text[end] == "{":
            second, end = _braced(text, end)
            arg = second if name == "href" else f"{arg}/{second}"
        if name not in _DROP_ARGS:
            out.append(("√" if name == "sqrt" else "") + latex_to_text(arg))
    elif name.isalpha():
        out.append(name)
    return end

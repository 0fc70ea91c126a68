"""BibTeX for a stored paper: arXiv's own ``@misc`` + ``eprint`` form, safely escaped."""

from __future__ import annotations

import re

from indexer.models import Paper, arxiv_abs_url
from search.retrieval.filters import fold_text

# LaTeX specials, escaped one character at a time so replacements never compound.
_SPECIALS = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
_STOPWORDS = {"a", "an", "the", "on", "of", "for", "in", "to", "with", "and", "towards", "via"}
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def escape(text: str) -> str:
    """Escape LaTeX special characters and drop control characters."""
    text = "".join(ch for ch in text if ch.isprintable() or ch == " ")
    return "".join(_SPECIALS.get(ch, ch) for ch in " ".join(text.split()))


def _protect_case(title: str) -> str:
    """Brace words with capitals after their first letter (NeRF, 3D, GAN) so styles keep them."""
    out = []
    for word in title.split(" "):
        if re.search(r"\S[A-Z]", word) or re.fullmatch(r"\d+[A-Za-z]+", word):
            out.append("{" + word + "}")
        else:
            out.append(word)
    return " ".join(out)


def _ascii_word(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", fold_text(text))


def year_month(paper: Paper) -> tuple[int, int] | None:
    """When the paper appeared: its publication date, else the YYMM of a new-style arXiv
    id (2312.01841 → 2023-12), else the first digest that listed it."""
    if paper.published:
        return paper.published.year, paper.published.month
    m = re.fullmatch(r"([0-9]{2})(0[1-9]|1[0-2])\.[0-9]{4,5}", paper.arxiv_id or "")
    if m:
        return 2000 + int(m.group(1)), int(m.group(2))
    if paper.first_seen:
        return paper.first_seen.year, paper.first_seen.month
    return None


def cite_key(paper: Paper) -> str:
    """``<first author's surname><year><first significant title word>``, ASCII only."""
    names = paper.authors[0].split() if paper.authors else []
    surname = _ascii_word(names[-1]) if names else ""
    when = year_month(paper)
    year = str(when[0]) if when else ""
    words = [_ascii_word(w) for w in paper.title.split()]
    word = next((w for w in words if w and w not in _STOPWORDS), "")
    key = f"{surname}{year}{word}"
    return key or _ascii_word(paper.arxiv_id or paper.paper_id) or "paper"


def to_bibtex(paper: Paper) -> str:
    """A ``@misc`` entry (arXiv's recommended form) with eprint and archivePrefix when known.

    Every value is LaTeX-escaped, so braces in a title can never unbalance the entry.
    """
    when = year_month(paper)
    authors = [escape(a) for a in paper.authors if a.strip()]
    fields: list[tuple[str, str]] = [("title", "{" + _protect_case(escape(paper.title)) + "}")]
    if authors:
        fields.append(("author", "{" + " and ".join(authors) + "}"))
    if when:
        fields += [("year", "{" + str(when[0]) + "}"), ("month", _MONTHS[when[1] - 1])]
    if paper.arxiv_id:
        fields += [("eprint", "{" + escape(paper.arxiv_id) + "}"), ("archivePrefix", "{arXiv}")]
        if paper.categories:
            fields.append(("primaryClass", "{" + escape(paper.categories[0]) + "}"))
        fields.append(("url", "{" + arxiv_abs_url(paper.arxiv_id) + "}"))
    if paper.comment:
        fields.append(("note", "{" + escape(paper.comment) + "}"))
    body = ",\n".join(f"  {name} = {value}" for name, value in fields)
    return f"@misc{{{cite_key(paper)},\n{body}\n}}\n"

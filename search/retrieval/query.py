"""Query analysis: id lookup, length limits, and Chinese → English expansion.

The embedding model only understands English, so a Chinese (or mixed) query is
expanded with a domain glossary into English terms for the dense side, while its
Chinese words still match the digests' Chinese summaries on the keyword side.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

import numpy as np

from indexer.models import parse_arxiv_id
from indexer.textproc import has_cjk, tokenize
from search.errors import QueryError

_ID_ONLY = re.compile(
    r"^\s*(?:arxiv:\s*|https?://(?:www\.|export\.)?arxiv\.org/(?:abs|pdf)/)?"
    r"(\d{4}\.\d{4,5}|[a-z\-]+(?:\.[a-z]{2})?/\d{7})(v\d+)?(?:\.pdf)?/?\s*$",
    re.IGNORECASE,
)
_LATIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-+.]*")


@dataclass
class ParsedQuery:
    """A query ready for both retrievers."""

    raw: str
    arxiv_id: str | None = None
    dense_text: str = ""
    sparse_tokens: list[str] = field(default_factory=list)
    expansions: list[str] = field(default_factory=list)
    chinese: bool = False
    notices: list[str] = field(default_factory=list)
    vector: np.ndarray | None = None  # the dense query vector, once a Searcher encoded it


@lru_cache(maxsize=1)
def glossary() -> dict[str, list[str]]:
    """Chinese term → English expansions, from the packaged glossary (longest terms first)."""
    text = resources.files("search").joinpath("data/glossary_zh_en.tsv").read_text("utf-8")
    terms: dict[str, list[str]] = {}
    for line in text.splitlines()[1:]:
        if "\t" in line:
            zh, en = line.split("\t", 1)
            terms[zh.strip()] = [e.strip() for e in en.split("|") if e.strip()]
    return dict(sorted(terms.items(), key=lambda kv: -len(kv[0])))


def expand_chinese(text: str) -> tuple[list[str], str]:
    """English expansions of the glossary terms in `text`, and the text left unmatched.

    Longest terms match first, and a matched span is consumed so that 说话人头 does
    not also fire 说话 and 人头.
    """
    # Digests write "3D 重建" as often as "3D重建": match glossary terms without spaces.
    rest = "".join(text.split())
    found: list[str] = []
    for zh, en in glossary().items():
        if zh in rest:
            found.extend(e for e in en if e not in found)
            rest = rest.replace(zh, " ")
    return found, rest


def arxiv_id_query(text: str) -> str | None:
    """The arXiv id when the whole query is an id or an arXiv URL."""
    m = _ID_ONLY.match(text)
    if not m:
        return None
    parsed = parse_arxiv_id(m.group(1))
    return parsed[0] if parsed else None


def parse_query(text: str, max_chars: int = 1000) -> ParsedQuery:
    """Validate, truncate and expand a raw query.

    Raises:
        QueryError: the query is empty or only whitespace.
    """
    if text is None or not text.strip():
        raise QueryError("empty query: type a few words, a question, or an arXiv id")
    raw = " ".join(text.split())
    q = ParsedQuery(raw=raw)
    if len(raw) > max_chars:
        raw = raw[:max_chars].rsplit(" ", 1)[0] or raw[:max_chars]
        q.raw = raw
        q.notices.append(f"query truncated to its first {len(raw)} characters")
    q.arxiv_id = arxiv_id_query(raw)
    q.sparse_tokens = tokenize(raw)
    q.dense_text = raw
    if has_cjk(raw):
        q.chinese = True
        q.expansions, _ = expand_chinese(raw)
        latin = _LATIN.findall(raw)
        q.dense_text = " ".join([*latin, *q.expansions]) or raw
        q.sparse_tokens += [t for e in q.expansions for t in tokenize(e)]
    return q

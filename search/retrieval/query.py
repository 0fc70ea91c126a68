"""Query analysis: id lookup, length limits, and Chinese → English translation.

The embedding model only understands English, so a Chinese (or mixed) query is
translated with the term lexicon (search/retrieval/translate.py): the dense side gets an
English rendering, the keyword side weighted English tokens next to the query's own
Chinese words, which still match the digests' Chinese summaries.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import zhconv

from indexer.models import parse_arxiv_id
from indexer.textproc import has_cjk, tokenize
from search.errors import QueryError
from search.lexicon.table import packaged_lexicon
from search.retrieval.translate import translate

_ID_ONLY = re.compile(
    r"^\s*(?:arxiv:\s*|https?://(?:www\.|export\.)?arxiv\.org/(?:abs|pdf)/)?"
    r"(\d{4}\.\d{4,5}|[a-z\-]+(?:\.[a-z]{2})?/\d{7})(v\d+)?(?:\.pdf)?/?\s*$",
    re.IGNORECASE,
)


@dataclass
class ParsedQuery:
    """A query ready for both retrievers."""

    raw: str
    arxiv_id: str | None = None
    dense_text: str = ""
    sparse_tokens: list[str] = field(default_factory=list)
    sparse_weights: dict[str, float] = field(default_factory=dict)
    expansions: list[str] = field(default_factory=list)
    chinese: bool = False
    coverage: float = 1.0  # share of a Chinese query the English rendering stands for
    notices: list[str] = field(default_factory=list)
    vector: np.ndarray | None = None  # the dense query vector, once a Searcher encoded it


def arxiv_id_query(text: str) -> str | None:
    """The arXiv id when the whole query is an id or an arXiv URL."""
    m = _ID_ONLY.match(text)
    if not m:
        return None
    parsed = parse_arxiv_id(m.group(1))
    return parsed[0] if parsed else None


# "image–text" with an en dash or a Unicode hyphen joins its words as papers write them,
# "image-text": one token in the keyword index, where "image" and "text" apart miss it.
_HYPHENS = re.compile(r"(?<=[A-Za-z])[\u2010\u2011\u2013](?=[A-Za-z])")


def parse_query(text: str, max_chars: int = 1000) -> ParsedQuery:
    """Validate, truncate and expand a raw query.

    Raises:
        QueryError: the query is empty or only whitespace.
    """
    if text is None or not text.strip():
        raise QueryError("empty query: type a few words, a question, or an arXiv id")
    raw = " ".join(text.split())
    if has_cjk(raw):
        # The lexicon and the question cues are Simplified Chinese, as the digests are.
        raw = zhconv.convert(raw, "zh-cn")
    q = ParsedQuery(raw=raw)
    if len(raw) > max_chars:
        raw = raw[:max_chars].rsplit(" ", 1)[0] or raw[:max_chars]
        q.raw = raw
        q.notices.append(f"query truncated to its first {len(raw)} characters")
    q.arxiv_id = arxiv_id_query(raw)
    q.dense_text = _HYPHENS.sub("-", raw)
    q.sparse_tokens = tokenize(q.dense_text)
    if has_cjk(raw):
        translation = translate(raw, packaged_lexicon())
        q.chinese = True
        q.expansions = translation.expansions
        q.coverage = translation.coverage
        q.dense_text = translation.dense_text() or raw
        # The query's own words (Chinese summaries in digests) at full weight, the English
        # candidates at their share of each term's best.
        english = translation.token_weights()
        q.sparse_weights = {**english, **dict.fromkeys(q.sparse_tokens, 1.0)}
        q.sparse_tokens = list(q.sparse_weights)
    return q

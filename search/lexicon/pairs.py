"""Aligned (Chinese, English) text from ChatPaperFree digests.

Every digest entry pairs the paper's English title and abstract with Chinese machine
text about the same paper. Two pairs come from each entry: the Chinese title line of the
structured summary with the English title (a close translation, weighted up), and the
Chinese summary, takeaways and the structured summary's abstract part with the English
title and abstract (a loose paraphrase).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from pydantic import BaseModel

from indexer.models import Paper
from indexer.sources.digest import merge_documents, read_digest_tree

TITLE_WEIGHT = 3.0
BODY_CHARS = 1500  # of the structured summary: its abstract part, before methods and results
_TITLE = re.compile(
    r"^[\s\d.、]*\**\s*(?:标题|题目|中文标题|Title)\s*\**\s*[:：]\s*\**\s*(?P<title>.+)$", re.MULTILINE)
# The English original quoted after the translated title: "…（Baking Relightable NeRF …）".
_QUOTED_EN = re.compile(r"[（(][^（）()]*[A-Za-z]{4,}[^（）()]*[）)]")
# Lines about the paper rather than its content: names, institutions and links do not
# translate anything in the abstract.
_META = re.compile(r"^[\s\d.、]*\**\s*(?:标题|题目|中文标题|Title|作者|Authors?|单位|隶属|所属|作者所属|"
                   r"Affiliations?|第一作者|论文链接|链接|Urls?|Github|代码)", re.IGNORECASE)
_BODY_END = re.compile(r"^\s*(?:\d+\.\s*)?\**\s*(?:Methods?|方法|结论|Conclusion)", re.MULTILINE)


class AlignedPair(BaseModel):
    """Chinese and English text about the same thing; `weight` counts it that many times."""

    zh: str
    en: str
    weight: float = 1.0


def chinese_title(structured_zh: str) -> str:
    """The translated title line of a structured summary ('' when there is none)."""
    m = _TITLE.search(structured_zh)
    return _QUOTED_EN.sub(" ", m["title"]).strip("* ") if m else ""


def paper_pairs(paper: Paper) -> list[AlignedPair]:
    """The aligned pairs of one digest paper (none without Chinese text)."""
    pairs: list[AlignedPair] = []
    if title := chinese_title(paper.structured_zh):
        pairs.append(AlignedPair(zh=title, en=paper.title, weight=TITLE_WEIGHT))
    structured = paper.structured_zh
    if end := _BODY_END.search(structured):
        structured = structured[: end.start()]
    structured = "\n".join(ln for ln in structured[:BODY_CHARS].splitlines() if not _META.match(ln))
    zh = "\n".join([paper.summary_zh, *paper.takeaways_zh, structured]).strip()
    if zh:
        pairs.append(AlignedPair(zh=zh, en=f"{paper.title}\n{paper.abstract}"))
    return pairs


def corpus_pairs(papers: Iterable[Paper]) -> list[AlignedPair]:
    """Aligned pairs of many papers, in the given order."""
    return [pair for paper in papers for pair in paper_pairs(paper)]


def digest_papers(roots: Iterable[Path]) -> list[Paper]:
    """Papers of the digests under the roots, one per paper id, sorted by id.

    Raises:
        ParseError: a root does not exist.
    """
    docs = [doc for root in roots for doc in read_digest_tree(root)[0]]
    return [doc.paper for doc in merge_documents(docs)]

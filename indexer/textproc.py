"""Keyword tokenisation shared by the index build and the query side.

English: lower-cased word tokens, stop words removed, a light suffix folding so
"avatars"/"avatar" and "rendering"/"render" meet. Chinese: jieba's search-mode
segmentation, which also emits the sub-words of long compounds (数字人 → 数字, 数字人).
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache

_WORD = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*|[\u3400-\u9fff]+")
_CJK_RUN = re.compile(r"^[\u3400-\u9fff]+$")
# Links in arXiv comments: http(s) URLs, and bare github.com/… or *.github.io addresses.
_URL = re.compile(
    r"https?://[^\s<>()\[\]{}，。；、）]+"
    r"|(?<![\w/.])(?:(?:[\w-]+\.)+github\.io|github\.com(?=/))(?:/[^\s<>()\[\]{}，。；、）]*)?",
    re.IGNORECASE,
)

STOPWORDS = frozenset(
    ["a", "an", "and", "are", "as", "at", "be", "by", "can", "for", "from", "has", "have", "in", "into", "is", "it", "its", "of", "on", "or", "our", "that", "the", "their", "then", "these", "this", "to", "was", "we", "were", "which", "while", "with", "without", "via", "using", "based", "use", "used", "than", "such", "also", "both", "not", "but", "more", "most", "new", "paper", "propose", "proposed", "method", "methods", "approach", "approaches", "show", "shows", "results", "work"]
)
ZH_STOPWORDS = frozenset(["的", "了", "和", "与", "及", "在", "是", "为", "对", "中", "等", "一种", "一个", "我们", "本文", "提出", "方法", "通过", "进行", "以及", "可以", "能够", "什么", "哪些", "怎么", "如何", "有", "吗", "呢", "用", "用于", "基于", "关于", "论文", "研究"])


@lru_cache(maxsize=1)
def _jieba():  # type: ignore[no-untyped-def]
    import jieba

    jieba.setLogLevel(logging.WARNING)  # jieba prints its dictionary load otherwise
    jieba.initialize()
    return jieba


def fold(word: str) -> str:
    """Light English suffix folding (a tiny, predictable stand-in for a stemmer)."""
    if len(word) <= 4 or not word.isalpha():
        return word
    for suffix, keep in (("ies", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            if suffix == "s" and word.endswith("ss"):
                return word
            return word[: -len(suffix)] + keep
    return word


def has_cjk(text: str) -> bool:
    """True when the text contains Chinese characters."""
    return any("\u3400" <= ch <= "\u9fff" for ch in text)


_CJK_THEN_LATIN = re.compile(r"([\u3400-\u9fff])(?=[A-Za-z0-9])")
_LATIN_THEN_CJK = re.compile(r"([A-Za-z0-9])(?=[\u3400-\u9fff])")


def space_scripts(text: str) -> str:
    """Chinese and Latin runs set apart by a space: "TECA算FID的时候" → "TECA 算 FID 的时候".

    Many Chinese writers leave no space around English terms, and Python's regex counts a
    Chinese character as a word character, so a pattern's \\bFID\\b never matches inside
    "算FID的"."""
    return _LATIN_THEN_CJK.sub(r"\1 ", _CJK_THEN_LATIN.sub(r"\1 ", text))


def tokenize(text: str, keep_possessives: bool = False) -> list[str]:
    """Keyword tokens of mixed English/Chinese text, in order, stop words removed.

    A name's possessive is the name ("MagiCapture's" is magicapture, so a question about
    "MagiCapture's related work" meets the paper) unless `keep_possessives` keeps it as written,
    as the BM25 index does: its tokens, and so every term's weight across the corpus, stay
    those it was built with (a rebuild that dropped them moved two broad key points out of
    1,171, for no gain in body answers). A common noun's possessive ("a person's speaking
    style") stays as written too: as "person" it matched every paper about people."""
    tokens: list[str] = []
    lowered = text.lower()
    aligned = len(lowered) == len(text)  # lower() keeps offsets, so the case can be read back
    for m in _WORD.finditer(lowered):
        tok = m.group(0)
        if _CJK_RUN.match(tok):
            tokens.extend(
                w for w in _jieba().cut_for_search(tok) if w.strip() and w not in ZH_STOPWORDS
            )
        elif tok not in STOPWORDS:
            named = not keep_possessives and aligned and tok.endswith("'s") and _is_name(text[m.start():m.end() - 2])
            tokens.append(fold(tok[:-2] if named else tok))  # "AGG’s" splits into "agg" and "s"
    return tokens


def _is_name(word: str) -> bool:
    """A method's or dataset's name is written with capitals or digits ("AGG", "MagiCapture")."""
    return any(c.isupper() or c.isdigit() for c in word)


def comment_links(comment: str) -> dict[str, str]:
    """Code and project links in an arXiv comment (arXiv's own links are dropped)."""
    links: dict[str, str] = {}
    for raw in _URL.findall(comment):
        url = raw.rstrip(".,;:!?'\"")
        if not url.lower().startswith("http"):
            url = f"https://{url}"
        host = url.split("/")[2].lower()
        if host.endswith("arxiv.org"):
            continue
        kind = "code" if host in ("github.com", "www.github.com") else "project"
        links.setdefault(kind, url)
    return links

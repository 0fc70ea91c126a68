"""Theme names for Chinese readers: each English term of a name by its glossary translation.

The glossary maps Chinese terms to English expansions (`search.retrieval.query.glossary`);
read backwards, it gives each English term a Chinese one. A term translates whole
("3D Gaussian Splatting (3DGS)"), by its long form or by its acronym; a term without an
entry stays in English. More sources plug in through `ZH_SOURCES` (any callable giving
the same Chinese → English mapping, e.g. a mined lexicon): earlier sources win.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from indexer.textproc import fold
from search.retrieval.query import glossary

ZH_SOURCES: tuple[Callable[[], dict[str, list[str]]], ...] = (glossary,)
SEPARATOR = " · "
_ALIASED = re.compile(r"^(?P<long>.*?)\s*\((?P<acro>[^()]+)\)$")
_TOKEN = re.compile(r"[a-z0-9]+")


def english_key(text: str) -> str:
    """How an English term is looked up: lower case, word characters, plurals folded."""
    return " ".join(fold(t) for t in _TOKEN.findall(text.lower().replace("-", " ")))


@lru_cache(maxsize=1)
def english_to_chinese() -> dict[str, str]:
    """English term key → the Chinese term that lists it earliest among its expansions
    (the shorter Chinese term on a tie; earlier sources first)."""
    best: dict[str, tuple[int, int, int, str]] = {}
    for rank_source, source in enumerate(ZH_SOURCES):
        for zh, expansions in source().items():
            for position, en in enumerate(expansions):
                key = english_key(en)
                choice = (rank_source, position, len(zh), zh)
                if key and (key not in best or choice < best[key]):
                    best[key] = choice
    return {key: choice[3] for key, choice in best.items()}


def term_zh(term: str) -> str | None:
    """The Chinese for an English term: whole, else its long form, else its acronym."""
    table = english_to_chinese()
    found = _ALIASED.match(term)
    for candidate in (term, *(found.group("long", "acro") if found else ())):
        zh = table.get(english_key(candidate))
        if zh:
            return zh
    return None


def name_zh(name: str) -> str:
    """A theme's name with each " · "-separated term translated where the glossary can."""
    return SEPARATOR.join(term_zh(part) or part for part in name.split(SEPARATOR))

"""Name each theme by its distinctive terms: class-based TF-IDF over titles and abstracts.

A term (`indexer.terms`: one to three content words, or an acronym merged with its
long form) scores in a theme by how much more often its papers use it than the whole
library does: ``p(t|theme) · log(p(t|theme) / p(t))``, the theme's share of the term's
information, as BERTopic's c-TF-IDF weighs a class's term frequency by its rarity
overall. Phrases get a small bonus (they say more than one word). The best terms that
share no word name the theme; two themes never get the same name.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence

from indexer.terms import library_term_index, overlaps

NAME_TERMS = 2  # terms in a theme's name ("head avatars · Gaussian splatting (3DGS)")
KEEP_TERMS = 6  # terms kept per theme (shown beside the name)
MIN_DOCS = 3  # a term must occur in this many papers of the library
PHRASE_BONUS = 1.2
BROAD = 0.15  # a term in more than this share of the library names a field, not a theme...
BROAD_FACTOR = 0.5  # ... so it names one only when nothing narrower stands out
# Words that make a poor name: the term extractor keeps them inside phrases
# ("concerns about", "higher accuracy"), which describe papers, not a line of work.
_NOT_IN_NAMES = frozenset("""about above across after against along among around before behind
below beneath beside besides between beyond despite during except inside like near onto
outside over since than through throughout toward under unlike until upon versus within
accuracy ability abilities advantage advantages benefit better best capability capabilities
concern concerns effectiveness higher highest insight insights lower nature robustness
solving superior valuable""".split())


def distinctive_terms(texts: Mapping[str, str], members: Mapping[int, Sequence[str]],
                      keep: int = KEEP_TERMS) -> dict[int, list[str]]:
    """Theme → its most distinctive terms (surface forms), best first, no two sharing a word.

    Args:
        texts: paper id → title and abstract, for every paper of the library.
        members: theme → the ids of its papers.
    """
    papers, surface = library_term_index(dict(texts))
    total = max(len(texts), 1)
    theme_of = {pid: theme for theme, ids in members.items() for pid in ids}
    counts: dict[int, Counter[str]] = defaultdict(Counter)
    for key, having in papers.items():  # one pass over all occurrences, not terms × themes
        if len(having) >= MIN_DOCS:
            for pid in having:
                if pid in theme_of:
                    counts[theme_of[pid]][key] += 1
    out: dict[int, list[str]] = {}
    for theme, ids in members.items():
        size = max(len(ids), 1)
        scores: dict[str, float] = {}
        for key, shared in counts[theme].items():
            p_theme, p_all = shared / size, len(papers[key]) / total
            if shared >= 2 and p_theme > p_all and nameable(key):
                scores[key] = p_theme * math.log(p_theme / p_all) * (
                    PHRASE_BONUS if " " in key else 1.0) * (BROAD_FACTOR if p_all > BROAD else 1.0)
        chosen: list[str] = []
        for key in sorted(scores, key=lambda k: (-scores[k], k)):
            if not any(overlaps(key, c) for c in chosen):
                chosen.append(key)
            if len(chosen) >= keep:
                break
        out[theme] = [surface[k] for k in chosen]
    return out


def nameable(key: str) -> bool:
    """A term fit for a theme's name: none of its words is in `_NOT_IN_NAMES`."""
    return not any(word in _NOT_IN_NAMES for word in key.split())


def unique_names(terms: Mapping[int, list[str]], order: Sequence[int]) -> dict[int, str]:
    """Theme → name: its first `NAME_TERMS` terms joined by " · ", made unique in `order`
    (largest theme first) by taking a later term; "theme N" when it has no terms."""
    taken: set[str] = set()
    out: dict[int, str] = {}
    for theme in order:
        words = terms.get(theme, [])
        name = " · ".join(words[:NAME_TERMS]) or f"theme {theme}"
        for extra in words[NAME_TERMS:]:
            if name.casefold() not in taken:
                break
            name = " · ".join([*words[: NAME_TERMS - 1], extra])
        if name.casefold() in taken:
            name = f"{name} ({theme})"
        taken.add(name.casefold())
        out[theme] = name
    return out

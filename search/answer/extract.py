"""Extractive building blocks shared by answers and paper overviews.

`usable_sentence` says which sentences can be quoted on their own; `mmr` picks a
relevant, non-redundant few of them.
"""

from __future__ import annotations

import re

import numpy as np

from indexer.textproc import has_cjk

MIN_SENTENCES, MAX_SENTENCES = 4, 8
_JUNK = ("http", "github", "project page", "code is available", "available at", "code and ")
# Figure and table captions, panel labels and table rows are not sentences to quote.
_CAPTION = re.compile(r"\b(?:Figure|Fig\.|Table|Tab\.)\s*\d+\s*[:.|]|^(?:Left|Right|Middle|Top|Bottom)"
                      r"\s*[:.]|^\(?[a-h]\)\s")
_NUMERIC = re.compile(r"^[\d.,%±×x()\-–/]+$")


def usable_sentence(text: str) -> bool:
    """A complete, quotable English sentence (not a fragment, link line or table row)."""
    tokens = text.split()
    lower = text.lower()
    numeric = sum(bool(_NUMERIC.match(t)) for t in tokens)
    # "… called “uniform masking.”": a closing quote after the stop still ends a sentence.
    return (6 <= len(tokens) <= 70 and (text[0].isupper() or text[0].isdigit())
            and text.rstrip().rstrip("\"'”’").endswith((".", "!", "?", ";")) and not has_cjk(text)
            and not any(j in lower for j in _JUNK) and not _CAPTION.search(text)
            and numeric <= 0.3 * len(tokens))


def mmr(rel: np.ndarray, sim: np.ndarray, groups: list[str], *, lam: float = 0.7,
        max_n: int = MAX_SENTENCES, min_n: int = MIN_SENTENCES, per_group: int = 2,
        dup: float = 0.85, first: int | None = None) -> list[int]:
    """Maximal-marginal-relevance picks: relevant, diverse, ≤ `per_group` per group.

    `first` forces the first pick. Stops at `max_n`, or once past `min_n` when relevance
    falls below 70% of the best.
    """
    floor = 0.7 * float(rel.max()) if len(rel) else 0.0
    chosen: list[int] = []
    left = list(range(len(rel)))
    while left and len(chosen) < max_n:
        def gain(i: int) -> float:
            redundancy = max((float(sim[i, j]) for j in chosen), default=0.0)
            return lam * float(rel[i]) - (1 - lam) * redundancy

        best = first if first is not None and not chosen else max(left, key=gain)
        if len(chosen) >= min_n and rel[best] < floor:
            break
        chosen.append(best)
        taken = sum(groups[j] == groups[best] for j in chosen)
        left = [i for i in left if i != best and sim[i, best] < dup
                and (groups[i] != groups[best] or taken < per_group)]
    return chosen

"""Mine weighted Chinese→English term translations from aligned pairs, merge the glossary.

Pipeline: aligned pairs → alignment units (Chinese words; English index tokens, less
those the Chinese side copies in Latin letters) → IBM Model 1 (both directions) →
for each Chinese unit, its English candidates grouped by `lemma`, each spelled as its
most frequent English surface word, kept while t(e|f) is high enough. Curated glossary
entries replace mined ones for the same term.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from pydantic import BaseModel

from indexer.textproc import STOPWORDS, fold
from search.lexicon import model1
from search.lexicon.pairs import AlignedPair
from search.lexicon.units import (
    ZH_STOP,
    en_units,
    known_pieces,
    latin_units,
    lemma,
    word_pairs,
    zh_runs,
    zh_units,
    zh_words,
)

_EN_WORD = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*")
CURATED_DECAY = 0.5  # the i-th curated translation weighs 1 / (1 + 0.5 i): the list is ranked


class MiningParams(BaseModel):
    """What decides which mined pairs are kept (recorded in the lexicon's header)."""

    iterations: int = 8
    min_df: int = 3  # aligned segments a Chinese term must appear in
    min_prob: float = 0.1  # t(e|f) of a kept candidate
    # t(e|f) or t(f|e) a candidate must reach: jieba words, glued characters (less
    # often a word), single characters (ambiguous)
    min_top: float = 0.15
    min_top_glued: float = 0.3
    min_top_char: float = 0.6
    min_links: float = 2.0  # expected links behind a kept candidate
    min_llr: float = 15.13  # co-occurrence significance (G², 1 d.f.; p < 0.0001)
    max_candidates: int = 4
    min_phrase_df: int = 5  # segments holding a two-word phrase unit
    min_phrase_share: float = 0.2  # of the rarer word's segments
    min_presence: float = 0.5  # a multi-word term keeps a word's translation this present


class Entry(BaseModel):
    """One Chinese term with weighted English translations, best first."""

    zh: str
    en: list[str]
    weights: list[float]
    source: str  # "curated" or "mined"
    df: int = 0  # aligned segments holding the term (mined entries)


def phrases(runs: Sequence[list[list[str]]], params: MiningParams) -> frozenset[str]:
    """Word pairs that behave as one term (深度学习: jieba cuts it, 深度 alone is "depth"):
    frequent, and a large share of the rarer word's occurrences."""
    word_df: Counter[str] = Counter()
    pair_df: Counter[tuple[str, str]] = Counter()
    for seg in runs:
        word_df.update({w for words in seg for w in words})
        pair_df.update(word_pairs(seg))
    return frozenset(a + b for (a, b), n in pair_df.items() if n >= params.min_phrase_df
                     and n >= params.min_phrase_share * min(word_df[a], word_df[b]))


def segments(pairs: Sequence[AlignedPair], params: MiningParams) -> list[model1.Segment]:
    """Alignment segments: Chinese units × English units. English words the Chinese side
    writes in Latin letters too (NeRF, 3D, SMPL) were copied, not translated: they are
    left out, so no Chinese word can take them for its translation."""
    runs = [zh_runs(p.zh) for p in pairs]
    found = phrases(runs, params)
    segs: list[model1.Segment] = []
    for r, p in zip(runs, pairs, strict=True):
        copied = set(latin_units(p.zh))
        segs.append((zh_units(r, found), [t for t in en_units(p.en) if t not in copied], p.weight))
    return segs


def surface_forms(pairs: Sequence[AlignedPair]) -> dict[str, str]:
    """lemma → the English word most often written for it (ties: alphabetical)."""
    seen: dict[str, Counter[str]] = defaultdict(Counter)
    for p in pairs:
        for word in _EN_WORD.findall(p.en.lower()):
            if word not in STOPWORDS and not word.isdigit():
                seen[lemma(fold(word))][word] += 1
    return {k: min(c, key=lambda w: (-c[w], w)) for k, c in seen.items()}


def llr(both: int, a: int, b: int, n: int) -> float:
    """Dunning's log-likelihood ratio G² that units in `a` and `b` of `n` segments, together
    in `both`, co-occur more than by chance (0 when they co-occur less)."""
    if both * n <= a * b:
        return 0.0
    cells = (both, a - both, b - both, n - a - b + both)
    expected = (a * b / n, a * (n - b) / n, (n - a) * b / n, (n - a) * (n - b) / n)
    return 2.0 * sum(o * math.log(o / e) for o, e in zip(cells, expected, strict=True) if o > 0)


class Cooccurrence:
    """Which segments hold each unit, to test a candidate pair's significance."""

    def __init__(self, segs: Sequence[model1.Segment]) -> None:
        self.n = len(segs)
        self.source: dict[str, set[int]] = defaultdict(set)
        self.target: dict[str, set[int]] = defaultdict(set)
        for i, (src, tgt, _) in enumerate(segs):
            for u in src:
                self.source[u].add(i)
            for u in tgt:
                self.target[lemma(u)].add(i)

    def presence(self, term: str, key: str) -> float:
        """Share of the term's segments whose English holds the lemma."""
        a = self.source[term]
        return len(a & self.target[key]) / len(a) if a else 0.0

    def score(self, term: str, key: str) -> float:
        """G² of a Chinese unit and an English lemma."""
        a, b = self.source[term], self.target[key]
        return llr(len(a & b), len(a), len(b), self.n)


def _minable(term: str) -> bool:
    return any("\u3400" <= ch <= "\u9fff" for ch in term) and term not in ZH_STOP


@dataclass
class _Group:
    """English tokens of one lemma as candidates of one Chinese term."""

    prob: float = 0.0  # Σ t(e|f): how the term is translated
    links: float = 0.0  # expected links behind it
    reverse: float = 0.0  # max t(f|e): how the English is translated back


def _groups(al: model1.Alignment, rows: np.ndarray) -> dict[str, _Group]:
    groups: dict[str, _Group] = defaultdict(_Group)
    for r in rows:
        g = groups[lemma(al.target[al.e[r]])]
        g.prob += float(al.prob[r])
        g.links += float(al.count[r])
        g.reverse = max(g.reverse, float(al.back[r]))
    return groups


def _candidates(term: str, groups: dict[str, _Group], params: MiningParams,
                cooc: Cooccurrence) -> list[tuple[str, float]]:
    """(lemma, t(e|f)) of the kept candidates, best first.

    A candidate needs a minimum t(e|f), enough links and a significant co-occurrence, and
    its t(e|f) or t(f|e) must reach the bar (higher for one-character terms): "photograph"
    spreads 照片 over photo/photograph but is translated back as 照片 mostly.
    """
    bar = (params.min_top_char if len(term) == 1 else
           params.min_top if zh_words(term) == [term] else params.min_top_glued)
    kept = [(k, g) for k, g in groups.items()
            if g.prob >= params.min_prob and g.links >= params.min_links
            and max(g.prob, g.reverse) >= bar and cooc.score(term, k) >= params.min_llr]
    kept.sort(key=lambda kg: (-kg[1].prob, kg[0]))
    return [(k, g.prob) for k, g in kept[: params.max_candidates]]


def _complete(term: str, own: list[tuple[str, float]], kept: dict[str, list[tuple[str, float]]],
              params: MiningParams, cooc: Cooccurrence) -> list[tuple[str, float]]:
    """A multi-word term's candidates plus its words' candidates that its English nearly
    always holds: 深度学习 keeps "learning" from 学习 (its own alignment only had to
    explain "deep"), but not "depth" from 深度."""
    out = list(own)
    words = zh_words(term)
    found = _Translated(kept)
    parts = [p for w in words for p in ([w] if w in found else known_pieces(w, found))]
    for part in parts if len(words) > 1 else []:
        for key, prob in kept.get(part, []):
            share = cooc.presence(term, key)
            if share >= params.min_presence and key not in dict(out):
                out.append((key, prob * share))
    return out[: params.max_candidates + 1]


class _Translated:
    """The terms that have candidates (a word without any is looked into for parts)."""

    def __init__(self, kept: dict[str, list[tuple[str, float]]]) -> None:
        self.kept = kept

    def __contains__(self, term: object) -> bool:
        return bool(self.kept.get(term)) if isinstance(term, str) else False


def mine(pairs: Sequence[AlignedPair], params: MiningParams | None = None) -> list[Entry]:
    """Mined entries, one per Chinese term with at least one kept candidate, sorted by term."""
    params = params or MiningParams()
    segs = segments(pairs, params)
    al = model1.train(segs, params.iterations, params.min_df)
    cooc = Cooccurrence(segs)
    surface = surface_forms(pairs)
    # Only pairs that could add up to a candidate: a lemma rarely has ten spellings.
    rows = np.nonzero(al.prob >= params.min_prob / 10)[0]
    rows = rows[np.lexsort((al.e[rows], al.f[rows]))]
    bounds = np.searchsorted(al.f[rows], np.arange(len(al.source) + 1))
    kept = {term: _candidates(term, _groups(al, rows[bounds[i]:bounds[i + 1]]), params, cooc)
            for i, term in enumerate(al.source) if _minable(term)}
    df = dict(zip(al.source, al.source_df.tolist(), strict=True))
    entries: list[Entry] = []
    for term, own in kept.items():
        if found := _complete(term, own, kept, params, cooc):
            entries.append(Entry(zh=term, en=[surface.get(k, k) for k, _ in found],
                                 weights=[round(p, 3) for _, p in found], source="mined",
                                 df=int(df[term])))
    return entries


def curated_entries(glossary: dict[str, list[str]]) -> list[Entry]:
    """Glossary rows as entries, weighted by their rank in the row."""
    return [Entry(zh=zh, en=en, weights=[round(1 / (1 + CURATED_DECAY * i), 3) for i in range(len(en))],
                  source="curated") for zh, en in sorted(glossary.items()) if en]


def merge(mined: Sequence[Entry], curated: Sequence[Entry]) -> list[Entry]:
    """One entry per term, sorted; a curated entry replaces a mined one."""
    table = {e.zh: e for e in mined}
    table.update({e.zh: e for e in curated})
    return [table[k] for k in sorted(table)]

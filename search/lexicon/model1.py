"""IBM Model 1 word alignment (Brown et al. 1993), trained by EM, vectorised with numpy.

Each segment pairs source units (Chinese) with target units (English). Model 1 explains
every target unit by one source unit of its segment, or by NULL, with translation
probabilities t(e|f) re-estimated from expected link counts. Unlike raw co-occurrence,
a unit that is already explained (NERF by the Latin "nerf" of the Chinese side) does not
lend its mass to the other words around it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

Segment = tuple[Sequence[str], Sequence[str], float]  # (source units, target units, weight)


@dataclass(frozen=True)
class Alignment:
    """Translation table of co-occurring (source, target) pairs, one array entry per pair."""

    source: list[str]
    target: list[str]
    f: np.ndarray  # source index of each pair
    e: np.ndarray  # target index of each pair
    prob: np.ndarray  # t(e|f)
    count: np.ndarray  # expected number of links between f and e
    source_df: np.ndarray  # segments holding each source unit


@dataclass(frozen=True)
class _Occurrences:
    pair: np.ndarray  # pair id of each (segment, e, f) occurrence
    group: np.ndarray  # (segment, e) id of each occurrence
    weight: np.ndarray  # c(e) * c(f) * segment weight
    pair_f: np.ndarray
    pair_e: np.ndarray


def _vocab(segments: Sequence[Segment], side: int, min_df: int) -> tuple[list[str], Counter[str]]:
    df: Counter[str] = Counter()
    for source, target, _ in segments:
        df.update(set(target if side else source))
    return sorted(u for u, n in df.items() if n >= min_df), df


def _occurrences(segments: Sequence[Segment], src: dict[str, int], tgt: dict[str, int]
                 ) -> _Occurrences:
    null = len(src)
    fs_, es_, ws_, gs_ = [], [], [], []
    groups = 0
    for source, target, weight in segments:
        cf = Counter(u for u in source if u in src)
        ce = Counter(u for u in target if u in tgt)
        if not ce:
            continue
        f = np.array([*(src[u] for u in cf), null], dtype=np.int64)
        fc = np.array([*cf.values(), 1], dtype=np.float64)
        e = np.array([tgt[u] for u in ce], dtype=np.int64)
        ec = np.array(list(ce.values()), dtype=np.float64)
        fs_.append(np.tile(f, len(e)))
        es_.append(np.repeat(e, len(f)))
        ws_.append(np.outer(ec, fc).ravel() * weight)
        gs_.append(groups + np.repeat(np.arange(len(e)), len(f)))
        groups += len(e)
    if not fs_:
        empty = np.zeros(0, dtype=np.int64)
        return _Occurrences(empty, empty, np.zeros(0), empty, empty)
    f_all, e_all = np.concatenate(fs_), np.concatenate(es_)
    # 32-bit keys sort about twice as fast, and (source, target) index pairs fit in them.
    dtype = np.int32 if (len(src) + 1) * len(tgt) < 2**31 else np.int64
    keys, pair = np.unique((f_all * len(tgt) + e_all).astype(dtype), return_inverse=True)
    keys = keys.astype(np.int64)
    return _Occurrences(pair, np.concatenate(gs_), np.concatenate(ws_),
                        keys // len(tgt), keys % len(tgt))


def train(segments: Sequence[Segment], iterations: int = 8, min_df: int = 2) -> Alignment:
    """Train t(target | source) on the segments; units in fewer than `min_df` segments are
    left out (they cannot be learned and only slow EM down)."""
    source, source_df = _vocab(segments, 0, min_df)
    target, _ = _vocab(segments, 1, min_df)
    src = {u: i for i, u in enumerate(source)}
    occ = _occurrences(segments, src, {u: i for i, u in enumerate(target)})
    n_pairs, n_groups = len(occ.pair_f), int(occ.group.max(initial=-1)) + 1
    prob: np.ndarray = np.ones(n_pairs)
    count: np.ndarray = np.zeros(n_pairs)
    for _ in range(iterations):
        t = prob[occ.pair]
        norm = np.bincount(occ.group, weights=t, minlength=n_groups)
        count = np.bincount(occ.pair, weights=occ.weight * t / norm[occ.group], minlength=n_pairs)
        total = np.bincount(occ.pair_f, weights=count, minlength=len(source) + 1)
        prob = count / total[occ.pair_f]
    keep = occ.pair_f < len(source)  # NULL's links are not translations
    return Alignment(source, target, occ.pair_f[keep], occ.pair_e[keep], prob[keep], count[keep],
                     np.array([source_df[u] for u in source], dtype=np.int64))


class Lookup:
    """t(e|f) of single (source, target) pairs of an alignment, by name."""

    def __init__(self, al: Alignment) -> None:
        self._src = {u: i for i, u in enumerate(al.source)}
        self._tgt = {u: i for i, u in enumerate(al.target)}
        self._n = max(len(al.target), 1)
        keys = al.f * self._n + al.e
        order = np.argsort(keys, kind="stable")
        self._keys, self._prob = keys[order], al.prob[order]

    def prob(self, source: str, target: str) -> float:
        """t(target | source); 0 for a pair that never co-occurred."""
        f, e = self._src.get(source), self._tgt.get(target)
        if f is None or e is None:
            return 0.0
        key = f * self._n + e
        i = int(np.searchsorted(self._keys, key))
        return float(self._prob[i]) if i < len(self._keys) and self._keys[i] == key else 0.0

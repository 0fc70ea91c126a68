"""IBM Model 1 word alignment (Brown et al. 1993), trained by EM, vectorised with numpy.

Each segment pairs source units (Chinese) with target units (English). Model 1 explains
every target unit by one source unit of its segment, or by NULL, with translation
probabilities t(e|f) re-estimated from expected link counts. Unlike raw co-occurrence,
a unit that is already explained by one word does not lend its mass to the words around it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

Segment = tuple[Sequence[str], Sequence[str], float]  # (source units, target units, weight)


@dataclass(frozen=True)
class Alignment:
    """Both translation tables over the co-occurring (source, target) pairs, one array
    entry per pair."""

    source: list[str]
    target: list[str]
    f: np.ndarray  # source index of each pair
    e: np.ndarray  # target index of each pair
    prob: np.ndarray  # t(e|f), source → target
    back: np.ndarray  # t(f|e), target → source
    count: np.ndarray  # expected number of links between f and e (source → target)
    source_df: np.ndarray  # segments holding each source unit


@dataclass(frozen=True)
class _Occurrences:
    """Every (segment, f, e) with f or e possibly NULL (not both): its pair, its group in
    each direction (the unit being explained) and its weight c(f) · c(e) · segment weight."""

    pair: np.ndarray
    by_target: np.ndarray  # (segment, e) id; NULL targets share a dummy group
    by_source: np.ndarray  # (segment, f) id; NULL sources share a dummy group
    weight: np.ndarray
    to_target: np.ndarray  # weight, 0 where e is NULL (source → target direction)
    to_source: np.ndarray  # weight, 0 where f is NULL
    pair_f: np.ndarray
    pair_e: np.ndarray


def _vocab(segments: Sequence[Segment], side: int, min_df: int) -> tuple[list[str], Counter[str]]:
    df: Counter[str] = Counter()
    for source, target, _ in segments:
        df.update(set(target if side else source))
    return sorted(u for u, n in df.items() if n >= min_df), df


def _segment_grid(f: np.ndarray, e: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row-major (e, f) index grid of one segment without the (NULL, NULL) corner."""
    fi = np.tile(np.arange(len(f)), len(e))[:-1]
    ei = np.repeat(np.arange(len(e)), len(f))[:-1]
    return fi, ei


def _occurrences(segments: Sequence[Segment], src: dict[str, int], tgt: dict[str, int]
                 ) -> _Occurrences:
    nf, ne = len(src), len(tgt)  # also the NULL indices
    cols: dict[str, list[np.ndarray]] = {k: [] for k in ("f", "e", "w", "gt", "gs")}
    n_t = n_s = 0
    for source, target, weight in segments:
        cf = Counter(u for u in source if u in src)
        ce = Counter(u for u in target if u in tgt)
        if not ce and not cf:
            continue
        f = np.array([*(src[u] for u in cf), nf], dtype=np.int32)
        e = np.array([*(tgt[u] for u in ce), ne], dtype=np.int32)
        fc = np.array([*cf.values(), 1], dtype=np.float32)
        ec = np.array([*ce.values(), 1], dtype=np.float32)
        fi, ei = _segment_grid(f, e)
        cols["f"].append(f[fi])
        cols["e"].append(e[ei])
        cols["w"].append(fc[fi] * ec[ei] * np.float32(weight))
        cols["gt"].append(np.where(ei < len(e) - 1, n_t + ei, -1).astype(np.int32))
        cols["gs"].append(np.where(fi < len(f) - 1, n_s + fi, -1).astype(np.int32))
        n_t, n_s = n_t + len(e) - 1, n_s + len(f) - 1
    if not cols["f"]:
        cols = {k: [np.zeros(0, dtype=np.int32)] for k in cols}
    f_all, e_all = np.concatenate(cols["f"]), np.concatenate(cols["e"])
    w = np.concatenate(cols["w"]).astype(np.float64)
    # 32-bit keys sort about twice as fast, and (source, target) index pairs fit in them.
    dtype = np.int32 if (nf + 1) * (ne + 1) < 2**31 else np.int64
    keys, pair = np.unique(f_all.astype(dtype) * (ne + 1) + e_all, return_inverse=True)
    gt, gs = np.concatenate(cols["gt"]), np.concatenate(cols["gs"])
    keys = keys.astype(np.int64)
    return _Occurrences(pair.astype(np.int32), np.where(gt < 0, n_t, gt), np.where(gs < 0, n_s, gs),
                        w, np.where(e_all < ne, w, 0.0), np.where(f_all < nf, w, 0.0),
                        keys // (ne + 1), keys % (ne + 1))


def _em(occ: _Occurrences, explained: np.ndarray, group: np.ndarray, weight: np.ndarray,
        iterations: int) -> tuple[np.ndarray, np.ndarray]:
    """t(explained unit | explaining unit) and expected link counts, by EM over the pairs;
    `explained` holds each pair's explaining unit (normalisation key)."""
    n_pairs, n_groups = len(explained), int(group.max(initial=-1)) + 1
    prob: np.ndarray = np.ones(n_pairs)
    count: np.ndarray = np.zeros(n_pairs)
    for _ in range(iterations):
        t = prob[occ.pair]
        norm = np.bincount(group, weights=t, minlength=n_groups)
        count = np.bincount(occ.pair, weights=weight * t / np.maximum(norm[group], 1e-300),
                            minlength=n_pairs)
        total = np.bincount(explained, weights=count)
        prob = count / np.maximum(total[explained], 1e-300)
    return prob, count


def train(segments: Sequence[Segment], iterations: int = 8, min_df: int = 2) -> Alignment:
    """Train t(target | source) and t(source | target) on the segments (one pass over the
    data builds both); units in fewer than `min_df` segments are left out (they cannot be
    learned and only slow EM down)."""
    source, source_df = _vocab(segments, 0, min_df)
    target, _ = _vocab(segments, 1, min_df)
    occ = _occurrences(segments, {u: i for i, u in enumerate(source)},
                       {u: i for i, u in enumerate(target)})
    prob, count = _em(occ, occ.pair_f, occ.by_target, occ.to_target, iterations)
    back, _ = _em(occ, occ.pair_e, occ.by_source, occ.to_source, iterations)
    keep = (occ.pair_f < len(source)) & (occ.pair_e < len(target))  # NULL links translate nothing
    return Alignment(source, target, occ.pair_f[keep], occ.pair_e[keep], prob[keep], back[keep],
                     count[keep], np.array([source_df[u] for u in source], dtype=np.int64))

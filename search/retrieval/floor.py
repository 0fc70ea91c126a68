"""Saying when nothing matches: a floor under the best hits' match strength.

Match strength mirrors ask's evidence relevance: a paper's best-chunk cosine with the
query's English form, plus 0.3 × the IDF-weighted share of the query's keywords that its
title and excerpt contain (for a Chinese query, times its translated share). When none
of the first `FLOOR_TOP` papers reaches `RankingSettings.min_match`, the search says so
in a notice. It lists no papers when not one of the query's keywords is in the index
(keyboard mash, emoji, lorem ipsum), and the nearest papers under the notice otherwise:
a real query about a paper far from the rest of the library (radiology report
leaderboards in an avatar library) can score as low as an off-topic question. (Three
papers, not one: a question naming a method, "TRAvatar 训练要多久", can put its paper
third.)

Calibration (dev splits of benchmarks/retrieval/zh/junk_queries.jsonl and
queries_zh.jsonl plus all of queries.jsonl, on the bundled-library and the corpus index;
see BENCHMARKS.md): junk strings and off-topic questions score 0.03-0.38, real queries
(short ones such as "SMPL", known-item and topical, English and Chinese) 0.52 and up,
and the 111 questions of benchmarks/answers on an index holding their PDFs 0.45 and up.
The floor, 0.43, leans towards the junk side. On the held-out test split two real
queries about out-of-field papers scored 0.37 and 0.41: hence the nearest papers stay
listed whenever any keyword matched.
"""

from __future__ import annotations

from indexer.textproc import has_cjk, tokenize
from search.retrieval.fuse import PaperRanking, per_paper
from search.retrieval.query import ParsedQuery
from search.retrieval.snapshot import Snapshot

KEYWORD_WEIGHT = 0.3
FLOOR_TOP = 3
NO_MATCH = "No indexed paper matches this query closely."
NO_MATCH_ZH = "索引中没有与这个查询足够接近的论文。"
NONE_SHOWN = "Try other words or an English term."
NEAREST_SHOWN = "These are the nearest papers."
NEAREST_SHOWN_ZH = "以下是最接近的论文。"


def keywords(snap: Snapshot, q: ParsedQuery) -> list[str]:
    """The query's keywords: its English form, and a Chinese query's own words where the
    index holds Chinese text (an English-only index cannot match them; the translation
    stands for them there)."""
    own = [t for t in tokenize(q.raw) if has_cjk(t) and t in snap.bm25.vocab_dict] if q.chinese else []
    return list(dict.fromkeys(tokenize(q.dense_text) + own))


def keyword_share(snap: Snapshot, tokens: list[str], text: str) -> float:
    """IDF-weighted share of `tokens` present in `text` (0..1)."""
    weights = {t: snap.idf(t) for t in tokens}
    total = sum(weights.values())
    present = set(tokenize(text))
    return sum(w for t, w in weights.items() if t in present) / total if total else 0.0


def match_strength(snap: Snapshot, q: ParsedQuery, dense: PaperRanking,
                   top: tuple[int, float, int]) -> float:
    """How closely a fused paper matches: cosine + KEYWORD_WEIGHT × keyword share
    × the share of the query that was translated (1 for English).

    A paper the dense side did not retrieve gets the lowest cosine it did retrieve (its
    own is at most that).
    """
    paper, _, row = top
    cosines = [s for _, s, _ in dense.best.values()]
    cos = dense.best[paper][1] if paper in dense.best else min(cosines, default=0.0)
    text = snap.chunk(row)[0] if row >= 0 else snap.papers[paper].abstract
    share = keyword_share(snap, keywords(snap, q), f"{snap.papers[paper].title}\n{text}")
    # Untranslated words of a Chinese query are keywords no English text holds: without
    # this, a query whose one translated word is "expensive" matches anything expensive.
    return cos + KEYWORD_WEIGHT * share * q.coverage


def below_floor(snap: Snapshot, q: ParsedQuery, dense: tuple[list[int], list[float]],
                fused: list[tuple[int, float, int]], floor: float) -> bool:
    """True when none of the first `FLOOR_TOP` fused papers matches the query as closely as
    `floor`, judged by their true cosines (`dense`: the dense chunk ranking before any
    discount) and keyword shares."""
    cosines = per_paper(*dense, snap.paper_of_row, 1.0)
    return max(match_strength(snap, q, cosines, top) for top in fused[:FLOOR_TOP]) < floor


def no_match_notice(q: ParsedQuery, nearest: bool) -> str:
    """The notice for a query below the floor (`nearest`: the nearest papers are listed
    under it), with the Chinese sentences first for a Chinese query."""
    english = f"{NO_MATCH} {NEAREST_SHOWN if nearest else NONE_SHOWN}"
    if not q.chinese:
        return english
    return f"{NO_MATCH_ZH}{NEAREST_SHOWN_ZH if nearest else ''} {english}"

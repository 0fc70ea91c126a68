"""Chinese → English query translation with the term lexicon (search/lexicon).

The query is cut into jieba words; from each position the longest run of words that is a
lexicon term is taken (so 说话人头 wins over 说话 + 人头), and a word that is no term is
searched for the longest terms inside it. Each term brings its weighted English
candidates. Latin words (3DGS, NeRF, SMPL-X, numbers) need no translation and are kept.
Coverage is the share of the query's informative characters that were translated or
needed no translation: how far the English rendering can stand for the query.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from indexer.textproc import tokenize
from search.lexicon.mine import Entry
from search.lexicon.units import ZH_STOP, known_pieces, zh_words

MAX_TERM_WORDS = 6  # longest run of jieba words tried as one term
MAX_TERM_CHARS = 12  # longest lexicon term tried in the lexicon's own cut of a run
CUT_MARGIN = 1.0  # confidence-weighted characters the lexicon's cut must translate beyond jieba's
LATIN_CHARS = 2  # a Latin word counts like a two-character Chinese word in the coverage
SECOND_CANDIDATE = 0.5  # the dense rendering also names a runner-up this close to the best
_PIECES = re.compile(r"(?P<zh>[\u3400-\u9fff]+)|(?P<latin>[A-Za-z0-9][A-Za-z0-9\-+.]*[A-Za-z0-9+]|[A-Za-z0-9])")


@dataclass(frozen=True)
class Term:
    """A span of the query and its English candidates (empty: not translated)."""

    text: str
    en: tuple[tuple[str, float], ...] = ()
    latin: bool = False


@dataclass
class Translation:
    """The query as terms in order, with its English renderings for both retrievers."""

    terms: list[Term] = field(default_factory=list)

    @property
    def coverage(self) -> float:
        """Share of informative characters translated (Latin words count as translated)."""
        total = sum(_size(t) for t in self.terms)
        done = sum(_size(t) for t in self.terms if t.en or t.latin)
        return done / total if total else 0.0

    @property
    def expansions(self) -> list[str]:
        """Every English candidate, best first per term, without repeats."""
        return list(dict.fromkeys(en for t in self.terms for en, _ in t.en))

    def dense_text(self) -> str:
        """An English rendering for the encoder: Latin words and the best candidates, in order."""
        words: list[str] = []
        for t in self.terms:
            if t.latin:
                words.append(t.text)
            elif t.en:
                top = t.en[0][1]
                words += [en for en, w in t.en[:2] if w >= SECOND_CANDIDATE * top]
        return " ".join(dict.fromkeys(words))

    def token_weights(self) -> dict[str, float]:
        """Keyword-side English tokens, each weighted by its best candidate's share of the top."""
        weights: dict[str, float] = {}
        for t in self.terms:
            top = t.en[0][1] if t.en else 1.0
            pairs = [(t.text, 1.0)] if t.latin else [(en, w / top) for en, w in t.en]
            for text, w in pairs:
                for tok in tokenize(text):
                    weights[tok] = max(weights.get(tok, 0.0), w)
        return weights


def _size(t: Term) -> int:
    return LATIN_CHARS if t.latin else len(t.text)


# "每" (every), "几" (how many), "哪" (which), "另" (another), numerals and ordinals count
# the character after them: 每帧 is per frame, 几层 how many layers, 两层 two layers, 哪一层
# which layer, 第二层 the second layer. A measure word (几块 GPU, 一场比赛) is no noun, even
# where the lexicon knows it.
_COUNTING = frozenset("每几一二两三四五六七八九十第哪另")
_MEASURE_WORDS = frozenset("块个张台次种篇组位场条件份批")


# A numeral that counts a noun is part of the fact asked: 只有一层 is "only a single layer",
# 两层 a two-layer network. Digits follow the words, as papers write both.
_NUMERALS = {"一": ("one", "single", "1"), "二": ("two", "2"), "两": ("two", "2"),
             "三": ("three", "3"), "四": ("four", "4"), "五": ("five", "5"), "六": ("six", "6"),
             "七": ("seven", "7"), "八": ("eight", "8"), "九": ("nine", "9"), "十": ("ten", "10")}
_NOT_COUNT = frozenset(_NUMERALS) | frozenset("哪第每几")
_NUMERAL_DECAY = 0.8  # each later spelling weighs this much of the one before


def _inside(word: str, lexicon: Mapping[str, Entry], before: str = "") -> list[Term]:
    """Longest lexicon terms inside a word no term covers; leftover characters untranslated
    (a lone character inside a word is rarely that word's sense), except the noun a
    counting character counts, and a numeral that counts it (`before`: the word before)."""
    pieces = known_pieces(word, lexicon)
    terms = []
    for i, p in enumerate(pieces):
        if len(p) > 1 or _counted(pieces, i, lexicon):
            terms.append(_term(p, lexicon))
        elif _counted(pieces, i + 1, lexicon) and _lone_numeral(p, pieces[i - 1] if i else before):
            terms.append(_numeral(p))
        else:
            terms.append(Term(p))
    return terms


def _lone_numeral(piece: str, prev: str) -> bool:
    # 十二层 is twelve layers, not two, and 哪一层 / 第一层 which or the first layer: only a
    # numeral standing alone is read
    return piece in _NUMERALS and not (prev and prev[-1] in _NOT_COUNT)


def _numeral(piece: str) -> Term:
    return Term(piece, tuple((en, round(_NUMERAL_DECAY ** k, 3))
                             for k, en in enumerate(_NUMERALS[piece])))


def _counted(pieces: list[str], i: int, lexicon: Mapping[str, Entry]) -> bool:
    return (0 < i < len(pieces) and pieces[i - 1][-1] in _COUNTING and pieces[i] in lexicon
            and pieces[i] not in _MEASURE_WORDS)


def _term(span: str, lexicon: Mapping[str, Entry]) -> Term:
    e = lexicon[span]
    return Term(span, tuple(zip(e.en, e.weights, strict=True)))


def _run_terms(run: str, lexicon: Mapping[str, Entry]) -> list[Term]:
    """The terms of one run of Chinese characters: read from jieba's words, or from the
    lexicon's own cut when that translates more of the run. jieba cuts 数字人头像 into
    数字 | 人头 | 像, across both of its terms 数字人 (digital human) and 头像 (avatar)."""
    terms = _terms_of(zh_words(run), lexicon)
    cut = _lexicon_cut(run, lexicon)
    if len(cut) > 1:
        other = _terms_of(cut, lexicon)
        if _translated(other) > _translated(terms) + CUT_MARGIN:
            return other
    return terms


def _translated(terms: list[Term]) -> float:
    """Characters translated, each weighted by its term's best candidate's confidence."""
    return sum(len(t.text) * t.en[0][1] for t in terms if t.en)


def _lexicon_cut(run: str, lexicon: Mapping[str, Entry]) -> list[str]:
    """The run cut into lexicon terms of two or more characters, covering the most
    characters with the fewest terms; what no term covers is cut by jieba."""
    n = len(run)
    # best[i]: (characters covered, -pieces) of the best cut of run[i:], and its first piece's end
    best: list[tuple[tuple[int, int], int]] = [((0, 0), n)] * (n + 1)
    for i in range(n - 1, -1, -1):
        (cov, neg), _ = best[i + 1]
        choice = ((cov, neg - 1), i + 1)
        for j in range(i + 2, min(n, i + MAX_TERM_CHARS) + 1):
            if run[i:j] in lexicon:
                (cov, neg), _ = best[j]
                choice = max(choice, ((cov + j - i, neg - 1), j))
        best[i] = choice
    pieces, gap, i = [], "", 0
    while i < n:
        j = best[i][1]
        if j - i > 1:
            pieces += [*(zh_words(gap) if gap else []), run[i:j]]
            gap = ""
        else:
            gap += run[i:j]
        i = j
    return pieces + (zh_words(gap) if gap else [])


def _terms_of(words: list[str], lexicon: Mapping[str, Entry]) -> list[Term]:
    """Terms from a run's words: the longest runs of words that are lexicon terms, and
    inside any other word its longest terms."""
    terms: list[Term] = []
    i = 0
    while i < len(words):
        top = min(len(words), i + MAX_TERM_WORDS)
        j = next((j for j in range(top, i, -1) if "".join(words[i:j]) in lexicon), None)
        if j is not None:
            terms.append(_term("".join(words[i:j]), lexicon))
            i = j
            continue
        if words[i] not in ZH_STOP:
            before = words[i - 1] if i else ""
            terms += [t for t in _inside(words[i], lexicon, before) if t.en or t.text not in ZH_STOP]
        i += 1
    return terms


def translate(text: str, lexicon: Mapping[str, Entry]) -> Translation:
    """The terms of a (mixed) Chinese query, in order. Stop words are left out."""
    # A space is a word boundary the writer chose: runs are segmented apart (joining
    # "数据集 预训练" would let jieba cut 集预).
    out = Translation()
    for m in _PIECES.finditer(text):
        if m["latin"]:
            out.terms.append(Term(m["latin"], latin=True))
        else:
            out.terms += _run_terms(m["zh"], lexicon)
    return out

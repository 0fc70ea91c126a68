"""Alignment units: Chinese words (jieba) and English word tokens, shared by mining and queries.

Chinese: jieba's default segmentation (its HMM joins unknown compounds such as 位姿 or
隐式), stop words dropped. Runs of single characters that jieba leaves apart (泼 溅,
元 宇宙) are also offered glued, so a compound jieba does not know can still be learned.
English: the index's own tokens (indexer.textproc.tokenize, possessives as written), so a
mined translation is a token the keyword index holds; `lemma` groups the spellings fold
leaves apart.
"""

from __future__ import annotations

import re
from collections.abc import Container
from functools import lru_cache

from indexer.textproc import ZH_STOPWORDS, _jieba, fold, tokenize

# Stop words of mining and translation: function words and question words a query or a
# summary adds around its terms. Translating them would only add noise.
ZH_STOP = frozenset(
    "的 了 和 与 及 在 是 为 对 中 等 也 其 将 被 把 从 以 而 或 并 由 这 该 此 之 于 上 下 个 种 "
    "有 吗 呢 吧 啊 都 就 还 又 很 更 最 能 会 可 让 给 跟 用 来 去 到 做 说 要 想 找 看 "
    "且 仍 已 即 则 若 因 所 各 每 但 如 均 亦 皆 乃 故 仅 只 使 向 当 "
    "一种 一个 一些 我们 本文 提出 通过 进行 以及 可以 能够 什么 哪些 哪个 怎么 怎样 如何 "
    "关于 论文 研究 基于 用于 这种 这些 那些 其中 以及 并且 或者 使用 利用 采用 实现 "
    "相关 方面 问题 工作 文章 有没有 是否 为什么 一下 里 后 前 时 "
    # question words: what a question asks about is in its other words
    "多少 多久 多长 多长时间 多大 几 哪 哪里 哪种 哪篇 那篇 这篇 分别 大概".split()) | ZH_STOPWORDS
_CJK_RUN = re.compile(r"[\u3400-\u9fff]+")
_LATIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-+.]*[A-Za-z0-9+]|[A-Za-z0-9]")


@lru_cache(maxsize=65536)
def _cut(run: str) -> tuple[str, ...]:
    return tuple(_jieba().lcut(run))


def zh_words(run: str) -> list[str]:
    """jieba words of one run of Chinese characters, in order (stop words kept)."""
    return list(_cut(run))


def zh_runs(text: str) -> list[list[str]]:
    """jieba words of each run of Chinese characters in `text` (stop words kept)."""
    return [zh_words(run) for run in _CJK_RUN.findall(text)]


def zh_units(runs: list[list[str]], phrases: frozenset[str] = frozenset()) -> list[str]:
    """Chinese alignment units of a text's runs: words without stop words, `phrases` (two
    neighbouring words, which then stand for both), and glued single characters.

    A phrase replaces its words so that it has to explain all of its English (深度学习 →
    deep *and* learning). A glued unit joins two neighbours when one is a single character,
    as jieba splits compounds it does not know into characters; it is added next to them.
    """
    units: list[str] = []
    for words in runs:
        i = 0
        while i < len(words):
            a = words[i]
            b = words[i + 1] if i + 1 < len(words) else ""
            if b and a + b in phrases:
                units.append(a + b)
                i += 2
                continue
            if a not in ZH_STOP:
                units.append(a)
                if b and b not in ZH_STOP and (len(a) == 1 or len(b) == 1):
                    units.append(a + b)
            i += 1
    return units


def known_pieces(word: str, known: Container[str]) -> list[str]:
    """`word` cut into the longest known pieces of two or more characters, left to right;
    what no piece covers stays as single characters."""
    pieces: list[str] = []
    i = 0
    while i < len(word):
        j = next((j for j in range(len(word), i + 1, -1) if word[i:j] in known), i + 1)
        pieces.append(word[i:j])
        i = j
    return pieces


def word_pairs(runs: list[list[str]]) -> set[tuple[str, str]]:
    """Neighbouring multi-character words (phrase candidates such as 深度 学习)."""
    return {(a, b) for words in runs for a, b in zip(words, words[1:], strict=False)
            if len(a) > 1 and len(b) > 1 and a not in ZH_STOP and b not in ZH_STOP}


def latin_units(text: str) -> list[str]:
    """Index tokens of the Latin words in mixed text (3DGS, NeRF, SMPL-X), digits dropped."""
    return [t for t in tokenize(" ".join(_LATIN.findall(text)), keep_possessives=True) if not t.isdigit()]


def en_units(text: str) -> list[str]:
    """English alignment units: index tokens without numbers and single letters."""
    return [t for t in tokenize(text, keep_possessives=True) if len(t) > 1 and not t.isdigit()]


def lemma(token: str) -> str:
    """A coarser key than `fold`: gesture/gestur, texture/textur, splatt/splat meet."""
    key = fold(token)
    if len(key) > 4 and key.endswith("e"):
        key = key[:-1]
    if len(key) > 4 and key[-1] == key[-2] and key[-1] not in "aeiouls":
        key = key[:-1]
    return key

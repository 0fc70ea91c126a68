"""Passage-level retrieval: chunks ranked by a mix of dense and keyword scores, several per paper.

Paper search (engine.py) collapses chunks to papers; answers need the chunks themselves,
so here both retrievers' chunk scores are min-max normalised within their candidate lists
and mixed (the same convex fusion as papers, one level down). Only English chunks are
passages: the digests' Chinese summaries are machine-written and never cited as evidence.

Papers are also found by name: a question that says "TECA" or "AGG" means one paper, and
`NameIndex` maps such method names (acronyms and CamelCase words of titles and abstracts,
the part of a title before its colon, or a name the full text defines: "we propose … (AEVB)")
to the few papers that use them; a title of four or more words, written out, names its paper.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

import numpy as np

from indexer.models import Paper
from search.retrieval.query import ParsedQuery
from search.retrieval.snapshot import Snapshot

# A method name belongs to at most this many papers; more means it is a shared term (NeRF).
MAX_NAME_PAPERS = 2
_NAME = re.compile(r"\b[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*\b")
_POSSESSIVE = re.compile(r"['’]s\b")


@dataclass(frozen=True)
class ScoredRow:
    """A chunk row with its fused score and the two scores it came from (0 when absent)."""

    row: int
    score: float
    cosine: float
    bm25: float


def _normalise(scores: dict[int, float]) -> dict[int, float]:
    if not scores:
        return {}
    hi, lo = max(scores.values()), min(scores.values())
    if hi <= lo:
        return {r: 1.0 if hi > 0 else 0.0 for r in scores}
    return {r: (s - lo) / (hi - lo) for r, s in scores.items()}


def rank_rows(snap: Snapshot, q: ParsedQuery, qvec: np.ndarray, n: int,
              allowed: np.ndarray | None = None, dense_weight: float = 1.0) -> list[ScoredRow]:
    """English chunk rows best matching the query, fused from dense and BM25 top-`n` lists.

    Args:
        snap: the generation to search.
        q: the parsed query (its expansions reach both sides for Chinese queries).
        qvec: the query's vector.
        n: candidates taken from each retriever.
        allowed: a boolean mask over chunk rows to search within (None: all).
        dense_weight: the dense side's weight relative to the keyword side's 1.
    """
    english = snap.lang_of_row == "en"
    mask = english if allowed is None else english & allowed
    if not mask.any():
        return []
    dense_rows, cosines = snap.dense(qvec, n, mask)
    sparse_rows, bm25 = snap.sparse(q.sparse_tokens, n, mask, q.sparse_weights or None)
    cos = dict(zip(dense_rows, cosines, strict=True))
    kw = dict(zip(sparse_rows, bm25, strict=True))
    d_norm, s_norm = _normalise(cos), _normalise(kw)
    total = dense_weight + 1.0
    out = [ScoredRow(r, (dense_weight * d_norm.get(r, 0.0) + s_norm.get(r, 0.0)) / total,
                     cos.get(r, 0.0), kw.get(r, 0.0))
           for r in set(cos) | set(kw)]
    out.sort(key=lambda s: (-s.score, s.row))
    return out


def rows_of_papers(snap: Snapshot, papers: list[int]) -> np.ndarray:
    """A chunk-row mask selecting every chunk of the given papers."""
    return np.isin(snap.paper_of_row, np.asarray(papers, dtype=np.int32))


def _looks_like_name(word: str) -> bool:
    """An acronym or CamelCase word (DELTA, TRAvatar, BigBird, 3DGS), not a capitalised word."""
    return len(word) >= 3 and bool(re.search(r"[A-Z]{2}|[a-z][A-Z]|\d[A-Za-z]|[A-Za-z]\d", word))


def title_head(title: str) -> str:
    """The part of a title before its colon, when it is a name of one to three words."""
    head, colon, _ = title.partition(":")
    return head.strip() if colon and 1 <= len(head.split()) <= 3 else ""


def _names_of(paper: Paper) -> set[str]:
    """Method-name candidates of one paper: its title's head (or a title of two or three
    words: "Generative Image Dynamics") and its acronym-like words."""
    names: set[str] = set()
    if head := title_head(paper.title):
        names.add(head)
    elif ":" not in paper.title and 2 <= len(paper.title.split()) <= 3:  # the work's name too
        names.add(" ".join(paper.title.split()))
    for text in (paper.title, paper.abstract[:600]):
        names.update(w for w in _NAME.findall(text) if _looks_like_name(w))
    # Past its opening an abstract also names the methods it compares with, once each; its
    # own method it names again and again ("… OSEDiff … OSEDiff achieves …").
    later = Counter(w for w in _NAME.findall(paper.abstract[600:]) if _looks_like_name(w))
    names.update(w for w, n in later.items() if n >= 2)
    return names


# "we propose the Auto-Encoding VB (AEVB) algorithm": a paper defining a name of its own.
# Its body also repeats its baselines' names (StableSR, DINOv2); only a definition counts.
_DEFINES = re.compile(r"\b(?:[Ww]e|[Tt]his (?:paper|work))\s+(?:\w+\s+){0,3}?(?:propose|present"
                      r"|introduce|call|name|dub|term|refer to|develop|design)s?\b[^.]{0,160}?"
                      r"\(([A-Z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*)\)")


def names_itself(paper: Paper, name: str) -> bool:
    """True when `name` is the paper's own: its title's head, or a name its abstract
    defines ("we propose a novel framework, Tracking-free Relightable Avatar (TRAvatar)"),
    not a method it builds on or compares with ("such as BERT")."""
    return (name.casefold() == title_head(paper.title).casefold()
            or any(m.group(1) == name for m in _DEFINES.finditer(paper.abstract)))


def defined_names(snap: Snapshot) -> dict[int, set[str]]:
    """Paper index → the acronym-like names its chunks define as its own."""
    out: dict[int, set[str]] = defaultdict(set)
    for row, text in snap.texts_like("%(%"):
        for m in _DEFINES.finditer(text):
            if _looks_like_name(m.group(1)):
                out[int(snap.paper_of_row[row])].add(m.group(1))
    return dict(out)


def _rare(name: str, usage: Counter[str]) -> bool:
    """A name few papers write (an ALL-CAPS title's words are ordinary words in other papers)."""
    limit = MAX_NAME_PAPERS + 1
    return usage[name] <= limit and (not name.isupper() or usage[name.lower()] <= limit
                                     and usage[name.capitalize()] <= limit)


_ACRONYM = re.compile(r"[A-Z][A-Za-z0-9-]*[A-Z][A-Za-z0-9-]*")


def _number_forms(name: str) -> list[str]:
    """An acronym's other number: a question about "the ARDM" names the paper of "ARDMs"."""
    if name.endswith("s") and _ACRONYM.fullmatch(name[:-1]) and name[-2].isupper():
        return [name[:-1]]
    return [f"{name}s"] if _ACRONYM.fullmatch(name) and name[-1].isupper() else []


class NameIndex:
    """Method name → the few papers that bear it.

    A one-word name that many papers' titles and abstracts write the same way anyway
    ("Avatar", "IMUs") is a term of the field, not a name, and is left out. A question
    must write a name as the paper does, except that an all-capitals acronym (TECA) or a
    title's head (Emerdiff) also matches in any case, unless it is an everyday word in
    `common` ("warm up" is not WARM).
    `defined` adds, by paper index, the names a paper's full text defines as its own
    (`defined_names`): "AEVB" is in the VAE paper's body, not its abstract.
    """

    def __init__(self, papers: list[Paper], common: AbstractSet[str] = frozenset(),
                 defined: dict[int, set[str]] | None = None) -> None:
        self._common = common
        found: dict[str, set[int]] = defaultdict(set)
        usage: Counter[str] = Counter()
        for i, paper in enumerate(papers):
            for name in _names_of(paper) | (defined or {}).get(i, set()):
                found[name].add(i)
            usage.update(set(_NAME.findall(f"{paper.title} {paper.abstract}")))
        texts = [f"{p.title} {p.abstract}".casefold() for p in papers]
        self._papers: dict[str, list[tuple[str, int]]] = defaultdict(list)
        for name, ps in found.items():
            if len(ps) > MAX_NAME_PAPERS:
                continue
            # A several-word title head ("Gaussian Splatting: A Survey") is often a field's term.
            if " " in name and sum(name.casefold() in t for t in texts) > MAX_NAME_PAPERS + 1:
                continue
            if " " in name or _rare(name, usage):
                for form in (name, *(f for f in _number_forms(name) if _rare(f, usage))):
                    self._papers[form.casefold()].extend((form, p) for p in sorted(ps))
        self._titles = _long_titles(papers)
        # A title's head is the work's own name, however a question capitalises it (the
        # digests write "Emerdiff: …", its authors and readers "EmerDiff"), unless some
        # abstracts use the word in another case too.
        limit = MAX_NAME_PAPERS + 1
        self._loose = {h.casefold() for p in papers if (h := title_head(p.title))
                       and (" " in h or all(usage[f] <= limit for f in (h.lower(), h.capitalize())))}

    def named_in(self, text: str) -> list[tuple[str, int]]:
        """(name, paper) for each method name or long title the text mentions, longest
        names first."""
        words = _NAME.findall(_POSSESSIVE.sub("", text))
        spans = words + [" ".join(words[i:i + n]) for n in (2, 3) for i in range(len(words))]
        hits = [(name, p) for span in sorted(set(spans), key=lambda s: (-len(s), s))
                for name, p in self._papers.get(span.casefold(), [])
                if span == name or ((name.isupper() or name.casefold() in self._loose)
                                    and span.casefold() not in self._common)]
        written = f" {_plain(text)} "
        titled = [(title, p) for key, (title, p) in self._titles.items() if f" {key} " in written]
        return list(dict.fromkeys(sorted(titled, key=lambda t: -len(t[0])) + hits))


MIN_TITLE_WORDS = 4  # a title this long, written out in a question, names its paper


def _plain(text: str) -> str:
    """Lower-case words only: "'A Cookbook of Self-Supervised Learning'" → "a cookbook of
    self supervised learning"."""
    return " ".join(re.findall(r"[^\W_]+", text.casefold()))


def _long_titles(papers: list[Paper]) -> dict[str, tuple[str, int]]:
    """Plain title → (title, paper) for titles of `MIN_TITLE_WORDS` words or more, and for
    such a title's part before or after its colon: a question may quote a paper by its
    title ("what does 'A Cookbook of Self-Supervised Learning' suggest …", "In 'Three
    Decades of Activations', …"). A title two papers share names neither."""
    found: dict[str, set[int]] = defaultdict(set)
    for i, paper in enumerate(papers):
        head, colon, rest = paper.title.partition(":")
        for title in {paper.title, *((head.strip(), rest.strip()) if colon else ())}:
            if len(title.split()) >= MIN_TITLE_WORDS:
                found[_plain(title)].add(i)
    return {key: (papers[i].title, i) for key, ps in found.items() if len(ps) == 1
            for i in ps}


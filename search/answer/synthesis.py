"""A broad question's answer: lines of work, each opened by a sentence naming it.

The pool is the best-ranked papers (paper search) that have a usable sentence. They are
grouped by the method terms they share (`grouping`), at most `PER_GROUP` papers are
kept per line of work so the answer spans several, and each kept paper is quoted with
the sentence that best says what it does: relevant to the question, describing the
method rather than the motivation, and naming terms no earlier quote named.
"""

from __future__ import annotations

from search.answer.cite import Citations
from search.answer.compose import broad_text
from search.answer.grouping import Group, group_papers, terms_of
from search.answer.prepare import Found
from search.answer.question import describes_method
from search.answer.sentences import Keywords, Sentence
from search.models import Citation
from search.retrieval.engine import Searcher
from search.retrieval.query import ParsedQuery

POOL_PAPERS = 10  # best-ranked papers considered for a broad answer
PER_GROUP = 2  # papers kept per line of work
BROAD_PAPERS = 6  # papers a broad answer cites
MAX_SENTENCES = 8  # sentences of a broad answer, openers included
METHOD_BONUS = 0.4  # a broad answer quotes what a paper does rather than why
NOVELTY = 0.3  # weight of the share of a quote's terms that no earlier quote named


def broad(searcher: Searcher, q: ParsedQuery, usable: list[Sentence], found: Found, k: int
          ) -> tuple[str, list[Citation]]:
    """The synthesis text and its citations (numbered by first use)."""
    evidence = found.evidence
    by_paper: dict[str, list[Sentence]] = {}
    for s in usable:
        by_paper.setdefault(evidence[s.ev].paper.paper_id, []).append(s)
    ranked = [h.paper_id for h in found.hits if h.paper_id in by_paper]
    pool = (ranked + [p for p in by_paper if p not in ranked])[:POOL_PAPERS]
    papers = {pid: searcher.paper(pid) for pid in pool}
    groups = group_papers({pid: f"{p.title}. {p.abstract}" for pid, p in papers.items()},
                          set(Keywords.tokens_of(q)), lambda key: _specificity(searcher, key))
    groups = _keep(groups, pool, min(k, BROAD_PAPERS))
    quotes = _quotes(groups, by_paper)
    cites = Citations(evidence, q)
    numbers = {pid: cites.cite(quotes[pid]) for g in groups for pid in g.papers}
    budget = MAX_SENTENCES - len(groups)
    order = [g.papers[rank] for rank in range(PER_GROUP) for g in groups
             if rank < len(g.papers)][:budget]
    shown = {pid: [(quotes[pid].text, numbers[pid])] for pid in order}
    return broad_text(groups, shown, papers, numbers, q.chinese), cites.build()


def _keep(groups: list[Group], pool: list[str], limit: int) -> list[Group]:
    """Groups ordered by their best-ranked paper, each cut to `PER_GROUP`, `limit` in all."""
    # The best-ranked paper's group first, then named lines of work by their best-ranked
    # paper, then the rest.
    groups = sorted(groups, key=lambda g: (pool[0] not in g.papers, not g.terms,
                                           min(pool.index(p) for p in g.papers)))
    for g in groups:
        g.papers = sorted(g.papers, key=pool.index)[:PER_GROUP]
    kept: list[Group] = []
    left = limit
    for g in groups:
        if left <= 0:
            break
        g.papers = g.papers[:left]
        left -= len(g.papers)
        kept.append(g)
    return kept


def _quotes(groups: list[Group], by_paper: dict[str, list[Sentence]]) -> dict[str, Sentence]:
    """Each kept paper's quote: relevant, describing its method, naming new terms."""
    seen: set[str] = set()
    out: dict[str, Sentence] = {}
    for pid in (p for g in groups for p in g.papers):
        out[pid] = max(by_paper[pid], key=lambda s: _value(s, seen))
        seen |= set(terms_of(out[pid].text))
    return out


def _value(s: Sentence, seen: set[str]) -> float:
    terms = set(terms_of(s.text))
    new = len(terms - seen) / max(1, len(terms))
    return s.score + METHOD_BONUS * describes_method(s.text) + NOVELTY * new


def _specificity(searcher: Searcher, key: str) -> float:
    """Mean IDF of a term's words: shared rare words name a line of work best."""
    weights = searcher.term_weights(key.split())
    return sum(weights.values()) / max(1, len(weights))

"""A broad question's answer: lines of work, each opened by a sentence naming it.

The pool is the best-ranked papers (paper search) that have a usable sentence. They are
grouped by the technical terms they share (`grouping`, `vocabulary`); each line of work
keeps `PER_GROUP` papers (more when there are few lines), and a best-ranked paper that
shares no line leads alone. The opener names the line and each of its papers with what
that paper uses and its neighbours do not (`grouping.signature_terms`). Each paper is
quoted with the sentence that best says what it does (`quotes`), and spare sentences of
the eight go to a second quote of the first papers. Eight sentences quote six papers at
most; the answer cites up to `BROAD_PAPERS`, the rest named in their line's opener with
what they use (its name and terms often state what a quote would).
"""

from __future__ import annotations

from indexer.models import Paper
from indexer.sentences import split_sentences
from indexer.textproc import tokenize
from search.answer.cite import Citations
from search.answer.compose import broad_text
from search.answer.extract import usable_sentence
from search.answer.grouping import Group, group_papers, signature_terms
from search.answer.keywords import Keywords
from search.answer.prepare import Found
from search.answer.quotes import QuoteJudge, asks_problems, first_quotes, more_quotes
from search.answer.sentences import Sentence
from search.answer.vocabulary import Vocabulary
from search.lexicon.table import english_key
from search.models import Citation
from search.retrieval.engine import Searcher
from search.retrieval.query import ParsedQuery

POOL_PAPERS = 10  # best-ranked papers considered for a broad answer
PER_GROUP = 5  # papers kept per line of work
BROAD_PAPERS = 8  # papers a broad answer cites; past the quote budget, named in an opener only
MAX_SENTENCES = 8  # sentences of a broad answer, openers included


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
    vocab = Vocabulary(searcher)
    asked = set(Keywords.tokens_of(q))
    groups = group_papers({pid: f"{p.title}. {p.abstract}" for pid, p in papers.items()}, asked,
                          vocab.specificity, technical=vocab.technical, naming=vocab.trait)
    groups = _keep(groups, pool, min(k, BROAD_PAPERS))
    judge = QuoteJudge(evidence, {pid: asked | set(tokenize(p.title)) for pid, p in papers.items()},
                       asks_problems(q.dense_text))
    quotes = first_quotes(groups, by_paper, judge)
    # A lone lead has no opener, except for a Chinese reader (see compose.broad_text).
    budget = MAX_SENTENCES - len(groups) + (not groups[0].terms and not q.chinese)
    order = [g.papers[rank] for rank in range(max(len(g.papers) for g in groups)) for g in groups
             if rank < len(g.papers)][:budget]
    extra = more_quotes(order, quotes, by_paper, judge, budget - len(order))
    cites = Citations(evidence, q)
    numbers, shown = _number(groups, order, quotes, extra, cites)
    traits = _traits(groups, papers, judge.known, vocab)
    return broad_text(groups, shown, papers, numbers, q.chinese, traits), cites.build()


def _number(groups: list[Group], order: list[str], quotes: dict[str, Sentence],
            extra: dict[str, list[Sentence]], cites: Citations
            ) -> tuple[dict[str, int], dict[str, list[tuple[str, int]]]]:
    """Citation numbers by first use (a line's opener cites its papers' first quotes) and
    the quoted (sentence, n) pairs of each shown paper."""
    numbers: dict[str, int] = {}
    shown: dict[str, list[tuple[str, int]]] = {}
    for g in groups:
        numbers |= {pid: cites.cite(quotes[pid]) for pid in g.papers}
        for pid in (p for p in g.papers if p in order):
            shown[pid] = [(quotes[pid].text, numbers[pid])]
            shown[pid] += [(x.text, cites.cite(x)) for x in extra.get(pid, [])]
    return numbers, shown


def _traits(groups: list[Group], papers: dict[str, Paper], known: dict[str, set[str]], vocab: Vocabulary
            ) -> dict[str, list[str]]:
    """What each cited paper uses that the others do not, from its abstract's quotable
    sentences, leaving out the words of the question, its title and its line's name."""
    words = {pid: known[pid] | {w for t in g.terms for w in english_key(t).split()}
             for g in groups for pid in g.papers}
    abstracts = {pid: " ".join(x for x in split_sentences(papers[pid].abstract) if usable_sentence(x))
                 for pid in words}
    return signature_terms(abstracts, words, vocab.specificity, vocab.trait)


def _keep(groups: list[Group], pool: list[str], limit: int) -> list[Group]:
    """Groups ordered by their best-ranked paper, `limit` papers in all, each group cut to
    `PER_GROUP` (more when there are too few groups to reach `limit` otherwise)."""
    # The best-ranked paper's group first, then named lines of work by their best-ranked
    # paper, then the rest.
    groups = sorted(groups, key=lambda g: (pool[0] not in g.papers, not g.terms,
                                           min(pool.index(p) for p in g.papers)))
    lone = not groups[0].terms and len(groups) > 1
    if lone:  # the best-ranked paper shares no line: it leads alone, before the lines of work
        groups[0].papers = sorted(groups[0].papers, key=pool.index)[:1]
    per = max(PER_GROUP, -(-(limit - lone) // max(1, len(groups) - lone)))
    for g in groups:
        g.papers = sorted(g.papers, key=pool.index)[:per]
    kept: list[Group] = []
    left = limit
    for g in groups:
        if left <= 0:
            break
        g.papers = g.papers[:left]
        left -= len(g.papers)
        kept.append(g)
    return kept

"""Steps 1 and 2 of answering: evidence for a question, and its sentences scored."""

from __future__ import annotations

from dataclasses import dataclass, replace

from search.answer.evidence import Evidence, gather, leader
from search.answer.facts import DESCRIPTIVE
from search.answer.keywords import Keywords
from search.answer.question import Intent, intent, with_symbols
from search.answer.sentences import (
    MAX_PASSAGES,
    Sentence,
    candidates,
    embed,
    fact_vectors,
    score,
)
from search.answer.tables import CONTEXT_WORDS, window_context
from search.models import Hit
from search.retrieval.engine import Searcher
from search.retrieval.floor import NO_MATCH, NO_MATCH_ZH
from search.retrieval.passages import names_itself
from search.retrieval.query import ParsedQuery

# How far below the paper that clearly leads paper search a paper may rank and still be
# the one a name in the question means ("ReLU" names the gradient-descent paper that
# defines it, in a question about an activation-function survey that search ranks first).
NAME_MARGIN = 0.5
LEAD_PAPERS = 4  # paper search's first papers, each guaranteed a candidate sentence
BROAD_LEADS = 10  # ... for a broad question
# The best evidence passages, each quoted in a specific answer (see ask._cover). The
# passage ranking (dense + BM25 + the paper's rank + kind and section bonuses) often finds
# the passage that holds a fact when the sentence score misses its sentence, most of all on
# long questions that ask two things at once.
COVER_PASSAGES = 3


@dataclass
class Found:
    """What the index offers for a question: its intent, evidence and scored sentences."""

    intent: Intent
    hits: list[Hit]
    evidence: list[Evidence]
    keywords: Keywords
    sentences: list[Sentence]
    notices: list[str]
    named: list[str]  # ids of the papers the question names (method name or arXiv id)
    specific: bool = False  # answered with the fact asked, not lines of work (`answers_one`)
    # Paper search found a paper matching the question as closely as real queries do
    # (`retrieval.floor`): no "no close match" notice.
    close: bool = True
    own: tuple[str, ...] = ()  # ids of the papers the question names by their own name

    @property
    def ordinary(self) -> list[Sentence]:
        """The candidates that may be the answer's context or the abstention floor's
        evidence: all but the top passages' `cover` sentences (one of which leads only
        when it outscores them all, see `ask._first`)."""
        return [s for s in self.sentences if not s.cover]


def prepare(searcher: Searcher, q: ParsedQuery, k: int) -> Found:
    """Evidence and scored candidate sentences for a parsed question (steps 1 and 2)."""
    # One generation for the whole answer: later calls within a second reuse this snapshot.
    searcher.refresh(min_interval=0)
    want = intent(q.raw)
    names = searcher.named_papers(q.raw)
    if _asks_lines_of_work(q, want, names):
        want = replace(want, broad=True)
    # A fact is stated in a paper's body: a body passage ranks its paper at full strength.
    resp = searcher.search(q, k=k, bodies=want.specific)
    named = _agreed(names, resp.hits)
    evidence = gather(searcher, q, resp.hits, want, named)
    want = with_symbols(want, (e.text for e in evidence[:MAX_PASSAGES]))
    keywords = Keywords(searcher.term_weights(Keywords.tokens_of(q, [n for n, _ in named])),
                        q.dense_text)
    keywords.drop_defined_acronyms(e.text for e in evidence[:MAX_PASSAGES])
    if want.specific:
        keywords.discount_identifying(q.raw)
    # A broad answer draws on many papers: each of the first gets a few sentences to choose from.
    leads, per_lead = (LEAD_PAPERS, 1) if want.specific else (BROAD_LEADS, 5)
    ids = [p for _, p in named] + ([q.arxiv_id] if q.arxiv_id else [])
    specific = answers_one(want, ids, q)
    sents = candidates(evidence, keywords, want, [h.paper_id for h in resp.hits[:leads]], per_lead,
                       cover=COVER_PASSAGES if specific else 0)
    if sents:
        _table_context(searcher, sents, evidence)
        vecs = embed(searcher.embedder, [s.scored_text for s in sents])
        facts = fact_vectors(searcher.embedder, q, sents, evidence) if want.specific else {}
        score(sents, vecs, searcher.vector(q), keywords, want, evidence, facts)
    # ask judges relevance itself (abstaining below its own floor): search's "no close
    # match" notice would contradict an answer given.
    far = [n for n in resp.notices if n.startswith((NO_MATCH, NO_MATCH_ZH))]
    notices = [n for n in resp.notices if n not in far]
    own = tuple(p for n, p in named if names_itself(searcher.paper(p), n))
    return Found(want, resp.hits, evidence, keywords, sents, notices, ids, specific, not far, own)


def _asks_lines_of_work(q: ParsedQuery, want: Intent, names: list[tuple[str, str]]) -> bool:
    """True for a question that asks only how or why, about no work it describes and naming
    no paper ("What strategies have recent single-image 3D papers used to recover the unseen
    parts?"): `answers_one` answers it as lines of work, so its evidence is theirs too
    (paper search on abstracts, each top paper's best passages) rather than a fact's (body
    passages ranking papers, the first two papers' whole bodies), which let two long PDFs
    that mention the topic in passing take the places of papers about it."""
    return (want.specific and not set(want.kinds) - DESCRIPTIVE and not want.definite
            and not q.arxiv_id and not names)


def answers_one(want: Intent, named: list[str], q: ParsedQuery) -> bool:
    """True when the answer is the fact asked, with its context: for a question about a fact
    (a number, a value, a dataset, ...), about one work it describes, or about a paper it
    names ("How are TRAvatar's lighting units wired?" asks no kind of fact the patterns
    know). Otherwise it asks for lines of work, even when one paper leads the search ("how
    do methods make avatars animatable" asks for methods, but of many papers), and so does
    a question asked as lines of work that also asks a kind of fact ("what are the main
    approaches …, and which datasets do they use?"), as `Intent.specific` already reads it.
    An arXiv id alone asks for that paper's gist."""
    if q.arxiv_id:
        return False
    facts = set(want.kinds) - DESCRIPTIVE
    return (bool(facts) or bool(named) or want.definite) and not want.broad


def _agreed(named: list[tuple[str, str]], hits: list[Hit]) -> list[tuple[str, str]]:
    """The (name, paper) pairs to trust: a name written in passing ("the perceptual (VGG)
    loss", "the sloped ReLU") names a paper that paper search ranks nowhere, or far below
    another paper that clearly leads; that name is left out."""
    lead = leader(hits)
    if lead is None:
        return named
    scores = {h.paper_id: h.score for h in hits}
    return [(n, p) for n, p in named if p in scores and scores[p] >= scores[lead] - NAME_MARGIN]


def _table_context(searcher: Searcher, sents: list[Sentence], evidence: list[Evidence]) -> None:
    """Give each table window the caption and header text before it, from its passage and,
    when the table opens its passage, from the passage before."""
    for s in sents:
        if s.table:
            ev = evidence[s.ev]
            before = ev.text[:s.start]
            previous = searcher.preceding(ev.hit) if len(before.split()) < CONTEXT_WORDS else None
            s.context = window_context(before, previous.text if previous else "")

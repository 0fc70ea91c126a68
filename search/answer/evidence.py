"""Evidence for a question: passages from across the corpus and from the papers it names.

Evidence is passage-level: the passage search (the one the API offers) ranks chunks of
every paper, and each passage's score is lifted by how well its paper ranks in paper
search. When the question names a paper (an arXiv id, or a method name such as "TECA"),
or one paper clearly leads the paper ranking, that paper's whole body — appendices
included — is searched as well and its passages are preferred: the fact asked is often
in an implementation-details paragraph that a corpus-wide ranking would not surface.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from indexer.models import Paper
from indexer.textproc import tokenize
from search.answer.facts import section_fit, supplies
from search.answer.keywords import asked_after_clause
from search.answer.question import Intent
from search.answer.sections import in_parts
from search.models import Hit, PassageHit
from search.retrieval.engine import Searcher
from search.retrieval.query import ParsedQuery

CORPUS_PASSAGES = 30  # passages taken from the corpus-wide passage search
FOCUS_PASSAGES = 80  # passages taken from each focus paper's body (most of a paper)
NAMED_PASSAGES = 120  # ... and from a paper the question names (its whole body, as a rule)
PAPER_PRIOR = 0.3  # share of a passage's score that comes from its paper's rank
FOCUS_BONUS = 0.25  # added to passages of a named paper
KIND_BONUS = 0.2  # added to a passage holding the kind of fact asked (a number, a GPU, ...)
SECTION_BONUS = 0.15  # added to a passage in a section where such facts live (implementation)
PART_BONUS = 0.15  # ... in the part of a paper the question points to ("in the appendix")
LEAD_MARGIN = 0.3  # paper-score lead over the runner-up that makes one paper "the" paper
TOP_BODIES = 2  # for a specific question, the top papers whose whole body is searched
BROAD_PAPERS = 8  # for a broad question, the top papers each searched for its best passages
BROAD_PASSAGES = 3
FACT_PASSAGES = 10  # more passages of a focus paper, found by the question's fact words
MIN_FACT_WORDS = 2
PART_PASSAGES = 3  # passages of a focus paper for each ask of a question (see gather)
MIN_PART_WORDS = 3
# Where a question that asks several things starts its next one: "How are the units wired,
# how quickly can a pattern be switched in, and how is each group's brightness set?"
_NEXT_ASK = re.compile(r"(?:[,;]\s*(?:and\s+)?|\?\s+|\s+and\s+)(?=(?:how|what|which|why|where|when|who"
                       r"|whom|whose|is|are|was|were|does|do|did|can)\b)"
                       r"|[？?；;，,]\s*(?=[^，,？?]{0,8}?(?:怎么|怎样|如何|多少|多久|多长|多大|什么|哪|为什么|是否|几))", re.I)
_ASKS = re.compile(r"\b(?:how|what|which|why|where|when|who|whom|whose)\b|怎么|怎样|如何|多少|多久|多长|多大|什么|哪|为什么|是否|几"
                   r"|^(?:is|are|was|were|does|do|did|can)\b", re.I)


@dataclass
class Evidence:
    """One passage used as evidence, with its paper and its combined score."""

    hit: PassageHit
    paper: Paper
    score: float
    focus: bool = False

    @property
    def text(self) -> str:
        return self.hit.text


def leader(hits: list[Hit]) -> str | None:
    """The paper that paper search ranks first by a clear margin, if any."""
    runner_up = hits[1].score if len(hits) > 1 else 0.0
    return hits[0].paper_id if hits and hits[0].score - runner_up >= LEAD_MARGIN else None


def focus_papers(q: ParsedQuery, hits: list[Hit], want: Intent,
                 names: list[tuple[str, str]]) -> list[str]:
    """Papers whose whole body is searched: named ones (id or method name, `names` as
    `Searcher.named_papers` gives them), then for a specific question the top-ranked
    papers, else a paper that clearly leads."""
    named = ([q.arxiv_id] if q.arxiv_id else []) + [p for _, p in names][:2]
    if want.specific:
        named += [h.paper_id for h in hits[:TOP_BODIES]]
    elif lead := leader(hits):
        named.append(lead)
    return list(dict.fromkeys(named))


def _fact_query(q: ParsedQuery, paper: Paper) -> str:
    """The question without the words of the paper's title and abstract: inside that paper
    they match its introduction, not the passage with the fact ("… the streaming method
    with anchor-driven Gaussians …: its PSNR on Meeting Room?"). Empty when little is left."""
    words = q.dense_text.split()
    kept = unknown_words(words, set(tokenize(f"{paper.title} {paper.abstract}")))
    return " ".join(kept) if MIN_FACT_WORDS <= len(kept) < len(words) else ""


def question_parts(question: str) -> list[str]:
    """The separate asks of a question that asks several things (none for a single ask):
    each finds its own passage, which the whole question, diluted by the others, may not."""
    # A clause that only says which paper ("In the tracking-free head avatar …,") asks
    # nothing; the paper is searched already, and its description would only dilute the ask.
    parts = [p.strip() for p in _NEXT_ASK.split(question)]
    parts = [p for p in parts if _ASKS.search(p) and (len(p.split()) >= MIN_PART_WORDS
                                                      or not p.isascii())]
    return parts if len(parts) > 1 else []


def unknown_words(words: list[str], known: set[str]) -> list[str]:
    """The words of a query that say more than `known` tokens (a paper's title, say)."""
    return [w for w in words if not ((tokens := set(tokenize(w))) and tokens <= known)]


def gather(searcher: Searcher, q: ParsedQuery, hits: list[Hit], want: Intent,
           names: list[tuple[str, str]]) -> list[Evidence]:
    """Passages for the question, best first, each scored with its paper's rank; `names`
    are the (method name, paper id) pairs the question names."""
    prior = {h.paper_id: h.score for h in hits}
    named = {p for _, p in names} | ({q.arxiv_id} if q.arxiv_id else set())
    found: dict[str, Evidence] = {}

    def add(passage: PassageHit, in_focus: bool) -> None:
        score = ((1 - PAPER_PRIOR) * passage.score + PAPER_PRIOR * prior.get(passage.paper_id, 0.0)
                 + FOCUS_BONUS * (passage.paper_id in named)
                 + KIND_BONUS * supplies(passage.text, want.kinds)
                 + SECTION_BONUS * section_fit(passage.section, want.kinds)
                 + PART_BONUS * in_parts(passage.section, want.parts))
        known = found.get(passage.chunk_id)
        if known is None or score > known.score:
            found[passage.chunk_id] = Evidence(passage, searcher.paper(passage.paper_id), score,
                                               in_focus or bool(known and known.focus))
        else:  # found first by the corpus-wide search: still a passage of a named paper
            known.focus = known.focus or in_focus

    # Each ask of the question searches the focus papers on its own; so does the one ask of
    # a question that first describes its paper at length (the description matches the
    # paper's introduction, not the passage with the fact).
    ask = asked_after_clause(q.raw)
    parts = (question_parts(q.raw) or ([ask] if ask else [])) if want.specific else []
    if not q.arxiv_id:  # an id alone has no words to rank passages by
        for passage in searcher.passages(q, k=CORPUS_PASSAGES).passages:
            add(passage, False)
    for pid in focus_papers(q, hits, want, names):
        k = NAMED_PASSAGES if pid in named else FOCUS_PASSAGES
        for passage in searcher.passages(q, k=k, papers=[pid]).passages:
            add(passage, pid in named)
        if fact := _fact_query(q, searcher.paper(pid)):
            for passage in searcher.passages(fact, k=FACT_PASSAGES, papers=[pid]).passages:
                if passage.chunk_id not in found:
                    add(passage, pid in named)
        for part in parts:
            for passage in searcher.passages(part, k=PART_PASSAGES, papers=[pid]).passages:
                add(passage, pid in named)
    if not want.specific and not named:  # lines of work: every top paper's best passages
        for hit in hits[:BROAD_PAPERS]:
            for passage in searcher.passages(q, k=BROAD_PASSAGES, papers=[hit.paper_id]).passages:
                add(passage, False)
    return sorted(found.values(), key=lambda e: (-e.score, e.hit.chunk_id))

"""Ask: passage-level evidence, then a cited overview (built-in extractive, or an LLM).

1. Evidence (`evidence.gather`): passages from the corpus-wide passage search, plus the
   whole body of a paper the question names or that clearly leads, scored with their
   papers' ranks.
2. Sentences (`sentences`): the evidence's quotable sentences, scored for the fact the
   question asks (`question.intent`: numbers, values, durations, hardware, datasets,
   method descriptions) as well as for closeness and keywords.
3. Abstention: when even the best sentence is below `MIN_RELEVANCE` (its cosine plus 0.3 ×
   its keyword coverage, calibrated on on- and off-topic questions; `FAR_RELEVANCE` when
   paper search found no close match), the answer says that nothing indexed addresses the
   question rather than stitching unrelated text together.
4. Overview (`compose`): a specific question leads with the answer sentence and its
   context; a broad one is a synthesis of 2–4 lines of work. No sentence below the floors
   (`SENTENCE_FLOOR`, `RELEVANCE_FLOOR`) is used, so every cited paper addresses the
   question. An LLM, when
   configured, gets the same passages. Citation excerpts are verbatim spans of chunks,
   or of a chunk joined with its neighbour when the quote sits at its edge (`joined`).
"""

from __future__ import annotations

import logging
import re
import time

from indexer.textproc import space_scripts
from search.answer.cite import Citations, citation
from search.answer.compose import specific_text
from search.answer.evidence import Evidence, leader
from search.answer.joined import join_edges
from search.answer.llm import ChatClient, PromptPassage, client_from_settings, llm_answer
from search.answer.prepare import COVER_PASSAGES, Found, prepare
from search.answer.sentences import Sentence
from search.answer.synthesis import broad
from search.config import LLMSettings
from search.errors import GenerationError
from search.models import Answer, Citation
from search.retrieval.engine import Searcher
from search.retrieval.passages import title_head
from search.retrieval.query import ParsedQuery

logger = logging.getLogger(__name__)

ABSTAIN = "No indexed paper addresses this question closely enough to answer it."
ABSTAIN_ZH = "索引中没有与这个问题足够相关的论文。"
# The best sentence's relevance needed to answer, by what paper search found. Off-topic
# questions (ask_bench, junk_queries: recipes, weather, exams) score at most 0.548 ("how
# many calories in a banana"), and 53 of 54 of them fail paper search's floor; the one that
# passes it ("medieval history of the Byzantine empire") meets Lamport's Byzantine Generals
# paper at 0.59. Of 705 real questions (benchmarks/answers), 4 fail that floor (0.50-0.79);
# of the others, 17 score 0.45-0.53, among them long, generic broad questions ("how do
# recognition models keep working when test data differ from training data"), and 2 less.
MIN_RELEVANCE = 0.45  # when paper search found papers matching the question closely
FAR_RELEVANCE = 0.6  # when it did not
NAMED_RELEVANCE = 0.4  # ... for the sentences of a paper the question names (see answer())
# ... when the name is the paper's own (its title's head: "TECA: Text-Guided …") and
# paper search ranks that paper first by a clear margin: two signals agree that the
# question is about it. Of 837 benchmark questions, the two that still abstained were
# such ("Why did TECA's perceptual study …", 0.28; "According to MagiCapture's authors,
# in what situation …", 0.33): long questions, far from any one sentence.
AGREED_RELEVANCE = 0.25
SENTENCE_FLOOR = 0.6  # a specific answer uses no sentence scoring below this share of the best
# A table window is scored by its caption and header plus a run of names and numbers, which
# the sentence model reads poorly: the window that holds the asked row scores lower than
# prose about the same table.
TABLE_FLOOR = 0.5
RELEVANCE_FLOOR = 0.35  # a broad answer quotes no sentence less relevant than this
SPECIFIC_CONTEXT = 6  # sentences after the answer sentence of a specific question (seven quoted in all)
MAX_QUOTES = 8  # sentences of a specific answer, the top passages' own included (see _cover)
REDUNDANCY = 0.05  # score taken per unit of cosine with a sentence already picked
LEAD_SHARE = 0.8  # the asked paper's best sentence leads when it scores this share of the best
LLM_PASSAGES = 8


def answer(searcher: Searcher, question: str, k: int = 8, llm_settings: LLMSettings | None = None,
           llm: ChatClient | None = None) -> Answer:
    """Answer `question` from the index with a cited overview.

    Args:
        searcher: the loaded index.
        question: English or Chinese.
        k: papers ranked to weigh the passages (and the most a broad answer cites).
        llm_settings: the LLM endpoint; `searcher.settings.llm` when None.
        llm: an explicit client; otherwise one from the settings when configured.

    Raises:
        QueryError: the question is empty.
    """
    t0 = time.perf_counter()
    # The question's patterns look for English terms between word boundaries.
    q = searcher.parse(space_scripts(question))
    found = prepare(searcher, q, k)
    notices = list(found.notices)
    if _too_far(q, found):
        if q.chinese and not q.expansions:
            notices.append("none of the question's Chinese terms is in the lexicon; "
                           "try English keywords")
        return _finish(q, abstention(q), [], "builtin", t0, notices)
    client = llm or client_from_settings(llm_settings or searcher.settings.llm)
    if client is not None:
        try:
            return _llm(client, q, found.evidence, t0, notices)
        except GenerationError as exc:
            logger.warning("LLM generator failed: %s", exc)
            notices.append(f"LLM unavailable ({exc}); showing the built-in overview")
    text, cites = builtin_overview(searcher, q, found, k)
    return _finish(q, text, cites, "builtin", t0, notices)


def _too_far(q: ParsedQuery, found: Found) -> bool:
    """True when nothing indexed addresses the question closely enough to answer it: the
    best sentence is below the floor for what paper search found, and no paper the
    question is about (named, or clearly first) has a sentence above its own floor."""
    sents = found.ordinary
    # A Chinese question is only as close to a sentence as its translation is complete: a
    # lexicon that renders one word of a recipe question must not make it look on topic.
    trust = 0.5 + 0.5 * q.coverage if q.chinese else 1.0
    best = trust * max((s.relevance for s in sents), default=0.0)
    # A question that names an indexed paper by its method name is about that paper: its
    # own sentences need only a lower floor (a partial translation, or words the paper
    # spells differently, keep them from the general one). A name alone is not enough:
    # "stock market prediction with LSTM" names a talking-head paper that uses an LSTM, and
    # paper search ranks another paper first.
    trusted = set(found.named) & {found.hits[0].paper_id if found.hits else "", q.arxiv_id}
    # A paper named by its own name ("TRAvatar", not the "BERT" that BigBird builds on)
    # counts its top passages' other sentences too (`cover`): it often answers in one whose
    # words the pre-score did not favour ("The plus one term acts as a residual
    # connection" for "what is the added one for?").
    own = trusted & set(found.own)
    about = [s for s in found.sentences
             if (pid := found.evidence[s.ev].paper.paper_id) in own or pid in trusted and not s.cover]
    named = max((s.relevance for s in about), default=0.0)
    # So is a specific question about the paper that paper search ranks first by a clear
    # margin: "the sparse-attention transformer that mixes random, sliding-window and global
    # tokens" describes BigBird without naming it, and its long question is far from any
    # one sentence. Not when no paper matches closely: one of a few distant papers can
    # lead clearly too ("how many calories in a banana").
    lead = leader(found.hits) if found.close else None
    if found.intent.specific and lead:
        named = max(named, trust * max((s.relevance for s in sents
                                        if found.evidence[s.ev].paper.paper_id == lead), default=0.0))
    floor = MIN_RELEVANCE if found.close else FAR_RELEVANCE
    agreed = lead in trusted and writes_title_name(q.raw, found.hits[0].title)
    named_floor = AGREED_RELEVANCE if agreed else NAMED_RELEVANCE
    return best < floor and named < named_floor and not (q.arxiv_id and sents)


def writes_title_name(question: str, title: str) -> bool:
    """True when the question writes the name that heads the paper's title ("TECA" of
    "TECA: Text-Guided Generation …"), not a method the paper merely uses ("BERT")."""
    head = title_head(title)
    return bool(head and re.search(rf"(?<!\w){re.escape(head)}(?!\w)", question, re.I))


def abstention(q: ParsedQuery) -> str:
    """The no-answer text, with a Chinese line first for a Chinese question."""
    return f"{ABSTAIN_ZH} {ABSTAIN}" if q.chinese else ABSTAIN


def _finish(q: ParsedQuery, text: str, cites: list[Citation], generator: str, t0: float,
            notices: list[str]) -> Answer:
    took = round((time.perf_counter() - t0) * 1000, 2)
    return Answer(question=q.raw, overview=text, citations=cites, generator=generator,
                  took_ms=took, notices=notices)


def _llm(client: ChatClient, q: ParsedQuery, evidence: list[Evidence], t0: float,
         notices: list[str]) -> Answer:
    """The LLM's overview of the best passages (the same evidence the built-in one uses)."""
    top = evidence[:LLM_PASSAGES]
    reply = llm_answer(client, q.raw, [PromptPassage(e.paper.title, e.hit.section, e.text)
                                       for e in top], q.chinese)
    cites = [citation(i, top[j], top[j].text, q) for i, j in enumerate(reply.used, 1)]
    return _finish(q, reply.text, cites, client.generator, t0, notices + reply.notices)


def builtin_overview(searcher: Searcher, q: ParsedQuery, found: Found, k: int
                     ) -> tuple[str, list[Citation]]:
    """The extractive overview and its citations (numbered by first use)."""
    sents = found.ordinary
    if found.specific:
        usable = above_floor(sents)
        picks = _cover(_diverse(usable, SPECIFIC_CONTEXT + 1, _first(usable, found)),
                       found.sentences)
        return _specific(searcher, q, picks, found.evidence)
    # A bare arXiv id has no words to be relevant to: the paper's own sentences all are.
    # The paper search ranks first is on topic even when its words are not the question's.
    floor = 0.0 if q.arxiv_id else RELEVANCE_FLOOR
    first = found.hits[0].paper_id if found.hits else ""
    usable = [s for s in sents
              if s.relevance >= floor or found.evidence[s.ev].paper.paper_id == first]
    return broad(searcher, q, usable, found, k)


def above_floor(sents: list[Sentence]) -> list[Sentence]:
    """The sentences a specific answer may quote: those scoring at least `SENTENCE_FLOOR` of
    the best, table windows at least `TABLE_FLOOR`."""
    top = max((s.score for s in sents), default=0.0)
    return [s for s in sents if s.score >= (TABLE_FLOOR if s.table else SENTENCE_FLOOR) * top]


def _first(usable: list[Sentence], found: Found) -> Sentence | None:
    """The sentence a specific answer leads with (None when there is none): a top passage's
    sentence that outscores every candidate (it was scored only to stand for its passage,
    its keywords having looked weak: "the image-to-image trick … replacing initial noise
    zT" for "what trick reduces randomness"), else the asked paper's (`_leading`), else the
    usable sentence likeliest to hold the fact asked (`Sentence.fact_score`). Never a table
    window for a question asking why."""
    # A table's rows state values, never why: a question asking a reason ("why does the
    # plain VAE do badly on SVM accuracy?") is answered from prose, the table as context.
    why = "reason" in found.intent.kinds
    usable = [s for s in usable if not (why and s.table)] or usable
    covers = [s for s in found.sentences if s.cover and not (why and s.table)]
    if covers and usable and (top := max(covers, key=lambda s: s.score)).score >= max(
            s.score for s in usable):
        return top
    return _leading(usable, found) or max(usable, key=lambda s: s.fact_score, default=None)


def _leading(usable: list[Sentence], found: Found) -> Sentence | None:
    """The best sentence of the paper that the question names or that paper search clearly
    ranks first, when another paper's sentence scores best and this one scores within
    `LEAD_SHARE` of it: a fact asked about one paper is answered from it, not from a
    stronger-sounding sentence of another ("8 NVIDIA P100 GPUs" of the Transformer for an
    ARDM question)."""
    # A question about one work it describes ("In the ResNet paper's CIFAR-10 experiments,
    # …") is about the paper search ranks first, even without a clear margin.
    first = found.hits[0].paper_id if found.intent.definite and found.hits else None
    lead = leader(found.hits) or first
    papers = set(found.named) or ({lead} if lead else set())
    own = [s for s in usable if found.evidence[s.ev].paper.paper_id in papers]
    if not own:
        return None
    best, top = max(usable, key=lambda s: s.score), max(own, key=lambda s: s.score)
    return top if top is not best and top.score >= LEAD_SHARE * best.score else None


def _cover(picks: list[Sentence], sents: list[Sentence]) -> list[Sentence]:
    """The picks, then the best sentence of each of the first `COVER_PASSAGES` evidence
    passages when it is not a pick (another of the passage's sentences may be); the last
    context picks give way so that at most `MAX_QUOTES` are quoted. The answer sentence
    always stays first."""
    best = [max((s for s in sents if s.ev == ev), key=lambda s: s.score)
            for ev in range(COVER_PASSAGES) if any(s.ev == ev for s in sents)]
    added = [s for s in best if all(p is not s for p in picks)]
    return picks[:max(1, min(len(picks), MAX_QUOTES - len(added)))] + added


def _specific(searcher: Searcher, q: ParsedQuery, picks: list[Sentence],
              evidence: list[Evidence]) -> tuple[str, list[Citation]]:
    """The picked sentences (the answer sentence first), grouped by paper, and their
    citations."""
    picks = _by_paper(picks, evidence)
    for s in picks:
        _continue(searcher, s, evidence)
    join_edges(searcher, evidence, picks)
    cites = Citations(evidence, q)
    lines = [(s.text, evidence[s.ev].paper, cites.cite(s)) for s in picks]
    return specific_text(lines, q.chinese), cites.build()


def _by_paper(picks: list[Sentence], evidence: list[Evidence]) -> list[Sentence]:
    """The picks read paper by paper, papers in order of their first pick: the answer's
    paper says all it has before another paper's context, rather than alternating."""
    order = list(dict.fromkeys(evidence[s.ev].paper.paper_id for s in picks))
    return sorted(picks, key=lambda s: order.index(evidence[s.ev].paper.paper_id))


def _diverse(usable: list[Sentence], n: int, first: Sentence | None = None) -> list[Sentence]:
    """`first` or the best sentence, then the best of the rest after a penalty for repeating
    what is already picked (maximal marginal relevance): five sentences that all say "a
    mixture of Gaussians" leave no room for the one that says how many. At most three per
    passage."""
    picks = [first] if first else []
    rest = sorted((s for s in usable if s is not first), key=lambda s: -s.score)
    while rest and len(picks) < n:
        best = max(rest, key=lambda s: _marginal(s, picks))
        rest.remove(best)
        if sum(p.ev == best.ev for p in picks) < 3:
            picks.append(best)
    return picks


def _marginal(s: Sentence, picks: list[Sentence]) -> float:
    """The sentence's score less `REDUNDANCY` times its cosine with the closest pick."""
    return s.score - REDUNDANCY * max((float(s.vector @ p.vector) for p in picks), default=0.0)


def _continue(searcher: Searcher, s: Sentence, evidence: list[Evidence]) -> None:
    """Re-point a sentence that ends its passage to its copy in the next passage, so that
    its excerpt shows what follows it (an answer often goes on in the next sentence)."""
    ev = evidence[s.ev]
    if s.end < len(ev.text.rstrip()) - 1:
        return
    nxt = searcher.following(ev.hit)
    if nxt is None or s.text not in nxt.text:
        return
    evidence.append(Evidence(nxt, ev.paper, ev.score, ev.focus))
    s.ev, s.start = len(evidence) - 1, nxt.text.index(s.text)
    s.end = s.start + len(s.text)



"""Candidate sentences of the evidence, scored for the fact the question asks.

A sentence's score mixes its cosine with the question (for a specific question: with the
question minus its paper's title words and a leading paper-picking clause, `fact_queries`),
the IDF-weighted share of the question's keywords it contains (its paper's title words
aside, the clause's weighed less: `keywords.Keywords`), whether it holds the
kind of fact asked (numbers and units, hardware, dataset names, method descriptions:
`facts.supplies`) and the score of the passage it comes from. The same terms, weighted as
fitted on spent questions (`FACT_WEIGHTS`), choose the sentence a specific answer leads
with (`Sentence.fact_score`); the hand-set weights rank the rest. Sentences are embedded
one at a time (see `embed`), at most `MAX_CANDIDATES` per answer (plus the top passages'
other sentences), which bounds latency.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field

import numpy as np

from indexer.model_spec import Embedder
from indexer.textproc import tokenize
from search.answer.evidence import Evidence, unknown_words
from search.answer.facts import describes_method, focus_share, supplies
from search.answer.keywords import Keywords, identifying_words
from search.answer.question import Intent, cites
from search.answer.quotable import quotable_spans
from search.answer.tables import own_row
from search.retrieval.query import ParsedQuery

MAX_CANDIDATES = 24
MAX_PASSAGES = 60  # best evidence passages whose sentences are considered
# The terms of a sentence's score (`features`), in this order.
FEATURES = ("cosine", "keywords", "kind", "focus", "passage", "named", "own_row", "cited", "others")
# Their weights, set by hand: cosine (with the question), keyword share, holding the kind of
# fact asked, focus words, the passage's score (a share of the best), being in a paper the
# question names; a results table's window holding the paper's own row ("Ours", or the
# method's name) for a question about a metric; citing a work the question cites by author
# ("Yu et al."); and, taken off, being about other works.
WEIGHTS = np.array([0.3, 0.25, 0.2, 0.2, 0.2, 0.15, 0.2, 0.15, 0.1])
# ... and fitted for the sentence that holds the fact asked (`Sentence.fact_score`), on the
# spent body questions (benchmarks/answers/fit_weights.py): the passage's score weighs more,
# the kind of fact and focus words less. Ranking every quoted sentence by them cites fewer
# passages (the best passage's sentences crowd the others out): the answer cited its
# excerpt less often (748 → 739 of 825) though more often in [1]–[3] (675 → 687). Choosing
# only the answer sentence by them: 751 / 684.
FACT_WEIGHTS = np.array([0.22, 0.28, 0.09, 0.04, 0.38, 0.12, 0.11, 0.08, 0.09])
BEFORE_CHARS = 200  # how far back "this" in "we attribute this to …" may point
# "Song et al. [27] demonstrate …", "Additionally, [Li et al. 2022; Ye et al. 2022] use …":
# a sentence whose subject is cited work reports that work, not the paper's own fact.
_ABOUT_OTHERS = re.compile(r"^(?:[A-Z]\w+,\s*)?(?:\[[^\]]*[A-Za-z][^\]]*\]|[A-Z][\w-]+"
                           r"(?: and [A-Z][\w-]+)? et al\.?)")


def about_others(sentence: str, asked: AbstractSet[str] = frozenset()) -> bool:
    """True when the sentence's subject is cited work ("Song et al. [27] show …") that the
    question does not ask about (`asked`: its tokens; "what did LeCun et al. propose")."""
    m = _ABOUT_OTHERS.match(sentence.strip())
    return m is not None and not set(tokenize(m.group(0))) & asked


@dataclass
class Sentence:
    """A quotable sentence of one evidence passage (offsets into the passage text)."""

    ev: int
    start: int
    end: int
    text: str
    table: bool = False  # a window of a table's text rather than a sentence
    score: float = 0.0
    cosine: float = 0.0
    relevance: float = 0.0  # cosine + 0.3 × keyword coverage: how on-topic, on an absolute scale
    # A sentence of a top passage that only made the candidates to stand for its passage
    # (`candidates(cover=…)`): scored, never context by itself, the answer only when it
    # outscores every candidate.
    cover: bool = False
    context: str = ""  # a table window's caption and header, for scoring (never quoted)
    vector: np.ndarray = field(default_factory=lambda: np.zeros(1, dtype=np.float32))
    features: np.ndarray = field(default_factory=lambda: np.zeros(len(FEATURES)))  # see `score`
    fact_score: float = 0.0  # how likely it holds the fact asked: picks a specific answer's lead

    @property
    def scored_text(self) -> str:
        """What the sentence is scored by: its text, after its table's context if any."""
        return f"{self.context} {self.text}" if self.context else self.text


def candidates(evidence: list[Evidence], keywords: Keywords, intent: Intent,
               leading: Sequence[str] = (), per_lead: int = 1, cover: int = 0) -> list[Sentence]:
    """The `MAX_CANDIDATES` most promising usable sentences of the evidence (by keywords, the
    kind of fact asked and their passage's score), duplicates dropped, in evidence order.

    The best `per_lead` sentences of each `leading` paper (paper search's first) are always
    included, so the papers ranked first can be quoted even when others' look better. The
    other sentences of the first `cover` passages follow, marked `cover`.
    """
    found = _distinct(evidence, keywords, intent)
    promise = _promise(found, evidence, keywords, intent)
    ranked = sorted(range(len(found)), key=lambda j: -promise[j])
    lead: dict[str, list[int]] = {}
    for j in ranked:
        pid = evidence[found[j][0].ev].paper.paper_id
        if pid in leading and len(lead.setdefault(pid, [])) < per_lead:
            lead[pid].append(j)
    keep = list(dict.fromkeys([*(j for js in lead.values() for j in js), *ranked]))
    keep = keep[:max(MAX_CANDIDATES, sum(map(len, lead.values())))]
    kept = set(keep)
    covers = [j for j in range(len(found)) if found[j][0].ev < cover and j not in kept]
    for j in covers:
        found[j][0].cover = True
    return [found[j][0] for j in sorted(keep + covers)]


def _distinct(evidence: list[Evidence], keywords: Keywords, intent: Intent) -> list[tuple[Sentence, int]]:
    """The usable sentences of the first `MAX_PASSAGES` passages, each once, with the
    passage it was first found in (whose score counts in its promise)."""
    found: list[tuple[Sentence, int]] = []
    seen: dict[str, int] = {}
    near = intent.near or keywords.weights.keys()
    for i, ev in enumerate(evidence[:MAX_PASSAGES]):
        for s in _quotables(i, ev.text, intent, set(near) | set(keywords.weights) | intent.given):
            key = " ".join(s.text.lower().split())
            if key not in seen:
                seen[key] = len(found)
                found.append((s, i))
            elif s.end < len(ev.text.rstrip()) - 1:
                # Overlapping chunks repeat a sentence: keep the copy followed by more text.
                j = seen[key]
                if found[j][0].end >= len(evidence[found[j][0].ev].text.rstrip()) - 1:
                    found[j] = (s, found[j][1])
    return found


def _promise(found: list[tuple[Sentence, int]], evidence: list[Evidence], keywords: Keywords,
             intent: Intent) -> list[float]:
    """A cheap pre-score of each sentence (no embedding): keywords, the kind of fact asked,
    focus words, its passage's score.

    The keyword share counts only the keywords some candidate holds. A question's framing
    words ("deliberately leave out", "how is it handled") are often rare in the corpus, so
    weigh as much as its topic's; held by no sentence, they tell none apart, and only shrank
    the keyword share against the passage score (+4 in [1]–[3] on 675 spent questions)."""
    top = max((e.score for e in evidence), default=1.0) or 1.0
    near = intent.near or keywords.weights.keys()
    tokens = [keywords.tokens(s.text) for s, _ in found]
    absent = keywords.weights.keys() - set().union(*tokens)
    return [keywords.coverage(t, absent)
            + 0.5 * supplies(s.text, intent.kinds, near, intent.given, bool(intent.focus),
                             _before(s, evidence))
            + 0.5 * focus_share(t, intent.focus) + 0.5 * evidence[i].score / top
            + 0.8 * (_asks_what_done(intent) and describes_method(s.text))
            + 0.5 * s.table  # a table window exists only around asked words
            + 0.5 * cites(s.text, intent.cited)
            for (s, i), t in zip(found, tokens, strict=True)]


def _before(s: Sentence, evidence: list[Evidence]) -> str:
    """The text of the sentence's passage just before it."""
    return evidence[s.ev].text[max(0, s.start - BEFORE_CHARS):s.start]


def _asks_what_done(intent: Intent) -> bool:
    """True when what the paper does ("we propose …", "we use …") is a likely answer: the
    question asks no kind of fact (a reason asked keeps it: the reason often comes with
    what was done) and, about one paper, names no thing it asks for ("what extra term",
    "which camera views": one of its details, rarely in such a sentence)."""
    return not set(intent.kinds) - {"reason"} and not (intent.specific and intent.focus)


def _quotables(ev: int, text: str, intent: Intent, words: AbstractSet[str]) -> list[Sentence]:
    """The passage's quotable sentences and table windows (`quotable.quotable_spans`)."""
    return [Sentence(ev, a, b, text[a:b], table=table)
            for a, b, table in quotable_spans(text, intent.kinds, words, intent.figures)]


def embed(embedder: Embedder, texts: list[str]) -> np.ndarray:
    """Sentence vectors, each sentence encoded on its own.

    The default int8 model quantizes its activations with a scale taken over the whole
    batch, so a sentence's vector (and its cosine, by up to 0.01) would depend on which other
    candidates share its batch; alone, the same sentence always scores the same. One call
    per sentence costs little: p50 203 → 211 ms on 83 questions, alternating in one run."""
    out = np.zeros((len(texts), embedder.dim), dtype=np.float32)
    for i, text in enumerate(texts):
        out[i] = embedder.embed([text])[0]
    return out


def score(sentences: list[Sentence], vecs: np.ndarray, qvec: np.ndarray, keywords: Keywords,
          intent: Intent, evidence: list[Evidence],
          fact_vecs: dict[str, np.ndarray] | None = None) -> None:
    """Set each sentence's `cosine`, `relevance`, `features`, `score` and `fact_score` (see
    the module docstring)."""
    cosines = vecs @ qvec
    asked = fact_cosines(sentences, vecs, cosines, evidence, fact_vecs) if fact_vecs else None
    terms = _Terms(keywords, intent, evidence)
    for i, (s, cos) in enumerate(zip(sentences, cosines, strict=True)):
        s.cosine, s.vector = float(cos), vecs[i]
        tokens = keywords.tokens(s.scored_text)
        s.features = terms.of(s, s.cosine if asked is None else asked[i], tokens)
        s.relevance = s.cosine + 0.3 * keywords.coverage(tokens)
        s.score, s.fact_score = float(WEIGHTS @ s.features), float(FACT_WEIGHTS @ s.features)


class _Terms:
    """The terms of sentence scores for one question (`FEATURES`)."""

    def __init__(self, keywords: Keywords, intent: Intent, evidence: list[Evidence]) -> None:
        self.keywords, self.intent, self.evidence = keywords, intent, evidence
        self.top = max(e.score for e in evidence) or 1.0
        self.near = intent.near or keywords.weights.keys()
        self.titles: dict[str, set[str]] = {}

    def of(self, s: Sentence, cosine: float, tokens: set[str]) -> np.ndarray:
        """The sentence's terms, given its cosine with what is asked and the tokens of its
        scored text (`Keywords.tokens`)."""
        keywords, intent, ev = self.keywords, self.intent, self.evidence[s.ev]
        # For a fact, the words that identify the paper (its title's) say nothing about
        # which of its sentences holds the fact: only the question's other words count.
        known = (self.titles.setdefault(ev.paper.paper_id, set(tokenize(ev.paper.title)))
                 if intent.specific else set())
        return np.array([
            cosine,
            keywords.coverage(tokens, known),
            supplies(s.text, intent.kinds, self.near, intent.given, bool(intent.focus),
                     _before(s, self.evidence)),
            focus_share(keywords.tokens(s.text) if s.context else tokens, intent.focus),
            ev.score / self.top,
            ev.focus,
            s.table and "metric" in intent.kinds and own_row(s.text, intent.given),
            cites(s.text, intent.cited),
            -(intent.specific and about_others(s.text, keywords.weights.keys())),
        ], dtype=np.float64)


def fact_queries(q: ParsedQuery, sentences: list[Sentence], evidence: list[Evidence]) -> dict[str, str]:
    """For each paper with candidates, the question without the words of that paper's title
    and of a leading clause that picks a paper out (`identifying_words`): what is asked
    about it, once the words that pick the paper out are gone."""
    words = q.dense_text.split()
    picking = identifying_words(q.raw)
    out: dict[str, str] = {}
    for paper in {evidence[s.ev].paper.paper_id: evidence[s.ev].paper for s in sentences}.values():
        kept = unknown_words(words, set(tokenize(paper.title)) | picking)
        if len(kept) < len(words) and kept:
            out[paper.paper_id] = " ".join(kept)
    return out


def fact_vectors(embedder: Embedder, q: ParsedQuery, sentences: list[Sentence],
                 evidence: list[Evidence]) -> dict[str, np.ndarray]:
    """Paper id → the vector of its fact query (`fact_queries`), one short batch."""
    texts = fact_queries(q, sentences, evidence)
    if not texts:
        return {}
    return dict(zip(texts, embedder.embed(list(texts.values())), strict=True))


def fact_cosines(sentences: list[Sentence], vecs: np.ndarray, cosines: np.ndarray,
                 evidence: list[Evidence], fact_vecs: dict[str, np.ndarray]) -> list[float]:
    """Each sentence's cosine with its paper's fact query (see `fact_queries`), else with
    the question."""
    return [float(vecs[i] @ fact_vecs[pid]) if (pid := evidence[s.ev].paper.paper_id) in fact_vecs
            else float(cosines[i]) for i, s in enumerate(sentences)]

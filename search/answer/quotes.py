"""Which sentence quotes a paper in a broad answer.

A good quote says what the paper does and how: it describes the method ("we propose …",
"… uses …"), it names technical terms that neither the question nor the paper's title
already say, and it adds terms that earlier quotes did not. Sentences that only set the
scene ("… remains challenging", or any sentence of an abstract's opening before it speaks of
the paper itself) or only report results ("Experiments show …") say little,
unless the question asks for problems, and so do sentences from experiment, related-work
and appendix sections: what a paper is, its abstract and method say. Neither does a
sentence that leans on one before it ("This is because …"), which the overview does not show.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from indexer.models import Paper
from indexer.sentences import split_sentences
from search.answer.evidence import Evidence
from search.answer.facts import describes_method
from search.answer.grouping import Group, terms_of
from search.answer.sections import LETTERED
from search.answer.sentences import Sentence

METHOD_BONUS = 0.4  # a broad answer quotes what a paper does rather than why
NOVELTY = 0.3  # weight of the share of a quote's terms that no earlier quote named
MECHANISM = 0.3  # weight of the technical terms a quote adds to the question and title
CONTEXT_PENALTY = 0.3  # a quote that only sets the scene or only reports results says little
_SCENE = re.compile(r"^(?:however|although|though|while|despite|existing|current|conventional"
                    r"|traditional|previous|prior|recent(?:ly)?|most|many|in recent years"
                    r"|we aim|our (?:goal|aim)|the (?:goal|aim) of)\b"
                    r"|\b(?:has|have) (?:long )?(?:been|become|gained|attracted|emerged)\b"
                    r"|\b(?:remains?|is) (?:a |an )?(?:key|crucial|important|challenging|open"
                    r"|fundamental|difficult)\b"
                    r"|\bis of (?:broad|great|growing|significant) (?:interest|importance)\b"
                    r"|\bsuffer|\bstruggle|\bfail(?:s|ed)? to\b", re.I)
_RESULT = re.compile(r"\b(?:experiments?|results|evaluations?|comparisons?|studies)\b[^.]{0,40}"
                     r"\b(?:show|demonstrate|indicate|reveal|validate|confirm)|\boutperform"
                     r"|\bstate-of-the-art (?:performance|results|quality)|\bachiev\w* (?:superior"
                     r"|state|better|comparable|competitive|significant)", re.I)
# "This is because …", "They then …": a sentence leaning on one the overview does not quote.
_ANAPHORIC = re.compile(r"^(?:this|that|these|those|such|it|they|thus|hence|therefore)\b"
                        r"(?!\s+(?:paper|work|study|article)\b)", re.I)
_ASIDE_SECTION = re.compile(r"experiment|result|evaluation|ablation|implement|related|comparison"
                            rf"|appendix|supplement|dataset|{LETTERED}", re.I)
# Where an abstract turns from its field to its own work: "we", "our", "this paper", "here".
_OWN_WORK = re.compile(r"\b(?:we|our|us)\b|\b(?:this|the present) (?:paper|work|study|article"
                       r"|letter|report)\b|\bthe proposed\b|\bhere\b", re.I)
_PROBLEMS = re.compile(r"\b(?:problems?|challenges?|limitations?|issues?|drawbacks?|artifacts?"
                       r"|failures?|difficult\w*)\b|问题|挑战|局限|缺陷|难点", re.I)


def _flat(text: str) -> str:
    return " ".join(text.split())


def background_of(paper: Paper) -> frozenset[str]:
    """The opening sentences of a paper's abstract, before the first that speaks of the paper
    itself (by "we", "this paper" or its name): the field's background ("Diffusion models
    excel at …"), which says nothing of what the paper does. Empty when no sentence does."""
    head, colon, _ = paper.title.partition(":")
    name = head.strip().lower() if colon and len(head.split()) <= 4 else ""
    opening: list[str] = []
    for sentence in split_sentences(paper.abstract):
        if _OWN_WORK.search(sentence) or (name and name in sentence.lower()):
            return frozenset(opening)
        opening.append(_flat(sentence))
    return frozenset()


def asks_problems(question: str) -> bool:
    """True when the question asks for problems or limitations (then scene-setting
    sentences, which state them, are what it wants)."""
    return bool(_PROBLEMS.search(question))


@dataclass
class QuoteJudge:
    """What makes a sentence a good quote of a paper for a broad answer."""

    evidence: list[Evidence]
    known: dict[str, set[str]]  # paper id → the words of the question and of its title
    scene: bool  # the question asks for problems: scene-setting sentences state them
    # paper id → its abstract's opening background sentences, found once per answer
    _background: dict[str, frozenset[str]] = field(default_factory=dict, init=False, repr=False)

    def sets_scene(self, s: Sentence) -> bool:
        """True for a sentence that only sets the scene: by its wording, or by standing in
        its abstract's opening, before the paper speaks of itself."""
        paper = self.evidence[s.ev].paper
        if paper.paper_id not in self._background:
            self._background[paper.paper_id] = background_of(paper)
        return bool(_SCENE.search(s.text)) or _flat(s.text) in self._background[paper.paper_id]

    def value(self, s: Sentence, seen: set[str]) -> float:
        """Relevance, plus describing the method with terms the question, the title and
        earlier quotes (`seen`) do not already say; minus idle sentences and asides."""
        ev = self.evidence[s.ev]
        forms = terms_of(s.text)
        new = len(set(forms) - seen) / max(1, len(forms))
        known = self.known.get(ev.paper.paper_id, set())
        how = sum(not set(t.split()) <= known for t, form in forms.items()
                  if " " in t or sum(ch.isupper() for ch in form) >= 2)
        does = describes_method(s.text)
        idle = ((not self.scene and self.sets_scene(s))
                or (not does and bool(_RESULT.search(s.text))))
        aside = bool(_ASIDE_SECTION.search(ev.hit.section))
        leaning = bool(_ANAPHORIC.match(s.text.strip()))
        return (s.score + METHOD_BONUS * does + NOVELTY * new + MECHANISM * min(1.0, how / 4)
                - CONTEXT_PENALTY * (idle + aside + leaning))


def first_quotes(groups: list[Group], by_paper: dict[str, list[Sentence]], judge: QuoteJudge
                 ) -> dict[str, Sentence]:
    """Each kept paper's quote, in the groups' order (each adds to the terms seen)."""
    seen: set[str] = set()
    out: dict[str, Sentence] = {}
    for pid in (p for g in groups for p in g.papers):
        out[pid] = max(by_paper[pid], key=lambda s: judge.value(s, seen))
        seen |= set(terms_of(out[pid].text))
    return out


def more_quotes(order: list[str], quotes: dict[str, Sentence], by_paper: dict[str, list[Sentence]],
                judge: QuoteJudge, room: int) -> dict[str, list[Sentence]]:
    """Second quotes for the first `room` papers of `order`: when a line of work has few
    papers, how they work tells more than fewer sentences."""
    seen = {t for pid in order for t in terms_of(quotes[pid].text)}
    out: dict[str, list[Sentence]] = {}
    for pid in order[:max(0, room)]:
        rest = [s for s in by_paper[pid] if s.text != quotes[pid].text]
        if rest:
            out[pid] = [max(rest, key=lambda s: judge.value(s, seen))]
            seen |= set(terms_of(out[pid][0].text))
    return out

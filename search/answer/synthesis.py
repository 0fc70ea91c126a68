"""A broad question's answer: lines of work, each opened by a sentence naming it.

The pool is the best-ranked papers (paper search) that have a usable sentence. They are
grouped by the method terms they share (`grouping`), at most `PER_GROUP` papers are
kept per line of work so the answer spans several, and each kept paper is quoted with
the sentence that best says what it does: relevant to the question, describing the
method rather than the motivation, and naming terms no earlier quote named.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from indexer.sentences import split_sentences
from indexer.textproc import tokenize
from search.answer.cite import Citations
from search.answer.compose import broad_text
from search.answer.evidence import Evidence
from search.answer.extract import usable_sentence
from search.answer.grouping import Group, group_papers, signature_terms, terms_of
from search.answer.prepare import Found
from search.answer.question import describes_method
from search.answer.sentences import Keywords, Sentence
from search.lexicon.table import english_key, field_terms
from search.models import Citation
from search.retrieval.engine import Searcher
from search.retrieval.query import ParsedQuery

POOL_PAPERS = 10  # best-ranked papers considered for a broad answer
PER_GROUP = 2  # papers kept per line of work
BROAD_PAPERS = 6  # papers a broad answer cites
MAX_SENTENCES = 8  # sentences of a broad answer, openers included
METHOD_BONUS = 0.4  # a broad answer quotes what a paper does rather than why
NOVELTY = 0.3  # weight of the share of a quote's terms that no earlier quote named
FIELD_BONUS = 1.5  # a glossary term (NeRF, 3DMM, landmarks) names a line of work best
MECHANISM = 0.3  # weight of the technical terms a quote adds to the question and title
CONTEXT_PENALTY = 0.3  # a quote that only sets the scene or only reports results says little
# A sentence that motivates ("Recent methods ...", "... remains challenging") or only
# reports results ("Experiments show ...") says little about how a paper answers.
_SCENE = re.compile(r"^(?:however|although|though|while|despite|existing|current|conventional"
                    r"|traditional|previous|prior|recent(?:ly)?|most|many|in recent years"
                    r"|we aim|our (?:goal|aim)|the (?:goal|aim) of)\b"
                    r"|\b(?:has|have) (?:long )?(?:been|become|gained|attracted|emerged)\b"
                    r"|\b(?:remains?|is) (?:a |an )?(?:key|crucial|important|challenging|open"
                    r"|fundamental|difficult)\b|\bis of (?:broad|great|growing|significant) (?:interest|importance)\b"
                    r"|\bsuffer|\bstruggle|\bfail(?:s|ed)? to\b", re.I)
_ASIDE_SECTION = re.compile(r"experiment|result|evaluation|ablation|implement|related|comparison"
                            r"|appendix|supplement|dataset|^[A-H](?:\.\d+)*\s", re.I)
# Nouns that end a technique's name ("entropy coding", "optical flow", "motion field").
_TECHNICAL_END = re.compile(r"(?:tion|sion|ing|ment|izer|former|coder|prior|field|map|mesh|model"
                            r"|network|graph|flow|kernel|embedding|token|loss|space|module|function"
                            r"|representation|field|distillation|sampling|splatting|prior|learning"
                            r"|matching|guidance|attention|transform|ation)s?$", re.I)
# Words that open a phrase about how good or how much, not what technique.
_VAGUE = frozenset("""good better small large high low insufficient rapid remarkable qualitative
quantitative seen upon mitigating significant great little modest fair practical empirical
fundamental simple comprehensive extensive promising strong weak""".split())
_VAGUE_END = frozenset("""limitations challenges problems issues difficulties questions advancements
findings assessments conditions""".split())
COMMON_USES = 3  # uses in the library's abstracts that make a phrase a term of the field
_PROBLEMS = re.compile(r"\b(?:problems?|challenges?|limitations?|issues?|drawbacks?|artifacts?"
                       r"|failures?|difficult\w*)\b|问题|挑战|局限|缺陷|难点", re.I)
_RESULT = re.compile(r"\b(?:experiments?|results|evaluations?|comparisons?|studies)\b[^.]{0,40}"
                     r"\b(?:show|demonstrate|indicate|reveal|validate|confirm)|\boutperform"
                     r"|\bstate-of-the-art (?:performance|results|quality)|\bachiev\w* (?:superior"
                     r"|state|better|comparable|competitive|significant)", re.I)


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
                          set(Keywords.tokens_of(q)), lambda key: _specificity(searcher, key),
                          technical=lambda key, form: _technical(searcher, key, form))
    groups = _keep(groups, pool, min(k, BROAD_PAPERS))
    judge = _Judge(evidence, {pid: set(Keywords.tokens_of(q)) | set(tokenize(p.title))
                              for pid, p in papers.items()}, bool(_PROBLEMS.search(q.dense_text)))
    quotes = _quotes(groups, by_paper, judge)
    budget = MAX_SENTENCES - len(groups) + (not groups[0].terms)  # a lone lead has no opener
    order = [g.papers[rank] for rank in range(max(len(g.papers) for g in groups)) for g in groups
             if rank < len(g.papers)][:budget]
    extra = _more_quotes(order, quotes, by_paper, judge, budget - len(order))
    # Numbered by first use: a line's opener cites its papers' first quotes.
    cites = Citations(evidence, q)
    numbers: dict[str, int] = {}
    shown: dict[str, list[tuple[str, int]]] = {}
    for g in groups:
        numbers |= {pid: cites.cite(quotes[pid]) for pid in g.papers}
        for pid in (p for p in g.papers if p in order):
            shown[pid] = [(quotes[pid].text, numbers[pid])]
            shown[pid] += [(x.text, cites.cite(x)) for x in extra.get(pid, [])]
    words = {pid: judge.known[pid] | {w for t in _group_of(groups, pid).terms
                                       for w in english_key(t).split()} for pid in numbers}
    abstracts = {pid: " ".join(x for x in split_sentences(papers[pid].abstract) if usable_sentence(x))
                 for pid in numbers}
    traits = signature_terms(abstracts, words, lambda key: _specificity(searcher, key),
                             lambda key, form: _technical(searcher, key, form))
    return broad_text(groups, shown, papers, numbers, q.chinese, traits), cites.build()


def _technical(searcher: Searcher, key: str, form: str) -> bool:
    """A term that names a technique: a term of the curated glossary, or an
    acronym or a multi-word term ending in a technical noun that the library's abstracts
    use at least `COMMON_USES` times (which keeps out code links, user names and one
    paper's turns of phrase)."""
    if english_key(form) in field_terms():
        return True
    words = key.split()
    acronym = len(words) == 1 and sum(ch.isupper() for ch in form) >= 2
    if not (acronym or (len(words) > 1 and bool(_TECHNICAL_END.search(form.split()[-1])))):
        return False
    if words[0] in _VAGUE or form.split()[-1].lower() in _VAGUE_END:
        return False
    written, lower = _library_text(searcher)
    return (written.count(form) if acronym else lower.count(form.lower())) >= COMMON_USES


_LIBRARY: dict[str, tuple[str, str, str]] = {}


def _library_text(searcher: Searcher) -> tuple[str, str]:
    """All abstracts of the served generation in one string, as written (for acronyms)
    and in lower case (for phrases), built once per generation."""
    snap = searcher.snapshot
    cached = _LIBRARY.get("text")
    if cached is None or cached[0] != snap.generation:
        joined = "\n".join(p.abstract for p in snap.papers)
        cached = (snap.generation, joined, joined.lower())
        _LIBRARY["text"] = cached
    return cached[1], cached[2]


def _group_of(groups: list[Group], pid: str) -> Group:
    return next(g for g in groups if pid in g.papers)


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


@dataclass
class _Judge:
    """What makes a sentence a good quote of a paper for a broad answer."""

    evidence: list[Evidence]
    known: dict[str, set[str]]  # paper id → the words of the question and of its title
    scene: bool  # the question asks for problems: scene-setting sentences state them

    def value(self, s: Sentence, seen: set[str]) -> float:
        """Relevance, plus describing the method with terms the question, the title and
        earlier quotes do not already say; minus idle sentences and detail sections."""
        ev = self.evidence[s.ev]
        forms = terms_of(s.text)
        new = len(set(forms) - seen) / max(1, len(forms))
        known = self.known.get(ev.paper.paper_id, set())
        how = sum(not set(t.split()) <= known for t, form in forms.items()
                  if " " in t or sum(ch.isupper() for ch in form) >= 2)
        does = describes_method(s.text)
        idle = ((not self.scene and bool(_SCENE.search(s.text)))
                or (not does and bool(_RESULT.search(s.text))))
        # What a paper is, is told in its abstract and method, not its experiments.
        aside = bool(_ASIDE_SECTION.search(ev.hit.section))
        return (s.score + METHOD_BONUS * does + NOVELTY * new + MECHANISM * min(1.0, how / 4)
                - CONTEXT_PENALTY * (idle + aside))


def _quotes(groups: list[Group], by_paper: dict[str, list[Sentence]], judge: _Judge
            ) -> dict[str, Sentence]:
    """Each kept paper's quote: relevant, describing its method, naming new terms."""
    seen: set[str] = set()
    out: dict[str, Sentence] = {}
    for pid in (p for g in groups for p in g.papers):
        out[pid] = max(by_paper[pid], key=lambda s: judge.value(s, seen))
        seen |= set(terms_of(out[pid].text))
    return out


def _more_quotes(order: list[str], quotes: dict[str, Sentence],
                 by_paper: dict[str, list[Sentence]], judge: _Judge, room: int
                 ) -> dict[str, list[Sentence]]:
    """Second quotes for the first papers while the sentence budget has room: a line of
    work with few papers is told better by how its papers work than by fewer sentences."""
    seen = {t for pid in order for t in terms_of(quotes[pid].text)}
    out: dict[str, list[Sentence]] = {}
    for pid in order[:max(0, room)]:
        rest = [s for s in by_paper[pid] if s.text != quotes[pid].text]
        if not rest:
            continue
        pick = max(rest, key=lambda s: judge.value(s, seen))
        out[pid] = [pick]
        seen |= set(terms_of(pick.text))
    return out


def _specificity(searcher: Searcher, key: str) -> float:
    """Mean IDF of a term's words: shared rare words name a line of work best."""
    weights = searcher.term_weights(key.split())
    mean = sum(weights.values()) / max(1, len(weights))
    return mean * (FIELD_BONUS if english_key(key) in field_terms() else 1.0)

"""Which terms of the papers name a technique, and how telling a term is.

Lines of work and the traits beside each paper in a broad answer are named by terms
(`indexer.terms`). A term names a technique when the curated glossary lists it, or when
it is an acronym or a multi-word phrase ending in a technical noun that the library's
abstracts use at least `COMMON_USES` times; that keeps out code links, user names and
one paper's turns of phrase ("mitigating error accumulation", "fluffy scarves"). A trait,
or a line's second or third name, must also say what a paper does rather than where it runs
or how good it looks (`Vocabulary.trait`: not "GPU", "virtual reality", "high-quality
renderings"); the term that opens a line is left alone, as it decides the grouping.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from search.lexicon.table import english_key, field_terms
from search.retrieval.engine import Searcher

FIELD_BONUS = 1.5  # a glossary term (NeRF, 3DMM, landmarks) names a line of work best
COMMON_USES = 3  # uses in the library's abstracts that make a phrase a term of the field
# Nouns that end a technique's name ("entropy coding", "optical flow", "motion field").
_TECHNICAL_END = re.compile(r"(?:tion|sion|ing|ment|izer|former|coder|prior|field|map|mesh|model"
                            r"|network|graph|flow|kernel|embedding|token|loss|space|module"
                            r"|function|representation|distillation|sampling|splatting|learning"
                            r"|matching|guidance|attention|transform)s?$", re.I)
# Words that open a phrase about how good or how much, and nouns that close one about a
# difficulty: neither names a technique.
_VAGUE = frozenset("""good better small large high low insufficient rapid remarkable qualitative
quantitative seen upon mitigating significant great little modest fair practical empirical
fundamental simple comprehensive extensive promising strong weak""".split())
_VAGUE_END = frozenset("""limitations challenges problems issues difficulties questions
advancements findings assessments conditions""".split())
# Terms for where a method is used, what it costs, how it is judged or how good it looks,
# not what it does: "virtual reality", "GPU", "frame rate", "memory footprint", "SOTA",
# "high-quality renderings", "garnered attention".
_NOT_METHOD = re.compile(
    r"^(?:virtual|augmented|extended|mixed) reality$|\bapplications?$|^computer vision$"
    r"|^content creation$|\b(?:gpus?|cuda|fps|sota|apis?)\b|^frame rates?$|^inference (?:time|speed)s?$"
    r"|\b(?:memory|storage|power|computational) (?:consumption|requirements?|footprints?|costs?)$"
    r"|\bablations?\b|\bevaluations?\b|\bperformance\b"
    r"|^(?:high|higher|superior|fine|photo-?realistic|during|leverages|gained|garnered|special)\b",
    re.I)


@dataclass
class _Library:
    """The served generation's abstracts, joined, and the phrase counts taken so far."""

    written: str
    lower: str
    counts: dict[str, int]


_LIBRARY: dict[str, _Library] = {}  # generation → its abstracts (one entry)


class Vocabulary:
    """Term tests against the served index (its IDF and its abstracts)."""

    def __init__(self, searcher: Searcher) -> None:
        self.searcher = searcher

    def specificity(self, key: str) -> float:
        """Mean IDF of a term's words, more for a glossary term: shared rare words name a
        line of work best."""
        weights = self.searcher.term_weights(key.split())
        mean = sum(weights.values()) / max(1, len(weights))
        return mean * (FIELD_BONUS if english_key(key) in field_terms() else 1.0)

    def technical(self, key: str, form: str) -> bool:
        """True when the term (folded `key`, surface `form`) names a technique."""
        if english_key(form) in field_terms():
            return True
        words, last = key.split(), form.split()[-1]
        acronym = len(words) == 1 and sum(ch.isupper() for ch in form) >= 2
        if not (acronym or (len(words) > 1 and bool(_TECHNICAL_END.search(last)))):
            return False
        if words[0] in _VAGUE or last.lower() in _VAGUE_END:
            return False
        return self._uses(form if acronym else form.lower()) >= COMMON_USES

    def trait(self, key: str, form: str) -> bool:
        """True when the term names a technique a paper uses (`technical`), not where it is
        used, what it costs or how good it looks: what may stand beside a cited paper."""
        return not _NOT_METHOD.search(form) and self.technical(key, form)

    def _uses(self, phrase: str) -> int:
        """How often the library's abstracts write `phrase` (acronyms as written, phrases in
        lower case); the abstracts are joined once per generation, each count kept."""
        snap = self.searcher.snapshot
        library = _LIBRARY.get(snap.generation)
        if library is None:
            joined = "\n".join(p.abstract for p in snap.papers)
            _LIBRARY.clear()
            library = _LIBRARY[snap.generation] = _Library(joined, joined.lower(), {})
        if phrase not in library.counts:
            text = library.lower if phrase.islower() else library.written
            library.counts[phrase] = text.count(phrase)
        return library.counts[phrase]

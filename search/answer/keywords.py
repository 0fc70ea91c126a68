"""The question's keywords, weighted by IDF, and the words of it that only pick a paper out.

A sentence's keyword score (`Keywords.coverage`) is the IDF-weighted share of the
question's informative words it holds. Two refinements: an acronym the question spells
out ("bits per dimension" → bpd) or a formula's symbol ("λattn") counts as its words, and
the words of a leading clause that only says which paper ("In the tracking-free head
avatar …, how many …") weigh less (`Keywords.discount_identifying`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet

from indexer.textproc import has_cjk, tokenize
from search.lexicon.table import packaged_lexicon
from search.retrieval.query import ParsedQuery
from search.retrieval.translate import translate

QUESTION_WORDS = frozenset("how many much what why when where who whom whose which do does did done there "
                           "any some way ways get make made give exist exists kind kinds type "
                           "types good best better "
                           # How a question frames what it asks ("according to the paper, what
                           # do the authors say could …"): an answer sentence rarely has them.
                           "accord author say suggest could would should might they them their "
                           "if become discuss mention describ paper".split())


class Keywords:
    """The question's English keywords, weighted by IDF in the served index."""

    def __init__(self, weights: dict[str, float], question: str = "") -> None:
        self.weights = weights
        self.total = sum(weights.values())
        self.acronyms = acronyms_of(question)

    def tokens(self, text: str) -> set[str]:
        """The text's tokens, plus the question's words that an acronym in it stands for
        ("bpd" for "bits per dimension")."""
        tokens = set(tokenize(text))
        for acronym in tokens & self.acronyms.keys():
            tokens |= self.acronyms[acronym]
        return tokens | self._symbol_words(text)

    def discount_identifying(self, question: str) -> None:
        """Weigh less the words of a leading clause that picks the paper out ("In the
        tracking-free relightable head avatar captured in a Light Stage, how many …"): like
        its title's, they say which paper, not which of its sentences holds the fact."""
        words = identifying_words(question)
        if not words or len(self.weights.keys() - words) < 2:  # too little would be left
            return
        self.weights = {t: w * (IDENTIFYING_SHARE if t in words else 1.0)
                        for t, w in self.weights.items()}
        self.total = sum(self.weights.values())

    def drop_defined_acronyms(self, texts: Iterable[str]) -> None:
        """Forget a question-made acronym that the texts define as other words: "Fourier
        frequency terms" spells "fft", but "Fast Fourier transform (FFT)" is what FFT means."""
        if not self.acronyms:
            return
        for text in texts:
            for m in _DEFINED.finditer(text):
                acronym = m.group(2).lower()
                if acronym in self.acronyms:
                    words = _RAW_WORD.findall(m.group(1))[-len(acronym):]
                    if set(tokenize(" ".join(words))) != self.acronyms[acronym]:
                        del self.acronyms[acronym]

    def _symbol_words(self, text: str) -> set[str]:
        """The keywords that a formula's symbols abbreviate: "λattn" is an attention loss
        weight, "λid" an identity one — the subscript starts its word, or is its
        consonant sketch. A λ is a weight."""
        found: set[str] = set()
        for m in _SYMBOL.finditer(unicodedata.normalize("NFKC", text)):  # 𝜆𝑣𝑜𝑙 is λvol
            sub = (m.group(2) or m.group(4)).lower()
            found |= {k for k in self.weights if _abbreviates(sub, k)}
            if m.group(1):
                found |= {k for k in ("weight",) if k in self.weights}
        return found

    @staticmethod
    def tokens_of(q: ParsedQuery, names: Sequence[str] = ()) -> list[str]:
        """Informative English tokens of the question and of its translations, without the
        method names it mentions (every sentence of a named paper is about that method)."""
        skip = {t for name in names for t in tokenize(name)}
        return list(dict.fromkeys(t for t in tokenize(q.dense_text)
                                  if not has_cjk(t) and t not in QUESTION_WORDS and t not in skip))

    def coverage(self, text: str | AbstractSet[str], known: AbstractSet[str] = frozenset()) -> float:
        """IDF-weighted share of the keywords present in `text` (or its token set) (0..1),
        counting only keywords not in `known`."""
        total = self.total - sum(w for t, w in self.weights.items() if t in known)
        if total <= 1e-9:
            return 0.0
        present = set(tokenize(text)) if isinstance(text, str) else text
        return sum(w for t, w in self.weights.items() if t in present and t not in known) / total


_RAW_WORD = re.compile(r"[A-Za-z]+")
# "In the <paper it describes>, how many …": the clause before the question proper.
_IDENTIFYING = re.compile(r"^(?:In|For|According to|Within|When|Across|During)\b([^?]*?),\s*"
                          r"(?=(?:(?:on|in|at|for|with|by|from|to|under|after)\s+)?(?:how|what|which|who|whose|where|when|why|is|are|does|do|did|was"
                          r"|were|can)\b)", re.I)
_IDENTIFYING_ZH = re.compile(r"^(?:那篇|那个|这篇)([^，？?]{4,})，")  # "那篇……的论文，"
IDENTIFYING_SHARE = 0.2  # weight kept by the words of a paper-picking clause
# A loss or its weight written as a symbol: "λattn", "λ_id", "L_{rec}".
# λattn, L_rec, λVGG (a λ's subscript may be capitals; "LPIPS" is no L with a subscript).
_SYMBOL = re.compile(r"(?<![A-Za-z])(?:(λ)\s?_?\{?([A-Za-z]{2,8})|(L)\s?_?\{?([a-z]{2,8}))")


# "… the Fast Fourier transform (FFT)": words, then the acronym they define.
_DEFINED = re.compile(r"((?:[A-Za-z][\w-]*\s+){1,5})\(([A-Z]{3,5})s?\)")


def _abbreviates(sub: str, word: str) -> bool:
    """True when `sub` abbreviates `word`: its start ("id" → identity), or its first letter
    then letters in order ("attn" → attention)."""
    if len(word) <= len(sub) or sub[0] != word[0]:
        return False
    if word.startswith(sub):
        return True
    rest = iter(word[1:])
    return len(sub) >= 4 and all(c in rest for c in sub[1:])


def asked_after_clause(question: str) -> str:
    """What an English question asks once its leading, paper-picking clause is gone ("In the
    monocular-video avatar work that …, how were the held-out frames chosen?" → "how were
    the held-out frames chosen?"); empty when it has no such clause."""
    m = _IDENTIFYING.match(question)
    return question[m.end():] if m else ""


def identifying_words(question: str) -> set[str]:
    """The keyword tokens only a leading, paper-picking clause of the question writes ("In
    the ResNet paper's CIFAR-10 experiments, when …" → resnet, cifar-10, experiment, …).
    Computed per call (cheap: one regex, or two lexicon lookups for a Chinese question)."""
    if m := _IDENTIFYING.match(question):
        return set(tokenize(m.group(1))) - set(tokenize(question[m.end():]))
    if m := _IDENTIFYING_ZH.match(question):  # through the lexicon, as the question is read
        clause, rest = (translate(t, packaged_lexicon()).dense_text() or t
                        for t in (m.group(1), question[m.end():]))
        return {t for t in tokenize(clause) if not has_cjk(t)} - set(tokenize(rest))
    return set()


def acronyms_of(question: str) -> dict[str, set[str]]:
    """Lower-case acronym → keyword tokens, for each run of two to four words of the
    question ("bits per dimension" → "bpd", "frames per second" → "fps")."""
    words = _RAW_WORD.findall(question)
    out: dict[str, set[str]] = {}
    for n in (2, 3, 4):
        for i in range(len(words) - n + 1):
            run = words[i:i + n]
            acronym = "".join(w[0] for w in run).lower()
            meaning = set(tokenize(" ".join(run)))
            if len(acronym) >= 3 and len(meaning) >= 2:
                out.setdefault(acronym, meaning)
    return out

"""Lines of work: group papers by the method terms they share, and name each group.

A term is a run of one to three content words of a paper's title and abstract, or an
acronym; "Gaussian splatting (3DGS)" makes "3DGS" and "Gaussian splatting" one term.
Greedily, the term shared by the most not-yet-grouped papers (weighted by how specific
its words are in the index) opens a group, until every paper is grouped or `max_groups`
groups exist; the rest form a last group of other approaches. Terms made only of the
question's own words are skipped: every paper shares them, so they tell nothing apart.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from indexer.textproc import STOPWORDS, fold

_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*|\d+[A-Za-z]+[A-Za-z0-9]*")
_ALIAS = re.compile(r"([A-Za-z][A-Za-z -]{3,60}?)\s*\(([A-Za-z0-9-]*[A-Z][A-Za-z0-9-]*)\)")
_GENERIC = frozenset("""novel framework model models result performance quality existing
significant significantly experiment experiments demonstrate state art outperform outperforms
task tasks problem problems challenge challenges approach technique techniques high low large
different various efficient effective first also however well extensive moreover furthermore
generate generation generated image images video videos input output data training learning
network networks deep neural representation representations scene scenes real world user users
design designed module modules process pipeline stage stages improve improved improves achieve
achieves code available project page github propose present introduce paper work study
one two three four five six several many numerous main key recent current prior previous new
based using via towards toward remove removing build building make making enable enabling
providing allow allowing existing leading following general specific various single""".split())
# Gerunds that name a technique rather than an action.
_TECHNIQUE_ING = frozenset("""splatting rendering inpainting learning tracking matching blending
skinning sampling pruning coding encoding modeling modelling prompting tuning fine-tuning
distilling training morphing rigging shading mapping warping denoising retrieval""".split())
MAX_WORDS = 3


@dataclass
class Group:
    """A line of work: the terms naming it (best first) and its papers (in the order given)."""

    terms: list[str]
    papers: list[str] = field(default_factory=list)

    @property
    def term(self) -> str:
        """The group's name: its terms joined ("NeRF and 3DGS"), or '' for the rest."""
        if len(self.terms) <= 1:
            return "".join(self.terms)
        return ", ".join(self.terms[:-1]) + " and " + self.terms[-1]


def _content(word: str) -> bool:
    low = word.lower()
    return len(low) > 2 and low not in STOPWORDS and low not in _GENERIC and not low.isdigit()


def _acronym(word: str) -> bool:
    return sum(ch.isupper() for ch in word) >= 2 and len(word) >= 3


# A single word names an approach when it is an acronym (NeRF, 3DGS) or a technical noun.
_TECHNICAL = re.compile(r"(?:tion|sion|ing|ment|izer|former|coder|prior|field|fields|map|maps|mesh"
                        r"|model|models|network|priors|graph|tree|flow|kernel|embedding|token|tokens"
                        r"|loss|distillation)$", re.I)


def _single_ok(word: str) -> bool:
    return _acronym(word) or (len(word) > 5 and bool(_TECHNICAL.search(word))
                              and _noun_like(word))


_NOT_NOUN = re.compile(r"(?:ic|ive|ous|able|ible|ful|less|ed|izes|ises|ates|ifies|ly)$")


def _noun_like(word: str) -> bool:
    """Not a verb or adjective form ("synthesizes", "realistic"), and not an -ing form
    unless it names a technique (splatting, skinning)."""
    low = word.lower()
    if low.endswith("ing"):
        return low in _TECHNIQUE_ING
    return _acronym(word) or not _NOT_NOUN.search(low)


def terms_of(text: str) -> dict[str, str]:
    """Folded term key → its surface form, for every candidate term of `text`."""
    out: dict[str, str] = {}
    words = _WORD.findall(text)
    for n in range(1, MAX_WORDS + 1):
        for i in range(len(words) - n + 1):
            gram = words[i:i + n]
            if (all(_content(w) for w in gram) and _noun_like(gram[-1])
                    and (n > 1 or _single_ok(gram[0]))):
                out.setdefault(" ".join(fold(w.lower()) for w in gram), " ".join(gram))
    return out


def _aliases(texts: list[str]) -> dict[str, tuple[str, str]]:
    """Acronym key → (expansion key, the acronym as written), from "long form (ACRONYM)"."""
    out: dict[str, tuple[str, str]] = {}
    for text in texts:
        for long_form, acro in _ALIAS.findall(text):
            words = _WORD.findall(long_form)[-MAX_WORDS:]
            # The long form starts at the word whose initial is the acronym's ("Neural ... (NeRF)").
            start = next((i for i, w in enumerate(words) if w[0].lower() == acro[0].lower()), None)
            content = [w for w in words[start:] if _content(w)] if start is not None else []
            if content:
                out[fold(acro.lower())] = (" ".join(fold(w.lower()) for w in content), acro)
    return out


def _index(docs: dict[str, str]) -> tuple[dict[str, set[str]], dict[str, Counter[str]]]:
    """Term key → papers having it, and term key → surface forms seen ("long form (ACRO)"
    for a term that is also written as an acronym)."""
    aliases = _aliases(list(docs.values()))
    acronym_of = {expansion: acro for expansion, acro in aliases.values()}
    papers: dict[str, set[str]] = defaultdict(set)
    surface: dict[str, Counter[str]] = defaultdict(Counter)
    for pid, text in docs.items():
        for key, form in terms_of(text).items():
            if key in aliases:  # the acronym counts as its long form
                key = aliases[key][0]
            else:
                surface[key][form] += 1
            papers[key].add(pid)
    for expansion, acro in acronym_of.items():
        forms = Counter({f: n for f, n in surface[expansion].items() if f.lower() != acro.lower()})
        long_form = forms.most_common(1)[0][0] if forms else expansion
        surface[expansion] = Counter({f"{long_form} ({acro})": 1})
    return papers, surface


def group_papers(docs: dict[str, str], question_tokens: set[str],
                 specificity: Callable[[str], float], max_groups: int = 3,
                 terms_per_group: int = 3) -> list[Group]:
    """Papers (id → title and abstract) grouped by shared method terms, best term first.

    A group is opened by the term that the most remaining papers share (weighted by its
    specificity), and also named by up to `terms_per_group - 1` further terms that at
    least two of its papers share and no other group uses.
    """
    papers, surface = _index(docs)
    usable = {k: v for k, v in papers.items()
              if len(v) >= 2 and not set(k.split()) <= question_tokens}
    spec = {k: specificity(k) * (1.2 if " " in k else 1.0) for k in usable}

    def weight(key: str, among: list[str]) -> float:
        shared = sum(p in usable[key] for p in among)
        if shared < 2 or (shared >= 0.8 * len(docs) and len(docs) >= 4):
            return 0.0  # a term (nearly) every paper uses tells no line of work apart
        return shared * spec[key]

    left, used = list(docs), set()
    groups: list[Group] = []
    while len(groups) < max_groups and len(left) >= 2:
        best = max(usable, key=lambda k: weight(k, left), default=None)
        if best is None or weight(best, left) <= 0:
            break
        members = [p for p in left if p in usable[best]]
        extra = sorted((k for k in usable if k != best and k not in used
                        and not _overlaps(k, best) and weight(k, members) > 0),
                       key=lambda k: -weight(k, members))
        names = [best]
        for key in extra:
            if len(names) >= terms_per_group:
                break
            if not any(_overlaps(key, n) for n in names):
                names.append(key)
        used.update(names)
        groups.append(Group([surface[k].most_common(1)[0][0] for k in names], members))
        left = [p for p in left if p not in members]
    if left:
        groups.append(Group([], left))
    return groups


def _overlaps(a: str, b: str) -> bool:
    """Terms sharing a word ("gaussian splatting" and "3d gaussian") name the same thing."""
    return bool(set(a.split()) & set(b.split()))

"""Method terms of titles and abstracts: the one term extractor of answers and themes.

A term is a run of one to three content words of a text, or an acronym; "Gaussian
splatting (3DGS)" makes "3DGS" and "Gaussian splatting" one term. The answers' lines of
work (search/answer/grouping.py) and the themes' names (indexer/theme_names.py) both
count papers per term (`term_index` for a handful of papers, `library_term_index` for a
whole library, where one paper's odd acronym must not rename a common term).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from functools import lru_cache

from indexer.textproc import STOPWORDS, fold

_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*|\d+[A-Za-z]+[A-Za-z0-9]*")
_ALIAS = re.compile(r"([A-Za-z][A-Za-z -]{3,60}?)\s*\(([A-Za-z0-9-]*[A-Z][A-Za-z0-9-]*)\)")
# A library's aliases also start with a number: "3D Gaussian Splatting (3DGS)".
_LIBRARY_ALIAS = re.compile(r"([A-Za-z0-9][A-Za-z0-9 -]{3,60}?)\s*\(([A-Za-z0-9-]*[A-Z][A-Za-z0-9-]*)\)")
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
_BREAK = re.compile(r"[,;:!?()\[\]{}\"“”]+|\.(?!\d)")
MAX_WORDS = 3
MIN_ALIAS_USES = 2  # "long form (ACRO)" written this often before a library merges the two
ALIAS_SHARE = 0.1  # ... and the acronym used by this share of the long form's papers


def content_word(word: str) -> bool:
    """A word that can be part of a term: not a stop word, a generic word or a number."""
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


def term_key(words: list[str]) -> str:
    """The folded form two spellings of a term share ("Radiance Fields" → "radiance field")."""
    return " ".join(fold(w.lower()) for w in words)


def terms_of(text: str) -> dict[str, str]:
    """Folded term key → its surface form, for every candidate term of `text`."""
    return dict(_terms(text))


@lru_cache(maxsize=8192)
def _terms(text: str) -> tuple[tuple[str, str], ...]:
    # Cached: an answer weighs the same sentences and abstracts several times.
    out: dict[str, str] = {}
    # A term never spans punctuation: "In addition, the majority ..." has no "addition majority".
    for clause in _BREAK.split(text):
        words = _WORD.findall(clause)
        for n in range(1, MAX_WORDS + 1):
            for i in range(len(words) - n + 1):
                gram = words[i:i + n]
                if (all(content_word(w) for w in gram) and _noun_like(gram[-1])
                        and (n > 1 or _single_ok(gram[0]))):
                    out.setdefault(term_key(gram), " ".join(gram))
    return tuple(out.items())


def _spelled_by(acro: str, words: list[str]) -> bool:
    """True when the acronym's capitals and digits are the words' initials, in order
    ("NeRF" ← Neural Radiance Fields, "3DGS" ← 3D Gaussian Splatting)."""
    letters = [ch for ch in acro if ch.isupper() or ch.isdigit()]
    pos = 0
    for word in words:
        if pos >= len(letters) or word[0].upper() != letters[pos]:
            return False
        pos += 1
        for ch in word[1:]:  # "3D" gives two letters
            if pos < len(letters) and (ch.isupper() or ch.isdigit()) and ch == letters[pos]:
                pos += 1
            else:
                break
    return bool(words) and pos == len(letters)


def _long_form(words: list[str], acro: str) -> list[str]:
    """The words an acronym stands for: from the one whose initial is the acronym's
    ("Neural ... (NeRF)"), among the last `MAX_WORDS`; [] when none starts with it."""
    words = words[-MAX_WORDS:]
    start = next((i for i, w in enumerate(words) if w[0].lower() == acro[0].lower()), None)
    return words[start:] if start is not None else []


def aliases(texts: list[str]) -> dict[str, tuple[str, str]]:
    """Acronym key → (expansion key, the acronym as written), from "long form (ACRONYM)"."""
    out: dict[str, tuple[str, str]] = {}
    for text in texts:
        for long_form, acro in _ALIAS.findall(text):
            content = [w for w in _long_form(_WORD.findall(long_form), acro) if content_word(w)]
            if content:
                out[fold(acro.lower())] = (term_key(content), acro)
    return out


def _merge(docs: dict[str, str], alias: dict[str, tuple[str, str]]
           ) -> tuple[dict[str, set[str]], dict[str, Counter[str]]]:
    """Term key → documents and surface forms, each acronym counted as its long form."""
    papers: dict[str, set[str]] = defaultdict(set)
    surface: dict[str, Counter[str]] = defaultdict(Counter)
    for pid, text in docs.items():
        for key, form in terms_of(text).items():
            if key in alias:  # the acronym counts as its long form
                key = alias[key][0]
            else:
                surface[key][form] += 1
            papers[key].add(pid)
    return papers, surface


def term_index(docs: dict[str, str]) -> tuple[dict[str, set[str]], dict[str, Counter[str]]]:
    """Term key → ids of the documents having it, and term key → surface forms seen
    ("long form (ACRO)" for a term that is also written as an acronym)."""
    alias = aliases(list(docs.values()))
    acronym_of = {expansion: acro for expansion, acro in alias.values()}
    papers, surface = _merge(docs, alias)
    for expansion, acro in acronym_of.items():
        forms = Counter({f: n for f, n in surface[expansion].items() if f.lower() != acro.lower()})
        long_form = forms.most_common(1)[0][0] if forms else expansion
        surface[expansion] = Counter({f"{long_form} ({acro})": 1})
    return papers, surface


def _library_aliases(texts: list[str]) -> dict[str, tuple[str, str, str]]:
    """Acronym key → (expansion key, acronym, long form as written) for a whole library:
    the acronym spells its long form's initials, and the pair is written at least
    `MIN_ALIAS_USES` times (the most common expansion of an acronym wins)."""
    seen: Counter[tuple[str, str]] = Counter()
    written: dict[tuple[str, str], Counter[tuple[str, str]]] = defaultdict(Counter)
    for text in texts:
        for long_form, acro in _LIBRARY_ALIAS.findall(text):
            words = _long_form(_WORD.findall(long_form), acro)
            content = [w for w in words if content_word(w)]
            if content and _spelled_by(acro, words):
                pair = (fold(acro.lower()), term_key(content))
                seen[pair] += 1
                written[pair][(acro, " ".join(words))] += 1
    out: dict[str, tuple[str, str, str]] = {}
    for (acro_key, expansion), uses in seen.most_common():
        if uses >= MIN_ALIAS_USES and acro_key not in out:
            acro, long_form = written[(acro_key, expansion)].most_common(1)[0][0]
            out[acro_key] = (expansion, acro, long_form)
    return out


def library_term_index(docs: dict[str, str]) -> tuple[dict[str, set[str]], dict[str, str]]:
    """`term_index` for a whole library: term key → documents, and term key → one surface
    form. Only vetted acronyms (`_library_aliases`) merge with their long form, and only
    when the acronym is in common use beside it: one paper's "Video Diffusion Model (VDM)"
    must not rename "diffusion" for a thousand papers."""
    vetted = _library_aliases(list(docs.values()))
    alone: dict[str, set[str]] = defaultdict(set)
    forms: dict[str, Counter[str]] = defaultdict(Counter)
    for pid, text in docs.items():
        for key, form in terms_of(text).items():
            alone[key].add(pid)
            forms[key][form] += 1
    merged = {k: v for k, v in vetted.items()
              if len(alone.get(k, ())) >= ALIAS_SHARE * len(alone.get(v[0], ()))}
    papers: dict[str, set[str]] = defaultdict(set)
    for key, ids in alone.items():
        # "Radiance Fields (NeRF)" also reads as the words "fields nerf": not a term.
        if " " not in key or not set(key.split()) & merged.keys():
            papers[merged[key][0] if key in merged else key] |= ids
    named = {key: forms[key].most_common(1)[0][0] for key in papers if forms[key]}
    for expansion, acro, long_form in merged.values():
        named[expansion] = f"{long_form} ({acro})"
    return dict(papers), named


def overlaps(a: str, b: str) -> bool:
    """Terms sharing a word ("gaussian splatting" and "3d gaussian") name the same thing."""
    return bool(set(a.split()) & set(b.split()))

"""How well a sentence supplies the fact a question asks (`question.intent`).

A fact shows in a sentence as numbers and units, settings ("λ = 0.1"), durations,
hardware, dataset and method names, a method description, a placement, a training phase,
an admitted limitation or a reason; `supplies` is the share of the asked kinds that the
sentence shows, `section_fit` how likely its section holds them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Set as AbstractSet
from typing import Literal

from indexer.textproc import fold, tokenize
from search.answer.sections import LETTERED

Kind = Literal["number", "value", "metric", "duration", "hardware", "dataset", "name", "method",
               "place", "stage", "limitation", "reason"]
# Kinds that ask how or why rather than for a stated fact: they can be answered from any
# section, and they do not make a question a single-fact one (`prepare.answers_one`).
DESCRIPTIVE: frozenset[Kind] = frozenset({"method", "reason"})

# A number that is a quantity, not a citation, a year or a figure/table/section reference.
_DIGITS = re.compile(r"(?<![\[\d.,])(?<!Fig\. )(?<!Figure )(?<!Table )(?<!Sec\. )(?<!Eq\. )"
                     r"\b(?!(?:19|20)\d\d\b)\d+(?:[.,]\d+)?(?![\d\]]|[A-JL-Za-jl-z])")
# A word that is a quantity by itself ("2", "25K", "16,384", "0.5", "six"), not a digit
# inside a symbol ("It−1", "q′ϕ2") or a reference ("[12]").
_QUANTITY = re.compile(r"^(?!(?:19|20)\d\d$)(?:[~≈]?\d+(?:[.,]\d+)*[kKmMbB%×x]?|one|two|three|four|five|six|seven"
                       r"|eight|nine|ten|twelve|sixteen|twenty|hundred|thousand)$", re.I)
_SETTING = re.compile(r"=|\u00d7|×|λ|∈\s*[\[({]\s*[-−]?\d|\b\d+(?:\.\d+)?\s*(?:%|k\b|m\b|e-?\d)|\d+(?:\.\d+)?e-\d", re.I)
_DURATION = re.compile(r"\b(?:\d+(?:[.,]\d+)*\s*[kM]?|one|two|three|four|five|six|ten|twelve|several|a few)"
                       r"\s*(?:-\s*)?(?:hours?|hrs?|h\b|days?|minutes?|mins?|seconds?|secs?|weeks?"
                       r"|epochs?|iterations?|(?:training |optimi[sz]ation )?steps)|\btime\s*\((?:s|ms|sec|min|h)\)|\b\d+(?:\.\d+)?\s*(?:ms|s)\b"
                       r"|\bfps\b", re.I)
_METRIC = re.compile(r"\b\d+(?:\.\d+)?\s*(?:%|dB)|\b(?:PSNR|SSIM|LPIPS|FID|KID|FVD|IS|mIoU|IoU|mAP|AP|AUC"
                     r"|BLEU|F1|FPS|[Aa]ccuracy)\b[^.]{0,40}?\d")
_NAMED = re.compile(r"\b[A-Z][a-z]*[A-Z][A-Za-z0-9-]*\b|\b[A-Z]{2,}[A-Za-z0-9-]*\b|\[\d+(?:,\s*\d+)*\]")
# "We use GraspNet [15]", "is built upon Mixed Volumetric Primitives": the paper naming what it uses.
_USES_NAME = re.compile(r"\b(?:use[sd]?|using|adopt(?:s|ed)?|employ(?:s|ed)?|leverag(?:e|es|ed|ing)"
                        r"|utiliz(?:e|es|ed|ing)|built (?:up)?on|based on|rel(?:y|ies) on|follow(?:s|ing)?)"
                        r"\s+(?:the\s+|an?\s+)?(?:pre-?trained\s+|off-the-shelf\s+|publicly available\s+)?"
                        r"(?-i:[A-Z][\w.-]*[A-Z0-9][\w.-]*|[A-Z][a-z]+(?:\s+[A-Z][\w-]*)+)", re.I)
# A device by its model ("V100", "TPUv3") or counted ("8 GPUs", "a single GPU"); "modern
# hardware accelerators like GPUs and TPUs" names no hardware that was used.
_HARDWARE = re.compile(r"\b(?:A100|V100|H100|A6000|A40|A10|P100|T4|TITAN|RTX|GTX|\d{4}\s*Ti|[234]0[789]0"
                       r"|TPU\s?v?\d|NVIDIA|Tesla)\b|\b(?:\d+|one|two|three|four|eight|single|a|an)\b\s*"
                       r"(?:×\s*\d+\s+)?(?:[\w-]+\s+)?[GT]PUs?\b", re.I)
_DATA_WORDS = re.compile(r"datasets?|benchmarks?|\bdata\b|collected|captured|trained (?:on|with)"
                         r"|evaluate[ds]? on|training set|test set", re.I)
_PLACE = re.compile(r"\b(?:placed|mounted|attached|located|positioned|worn|installed|put)\s+"
                    r"(?:on|at|in|onto|around|near|under|above|behind)\b", re.I)
_STAGE = re.compile(r"\b(?:first|second|third|final|last|initial|later|early|pre-?training"
                    r"|fine-?tuning|warm-?up)\s+(?:training\s+)?(?:phase|stage|step|epochs?)\b"
                    r"|\b(?:phase|stage|step)\s*(?:1|2|3|I{1,3}|one|two|three)\b"
                    r"|\bonly (?:be )?(?:applied |used )?(?:during|after|before|in)\b", re.I)
# "Our method struggles to …", "it cannot handle …", "biased towards …", "left for future work",
# "… but … still".
_LIMITS = re.compile(r"\b(?:limitations?|limited|struggles?|fails?|failures?|cannot|unable|bias(?:es|ed)?"
                     r"|(?:drawback|disadvantage|shortcoming)s?|weakness(?:es)?|future work|remains? (?:challenging|difficult|an open)|does not (?:handle"
                     r"|generali[sz]e|support)"
                     # "… learns a full-body avatar, but the clothing is still entangled with body"
                     r"|(?:but|yet)\b[^.;]{0,80}?\b(?:still|difficult|hard to))\b", re.I)
# "We use …", and what cited work does: "Li et al. [2022d] propose an approach to masking …".
_METHOD = re.compile(r"consists? of|composed of|compris(?:es|e|ing)\b|made up of|equipped with"
                     r"|module|network|layer|encoder|decoder|(?:we|they|et al\.(?:\s*\[[^\]]*\])?) (?:use|employ"
                     r"|design|adopt|apply|introduce|propose)|is (?:designed|used|trained) to|takes? as"
                     r" input|outputs?|predicts?|\bby (?:first )?[a-z]+ing\b"
                     # "During training, we simply pick the first frame …", "One-2345 [23]
                     # leverages Zero123 [24] …".
                     r"|\bwe (?:simply |first |then |also |further )?(?:pick|select|choose|take"
                     r"|concatenate|inject|fix|freeze|sample|replace|initiali[sz]e)\b"
                     r"|\]\s+(?:uses|leverages|utili[sz]es|employs|adopts|applies|builds on)\b", re.I)
# "due to the quadratic cost", "to avoid blurry …", "because it tends to …": a reason given.
_REASON = re.compile(r"\b(?:because|since(?! \d)|due to|owing to|as a result|so that|in order to|otherwise"
                     r"|therefore|thus|hence|to (?:avoid|prevent|reduce|alleviate|mitigate|ensure|address"
                     r"|overcome|compensate|remove|keep|stabili[sz]e|speed up|facilitate|limit|enable"
                     r"|encourage|simplify|preserve)"
                     # "The most possible reason is that our training data distributes …".
                     r"|reasons? (?:is|are|for|why)"
                     # "We attribute this to their over-smoothed embeddings", "stems from".
                     r"|attribut(?:e|es|ed) (?:this|it|that|these|them|the [\w-]+) to|caused by"
                     r"|stems? from|aris(?:es|e) from"
                     # An explanation the authors offer: "We conjecture that deep plain nets
                     # may have …", "This suggests that determining compatibility is not easy".
                     r"|(?:we|authors?) (?:conjecture|hypothesi[sz]e|speculate|suspect)"
                     # "… only uses linear algebra, so we believe it can be easily generalized".
                     r"|so (?:we|they) (?:believe|expect|think|argue|conclude)"
                     r"|(?:this|which) (?:suggests|indicates|implies)"
                     # "This is why the results of Make-A-Video are more blurry."
                     r"|(?:this|that|which) (?:is|explains) why)\b"
                     # "Considering the spatially structured effect of each light, we use …"
                     r"|^\s*(?:considering|given that)\b", re.I)
# A kind is supplied in the share of its patterns that the sentence matches.
_FEATURE: dict[Kind, tuple[re.Pattern[str], ...]] = {
    "number": (_DIGITS,), "value": (_SETTING, _DIGITS), "metric": (_METRIC,),
    "duration": (_DURATION,), "hardware": (_HARDWARE,), "dataset": (_DATA_WORDS, _NAMED),
    "name": (_NAMED, _USES_NAME), "method": (_METHOD,), "place": (_PLACE,), "stage": (_STAGE,),
    "limitation": (_LIMITS,), "reason": (_REASON,),
}


def focus_share(sentence: str | AbstractSet[str], focus: AbstractSet[str]) -> float:
    """Share of the question's focus words that the sentence (or its tokens) contains (0..1)."""
    if not focus:
        return 0.0
    tokens = set(tokenize(sentence)) if isinstance(sentence, str) else sentence
    return len(focus & tokens) / len(focus)


# Sections where implementation details live, and sections that only motivate or survey.
_DETAIL_SECTION = re.compile(r"implement|experiment|training|train|setup|set-up|setting|detail|dataset"
                             r"|data\b|appendix|evaluation|ablation|hyper|architecture|network|result"
                             rf"|{LETTERED}", re.I)
_OVERVIEW_SECTION = re.compile(r"abstract|introduction|related|conclusion|limitation|summary", re.I)


_LIMITS_SECTION = re.compile(r"limitation|conclusion|discussion|future work|failure", re.I)


def section_fit(section: str, kinds: tuple[Kind, ...]) -> float:
    """How likely a section holds the fact asked: 1 for implementation details and
    experiments (for a limitation: a limitations, discussion or conclusion section), 0 for
    abstracts, introductions and related work, 0.5 otherwise and for a description or a
    reason (`DESCRIPTIVE`)."""
    if set(kinds) <= DESCRIPTIVE:
        return 0.5
    if kinds == ("limitation",):
        return 1.0 if _LIMITS_SECTION.search(section) else 0.5
    if _DETAIL_SECTION.search(section):
        return 1.0
    return 0.0 if _OVERVIEW_SECTION.search(section) else 0.5


_PARTS = re.compile(r"[_\W]+")


def _near(tokens: list[str], words: AbstractSet[str], loose: bool = False) -> list[int]:
    """Positions of the tokens that are one of `words` ("warmup_steps" counts as its parts;
    when `loose`, "detected" as "detector": the same first six letters)."""
    stems = {w[:6] for w in words if len(w) >= 6} if loose else set()
    # Symbols compare in their plain form: PDFs write math italics ("𝜎" for "σ").
    return [i for i, t in enumerate(tokens)
            if any(f in words or (len(f) >= 6 and f[:6] in stems)
                   for f in (fold(part) for part in _PARTS.split(
                       (t if t.isascii() else unicodedata.normalize("NFKC", t)).lower()) if part))]


def _words(text: str) -> list[str]:
    """The text's whitespace-separated words, lower case, without edge punctuation."""
    return [w.strip(".,;:()?？，。").lower() for w in text.split()]


def counts_near(sentence: str, words: AbstractSet[str], given: AbstractSet[str] = frozenset(),
                span: int = 4) -> bool:
    """True when a number stands within `span` words of one of `words` ("25K synthetic objects",
    "K = 16 Fourier coefficients"): what a how-many or which-value question is after. A
    number the question writes (`given`: "its two training stages") is not an answer."""
    tokens = sentence.split()
    plain = _words(sentence)
    return any(_QUANTITY.match(plain[j]) and plain[j] not in given for i in _near(tokens, words)
               for j in range(max(0, i - span), min(len(tokens), i + span + 1)))


def names_near(sentence: str, words: AbstractSet[str], given: AbstractSet[str],
               span: int = 4) -> bool:
    """True when a name the question does not write stands within `span` words of one of
    `words` ("an LMM, specifically GPT-4V", "keypoints detected by MediaPipe")."""
    tokens = sentence.split()
    return any((m := _NAMED.fullmatch(tokens[j].strip(".,;:()"))) and m.group(0)[0] != "["
               and _name_key(m.group(0)) not in given and j != i
               for i in _near(tokens, words, loose=True)
               for j in range(max(0, i - span), min(len(tokens), i + span + 1)))


def supplies(sentence: str, kinds: tuple[Kind, ...], words: AbstractSet[str] = frozenset(),
             given: AbstractSet[str] = frozenset(), focused: bool = False,
             before: str = "") -> float:
    """Share of the asked kinds that the sentence shows signs of answering (0..1).

    For numbers and values, a number next to one of the question's `words` supplies them
    fully; for names, a name next to them supplies the name. When those words are the
    question's focus (`focused`: "how many [documents]"), a number elsewhere is only half
    a sign: any digit ("It−1", "(7)") would otherwise do. A name the question itself
    writes (`given`, lower case) is no sign of a name asked for. A reason is half a sign
    unless the sentence or the text `before` it (what "we attribute this to …" refers to)
    holds one of the `words`.
    """
    if not kinds:
        return 0.0
    counted = {"number", "value"} & set(kinds)
    if words and counted and counts_near(sentence, words, given):
        return 1.0
    named = focused and "name" in kinds and names_near(sentence, words, given)
    # "thus", "since", "to avoid" run through every argument of a paper: a reason given
    # where none of the question's words is near is only half a sign.
    offtopic = "reason" in kinds and bool(words) and not set(tokenize(f"{before} {sentence}")) & words
    # "… introduces some shortcomings. First, the rendering … becomes highly nontrivial."
    listed = "limitation" in kinds and bool(_NEXT_ITEM.match(sentence) and _LIMITS.search(before))
    shares = [1.0 if (named and k == "name") or (listed and k == "limitation") else
              sum(_shows(p, sentence, given) for p in _FEATURE[k]) / len(_FEATURE[k])
              * (0.5 if (focused and k in counted) or (offtopic and k == "reason") else 1.0)
              for k in kinds]
    return sum(shares) / len(shares)


# An item of a list the text before announced: "First, …", "Second, …", "Moreover, …".
_NEXT_ITEM = re.compile(r"\s*(?:first(?:ly)?|second(?:ly)?|third(?:ly)?|finally|moreover|besides|also|another)\b",
                        re.I)


def _name_key(name: str) -> str:
    """How a name is compared: lower case, a plural 's' dropped ("LMMs" is "LMM")."""
    low = name.lower()
    return low[:-1] if len(low) > 3 and low.endswith("s") else low


def _shows(pattern: re.Pattern[str], sentence: str, given: AbstractSet[str]) -> bool:
    if pattern is _NAMED and given:
        return any(_name_key(m.group(0)) not in given for m in _NAMED.finditer(sentence))
    return bool(pattern.search(sentence))


_DOES = re.compile(r"\b(?:we|this (?:paper|work)|our (?:method|approach|framework|model|system))\s+"
                   r"(?:first\s+|then\s+|further\s+)?(?:propose|present|introduce|develop|design|use|employ"
                   r"|leverage|adopt|build|learn|model|represent|combine|exploit|formulate|reconstruct"
                   r"|generate|train|achieve|enable|apply|incorporate|extend)", re.I)


def describes_method(sentence: str) -> bool:
    """True when the sentence says what the paper does ("we propose …"), not why."""
    return bool(_DOES.search(sentence))


def written_facts(question: str) -> frozenset[str]:
    """The names and quantities a question writes itself (lower-case name keys): no sign,
    in a sentence, of the fact it asks for."""
    return frozenset([*(_name_key(m.group(0)) for m in _NAMED.finditer(question) if m.group(0)[0] != "["),
                      *(w for w in _words(question) if _QUANTITY.match(w))])

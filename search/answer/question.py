"""What a question asks for, and how well a sentence supplies it.

A specific question asks for a fact — how many, which value, how long, on which GPU,
which dataset, how a module works — and its answer is a sentence holding numbers and
units, dataset or hardware names, or a method description. A broad question asks for
the lines of work on a topic. The cues below cover English and Chinese phrasings.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, replace
from typing import Literal

from indexer.textproc import fold, has_cjk, tokenize
from search.lexicon.table import packaged_lexicon
from search.retrieval.translate import translate

Kind = Literal["number", "value", "metric", "duration", "hardware", "dataset", "name", "method",
               "place", "stage", "limitation"]

_ASKS: dict[Kind, re.Pattern[str]] = {
    "duration": re.compile(r"how long|how much time|how many (?:hours|days|minutes|epochs|iterations"
                           r"|steps)|training time|run ?time|多久|多长时间|耗时|时长|几天|几个小时|训练时间"
                           r"|多少秒|几秒|多少毫秒",
                           re.I),
    "hardware": re.compile(r"\b[gt]pus?\b|hardware|accelerators?\b|compute resources|graphics card"
                           r"|which (?:device|machine)|显卡|硬件"
                           r"|哪(?:种|块|个)卡", re.I),
    "number": re.compile(r"how many|number of|how much|count of|how (?:often|frequently)"
                         r"|what (?:percentage|fraction|proportion|share) of"
                         r"|多少|几个|几张|几层|几步|几次|数量|个数",
                         re.I),
    # "super-resolution" and "high-resolution" name a task or a quality, not a setting.
    "value": re.compile(r"\b(?<!-)(?:learning rate|weight(?:s|ed|ing)?|resolution|threshold|(?:what|which) size"
                        r"|(?:batch|step|crop|beam|patch|image|vocabulary|chunk|latent|hidden|kernel"
                        r"|window|embedding|feature) sizes?"
                        r"|values?|lambda|coefficients?|ratio|iterations|steps|rate|set to|factor)\b"
                        r"|by (?:what|how much)|how (?:large|big|wide|far|strongly)|λ|学习率"
                        r"|权重|分辨率|阈值|系数|设置|设成|设为|取值|比例|迭代|倍", re.I),
    "metric": re.compile(r"\b(?:psnr|ssim|lpips|fid|kid|fvd|inception score|miou|iou|map|auc"
                         r"|quantitative(?:ly)?|accuracy|error rate|bleu|recall|precision|f1|fps|perplexity)\b|(?-i:\b(?:IS|AP)\b)"
                         r"|\bwhat (?:[\w()-]+,? ){0,4}?(?:scores?|similarity|ratings?)\b"
                         r"|\b(?:does|do|did)\b[^?]{0,100}\b(?:reach|achieve|attain)\b"
                         r"|指标|分数|精度|准确率|误差|帧率|得分", re.I),
    "name": re.compile(r"\b(?:which|what) (?:[\w-]+ ){0,3}(?:model|planner|encoder|decoder|network|backbone"
                       r"|optimizer|detector|estimator|library|tool|renderer|architecture|method|checkpoint"
                       r"|scheduler|schedule|sampler|solver"
                       r"|algorithm|baseline|prior|losse?|representation)s?\b"
                       r"|(?:什么|哪个|哪种|哪一种)\w{0,3}?(?:模型|网络|表示|结构|方法|算法|编码器|解码器|检测器"
                       r"|优化器|损失|先验|骨干|backbone)|用(?:的是)?什么(?!\s*(?:GPU|显卡|型号|卡))", re.I),
    # Bare "data" asks for a dataset only a few words after its wh-word ("what training data",
    # "how were the test data split"): "how are diffusion models used to generate
    # synthetic training data for recognition" asks for lines of work.
    "dataset": re.compile(r"datasets?|corpus|corpora|\b(?:what|which|how|whose)(?:\W+[\w-]+){0,6}?\W+data\b"
                          r"|benchmark|trained on|train on|evaluated? on|test(?:ed)? on"
                          r"|数据集|训练数据|评测|测试集|基准", re.I),
    "place": re.compile(r"\bwhere (?:on|in|at|are|is|do|does|did|were|was)\b.*\b(?:placed|mounted"
                        r"|attached|located|positioned|worn|put|installed)\b|放在哪|装在哪|位置在哪"
                        r"|安装在哪|佩戴在哪", re.I),
    "stage": re.compile(r"\b(?:which|what) (?:[\w-]+ ){0,2}(?:phase|stage|step|epoch|layer|iteration)s?\b"
                        r"|\bwhen (?:does|do|is|are)\b|哪个阶段|什么阶段|哪一阶段|何时", re.I),
    "limitation": re.compile(r"\b(?:limitations?|shortcomings?|drawbacks?|weakness(?:es)?|biases"
                             r"|failure (?:cases?|modes?))\b|局限|不足之处|缺点|缺陷|失败案例", re.I),
    "method": re.compile(r"how does|how do (?:they|the authors)|what does|what is the (?:role|purpose)"
                         r"|role of|purpose of|module|component|architecture|what kind of"
                         r"|作用|模块|结构|组件|原理|怎么做|如何实现", re.I),
}
# A question about one work it describes ("In the Byzantine Generals paper, …", "When the
# survey of image editing compares …", "…的那篇里") asks about that work, never for lines
# of work.
_DEFINITE = re.compile(r"\b(?:in|for|from|of|by|does|did|do|is|are|was|were|when|where|as|according to) the\b[^?]{0,80}?\b(?:paper"
                       r"|method|work|approach|framework|survey|model|system|study|pipeline)\b"
                       r"|\bthis (?:paper|work|method|survey)\b|那篇|那个|这篇|该论文|该方法|该工作|文中", re.I)
_BROAD = re.compile(r"what are (?:the )?(?:main |common |different |recent )?(?:approaches|methods"
                    r"|ways|lines|techniques|trends)|how do (?:recent |current )?(?:methods|approaches"
                    r"|works|papers|researchers)|overview|survey|state of the art|有哪些|哪些方法"
                    r"|主要方法|研究进展|综述|现有方法", re.I)

# A number that is a quantity, not a citation, a year or a figure/table/section reference.
_DIGITS = re.compile(r"(?<![\[\d.,])(?<!Fig\. )(?<!Figure )(?<!Table )(?<!Sec\. )(?<!Eq\. )"
                     r"\b(?!(?:19|20)\d\d\b)\d+(?:[.,]\d+)?(?![\d\]]|[A-JL-Za-jl-z])")
# A word that is a quantity by itself ("2", "25K", "16,384", "0.5", "six"), not a digit
# inside a symbol ("It−1", "q′ϕ2") or a reference ("[12]").
_QUANTITY = re.compile(r"^(?!(?:19|20)\d\d$)(?:[~≈]?\d+(?:[.,]\d+)*[kKmMbB%×x]?|one|two|three|four|five|six|seven"
                       r"|eight|nine|ten|twelve|sixteen|twenty|hundred|thousand)$", re.I)
_SETTING = re.compile(r"=|\u00d7|×|λ|\b\d+(?:\.\d+)?\s*(?:%|k\b|m\b|e-?\d)|\d+(?:\.\d+)?e-\d", re.I)
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
# "Our method struggles to …", "it cannot handle …", "biased towards …", "left for future work".
_LIMITS = re.compile(r"\b(?:limitations?|limited|struggles?|fails?|failures?|cannot|unable|bias(?:es|ed)?"
                     r"|drawbacks?|future work|remains? (?:challenging|difficult|an open)|does not (?:handle"
                     r"|generali[sz]e|support))\b", re.I)
_METHOD = re.compile(r"consists? of|composed of|compris(?:es|e|ing)\b|made up of|equipped with"
                     r"|module|network|layer|encoder|decoder|we (?:use|employ"
                     r"|design|adopt|apply|introduce|propose)|is (?:designed|used|trained) to|takes? as"
                     r" input|outputs?|predicts?|\bby (?:first )?[a-z]+ing\b", re.I)
# A kind is supplied in the share of its patterns that the sentence matches.
_FEATURE: dict[Kind, tuple[re.Pattern[str], ...]] = {
    "number": (_DIGITS,), "value": (_SETTING, _DIGITS), "metric": (_METRIC,),
    "duration": (_DURATION,), "hardware": (_HARDWARE,), "dataset": (_DATA_WORDS, _NAMED),
    "name": (_NAMED, _USES_NAME), "method": (_METHOD,), "place": (_PLACE,), "stage": (_STAGE,),
    "limitation": (_LIMITS,),
}


# The words a wh-question asks about: "how many [synthetic objects]", "which [datasets]".
_FOCUS = re.compile(r"\b(?:how many|how much|which|what|whose)((?:\s+[\w-]+){1,4})", re.I)
_STOP_FOCUS = re.compile(r"\s(?:does|do|did|is|are|was|were|has|have|had|can|could|will|would"
                         r"|should|in|on|of|for|to|with|from|by|at|per|and|when|during)\b.*", re.I)
_NOT_FOCUS = frozenset("kind type sort its their this that these those".split())


# The thing a Chinese question counts or sets: "batch size 是多少", "上下阈值分别设成多少",
# "用了几张 radiance hint", "多少个 epoch".
_FOCUS_ZH = (re.compile(r"((?<![A-Za-z0-9])[A-Za-z][A-Za-z0-9 -]{0,30}?|[\u4e00-\u9fff]{2,6}?)\s*(?:分别|大概|一共|总共|大约)?"
                        r"(?:设成|设为|设置为|设置成|设的是|取|是|为|有|用了|用的是|要)?\s*(?:多少|几)(?!张|个)"),
             re.compile(r"(?:多少|几)(?:张|个|层|步|次|块|帧|幅|组|类|种|轮)\s*([A-Za-z][A-Za-z0-9 -]{0,30}"
                        r"|[\u4e00-\u9fff]{2,4})"))


def _chinese_focus(question: str) -> set[str]:
    """The English keyword tokens of what a Chinese question counts or sets (empty for an
    English question): its Chinese words through the lexicon, its English ones as written."""
    if not has_cjk(question):
        return set()
    phrases = [m.group(1) for pattern in _FOCUS_ZH for m in pattern.finditer(question)]
    english = [_translate(p) if has_cjk(p) else p for p in phrases]
    return {t for text in english for t in tokenize(text) if not has_cjk(t)} - _NOT_FOCUS


def _translate(phrase: str) -> str:
    return translate(phrase, packaged_lexicon()).dense_text()


@dataclass(frozen=True)
class Intent:
    """What the question asks for: the kinds of fact, whether it is broad, its focus
    words (folded keyword tokens of the phrase after how-many/which/what), and whether it
    asks about one work it describes ("in the … paper")."""

    kinds: tuple[Kind, ...]
    broad: bool
    focus: frozenset[str] = frozenset()
    definite: bool = False
    given: frozenset[str] = frozenset()  # names and numbers the question writes (lower case):
    # not answers
    symbols: frozenset[str] = frozenset()  # symbols the papers define as the focus ("k")

    @property
    def near(self) -> frozenset[str]:
        """What a number or name asked for stands next to: the focus words and symbols."""
        return self.focus | self.symbols

    @property
    def specific(self) -> bool:
        return (bool(self.kinds) or self.definite) and not self.broad


def intent(question: str) -> Intent:
    """The kinds of fact a question asks for, whether it asks for lines of work, its focus."""
    kinds = tuple(k for k, pattern in _ASKS.items() if pattern.search(question))
    focus = {t for m in _FOCUS.finditer(question) for t in tokenize(_STOP_FOCUS.sub("", m.group(1)))
             if t not in _NOT_FOCUS} | _chinese_focus(question)
    definite = bool(_DEFINITE.search(question))
    broad = bool(_BROAD.search(question)) and not definite
    given = frozenset([*(_name_key(m.group(0)) for m in _NAMED.finditer(question) if m.group(0)[0] != "["),
                       *(w for w in _words(question) if _QUANTITY.match(w))])
    return Intent(kinds, broad, frozenset(focus), definite, given)


# "where K << T is the number of frequencies", "N denotes the number of anchors".
_SYMBOL_IS = re.compile(r"(?<![\w-])([A-Z]|[α-ωΑ-Ω])\s*(?:(?:<<|≪|<|≤)\s*\w\s*)?(?:is|denotes|represents)"
                        r"\s+the\s+(?:total\s+)?number\s+of\s+([\w-]+)")


def with_symbols(want: Intent, texts: Iterable[str]) -> Intent:
    """The intent, with the one-letter symbols that the texts define as the number of a
    focus word: "K is the number of frequencies" makes "K = 16" a count of frequencies."""
    if not want.focus:
        return want
    symbols = {m.group(1).lower() for text in texts for m in _SYMBOL_IS.finditer(text)
               if fold(m.group(2).lower()) in want.focus}
    return replace(want, symbols=frozenset(symbols)) if symbols else want


def focus_share(sentence: str | AbstractSet[str], focus: AbstractSet[str]) -> float:
    """Share of the question's focus words that the sentence (or its tokens) contains (0..1)."""
    if not focus:
        return 0.0
    tokens = set(tokenize(sentence)) if isinstance(sentence, str) else sentence
    return len(focus & tokens) / len(focus)


# Sections where implementation details live, and sections that only motivate or survey.
_DETAIL_SECTION = re.compile(r"implement|experiment|training|train|setup|set-up|setting|detail|dataset"
                             r"|data\b|appendix|evaluation|ablation|hyper|architecture|network|result"
                             r"|^[A-H](?:\.\d+)*\s", re.I)
_OVERVIEW_SECTION = re.compile(r"abstract|introduction|related|conclusion|limitation|summary", re.I)


_LIMITS_SECTION = re.compile(r"limitation|conclusion|discussion|future work|failure", re.I)


def section_fit(section: str, kinds: tuple[Kind, ...]) -> float:
    """How likely a section holds the fact asked: 1 for implementation details and
    experiments (for a limitation: a limitations, discussion or conclusion section), 0 for
    abstracts, introductions and related work, 0.5 otherwise."""
    if not kinds or kinds == ("method",):
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
    return [i for i, t in enumerate(tokens)
            if any(f in words or (len(f) >= 6 and f[:6] in stems)
                   for f in (fold(part) for part in _PARTS.split(t.lower()) if part))]


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
             given: AbstractSet[str] = frozenset(), focused: bool = False) -> float:
    """Share of the asked kinds that the sentence shows signs of answering (0..1).

    For numbers and values, a number next to one of the question's `words` supplies them
    fully; for names, a name next to them supplies the name. When those words are the
    question's focus (`focused`: "how many [documents]"), a number elsewhere is only half
    a sign: any digit ("It−1", "(7)") would otherwise do. A name the question itself
    writes (`given`, lower case) is no sign of a name asked for.
    """
    if not kinds:
        return 0.0
    counted = {"number", "value"} & set(kinds)
    if words and counted and counts_near(sentence, words, given):
        return 1.0
    named = focused and "name" in kinds and names_near(sentence, words, given)
    shares = [1.0 if named and k == "name" else
              sum(_shows(p, sentence, given) for p in _FEATURE[k]) / len(_FEATURE[k])
              * (0.5 if focused and k in counted else 1.0) for k in kinds]
    return sum(shares) / len(shares)


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

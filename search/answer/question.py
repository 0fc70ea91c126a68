"""What a question asks for.

A specific question asks for a fact — how many, which value, how long, on which GPU,
which dataset, how a module works — and its answer is a sentence holding numbers and
units, dataset or hardware names, or a method description (`facts.supplies`). A broad
question asks for the lines of work on a topic. The cues below cover English and Chinese
phrasings.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, replace

from indexer.textproc import fold, has_cjk, tokenize
from search.answer.facts import Kind, written_facts
from search.answer.sections import asked_parts
from search.lexicon.table import packaged_lexicon
from search.retrieval.translate import translate

# "a small number of traitors" counts nothing; "what number of", "the number of" ask.
_DESCRIBES = r"(?<!\ba )(?<!small )(?<!large )(?<!great )(?<!growing )(?<!certain )(?<!limited )"
_ASKS: dict[Kind, re.Pattern[str]] = {
    # "How quickly can the sphere switch patterns?" asks a time ("within 2 ms").
    "duration": re.compile(r"how long|how much time|how (?:fast|quickly)"
                           r"|how many (?:hours|days|minutes|epochs|iterations"
                           r"|steps)|training time|run ?time|多久|多长时间|耗时|时长|几天|几个小时|训练时间"
                           r"|多少秒|几秒|多少毫秒",
                           re.I),
    "hardware": re.compile(r"\b[gt]pu(?:s|v\d+)?\b|hardware|accelerators?\b|compute resources|graphics card"
                           r"|which (?:device|machine)|显卡|硬件"
                           r"|哪(?:种|块|个)卡", re.I),
    "number": re.compile(rf"how many|{_DESCRIBES}number of|how much|count of|how (?:often|frequently)"
                         r"|what (?:percentage|fraction|proportion|share) of"
                         r"|\b[gtm]?flops\b|floating[- ]point operations"
                         r"|多少|几个|几张|几层|几步|几次|数量|个数",
                         re.I),
    # "super-resolution" and "high-resolution" name a task or a quality, not a setting.
    "value": re.compile(r"\b(?<!-)(?:learning rate|weight(?:s|ed|ing)?|resolution|threshold|(?:what|which) (?:[\w-]+ ){0,2}?sizes?"
                        r"|(?:batch|step|crop|beam|patch|image|vocabulary|chunk|latent|hidden|kernel"
                        r"|window|embedding|feature) sizes?"
                        r"|values?|lambda|coefficients?|ratio|iterations|steps|rate|set to|factor)\b"
                        # "how small can the batch get": a size, as "how large" is
                        r"|by (?:what|how much)|how (?:large|big|small|little|low|high|deep|wide|far|strongly)|λ|学习率"
                        r"|权重|分辨率|阈值|系数|设置|设成|设为|取值|取(?:多少|几|什么)|比例|迭代|倍"
                        # "up to what frequency", "at what speed": a measured quantity asked.
                        r"|\b(?:what|which) (?:[\w-]+ ){0,3}?(?:frequenc(?:y|ies)|speed|distance|length"
                        r"|angle|range|dimensions?|dimensionality|width|height|bandwidth"
                        r"|capacity|temperature|scale)\b"
                        r"|频率|速度|距离|长度|维度|角度|范围|多大|多高|多快|多远|多宽|多深", re.I),
    "metric": re.compile(r"\b(?:psnr|ssim|lpips|fid|kid|fvd|inception score|miou|iou|map|auc"
                         r"|quantitative(?:ly)?|accuracy|error rate|bleu|recall|precision|f1|fps|perplexity)\b|(?-i:\b(?:IS|AP)\b)"
                         r"|\bwhat (?:[\w()-]+,? ){0,4}?(?:scores?|similarity|ratings?|errors?)\b"
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
                             r"|failure (?:cases?|modes?))\b|局限|不足之处|缺点|缺陷|失败案例"
                             # "遇到什么样的场景会不好处理", "有什么不足", "什么时候会失败":
                             # where the method falls short
                             r"|不好处理|处理不好|难以处理|(?:什么|哪些)不足|(?:会|容易)失败", re.I),
    # "how do the authors explain …", "怎么解释 …": the explanation they offer
    "reason": re.compile(r"\bwhy\b|for what (?:reason|purpose)|what (?:is|was) the reason|为什么|为何|原因"
                         r"|\bhow (?:do|does|did) (?:they|the authors|its authors|the paper) explain\b"
                         r"|(?:怎么|如何|怎样)解释"
                         r"|出于什么|\b(?:conjectur|hypothesi[sz]|speculat)\w*|推测|猜测", re.I),
    # "What does the paper say about LDL and DeSRA?" asks what a passage states, not how a
    # method works.
    "method": re.compile(r"how does|how do (?:they|the authors)"
                         # "how did Wang and Gupta use video frames", not "how did it score"
                         r"|how did(?![^?]{0,80}\b(?:score|perform|fare|compare|rank)\b)"
                         r"|what does(?![^?]{0,60}\b(?:say|says|said|state|note|mention|remark|write)\b)"
                         r"|what is the (?:role|purpose)"
                         r"|role of|purpose of|module|component|architecture|what kind of"
                         r"|作用|模块|结构|组件|原理|怎么做|如何实现", re.I),
}
# A question about one work it describes ("In the Byzantine Generals paper, …", "When the
# survey of image editing compares …", "…的那篇里") asks about that work, never for lines
# of work.
_WORK = (r"(?:paper|method|work|approach|framework|survey|model|system|study|pipeline|generator"
         r"|network|algorithm|technique|transformer|guide|cookbook|review|tutorial)")
_DEFINITE = re.compile(r"\b(?:in|for|from|of|by|does|did|do|is|are|was|were|when|where|as|according to) the\b"
                       rf"[^?]{{0,80}}?\b{_WORK}\b"
                       # "The monocular-video avatar method that keeps …" opens by describing it.
                       rf"|^the\b[^?]{{0,80}}?\b{_WORK} (?:that|which|whose)\b"
                       # "The monocular-video avatar work with … notes that … . What do its
                       # authors suggest …?": a sentence about one work, then the question.
                       rf"|^the\b[^?.]{{0,80}}?\b{_WORK}\b[^?]*?\.\s+\S|\bits authors\b"
                       r"|\bthis (?:paper|work|method|survey)\b|那篇|那个|这篇|该论文|该方法|该工作|(?<!论)文中"
                       # "有篇把…整理了一遍的综述", "记得有一篇…", "there's a survey that …": the
                       # writer recalls one work by what it does.
                       r"|有一?篇|某一?篇|(?:看过|读过|见过)一?篇"
                       r"|\bthere(?:'s| is| was) (?:a|an|one)\b[^?]{0,40}?\b(?:paper|survey|work|study)\b"
                       # "ResNet 论文里", "… A Survey 里介绍的": "in the ResNet paper", "in the survey";
                       # "… editing 综述在讨论…时": "when the … survey discusses";
                       # "最近的论文中" is "in recent papers": only a name makes it one paper.
                       # "ResNet 论文附录里", "… 论文的实验部分中": a part of that one paper.
                       r"|[A-Za-z0-9》」”)]\s*(?:论文|文章|一文|综述)\s*(?:的\s*)?(?:附录|正文|补充材料|[实方][验法]部分)?\s*[里中在]"
                       r"|\b(?:paper|survey)\s*[里中在]", re.I)
_BROAD = re.compile(r"what are (?:the )?(?:main |common |different |recent )?(?:approaches|methods"
                    r"|ways|lines|techniques|trends)|how do (?:recent |current )?(?:methods|approaches"
                    # "…: A Survey" ends a title the question names, and asks for no overview.
                    r"|works|papers|researchers)|overview|(?<!the )(?<!: a )survey|state of the art|有哪些|哪些方法"
                    r"|主要方法|研究进展|综述|现有方法", re.I)

_FIGURES = re.compile(r"\b(?:figure|fig\.|visuali[sz]ation|illustration|caption)s?\b(?!\s+out\b)"
                      r"|可视化|示意图|图\s*\d", re.I)  # "figure out" is no figure

# The words a wh-question asks about: "how many [synthetic objects]", "which [datasets]".
_FOCUS = re.compile(r"\b(?:how many|how much|which|what|whose)((?:\s+[\w-]+){1,4})", re.I)
_STOP_FOCUS = re.compile(r"\s(?:does|do|did|is|are|was|were|has|have|had|can|could|will|would"
                         r"|should|must|may|might|shall|in|on|of|for|to|with|from|by|at|per|and|when|during)\b.*", re.I)
# "which two methods": a count the question states, not a word of the answer
_NOT_FOCUS = frozenset("kind type sort its their this that these those two three four five".split())


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
    # symbols the papers define as the focus ("k"), or that the question writes ("σ")
    symbols: frozenset[str] = frozenset()
    figures: bool = False  # asks about a figure: its caption may hold the answer
    cited: frozenset[str] = frozenset()  # works the question cites by author (`cited_works`)
    parts: frozenset[str] = frozenset()  # parts of a paper it points to (`sections.asked_parts`)

    @property
    def near(self) -> frozenset[str]:
        """What a number or name asked for stands next to: the focus words and symbols."""
        return self.focus | self.symbols

    @property
    def specific(self) -> bool:
        return (bool(self.kinds) or self.definite) and not self.broad


# A quoted phrase names something (a section, a term the paper uses) rather than asking:
# "In the 'Why Self-Attention' discussion, what would the path length become?" asks no reason,
# "why can't a 'hardware' fix …" no hardware. An apostrophe is no quote ("the authors' loss").
_QUOTED = re.compile(r"(?<!\w)'[^']{2,80}'(?!\w)|\"[^\"]{2,80}\"|“[^”]{2,80}”|‘[^’]{2,80}’|「[^」]{1,40}」")


def intent(question: str) -> Intent:
    """The kinds of fact a question asks for, whether it asks for lines of work, its focus."""
    asked = _QUOTED.sub(" ", question)
    kinds = tuple(k for k, pattern in _ASKS.items() if pattern.search(asked))
    focus = {t for m in _FOCUS.finditer(question) for t in tokenize(_STOP_FOCUS.sub("", m.group(1)))
             if t not in _NOT_FOCUS} | _chinese_focus(question)
    definite = bool(_DEFINITE.search(question))
    broad = bool(_BROAD.search(question)) and not definite
    return Intent(kinds, broad, frozenset(focus), definite, written_facts(question),
                  written_symbols(question), bool(_FIGURES.search(question)),
                  cited_works(question), asked_parts(question))


# A work cited by its authors: "Yu et al.", "Wang and Gupta (2015)". Two names need the
# year to be authors: "MUSIQ and CLIPIQA", "Make-A-Video and Imagen" are methods.
_SURNAME = r"[A-Z][a-z][\w'-]*"
_CITES = re.compile(rf"\b({_SURNAME}) et al\b|\b({_SURNAME}),? and ({_SURNAME})(?=\s*[(\[]\s*(?:19|20)\d\d)")


def cited_works(question: str) -> frozenset[str]:
    """The works a question cites by author, as "yu et al" or "wang and gupta"."""
    return frozenset(f"{m.group(1)} et al".lower() if m.group(1) else f"{m.group(2)} and {m.group(3)}".lower()
                     for m in _CITES.finditer(question))


def cites(sentence: str, works: AbstractSet[str]) -> bool:
    """True when the sentence cites one of the works by the same authors' names ("Wang and
    Gupta [2015] pre-train …", "Yu et al. recommend …"): it reports what the question asks
    that work did, which the question's other words may describe only loosely."""
    low = sentence.lower()
    return any(re.search(_work_pattern(w), low) for w in works)


def _work_pattern(work: str) -> str:
    """The regex of a work's author names as a sentence cites them ("wang,? and gupta")."""
    return r"\b" + r",? and ".join(re.escape(name) for name in work.split(" and ")) + r"\b"


# A Greek letter the question writes on its own ("what value does the constant σ take?"):
# the value asked for stands next to it ("We choose 𝜎= 0.1").
_GREEK = re.compile(r"(?<![^\W\d_])[α-ωΑ-Ω](?![^\W\d_])")


def written_symbols(question: str) -> frozenset[str]:
    """The Greek-letter symbols a question writes on their own, lower case."""
    return frozenset(unicodedata.normalize("NFKC", m).lower() for m in _GREEK.findall(question))


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
    return replace(want, symbols=want.symbols | symbols) if symbols else want

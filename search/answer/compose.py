"""Writing the built-in overview from picked sentences: the answer first, or lines of work.

A specific question gets the sentence that holds the answer first, attributed to its
paper and cited, then a few sentences of context. A broad question gets a short
synthesis: the cited papers grouped into lines of work (`grouping`), each group opened
by a generated sentence that names the approach and its papers (each with what it uses
that the others do not), followed by a quoted sentence of each paper; a best-ranked paper
that shares no line of work leads alone. Quoted sentences lose boilerplate openings ("In
this paper, we propose …" → "TECA proposes …"); the citation excerpts stay verbatim.
Framing sentences are in Chinese for a Chinese question.
"""

from __future__ import annotations

import re

from indexer.models import Paper
from search.answer.grouping import Group
from search.lexicon.table import chinese_name

_OPENING = re.compile(r"^(?:in|within) this (?:paper|work|study|letter|article|report)\s*,?\s*", re.I)
# "Furthermore, we propose …": the connective joins a sentence that the overview does not quote.
_CONNECTIVE = re.compile(r"^(?:furthermore|moreover|additionally|in addition|besides|specifically"
                         r"|more specifically|in particular|to this end|finally|notably),\s*", re.I)
_WE_VERB = re.compile(r"^(?:to (?:this end|address (?:this|these|the) [\w\s]{1,40}?),\s*)?we\s+"
                      r"(propose|present|introduce|develop|design|build|describe|demonstrate|show"
                      r"|investigate|study|explore|address|tackle|use|leverage|adopt|employ)\b\s*",
                      re.I)
_OUR = re.compile(r"^(?:(?:our|the proposed) (?:method|approach|framework|model|system|pipeline)"
                  r"|this (?:paper|work|study|article))\b", re.I)
_THIRD = {"propose": "proposes", "present": "presents", "introduce": "introduces",
          "develop": "develops", "design": "designs", "build": "builds", "describe": "describes",
          "demonstrate": "demonstrates", "show": "shows", "investigate": "investigates",
          "study": "studies", "explore": "explores", "address": "addresses", "tackle": "tackles",
          "use": "uses", "leverage": "leverages", "adopt": "adopts", "employ": "employs"}
# "We introduce FATE, a novel method …": the paper named again, then what it is.
_APPOSITION = re.compile(r"\s*(?:\([^()]{1,60}\))?\s*,\s*(?=(?:a|an|the)\s)", re.I)
OPENERS_EN = ("One line of work builds on {term} ({names})", "Another uses {term} ({names})",
              "A third line relies on {term} ({names})")
OPENERS_ZH = ("一类工作基于{term}（{names}）", "另一类采用{term}（{names}）", "第三类依赖{term}（{names}）")
OTHER_EN, OTHER_ZH = "Other work takes different routes ({names})", "其他工作另辟蹊径（{names}）"
CLOSEST_ZH = "最相关的是{names}"


def short_name(paper: Paper) -> str:
    """How a sentence refers to a paper: its method name, else a shortened title."""
    head, colon, _ = paper.title.partition(":")
    if colon and len(head.split()) <= 4:
        return head.strip()
    words = paper.title.split()
    return " ".join(words[:6]) + ("…" if len(words) > 6 else "")


def described_name(paper: Paper, limit: int = 14) -> str:
    """A paper's name with what its title says it is: "DAWN (Dynamic Frame Avatar with
    Non-autoregressive Diffusion Framework …)", or its title when that has no head."""
    head, colon, rest = paper.title.partition(":")
    words = rest.split() if colon and len(head.split()) <= 4 else paper.title.split()
    what = " ".join(words[:limit]) + ("…" if len(words) > limit else "")
    return f"{head.strip()} ({what})" if colon and len(head.split()) <= 4 else what


def trim_opening(sentence: str, name: str) -> str:
    """The sentence without a boilerplate opening, attributed to `name` where it said "we"."""
    text = _OPENING.sub("", _CONNECTIVE.sub("", sentence.strip()))
    if m := _WE_VERB.match(text):
        said = text[m.end():]
        head = name.split(" (")[0]
        # "FATE introduces FATE, a novel method" says the name twice: "FATE is a novel method".
        if said.lower().startswith(head.lower()) and (a := _APPOSITION.match(said, len(head))):
            return f"{name} is {said[a.end():]}"
        return f"{name} {_THIRD[m.group(1).lower()]} {said}"
    if m := _OUR.match(text):
        return f"{name}{text[m.end():]}"
    return f"{name}: {text[:1].upper()}{text[1:]}"


def continued(sentence: str, name: str) -> str:
    """A paper's next quoted sentence, right after one that named it: only a boilerplate
    opening ("In this paper, we show …") names it again, briefly ("DAWN shows …")."""
    text = sentence.strip()  # "Moreover, …" reads on from the paper's quote before it
    if _OPENING.match(text) or _WE_VERB.match(text) or _OUR.match(text):
        return trim_opening(text, name)
    return f"{text[:1].upper()}{text[1:]}"


def _end(sentence: str, marks: str, chinese: bool) -> str:
    body = sentence.rstrip().rstrip(".;!?。；！？").rstrip()
    return f"{body} {marks}{'。' if chinese else '.'}"


def marks(numbers: list[int]) -> str:
    """``[1][3]`` for citation numbers, in order, without repeats."""
    return "".join(f"[{n}]" for n in dict.fromkeys(numbers))


def _with_traits(name: str, terms: list[str], chinese: bool) -> str:
    """ "DAWN with latent motion space and head pose", or the name alone."""
    if not terms:
        return name
    if chinese:
        return f"{name}（{'、'.join(chinese_name(t) for t in terms)}）"
    return f"{name} with {' and '.join(terms)}"


def specific_text(lines: list[tuple[str, Paper, int]], chinese: bool) -> str:
    """The answer sentence first, then context: each line is (sentence, its paper, its n)."""
    out: list[str] = []
    previous = ""
    for i, (sentence, paper, n) in enumerate(lines):
        name = short_name(paper)
        if i == 0:
            lead = f"据《{name}》：{sentence}" if chinese else f"According to {name}: {sentence}"
            out.append(_end(lead, marks([n]), chinese))
        else:
            quoted = sentence if name == previous else trim_opening(sentence, name)
            out.append(_end(quoted, marks([n]), chinese))
        previous = name
    return " ".join(out)


def broad_text(groups: list[Group], quotes: dict[str, list[tuple[str, int]]],
               papers: dict[str, Paper], numbers: dict[str, int], chinese: bool,
               traits: dict[str, list[str]] | None = None) -> str:
    """Paragraphs, one per line of work: a generated opener, then quoted sentences.

    Args:
        groups: lines of work, in the order to present them.
        quotes: paper id → the (sentence, citation n) to quote for it (may be empty).
        papers: paper id → paper.
        numbers: paper id → citation number of its evidence.
        chinese: write the framing in Chinese.
        traits: paper id → terms naming what it uses, shown beside its name in the opener.
    """
    openers, other = (OPENERS_ZH, OTHER_ZH) if chinese else (OPENERS_EN, OTHER_EN)
    paragraphs: list[str] = []
    named = 0
    for group in groups:
        names = "、".join if chinese else ", ".join
        listed = names(_with_traits(short_name(papers[p]), (traits or {}).get(p, []), chinese)
                       for p in group.papers)
        parts = []
        # The best-ranked paper, when it shares no line of work, leads with its quote alone
        # (a Chinese reader still gets a Chinese sentence first).
        if group.terms or paragraphs or chinese:
            template = (openers[min(named, len(openers) - 1)] if group.terms
                        else other if paragraphs else CLOSEST_ZH)
            named += bool(group.term)
            term = "、".join(chinese_name(t) for t in group.terms) if chinese else group.term
            opener = template.format(term=term, names=listed)
            parts.append(_end(opener, marks([numbers[p] for p in group.papers]), chinese))
        for pid in group.papers:
            for j, (sentence, n) in enumerate(quotes.get(pid, [])):
                # The paper's first quote introduces it; a second one just goes on.
                quoted = (trim_opening(sentence, described_name(papers[pid])) if j == 0
                          else continued(sentence, short_name(papers[pid])))
                parts.append(_end(quoted, marks([n]), chinese))
        paragraphs.append(" ".join(parts))
    return "\n\n".join(paragraphs)

"""Citations: numbered by first use, one per evidence passage, with verbatim excerpts."""

from __future__ import annotations

import re

from indexer.sentences import is_row, sentence_spans
from search.answer.evidence import Evidence
from search.answer.machine import machine_sentence
from search.answer.sentences import Sentence
from search.models import Citation
from search.retrieval.query import ParsedQuery


def citation(n: int, ev: Evidence, excerpt: str, q: ParsedQuery) -> Citation:
    """Citation `n` of an evidence passage, with a machine summary line for Chinese readers."""
    p, hit = ev.paper, ev.hit
    return Citation(n=n, arxiv_id=p.arxiv_id, paper_id=p.paper_id, title=p.title,
                    section=hit.section, page=hit.page, excerpt=excerpt, url=p.url,
                    machine_zh=machine_sentence(p, q) if q.chinese else "")


MIN_WORDS = 60  # an excerpt shorter than this takes in neighbouring sentences of its passage
# "In this section, we use synthetic data …", "… is as follows:": what it announces follows.
_ANNOUNCES = re.compile(r"[:：]\s*$|\bas follows\b|^(?:in this section|in the following|below|next)\b"
                        r"|^here,? we\b", re.I)


def announces(sentence: str) -> bool:
    """True when the sentence announces what the next ones say."""
    return bool(_ANNOUNCES.search(sentence.strip()))


# "This indicates that the model is more uncertain for …", "Therefore, …", "Not only …":
# a sentence that says outright what the ones before it show.
_CONCLUDES = re.compile(r"^(?:(?:this|these|that|which|it|they) (?:\w+ )?(?:indicates?|shows?|suggests?"
                        r"|implies|means|demonstrates?|confirms?|reveals?|verif(?:y|ies))\b"
                        r"|(?:therefore|thus|hence|consequently|as a result|in other words|overall"
                        r"|not only)\b)", re.I)
# "Accuracy on MLM task with increasing sequence length is shown in Fig. 8.": the finding
# the figure or table shows is stated next.
_POINTS = re.compile(r"\b(?:(?:is|are) (?:shown|plotted|reported|illustrated|visuali[sz]ed|given"
                     r"|listed|summari[sz]ed) in|see) (?:Fig(?:ure|s?\.)|Tab(?:le|\.))", re.I)
FOLLOW = 2  # sentences an excerpt may take in past its end to reach what they lead to


def leads_on(sentence: str, following: str) -> bool:
    """True when an excerpt ending with `sentence` should take in `following` too: it says
    what the excerpt's sentences show, or `sentence` points to a figure whose finding it is."""
    return bool(_CONCLUDES.match(following.strip()) or _POINTS.search(sentence))


def excerpt(text: str, used: list[Sentence]) -> str:
    """The verbatim span of the passage covering the used sentences plus one on each side,
    one more after a sentence that announces what follows, and up to `FOLLOW` more that
    conclude it (`leads_on`)."""
    spans = sentence_spans(text)
    first, last = min(s.start for s in used), max(s.end for s in used)
    idx = [i for i, (a, b) in enumerate(spans) if a < last and b > first]
    after = 1 + announces(text[spans[idx[-1]][0]:spans[idx[-1]][1]])
    lo, hi = max(0, idx[0] - 1), min(len(spans) - 1, idx[-1] + after)
    # A short excerpt grows to MIN_WORDS, forwards first: what follows an answer sentence
    # (its numbers, its second half) is what a reader checks next.
    while len(text[spans[lo][0]:spans[hi][1]].split()) < MIN_WORDS and (lo > 0 or hi < len(spans) - 1):
        if hi < len(spans) - 1:
            hi += 1
        else:
            lo -= 1
    for _ in range(FOLLOW):
        if hi + 1 == len(spans) or not leads_on(text[spans[hi][0]:spans[hi][1]],
                                                text[spans[hi + 1][0]:spans[hi + 1][1]]):
            break
        hi += 1
    return text[spans[lo][0]:spans[_list_end(text, spans, _table_end(text, spans, hi))][1]]


MAX_LIST_WORDS = 120  # of a numbered list's items that follow a quoted one
_ITEM = re.compile(r"(?:^|[:;]\s*)\(?(\d{1,2})[.)]\s")


def _list_end(text: str, spans: list[tuple[int, int]], hi: int) -> int:
    """The last span of the excerpt: a quoted item of a numbered list ("three stages: 1. …")
    takes in the items after it, up to MAX_LIST_WORDS: the list is what was announced."""
    words = 0
    while hi + 1 < len(spans) and (item := _ITEM.search(text[spans[hi][0]:spans[hi][1]])):
        nxt = _ITEM.match(text[spans[hi + 1][0]:spans[hi + 1][1]])
        words += len(text[spans[hi + 1][0]:spans[hi + 1][1]].split())
        if nxt is None or int(nxt.group(1)) != int(item.group(1)) + 1 or words > MAX_LIST_WORDS:
            break
        hi += 1
    return hi


MAX_TABLE_WORDS = 150  # of a table's rows that follow a quoted caption


def _table_end(text: str, spans: list[tuple[int, int]], hi: int) -> int:
    """The last span of the excerpt: a quoted table caption takes in the rows after it
    (a line each; only a table's lines are broken in a chunk), up to MAX_TABLE_WORDS."""
    words = 0
    while hi + 1 < len(spans) and "\n" in text[spans[hi][1]:spans[hi + 1][0]]:
        row = text[spans[hi + 1][0]:spans[hi + 1][1]]
        words += len(row.split())
        if not is_row(row) or words > MAX_TABLE_WORDS:
            break
        hi += 1
    return hi


class Citations:
    """Citation numbers by first use; one citation per evidence passage."""

    def __init__(self, evidence: list[Evidence], q: ParsedQuery) -> None:
        self.evidence, self.q = evidence, q
        self.numbers: dict[int, int] = {}
        self.used: dict[int, list[Sentence]] = {}

    def cite(self, s: Sentence) -> int:
        """The citation number of the sentence's passage (a new one on first use)."""
        self.used.setdefault(s.ev, []).append(s)
        return self.numbers.setdefault(s.ev, len(self.numbers) + 1)

    def build(self) -> list[Citation]:
        """The citations, in number order, each excerpt covering the sentences used."""
        order = sorted(self.numbers.items(), key=lambda kv: kv[1])
        return [citation(n, self.evidence[ev], excerpt(self.evidence[ev].text, self.used[ev]),
                          self.q) for ev, n in order]

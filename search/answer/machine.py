"""The machine-written Chinese summary sentence that best matches a question.

The digests' Chinese summaries are Gemini-Pro output, not the paper's words: they may
stand beside a verbatim English excerpt for a Chinese reader, always labelled as
machine-written (`Citation.machine_zh`), never as the evidence itself.
"""

from __future__ import annotations

import re

from indexer.models import Paper
from indexer.textproc import tokenize
from search.retrieval.query import ParsedQuery

_SPLIT = re.compile(r"(?<=[。！？；])|\n")


def machine_sentence(paper: Paper, q: ParsedQuery) -> str:
    """The summary or takeaway sentence sharing most words with the question ('' if none)."""
    sentences = [s.strip() for part in (paper.summary_zh, *paper.takeaways_zh)
                 for s in _SPLIT.split(part) if len(s.strip()) >= 8]
    if not sentences:
        return ""
    wanted = set(tokenize(q.raw))
    overlap = [len(wanted & set(tokenize(s))) for s in sentences]
    best = max(range(len(sentences)), key=lambda i: (overlap[i], -i))
    return sentences[best] if overlap[best] else ""

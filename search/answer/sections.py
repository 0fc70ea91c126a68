"""The part of a paper a question points to: "in the appendix proof …", "the related-work
section of …", "MagiCapture's ablation …", "ResNet 论文附录里 …".

A reader who names the section knows where the fact is; a passage of a section of that kind
is preferred (`evidence.gather`). Section titles vary ("2 Comparison with Previous
Results" is related work, "D CARFF Evaluation" an appendix), so each part is matched by the
words its titles use, and an appendix also by its letter number. The introduction is left
out: a paper's many introduction passages only traded places (on the 885 spent body
questions one answer moved into [1]–[3] and two out of it, against none out without it).
"""

from __future__ import annotations

import re
from collections.abc import Set as AbstractSet

# An appendix numbered by its letter: "A Technical Proofs for Section 3", "B.2 Training"
# (a pattern to join into others, case-sensitive inside case-insensitive ones).
LETTERED = r"(?-i:^[A-H](?:\.\d+)*\s+\S)"
# The parts a question may point to: how a question names it, how its section titles read.
_PARTS: dict[str, tuple[re.Pattern[str], re.Pattern[str]]] = {
    "appendix": (re.compile(r"\bappendi(?:x|ces)\b|\bsupplement(?:ary|al)?\b|附录|补充材料", re.I),
                 re.compile(rf"{LETTERED}|appendi|suppl", re.I)),  # "Supplementry Materials"
    "related": (re.compile(r"\brelated[- ]works?\b|\bbackground section\b|\bprior[- ]work section"
                           r"|相关工作", re.I),
                re.compile(r"related|background|previous|prior work", re.I)),
    "ablation": (re.compile(r"\bablat(?:ion|ions|ed|e)\b|消融", re.I),
                 re.compile(rf"ablat|experiment|analys|evaluat|result|suppl|{LETTERED}", re.I)),
    "conclusion": (re.compile(r"\bconclu(?:sion|ding)s?\b|\bdiscussion\b|结论|讨论部分", re.I),
                   re.compile(r"conclu|discussion|limitation|future", re.I)),
}


def asked_parts(question: str) -> frozenset[str]:
    """The parts of a paper the question points to ("appendix", "related", ...)."""
    return frozenset(part for part, (asked, _) in _PARTS.items() if asked.search(question))


def in_parts(section: str, parts: AbstractSet[str]) -> bool:
    """True when a section, by its title, is one of the parts asked."""
    return any(_PARTS[part][1].search(section.strip()) for part in parts)

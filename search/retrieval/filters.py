"""Paper filters (date, topic, author, links), evaluated before retrieval's top-k cut."""

from __future__ import annotations

import unicodedata
from datetime import date

from indexer.models import Paper
from search.models import Filters


def fold_text(text: str) -> str:
    """Case- and diacritic-insensitive form: 'Müller' and 'muller' compare equal."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def norm_topic(topic: str) -> str:
    """Topics compare without case and with '_' and '/' treated alike (元宇宙_虚拟人)."""
    return fold_text(topic).replace("_", "/").replace(" ", "")


def _in_range(d: date | None, since: date | None, until: date | None) -> bool:
    return d is not None and (since is None or d >= since) and (until is None or d <= until)


def matches(paper: Paper, f: Filters) -> bool:
    """True when the paper passes every active filter."""
    if f.since or f.until:
        dates = [paper.published, paper.first_seen, *paper.digest_dates]
        if not any(_in_range(d, f.since, f.until) for d in dates):
            return False
    if f.topic:
        want = norm_topic(f.topic)
        if not any(want == norm_topic(t) or want in norm_topic(t) for t in paper.topics):
            return False
    if f.author:
        want = fold_text(f.author.strip())
        if not any(want in fold_text(a) for a in paper.authors):
            return False
    if f.has_code and "code" not in paper.links:
        return False
    return not (f.has_project and "project" not in paper.links)

"""Paper filters: dates, topics, authors and links (fast tier, synthetic papers)."""

from __future__ import annotations

from datetime import date

import pytest

from indexer.models import Paper
from search.models import Filters
from search.retrieval.filters import fold_text, matches, norm_topic


def paper(**fields: object) -> Paper:
    return Paper.model_validate({"paper_id": "p", "title": "T", "source": "jsonl", **fields})


def test_no_filter_is_inactive_and_matches_everything() -> None:
    assert not Filters().active() and matches(paper(), Filters())


@pytest.mark.parametrize(("fields", "since", "until", "ok"), [
    ({"published": date(2024, 3, 5)}, date(2024, 3, 1), date(2024, 3, 31), True),
    ({"published": date(2024, 4, 1)}, date(2024, 3, 1), date(2024, 3, 31), False),
    ({"published": date(2023, 1, 1), "digest_dates": [date(2024, 3, 9)]}, date(2024, 3, 1), None, True),
    ({"first_seen": date(2024, 2, 1)}, None, date(2024, 1, 31), False),
    ({}, date(2024, 1, 1), None, False),  # undated papers never pass a date filter
])
def test_a_date_filter_accepts_any_of_the_papers_dates(fields: dict[str, object], since: date | None,
                                                       until: date | None, ok: bool) -> None:
    assert matches(paper(**fields), Filters(since=since, until=until)) is ok


def test_topics_compare_loosely() -> None:
    p = paper(topics=["元宇宙/虚拟人", "Talking Head Generation"])
    assert matches(p, Filters(topic="元宇宙_虚拟人")) and matches(p, Filters(topic="talking head"))
    assert not matches(p, Filters(topic="NeRF"))
    assert norm_topic("元宇宙_虚拟人") == norm_topic("元宇宙/虚拟人")


def test_authors_match_without_case_or_diacritics() -> None:
    p = paper(authors=["Jürgen Müller", "Wei Zhang"])
    assert matches(p, Filters(author="muller")) and matches(p, Filters(author="  WEI "))
    assert not matches(p, Filters(author="Smith"))
    assert fold_text("Émile") == "emile"


def test_link_filters() -> None:
    with_code = paper(links={"code": "https://github.com/x/y"})
    assert matches(with_code, Filters(has_code=True))
    assert not matches(with_code, Filters(has_project=True))
    assert not matches(paper(), Filters(has_code=True))

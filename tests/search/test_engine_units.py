"""The engine's logic on the synthetic library with the model-free encoder (fast tier)."""

from __future__ import annotations

from datetime import date

import pytest

from search.errors import PaperNotFoundError, QueryError
from search.models import Filters
from search.retrieval.engine import Searcher
from tests.synthetic import synthetic_id


def test_the_paper_with_every_query_word_ranks_first(synthetic_searcher: Searcher) -> None:
    resp = synthetic_searcher.search("point cloud hand reconstruction", k=5)
    assert resp.hits[0].paper_id == synthetic_id(26)
    assert len({h.paper_id for h in resp.hits}) == len(resp.hits) == 5  # one hit per paper
    assert resp.hits[0].score >= resp.hits[-1].score


@pytest.mark.parametrize("mode", ["dense", "sparse"])
def test_each_retriever_alone_finds_it_too(synthetic_searcher: Searcher, mode: str) -> None:
    hits = synthetic_searcher.search("diffusion model face relighting", k=3, mode=mode).hits  # type: ignore[arg-type]
    assert hits[0].paper_id == synthetic_id(16)


def test_filters_apply_before_the_top_k_cut(synthetic_searcher: Searcher) -> None:
    f = Filters(since=date(2024, 4, 1), until=date(2024, 4, 30), has_code=True)
    hits = synthetic_searcher.search("talking head", k=10, filters=f).hits
    assert len(hits) == 5 and all(h.published and h.published.month == 4 for h in hits)
    assert all(int(h.paper_id[-2:]) % 3 == 0 for h in hits)  # only papers with a code link


def test_author_filter_folds_case_and_accents(synthetic_searcher: Searcher) -> None:
    hits = synthetic_searcher.search("avatar", k=30, filters=Filters(author="emile durk")).hits
    assert hits and all(any("Durkheim" in a for a in h.authors) for h in hits)


def test_a_filter_matching_nothing_gives_no_hits(synthetic_searcher: Searcher) -> None:
    assert synthetic_searcher.search("avatar", filters=Filters(topic="no such topic")).hits == []


def test_an_arxiv_id_goes_straight_to_the_paper(synthetic_searcher: Searcher) -> None:
    for text in (synthetic_id(7), f"arXiv:{synthetic_id(7)}v2",
                 f"https://arxiv.org/abs/{synthetic_id(7)}"):
        [hit] = synthetic_searcher.search(text).hits
        assert hit.paper_id == synthetic_id(7)
    resp = synthetic_searcher.search("2401.99999")
    assert resp.hits == [] and "not in the index" in resp.notices[0]


def test_empty_queries_are_refused(synthetic_searcher: Searcher) -> None:
    with pytest.raises(QueryError):
        synthetic_searcher.search("  \n ")


def test_similar_papers_exclude_the_paper_itself(synthetic_searcher: Searcher) -> None:
    hits = synthetic_searcher.similar(synthetic_id(0), k=4)
    assert len(hits) == 4 and synthetic_id(0) not in {h.paper_id for h in hits}
    with pytest.raises(PaperNotFoundError):
        synthetic_searcher.similar("2401.99999")

"""The "no close match" floor on the synthetic index with the model-free encoder (fast tier)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from fastapi.testclient import TestClient

from search.config import Settings
from search.models import Filters
from search.retrieval.engine import Searcher
from search.retrieval.floor import (
    NEAREST_SHOWN,
    NEAREST_SHOWN_ZH,
    NO_MATCH,
    NO_MATCH_ZH,
    NONE_SHOWN,
    keyword_share,
)
from search.service.app import create_app
from tests.fakes import HashEmbedder


def _searcher(settings: Settings, **ranking: float) -> Searcher:
    tuned = settings.model_copy(update={"ranking": settings.ranking.model_copy(update=ranking)})
    return Searcher(tuned, embedder_factory=HashEmbedder)


@pytest.mark.parametrize("query", ["zzqxj qwertyuiop", "!!!!!!!!", "lorem ipsum dolor sit amet"])
def test_nonsense_gets_no_hits_and_a_notice(synthetic_searcher: Searcher, query: str) -> None:
    resp = synthetic_searcher.search(query)
    assert resp.hits == [] and resp.total == 0
    assert resp.notices == [f"{NO_MATCH} {NONE_SHOWN}"]


def test_a_chinese_query_gets_the_notice_in_chinese_first(synthetic_searcher: Searcher) -> None:
    resp = synthetic_searcher.search("红烧肉的做法")
    assert resp.hits == [] and resp.notices == [f"{NO_MATCH_ZH} {NO_MATCH} {NONE_SHOWN}"]


@pytest.mark.parametrize("query", ["talking head", "point cloud hand reconstruction", "高斯泼溅 说话人头"])
def test_real_queries_are_above_the_floor(synthetic_searcher: Searcher, query: str) -> None:
    resp = synthetic_searcher.search(query)
    assert resp.hits and not resp.notices


def test_below_the_floor_matching_keywords_keep_the_nearest_papers(synthetic_index: Settings) -> None:
    strict = _searcher(synthetic_index, min_match=5)
    resp = strict.search("talking head")
    assert resp.hits and resp.notices == [f"{NO_MATCH} {NEAREST_SHOWN}"]
    zh = strict.search("说话人头")
    assert zh.hits and zh.notices == [f"{NO_MATCH_ZH}{NEAREST_SHOWN_ZH} {NO_MATCH} {NEAREST_SHOWN}"]


def test_the_floor_is_a_setting_and_zero_turns_it_off(synthetic_index: Settings) -> None:
    resp = _searcher(synthetic_index, min_match=0).search("zzqxj qwertyuiop")
    assert resp.hits and not resp.notices


def test_filtered_and_single_retriever_searches_are_not_floored(synthetic_searcher: Searcher) -> None:
    # A filtered search lists what the filters let through; benchmarks' modes are raw rankings.
    f = Filters(since=date(2024, 1, 1))
    assert synthetic_searcher.search("zzqxj qwertyuiop", filters=f).hits
    assert synthetic_searcher.search("zzqxj qwertyuiop", mode="dense").hits


def test_keyword_share_weighs_rare_words_more(synthetic_searcher: Searcher) -> None:
    snap = synthetic_searcher.snapshot
    assert keyword_share(snap, ["talk", "head"], "talking head") == 1.0
    assert keyword_share(snap, [], "anything") == 0.0
    # a word the index never saw weighs the most: matching only a common word is little
    assert keyword_share(snap, ["zzqxj", "video"], "multi-view video") < 0.5


@pytest.fixture(scope="module")
def client(synthetic_index: Settings) -> Iterator[TestClient]:
    app = create_app(synthetic_index, lambda: Searcher(synthetic_index, embedder_factory=HashEmbedder))
    with TestClient(app) as c:
        yield c


def test_the_api_returns_the_notice_with_no_hits(client: TestClient) -> None:
    body = client.get("/api/search", params={"q": "zzqxj qwertyuiop"}).json()
    assert body["hits"] == [] and body["total"] == 0
    assert body["notices"] == [f"{NO_MATCH} {NONE_SHOWN}"]
    assert client.get("/api/search", params={"q": "talking head"}).json()["hits"]

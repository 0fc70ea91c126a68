"""Property-based: no combination of query parameters makes the API answer 500."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indexer.embed import Embedder
from search.config import Settings
from search.retrieval.engine import Searcher
from search.service.app import create_app

PROPS = settings(max_examples=100, deadline=None, derandomize=True,
                 suppress_health_check=[HealthCheck.too_slow])

maybe_text = st.none() | st.text(max_size=40)
days = st.none() | st.dates().map(str) | st.text(alphabet="0123456789-/ T:", max_size=12) | st.from_regex(
    r"[0-9]{4}(-[0-9]{1,2}(-[0-9]{1,2})?)?", fullmatch=True)
ks = st.none() | st.integers(-5, 150) | st.text(alphabet="0123456789.-e ", max_size=5)
queries = st.none() | st.text(max_size=80) | st.sampled_from(
    ["talking head", "数字人 avatar", "2312.01841", "arxiv.org/abs/2312.01841v2", " ", "a" * 1001,
     "NeRF AND (", '"', "%", "\x00", "ο 🙂", "*" * 1000])
topics = st.none() | st.text(max_size=20) | st.sampled_from(["3DGS", "3dgs", "元宇宙_虚拟人", "NeRF"])


@pytest.fixture(scope="module")
def client(small_index: Settings, embedder: Embedder) -> Iterator[TestClient]:
    app = create_app(small_index, lambda: Searcher(small_index, embedder_factory=lambda: embedder))
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def _params(**values: Any) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


def _check_error(resp: Any) -> None:
    assert resp.status_code in (200, 404, 422), (resp.status_code, resp.text[:300])
    if resp.status_code != 200:
        assert isinstance(resp.json()["detail"], str)


@PROPS
@given(q=queries, k=ks, since=days, until=days, topic=topics, author=maybe_text)
def test_search_never_fails(client: TestClient, q: Any, k: Any, since: Any, until: Any,
                            topic: Any, author: Any) -> None:
    resp = client.get("/api/search", params=_params(q=q, k=k, since=since, until=until,
                                                    topic=topic, author=author))
    _check_error(resp)
    assert resp.status_code != 404
    if resp.status_code == 200:
        body = resp.json()
        ids = [h["paper_id"] for h in body["hits"]]
        assert len(ids) == len(set(ids)) and body["total"] == len(ids)
        assert len(ids) <= (int(k) if k is not None else 10)


@PROPS
@given(since=days, until=days, topic=topics, limit=ks, offset=ks)
def test_listing_never_fails(client: TestClient, since: Any, until: Any, topic: Any, limit: Any,
                             offset: Any) -> None:
    resp = client.get("/api/papers", params=_params(since=since, until=until, topic=topic,
                                                    limit=limit, offset=offset))
    _check_error(resp)


@PROPS
@given(pid=st.text(min_size=1, max_size=40) | st.from_regex(r"[0-9]{4}\.[0-9]{4,5}(v[0-9])?", fullmatch=True),
       suffix=st.sampled_from(["", "/similar", "/bibtex", "/similar?k=0", "/similar?k=3"]))
def test_paper_routes_never_fail(client: TestClient, pid: str, suffix: str) -> None:
    _check_error(client.get(f"/api/papers/{quote(pid, safe='')}{suffix}"))


@settings(max_examples=30, deadline=None, derandomize=True)
@given(body=st.none() | st.fixed_dictionaries({"question": queries}, optional={"k": ks})
       | st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=3))
def test_ask_never_fails(client: TestClient, body: Any) -> None:
    _check_error(client.post("/api/ask", json=body))

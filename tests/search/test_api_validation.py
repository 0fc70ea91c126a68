"""The API's input validation and error shapes over the synthetic index (fast tier)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from search.config import Settings
from search.retrieval.engine import Searcher
from search.service.app import create_app
from tests.fakes import HashEmbedder
from tests.synthetic import synthetic_id


@pytest.fixture(scope="module")
def client(synthetic_index: Settings) -> Iterator[TestClient]:
    settings = synthetic_index.model_copy(update={"ranking": synthetic_index.ranking.model_copy(
        update={"max_query_chars": 60})})
    app = create_app(settings, lambda: Searcher(settings, embedder_factory=HashEmbedder))
    with TestClient(app) as c:
        yield c


def test_health_names_the_generation(client: TestClient) -> None:
    body = client.get("/api/health").json()
    assert body["status"] == "ok" and body["papers"] == 30 and body["generation"]


@pytest.mark.parametrize(("params", "where"), [
    ({"q": ""}, "q"), ({"q": "x" * 61}, "q"), ({"q": "avatar", "k": 0}, "k"),
    ({"q": "avatar", "k": 101}, "k"), ({"q": "avatar", "k": "many"}, "k"),
    ({"q": "avatar", "since": "yesterday"}, "since"), ({"q": "avatar", "until": "2024-13"}, "until"),
    ({"q": "avatar", "since": "2024-05", "until": "2024-01"}, "since"), ({}, "q"),
])
def test_bad_search_input_is_one_readable_422(client: TestClient, params: dict[str, Any],
                                              where: str) -> None:
    resp = client.get("/api/search", params=params)
    assert resp.status_code == 422
    detail = resp.json()["detail"]
    assert detail.startswith(where) and "\n" not in detail


def test_the_query_limit_comes_from_the_settings(client: TestClient) -> None:
    assert client.get("/api/search", params={"q": "y" * 60}).status_code == 200
    assert client.post("/api/ask", json={"question": "y" * 61}).status_code == 422
    schema = client.get("/openapi.json").json()["components"]["schemas"]["AskRequest"]
    assert schema["properties"]["question"]["maxLength"] == 60


@pytest.mark.parametrize("body", [{}, {"question": ""}, {"question": "ok", "k": 0},
                                  {"question": "ok", "k": 101}, {"question": 5}, [1, 2]])
def test_bad_ask_bodies_are_422(client: TestClient, body: Any) -> None:
    assert client.post("/api/ask", json=body).status_code == 422


def test_malformed_json_is_422_naming_json(client: TestClient) -> None:
    resp = client.post("/api/ask", content=b"{not json", headers={"content-type": "application/json"})
    assert resp.status_code == 422 and "JSON" in resp.json()["detail"]


def test_papers_by_id_version_and_url(client: TestClient) -> None:
    for pid in (synthetic_id(3), f"{synthetic_id(3)}v2", f"https://arxiv.org/abs/{synthetic_id(3)}"):
        assert client.get(f"/api/papers/{pid}").json()["paper_id"] == synthetic_id(3)
    assert client.get("/api/papers/2401.99999").status_code == 404
    assert client.get("/api/papers/2401.99999/similar").status_code == 404


@pytest.mark.parametrize(("path", "params"), [("/api/papers", {"limit": 0}),
                                               ("/api/papers", {"offset": -1}),
                                               ("/api/jobs", {"limit": 500})])
def test_listing_bounds_are_422(client: TestClient, path: str, params: dict[str, Any]) -> None:
    assert client.get(path, params=params).status_code == 422

"""The HTTP API contract, through TestClient, with the real model and real indexes."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from indexer.build import build
from indexer.embed import Embedder
from indexer.models import JobReport, Paper, SourceSpec
from indexer.store import write_job_report
from search.config import Settings
from search.errors import QueryError
from search.export.bibtex import escape, to_bibtex
from search.retrieval.engine import Searcher
from search.service.app import create_app
from search.service.deps import parse_day

HIT_KEYS = {"arxiv_id", "title", "authors", "published", "topics", "score", "excerpt", "section",
            "page", "url"}
SEARCH_KEYS = {"query", "took_ms", "total", "hits"}
HEALTH_KEYS = {"status", "papers", "chunks", "generation", "built_at", "detail"}
XSS_TITLE = '<script>alert("x")</script> **Bold** [link](javascript:alert(1)) & {braces} 100%'


def make_client(settings: Settings, embedder: Embedder, **kwargs: Any) -> TestClient:
    app = create_app(settings, lambda: Searcher(settings, embedder_factory=lambda: embedder))
    return TestClient(app, **kwargs)


@pytest.fixture(scope="module")
def client(small_index: Settings, embedder: Embedder) -> Iterator[TestClient]:
    with make_client(small_index, embedder) as c:
        yield c


@pytest.fixture(scope="module")
def listing(client: TestClient) -> list[dict[str, Any]]:
    """Every paper of the small index, as /api/papers lists them."""
    return client.get("/api/papers", params={"limit": 1000}).json()["papers"]


def build_into(data_dir: Path, paths: list[Path], embedder: Embedder) -> Settings:
    """Add local files to the index in `data_dir` (publishing a new generation)."""
    settings = Settings.load(data_dir)
    build([SourceSpec(kind="path", value=str(p)) for p in paths], settings.index, lambda: embedder,
          progress=False)
    return settings


def write_jsonl(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), "utf-8")
    return path


def record(arxiv_id: str, title: str, abstract: str, **extra: Any) -> dict[str, Any]:
    return {"arxiv_id": arxiv_id, "title": title, "authors": ["Ada Lovelace", "Alan Turing"],
            "abstract": abstract, "first_seen": "2024-02-01", "topics": ["Avatars"], **extra}


TINY = [
    record("2402.00001", XSS_TITLE, "Gaussian splatting avatars rendered in real time.",
           summary_zh="机器生成的摘要", takeaways_zh=["要点一"]),
    record("2402.00002", "Audio-driven talking faces", "Lip sync from speech audio."),
]


@pytest.fixture()
def tiny_index(tmp_path: Path, embedder: Embedder) -> Settings:
    """A two-paper index of our own (one title full of markup), rebuilt per test."""
    src = write_jsonl(tmp_path / "tiny.jsonl", TINY)
    return build_into(tmp_path / "data", [src], embedder)


def wait_for(client: TestClient, pred: Any, timeout: float = 10.0) -> dict[str, Any]:
    """Poll /api/health until `pred(status, body)` holds; return the last body."""
    deadline = time.monotonic() + timeout
    while True:
        resp = client.get("/api/health")
        if pred(resp.status_code, resp.json()) or time.monotonic() > deadline:
            return {"status_code": resp.status_code, **resp.json()}
        time.sleep(0.2)


# --- health, docs, unknown routes -----------------------------------------------------

def test_health_reports_the_served_generation(client: TestClient, small_index: Settings) -> None:
    resp = client.get("/api/health")
    assert resp.status_code == 200
    body = resp.json()
    assert set(body) == HEALTH_KEYS
    assert body["status"] == "ok" and body["papers"] >= 10 and body["chunks"] >= body["papers"]
    assert body["generation"] == (small_index.data_dir / "CURRENT").read_text().strip()
    assert body["built_at"].startswith("20")


def test_docs_and_openapi_are_served(client: TestClient) -> None:
    assert client.get("/docs").status_code == 200
    schema = client.get("/openapi.json").json()
    for path in ("/api/health", "/api/search", "/api/ask", "/api/papers/{paper_id}",
                 "/api/papers/{paper_id}/similar", "/api/papers/{paper_id}/bibtex", "/api/stats",
                 "/api/topics", "/api/papers", "/api/jobs"):
        assert path in schema["paths"], path


@pytest.mark.parametrize("path", ["/api/nope", "/nope", "/api/search/extra"])
def test_unknown_routes_are_404(client: TestClient, path: str) -> None:
    resp = client.get(path)
    assert resp.status_code == 404
    assert resp.json() == {"detail": "Not Found"}


# --- search ---------------------------------------------------------------------------

def test_search_contract(client: TestClient) -> None:
    resp = client.get("/api/search", params={"q": "audio-driven talking head", "k": 7})
    assert resp.status_code == 200
    body = resp.json()
    assert set(body) >= SEARCH_KEYS
    assert body["query"] == "audio-driven talking head" and body["took_ms"] >= 0
    hits = body["hits"]
    assert 0 < len(hits) <= 7 and body["total"] == len(hits)
    for hit in hits:
        assert set(hit) >= HIT_KEYS, set(hit) ^ HIT_KEYS
        assert hit["title"] and hit["excerpt"] and hit["url"].startswith("https://arxiv.org/abs/")
    ids = [h["paper_id"] for h in hits]
    assert len(ids) == len(set(ids)), "one hit per paper"
    scores = [h["score"] for h in hits]
    assert scores == sorted(scores, reverse=True)
    assert "talking" in (hits[0]["title"] + hits[0]["excerpt"]).lower()


def test_search_by_arxiv_id_and_chinese(client: TestClient, listing: list[dict[str, Any]]) -> None:
    pid = listing[0]["paper_id"]
    hits = client.get("/api/search", params={"q": f"https://arxiv.org/abs/{pid}v2"}).json()["hits"]
    assert [h["paper_id"] for h in hits] == [pid]
    zh = client.get("/api/search", params={"q": "说话人头像生成", "k": 5}).json()
    assert zh["hits"] and zh["query"] == "说话人头像生成"


def test_search_topic_filter(client: TestClient) -> None:
    hits = client.get("/api/search", params={"q": "avatar", "topic": "3dgs", "k": 20}).json()["hits"]
    assert hits and all(any("3dgs" in t.lower() for t in h["topics"]) for h in hits)


def test_search_author_filter(client: TestClient, listing: list[dict[str, Any]]) -> None:
    author = listing[3]["authors"][0]
    surname = author.split()[-1]
    params = {"q": "face", "author": surname.upper(), "k": 100}
    hits = client.get("/api/search", params=params).json()["hits"]
    assert listing[3]["paper_id"] in {h["paper_id"] for h in hits}
    assert all(any(surname.lower() in a.lower() for a in h["authors"]) for h in hits)


def test_search_date_filters(client: TestClient, listing: list[dict[str, Any]]) -> None:
    dates = {p["paper_id"]: [p["published"], p["first_seen"], *p["digest_dates"]] for p in listing}
    day = max(d for ds in dates.values() for d in ds if d)
    params = {"q": "avatar", "k": 30}
    after = client.get("/api/search", params={**params, "since": str(date.fromisoformat(day) + timedelta(days=1))})
    assert after.status_code == 200 and after.json()["hits"] == []
    within = client.get("/api/search", params={**params, "since": day[:7], "until": day}).json()["hits"]
    assert within
    for hit in within:
        assert any(d and day[:7] + "-01" <= d <= day for d in dates[hit["paper_id"]])


BAD_SEARCHES = [
    ({}, "q"),
    ({"q": ""}, "q"),
    ({"q": "   \t "}, "empty query"),
    ({"q": "a" * 1001}, "q"),
    ({"q": "x", "k": 0}, "k"),
    ({"q": "x", "k": 101}, "k"),
    ({"q": "x", "k": "ten"}, "k"),
    ({"q": "x", "since": "2024-13-01"}, "since"),
    ({"q": "x", "since": "yesterday"}, "since"),
    ({"q": "x", "until": "2024-02-30"}, "until"),
    ({"q": "x", "since": "2024-03-01", "until": "2024-01-01"}, "after until"),
    ({"q": "x", "topic": "t" * 201}, "topic"),
]


@pytest.mark.parametrize(("params", "mentions"), BAD_SEARCHES)
def test_bad_search_input_is_422_with_a_readable_message(
        client: TestClient, params: dict[str, Any], mentions: str) -> None:
    resp = client.get("/api/search", params=params)
    assert resp.status_code == 422
    detail = resp.json()["detail"]
    assert isinstance(detail, str) and mentions in detail
    assert "Traceback" not in resp.text


def test_query_of_exactly_1000_chars_is_accepted(client: TestClient) -> None:
    q = ("talking head avatar " * 60)[:1000]
    assert client.get("/api/search", params={"q": q}).status_code == 200


def test_parse_day_forms() -> None:
    assert parse_day("since", "2024") == date(2024, 1, 1)
    assert parse_day("until", "2024", end=True) == date(2024, 12, 31)
    assert parse_day("until", "2024-02", end=True) == date(2024, 2, 29)
    assert parse_day("since", " 2024-02-09 ") == date(2024, 2, 9)
    assert parse_day("since", "") is None
    for bad in ("0000-01-01", "2024-00", "24-01-01", "2024/01/01", "２０２４"):
        with pytest.raises(QueryError, match="since"):
            parse_day("since", bad)


# --- papers ---------------------------------------------------------------------------

def test_paper_detail_labels_machine_generated_text(client: TestClient,
                                                    listing: list[dict[str, Any]]) -> None:
    pid = next(p["paper_id"] for p in listing if p["machine_generated"])
    body = client.get(f"/api/papers/{pid}").json()
    for key in ("paper_id", "arxiv_id", "title", "authors", "abstract", "topics", "links", "url",
                "pdf_url", "published", "first_seen", "machine_generated"):
        assert key in body, key
    assert not any(k.endswith("_zh") for k in body), "machine text only inside its labelled block"
    gen = body["machine_generated"]
    assert gen["generator"] == "Gemini-Pro via ChatPaperFree" and gen["summary_zh"]
    assert isinstance(gen["takeaways_zh"], list) and "machine" in gen["note"].lower()
    assert "source_path" not in body and "pdf_path" not in body


def test_paper_accepts_versioned_ids_and_urls(client: TestClient,
                                              listing: list[dict[str, Any]]) -> None:
    pid = listing[0]["paper_id"]
    for form in (pid, f"{pid}v3", f"arXiv:{pid}"):
        resp = client.get(f"/api/papers/{form}")
        assert resp.status_code == 200 and resp.json()["paper_id"] == pid, form


@pytest.mark.parametrize("suffix", ["", "/similar", "/bibtex"])
@pytest.mark.parametrize("pid", ["9999.99999", "cs%2F0601001", "local:nothing", "%20"])
def test_unknown_papers_are_404(client: TestClient, pid: str, suffix: str) -> None:
    resp = client.get(f"/api/papers/{pid}{suffix}")
    assert resp.status_code == 404
    assert "not in the index" in resp.json()["detail"]


def test_similar_papers(client: TestClient, listing: list[dict[str, Any]]) -> None:
    pid = listing[0]["paper_id"]
    body = client.get(f"/api/papers/{pid}/similar", params={"k": 5}).json()
    assert body["paper_id"] == pid and body["total"] == len(body["hits"]) == 5
    assert pid not in {h["paper_id"] for h in body["hits"]}
    assert all(set(h) >= HIT_KEYS for h in body["hits"])
    scores = [h["score"] for h in body["hits"]]
    assert scores == sorted(scores, reverse=True)
    assert client.get(f"/api/papers/{pid}/similar", params={"k": 0}).status_code == 422


def test_bibtex_route(client: TestClient, listing: list[dict[str, Any]]) -> None:
    pid = listing[0]["paper_id"]
    resp = client.get(f"/api/papers/{pid}/bibtex")
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/plain")
    text = resp.text
    assert text.startswith("@misc{") and text.rstrip().endswith("}")
    assert f"eprint = {{{pid}}}" in text and "archivePrefix = {arXiv}" in text
    assert text.count("{") == text.count("}")


def test_bibtex_escapes_specials() -> None:
    paper = Paper(paper_id="2401.00001", arxiv_id="2401.00001", title="A {NeRF} for 100% of C#_x & \\o/ ~^$",
                  authors=["Jürgen Müller", "O'Neil & Co"], source="jsonl")
    text = to_bibtex(paper)
    assert r"\{" in text and r"100\%" in text and r"C\#\_x" in text and r"\&" in text
    assert r"\textbackslash{}" in text and "Jürgen Müller and O'Neil \\& Co" in text
    assert "year = {2024}" in text and "month = jan" in text and text.startswith("@misc{muller2024nerf,")
    unescaped = text.replace("\\{", "").replace("\\}", "")
    depth = 0
    for ch in unescaped:
        depth += {"{": 1, "}": -1}.get(ch, 0)
        assert depth >= 0
    assert depth == 0
    assert escape("a\x00b\n c") == "ab c"


def test_topics_stats_and_listing_agree(client: TestClient, listing: list[dict[str, Any]]) -> None:
    topics = client.get("/api/topics").json()
    counts = [t["count"] for t in topics]
    assert counts == sorted(counts, reverse=True) and {t["topic"] for t in topics} >= {"3DGS"}
    for t in topics:
        listed = client.get("/api/papers", params={"topic": t["topic"], "limit": 1}).json()
        assert listed["total"] == t["count"], t
    stats = client.get("/api/stats").json()
    health = client.get("/api/health").json()
    assert stats["generation"] == health["generation"] and stats["papers"] == len(listing)
    assert sum(stats["months"].values()) + stats["undated"] == stats["papers"]
    assert stats["topics"] == {t["topic"]: t["count"] for t in topics}
    assert stats["sources"] and stats["built_at"] == health["built_at"]
    assert list(stats["months"]) == sorted(stats["months"])


def test_paper_listing_pages_newest_first(client: TestClient, listing: list[dict[str, Any]]) -> None:
    keys = [p["published"] or p["first_seen"] or "" for p in listing]
    assert keys == sorted(keys, reverse=True)
    page = client.get("/api/papers", params={"limit": 5, "offset": 5}).json()
    assert page["total"] == len(listing)
    assert [p["paper_id"] for p in page["papers"]] == [p["paper_id"] for p in listing[5:10]]
    assert client.get("/api/papers", params={"since": "2030-01-01"}).json() == {"total": 0, "papers": []}
    assert client.get("/api/papers", params={"limit": 0}).status_code == 422
    assert client.get("/api/papers", params={"until": "soon"}).status_code == 422


def test_jobs_lists_build_reports(client: TestClient) -> None:
    resp = client.get("/api/jobs")
    assert resp.status_code == 200 and isinstance(resp.json(), list)


# --- ask ------------------------------------------------------------------------------

@pytest.mark.parametrize("body", [{}, {"question": ""}, {"question": "x", "k": 0},
                                  {"question": "x", "k": 101}, {"question": "q" * 1001},
                                  {"question": 42}])
def test_bad_ask_input_is_422(client: TestClient, body: dict[str, Any]) -> None:
    resp = client.post("/api/ask", json=body)
    assert resp.status_code == 422 and isinstance(resp.json()["detail"], str)


def test_malformed_json_is_422(client: TestClient) -> None:
    resp = client.post("/api/ask", content=b"{bad", headers={"content-type": "application/json"})
    assert resp.status_code == 422 and "JSON" in resp.json()["detail"]


def test_ask_contract(client: TestClient) -> None:
    resp = client.post("/api/ask", json={"question": "How are talking heads driven by audio?", "k": 4})
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert {"question", "overview", "citations", "generator", "took_ms"} <= set(body)
    assert body["overview"] and 0 < len(body["citations"]) <= 4
    for c in body["citations"]:
        assert {"n", "arxiv_id", "title", "section", "page", "excerpt", "url"} <= set(c)
    blank = client.post("/api/ask", json={"question": "   "})
    assert blank.status_code == 422 and isinstance(blank.json()["detail"], str)


# --- errors, markup, index lifecycle --------------------------------------------------

class _Broken:
    """A Searcher stand-in whose every call fails with an unexpected error."""

    def __getattr__(self, name: str) -> Any:
        def fail(*args: Any, **kwargs: Any) -> Any:
            raise RuntimeError("secret internals /etc/passwd")

        return fail


def test_unexpected_errors_are_a_bare_500(small_index: Settings,
                                          caplog: pytest.LogCaptureFixture) -> None:
    app = create_app(small_index, lambda: _Broken())  # type: ignore[arg-type, return-value]
    with TestClient(app, raise_server_exceptions=False) as c:
        resp = c.get("/api/search", params={"q": "avatar"})
    assert resp.status_code == 500
    assert resp.json() == {"detail": "internal error"}
    assert "secret" not in resp.text and "Traceback" not in resp.text
    logged = [r for r in caplog.records if "GET /api/search failed" in r.getMessage()]
    assert logged and "secret internals" in (logged[0].exc_text or "")


class _OtherModel:
    """The real embedder under another model's name, as if the index came from elsewhere."""

    model_id = "someone/else"

    def __init__(self, inner: Embedder) -> None:
        self.inner, self.dim, self.backend = inner, inner.dim, inner.backend

    def embed(self, texts: Any, *, progress: bool = False) -> Any:
        return self.inner.embed(texts)

    def count_tokens(self, text: str) -> int:
        return self.inner.count_tokens(text)


def test_incompatible_index_is_503_on_every_request(small_index: Settings,
                                                     embedder: Embedder) -> None:
    other = _OtherModel(embedder)
    app = create_app(small_index, lambda: Searcher(small_index, embedder_factory=lambda: other))
    with TestClient(app) as c:
        for _ in range(2):
            resp = c.get("/api/search", params={"q": "avatar"})
            assert resp.status_code == 503 and "rebuild the index" in resp.json()["detail"]


def test_markup_in_titles_is_returned_verbatim(tiny_index: Settings, embedder: Embedder) -> None:
    with make_client(tiny_index, embedder) as c:
        resp = c.get("/api/search", params={"q": "gaussian splatting avatars"})
        assert resp.headers["content-type"] == "application/json"
        hit = resp.json()["hits"][0]
        assert hit["title"] == XSS_TITLE
        assert json.loads(resp.content)["hits"][0]["title"] == XSS_TITLE
        detail = c.get("/api/papers/2402.00001").json()
        assert detail["title"] == XSS_TITLE
        assert detail["machine_generated"]["summary_zh"] == "机器生成的摘要"
        bib = c.get("/api/papers/2402.00001/bibtex").text
        assert r"\{braces\}" in bib and r"100\%" in bib and r"\&" in bib


def test_new_generation_is_picked_up_without_restart(tiny_index: Settings, embedder: Embedder,
                                                     tmp_path: Path) -> None:
    extra = write_jsonl(tmp_path / "extra.jsonl", [
        record("2402.00003", "Volumetric hair capture for digital humans", "Strand-level hair.")])
    with make_client(tiny_index, embedder) as c:
        before = c.get("/api/health").json()
        assert before["papers"] == 2
        build_into(tiny_index.data_dir, [extra], embedder)
        new = (tiny_index.data_dir / "CURRENT").read_text().strip()
        after = wait_for(c, lambda code, body: body.get("generation") == new)
        assert after["generation"] == new != before["generation"] and after["papers"] == 3
        hits = c.get("/api/search", params={"q": "hair capture"}).json()["hits"]
        assert hits[0]["paper_id"] == "2402.00003"


def test_starts_without_an_index_and_loads_one_when_it_appears(tmp_path: Path,
                                                                embedder: Embedder) -> None:
    settings = Settings.load(tmp_path / "empty")
    with make_client(settings, embedder) as c:
        resp = c.get("/api/health")
        assert resp.status_code == 503
        assert resp.json()["status"] == "unavailable" and "no index" in resp.json()["detail"]
        search = c.get("/api/search", params={"q": "avatar"})
        assert search.status_code == 503 and "no index" in search.json()["detail"]
        assert c.get("/api/papers/2402.00001").status_code == 503
        assert c.get("/api/jobs").json() == []
        write_job_report(settings.data_dir, JobReport(kind="index", finished=datetime.now(UTC), papers=2))
        build_into(settings.data_dir, [write_jsonl(tmp_path / "t.jsonl", TINY)], embedder)
        after = wait_for(c, lambda code, body: code == 200)
        assert after["status_code"] == 200 and after["papers"] == 2
        assert c.get("/api/search", params={"q": "lip sync"}).json()["hits"]
        assert [j["kind"] for j in c.get("/api/jobs").json()] == ["index"]

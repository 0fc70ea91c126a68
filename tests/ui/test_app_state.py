"""Pages keep their state in session and URL; limits, refusals, highlights and paging (AppTest)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date

import pytest
from streamlit.testing.v1 import AppTest

from indexer.embed import Embedder
from search.config import Settings
from tests.ui.support import RUN_TIMEOUT, api_get, serve_api
from tests.ui.test_app import result_ids, search, texts

AppFor = Callable[..., AppTest]
MARK = ":orange-background["


def leave_and_come_back(at: AppTest, page: str, other: str = "views/library.py") -> AppTest:
    """Open another page, then `page` again with a bare URL (as a bookmark of the page would)."""
    at.switch_page(other).run(timeout=RUN_TIMEOUT)
    for key in list(at.query_params):
        del at.query_params[key]
    return at.switch_page(page).run(timeout=RUN_TIMEOUT)


def sidebar_link(at: AppTest, title: str) -> str:
    """The query string of the sidebar's link to the page `title`."""
    link = next(e for e in at.sidebar.get("page_link") if e.proto.label == title)
    return str(link.proto.query_string)


def test_search_survives_another_page_and_is_in_the_url(api_url: str, app_for: AppFor) -> None:
    at = search(app_for(api_url, "views/search.py"), "talking head synthesis")
    at.selectbox(key="topic").select("Talking Head Generation").run(timeout=RUN_TIMEOUT)
    shown = result_ids(at)
    assert shown and at.query_params["q"] == "talking head synthesis"
    assert at.query_params["topic"] == "Talking Head Generation"
    at.switch_page("views/digest.py").run(timeout=RUN_TIMEOUT)
    assert "q=talking+head+synthesis" in sidebar_link(at, "Search")
    back = leave_and_come_back(at, "views/search.py")
    assert not back.exception
    assert back.text_input(key="q").value == "talking head synthesis"
    assert back.selectbox(key="topic").value == "Talking Head Generation"
    assert result_ids(back) == shown
    assert back.query_params["q"] == "talking head synthesis"  # the address bar again


def test_a_search_link_shows_query_filters_and_pages(api_url: str, app_for: AppFor) -> None:
    at = app_for(api_url, "views/search.py",
                 query={"q": "avatar", "since": "2024-01-01", "author": "Zhang", "page": "2"})
    assert at.text_input(key="q").value == "avatar"
    assert at.date_input(key="since").value == date(2024, 1, 1)
    assert at.text_input(key="author").value == "Zhang"
    expected = api_get(api_url, "/api/search?q=avatar&k=20&since=2024-01-01&author=Zhang")
    assert isinstance(expected, dict) and len(expected["hits"]) > 0
    assert result_ids(at) == [h["paper_id"] for h in expected["hits"]]


def test_more_results_then_a_new_query_starts_over(api_url: str, app_for: AppFor) -> None:
    at = search(app_for(api_url, "views/search.py"), "avatar")
    assert len(result_ids(at)) == 10
    at.button(key="more").click().run(timeout=RUN_TIMEOUT)
    assert len(result_ids(at)) == 20 and at.query_params["page"] == "2"
    top = api_get(api_url, "/api/search?q=avatar&k=20")
    assert isinstance(top, dict) and result_ids(at) == [h["paper_id"] for h in top["hits"]]
    assert "20 papers, best first" in " ".join(texts(at, "caption"))
    search(at, "gaussian splatting")
    assert len(result_ids(at)) == 10 and "page" not in at.query_params


def test_paging_stops_at_the_end_of_the_matches(api_url: str, app_for: AppFor) -> None:
    at = app_for(api_url, "views/search.py", query={"q": "avatar", "topic": "3DGS", "page": "3"})
    total = len(result_ids(at))
    assert 0 < total < 30 and not [b for b in at.button if b.key == "more"]


def test_query_terms_are_highlighted_in_excerpts(api_url: str, app_for: AppFor) -> None:
    at = search(app_for(api_url, "views/search.py"), "talking head")
    excerpts = [m for m in texts(at, "markdown") if m.startswith("> ")]
    assert len(excerpts) == 10
    assert sum(f"{MARK}talking]" in m.lower() or f"{MARK}head" in m.lower() for m in excerpts) >= 8
    zh = search(at, "说话人头像生成")
    expanded = next(c for c in texts(zh, "caption") if c.startswith("Expanded for the English"))
    assert "talking" in expanded
    marked = " ".join(m for m in texts(zh, "markdown") if m.startswith("> "))
    assert f"{MARK}talking]" in marked.lower() or f"{MARK}说话]" in marked


def test_ask_keeps_the_answer_of_the_question_shown(api_url: str, app_for: AppFor) -> None:
    question = "How do talking head methods keep the lips in sync with audio?"
    at = app_for(api_url, None)
    at.text_area(key="question").input(question)
    at.button[0].click().run(timeout=RUN_TIMEOUT)
    assert at.query_params["question"] == question
    overview = [m for m in texts(at, "markdown") if "](#cite-" in m]
    back = leave_and_come_back(at, "views/ask.py", other="views/search.py")
    assert back.text_area(key="question").value == question
    assert [m for m in texts(back, "markdown") if "](#cite-" in m] == overview
    assert back.query_params["question"] == question


def test_a_question_link_is_answered(api_url: str, app_for: AppFor) -> None:
    at = app_for(api_url, "views/ask.py", query={"question": "如何生成说话人头像视频?"})
    assert at.text_area(key="question").value == "如何生成说话人头像视频?"
    assert any(h.proto.anchor == "cite-1" for h in at.subheader)


def test_input_limits_are_shown(api_url: str, app_for: AppFor) -> None:
    limit = Settings.load().ranking.max_query_chars
    ask = app_for(api_url)
    box = ask.text_area(key="question")
    assert box.proto.max_chars == limit and f"up to {limit:,} characters" in box.label
    found = app_for(api_url, "views/search.py")
    assert found.text_input(key="q").proto.max_chars == limit
    assert f"up to {limit:,} characters" in found.text_input(key="q").label


def test_a_link_with_a_too_long_question_says_it_was_cut(api_url: str, app_for: AppFor) -> None:
    limit = Settings.load().ranking.max_query_chars
    at = app_for(api_url, "views/ask.py", query={"question": "lip sync " * 600})
    assert any(f"has {len('lip sync ' * 600):,} characters; the limit is {limit:,}" in w
               for w in texts(at, "warning"))
    assert len(at.text_area(key="question").value or "") <= limit
    assert not at.error


@pytest.fixture()
def strict_api(small_index: Settings, embedder: Embedder) -> Iterator[str]:
    """The API over the small index with a 40-character query limit (the UI allows more)."""
    strict = Settings.load(small_index.data_dir, ranking={"max_query_chars": 40})
    with serve_api(strict, embedder) as url:
        yield url


def test_an_api_refusal_is_a_plain_sentence(strict_api: str, app_for: AppFor) -> None:
    question = "How do talking head methods keep the lips in sync with the audio?"
    at = app_for(strict_api, "views/ask.py", query={"question": question})
    assert [e.value for e in at.error] == [
        f"Your question is {len(question)} characters long; the limit is 40\\. Shorten it and "
        "try again\\."]
    found = app_for(strict_api, "views/search.py", query={"q": question})
    assert [e.value for e in found.error] == [
        f"Your search text is {len(question)} characters long; the limit is 40\\. Shorten it "
        "and try again\\."]


def test_paper_from_the_url_then_the_last_one_shown(api_url: str, app_for: AppFor) -> None:
    listing = api_get(api_url, "/api/papers?limit=2")
    assert isinstance(listing, dict)
    first, second = (p["paper_id"] for p in listing["papers"])
    at = app_for(api_url, "views/paper.py", query={"paper": first})
    at.query_params["paper"] = second  # what a similar paper's link does
    at.run(timeout=RUN_TIMEOUT)
    assert at.query_params["paper"] == second
    at.switch_page("views/library.py").run(timeout=RUN_TIMEOUT)
    assert sidebar_link(at, "Paper") == f"paper={second}"  # the sidebar leads back to it
    back = leave_and_come_back(at, "views/paper.py")
    assert back.query_params["paper"] == second
    assert back.title[0].value.replace("\\", "") == " ".join(listing["papers"][1]["title"].split())


def test_digest_range_and_topic_come_from_the_url(api_url: str, app_for: AppFor) -> None:
    at = app_for(api_url, "views/digest.py", query={"from": "2020-01-01", "topic": "3DGS"})
    assert at.date_input(key="digest_from").value == date(2020, 1, 1)
    assert at.selectbox(key="digest_topic").value == "3DGS"
    body = next(m for m in texts(at, "markdown") if "Avatar Scholar digest" in m)
    listing = api_get(api_url, "/api/papers?since=2020-01-01&topic=3DGS&limit=500")
    assert isinstance(listing, dict)
    titles = [" ".join(p["title"].split()) for p in listing["papers"]]
    positions = [body.replace("\\", "").find(t) for t in titles]
    assert -1 not in positions and positions == sorted(positions)  # the API's order: newest first
    count = listing["total"]
    assert f"{count} paper{'s' if count != 1 else ''}, 2020-01-01" in body
    assert "\\textbf" not in body

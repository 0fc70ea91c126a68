"""The Streamlit pages (AppTest) against the real API on a real server over real indexes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from search.config import Settings
from tests.ui.support import RUN_TIMEOUT, api_get, free_port

AppFor = Callable[..., AppTest]


def texts(at: AppTest, kind: str) -> list[str]:
    """The bodies/labels of every element of one type (e.g. "markdown", "page_link")."""
    return [str(getattr(e, "value", "")) for e in at.get(kind)]


def everything(at: AppTest) -> str:
    """Every element's protobuf as text: all that the browser would be sent."""
    return "\n".join(str(getattr(node, "proto", "")) for node in at)


def result_ids(at: AppTest) -> list[str]:
    """Paper ids linked from the page (not the sidebar's page links), in order."""
    return [e.proto.query_string.removeprefix("paper=") for e in at.main.get("page_link")]


def search(at: AppTest, query: str) -> AppTest:
    at.text_input(key="q").input(query)
    return at.run(timeout=RUN_TIMEOUT)


def test_ask_shows_overview_with_linked_markers_and_citations(api_url: str, app_for: AppFor) -> None:
    at = app_for(api_url)
    at.text_area(key="question").input("How do talking head methods keep the lips in sync with audio?")
    at.button[0].click()
    at.run(timeout=RUN_TIMEOUT)
    assert not at.exception and not at.error, [e.value for e in at.error]
    overview = next(m for m in texts(at, "markdown") if "](#cite-" in m)
    assert "[\\[1\\]](#cite-1)" in overview
    cites = [h for h in at.subheader if (h.proto.anchor or "").startswith("cite-")]
    assert cites and cites[0].proto.anchor == "cite-1" and cites[0].value.startswith("\\[1\\] ")
    assert any(m.startswith("> ") and len(m) > 40 for m in texts(at, "markdown"))
    assert any("arxiv.org/abs/" in c and "arxiv.org/pdf/" in c for c in texts(at, "caption"))
    # every marker in the overview points at a citation shown below it
    anchors = {h.proto.anchor for h in cites}
    assert {f"cite-{n}" for n in _markers(overview)} <= anchors


def _markers(md: str) -> set[int]:
    import re

    return {int(n) for n in re.findall(r"\(#cite-(\d+)\)", md)}


def test_ask_accepts_chinese(api_url: str, app_for: AppFor) -> None:
    at = app_for(api_url)
    at.text_area(key="question").input("如何生成说话人头像视频?")
    at.button[0].click()
    at.run(timeout=RUN_TIMEOUT)
    assert not at.exception and not at.error
    assert at.text_area(key="question").value == "如何生成说话人头像视频?"
    assert any(h.proto.anchor == "cite-1" for h in at.subheader)


def test_search_shows_results_with_excerpt_and_score(api_url: str, app_for: AppFor) -> None:
    at = search(app_for(api_url, "views/search.py"), "talking head synthesis")
    assert not at.exception and not at.error
    ids = result_ids(at)
    assert len(ids) == 10  # default k
    assert any("score " in c for c in texts(at, "caption"))
    assert sum(m.startswith("> ") for m in texts(at, "markdown")) == 10
    expected = api_get(api_url, "/api/search?q=talking%20head%20synthesis&k=10")
    assert isinstance(expected, dict)
    assert ids == [h["paper_id"] for h in expected["hits"]]


def test_search_can_show_passages(api_url: str, app_for: AppFor) -> None:
    at = app_for(api_url, "views/search.py")
    at.radio(key="unit").set_value("passages")
    at = search(at, "lip synchronization with audio")
    assert not at.exception and not at.error
    expected = api_get(api_url, "/api/search?q=lip%20synchronization%20with%20audio&k=10&unit=passage")
    assert isinstance(expected, dict) and expected["unit"] == "passage"
    assert result_ids(at) == [p["paper_id"] for p in expected["passages"]]
    assert any(c.startswith("Abstract") and "score " in c for c in texts(at, "caption"))


def test_search_topic_filter_narrows(api_url: str, app_for: AppFor) -> None:
    at = search(app_for(api_url, "views/search.py"), "avatar")
    everyone = set(result_ids(at))
    topics = at.selectbox(key="topic").options
    assert "Talking Head Generation" in topics
    minor = min(topics, key=lambda t: _topic_count(api_url, t))
    at.selectbox(key="topic").select(minor).run(timeout=RUN_TIMEOUT)
    narrowed = result_ids(at)
    assert narrowed and len(narrowed) < len(everyone)
    for pid in narrowed:
        paper = api_get(api_url, f"/api/papers/{pid}")
        assert isinstance(paper, dict) and minor in paper["topics"]


def _topic_count(url: str, topic: str) -> int:
    counts = api_get(url, "/api/topics")
    assert isinstance(counts, list)
    return next(int(t["count"]) for t in counts if t["topic"] == topic)


def test_search_author_and_date_filters_narrow(api_url: str, app_for: AppFor) -> None:
    at = search(app_for(api_url, "views/search.py"), "avatar")
    all_ids = result_ids(at)
    at.text_input(key="author").input("Zhang").run(timeout=RUN_TIMEOUT)
    by_author = result_ids(at)
    assert by_author and by_author != all_ids
    for pid in by_author:
        paper = api_get(api_url, f"/api/papers/{pid}")
        assert isinstance(paper, dict) and any("zhang" in a.lower() for a in paper["authors"])
    at.text_input(key="author").input("").run(timeout=RUN_TIMEOUT)
    at.date_input(key="until").set_value(date(2000, 1, 1)).run(timeout=RUN_TIMEOUT)
    assert result_ids(at) == []
    assert any("No matching papers" in w for w in texts(at, "warning"))


def test_search_hit_links_to_its_paper_page(api_url: str, app_for: AppFor) -> None:
    at = search(app_for(api_url, "views/search.py"), "talking head")
    link = at.main.get("page_link")[0]
    assert link.proto.page.endswith("paper") and link.proto.query_string.startswith("paper=")
    pid = result_ids(at)[0]
    paper = app_for(api_url, "views/paper.py", query={"paper": pid})
    assert not paper.exception and not paper.error
    title = api_get(api_url, f"/api/papers/{pid}")
    assert isinstance(title, dict)
    assert paper.title[0].value.replace("\\", "") == " ".join(title["title"].split())


def _a_paper_with_summary(url: str) -> dict[str, Any]:
    listing = api_get(url, "/api/papers?limit=50")
    assert isinstance(listing, dict)
    return next(p for p in listing["papers"] if p.get("machine_generated"))


def test_paper_page_shows_metadata_label_similar_and_bibtex(api_url: str, app_for: AppFor) -> None:
    paper = _a_paper_with_summary(api_url)
    at = app_for(api_url, "views/paper.py", query={"paper": paper["paper_id"]})
    assert not at.error
    assert any("Machine-generated" in w and "Gemini" in w for w in texts(at, "warning"))
    md = "\n".join(texts(at, "markdown"))
    assert "#### Abstract" in md and "#### Similar papers" in md
    assert paper["authors"][0].split()[-1] in md
    assert paper["machine_generated"]["takeaways_zh"][0][:6] in md  # Chinese passes through
    bib = at.code[0].value
    assert bib.startswith("@misc{") and paper["arxiv_id"] in bib
    similar = result_ids(at)
    assert similar and paper["paper_id"] not in similar


def test_paper_page_unknown_id(api_url: str, app_for: AppFor) -> None:
    at = app_for(api_url, "views/paper.py", query={"paper": "9999.99999"})
    assert any("No paper 9999\\.99999 in the index" in w for w in texts(at, "warning"))


def test_library_shows_stats_chart_and_sources(api_url: str, app_for: AppFor) -> None:
    at = app_for(api_url, "views/library.py")
    assert not at.error
    stats = api_get(api_url, "/api/stats")
    assert isinstance(stats, dict)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Papers"] == str(stats["papers"])
    assert at.get("vega_lite_chart"), "the topic × month chart is missing"
    sources = next(d.value for d in at.dataframe if "source" in d.value.columns)
    assert len(sources) == len(stats["sources"])
    assert any(stats["generation"] in m for m in texts(at, "markdown"))
    assert at.get("file_uploader")


def test_digest_renders_and_offers_download(api_url: str, small_index: Settings,
                                            app_for: AppFor) -> None:
    at = app_for(api_url, "views/digest.py", data_dir=small_index.data_dir)
    at.date_input(key="digest_from").set_value(date(2020, 1, 1)).run(timeout=RUN_TIMEOUT)
    assert not at.exception and not at.error
    health = api_get(api_url, "/api/health")
    assert isinstance(health, dict)
    body = next(m for m in texts(at, "markdown") if "Avatar Scholar digest" in m)
    assert body.startswith("### Avatar Scholar digest: all topics")
    assert f"{health['papers']} papers" in body
    assert "*Machine-generated summary" in body
    assert at.get("download_button")
    assert any("ChatPaperFree digest format" in c for c in texts(at, "caption"))


def test_empty_index_says_how_to_add_papers(empty_api: tuple[str, Any], app_for: AppFor) -> None:
    url, data_dir = empty_api
    for page in (None, "views/search.py", "views/paper.py", "views/digest.py"):
        at = app_for(url, page)
        assert any("No papers are indexed yet" in i for i in texts(at, "info")), page
        assert not at.error
    library = app_for(url, "views/library.py", data_dir=data_dir)
    assert any("No papers are indexed yet" in i for i in texts(library, "info"))
    assert library.get("file_uploader"), "uploading must work on an empty library"


def test_api_down_says_how_to_start_it(app_for: AppFor) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    for page in (None, "views/search.py", "views/paper.py", "views/library.py", "views/digest.py"):
        at = app_for(url, page)
        assert [e.value for e in at.error] == [
            f"API not reachable at {url} — start it with `avatar-scholar serve`"], page


@pytest.mark.parametrize("page", ["search", "paper", "digest"])
def test_html_and_markdown_in_paper_data_render_as_text(evil_api: str, app_for: AppFor,
                                                        page: str) -> None:
    at = app_for(evil_api, f"views/{page}.py", query={"paper": "2401.99999"})
    if page == "search":
        search(at, "talking head avatar")
        assert result_ids(at) == ["2401.99999"]
    if page == "digest":
        at.date_input(key="digest_from").set_value(date(2020, 1, 1)).run(timeout=RUN_TIMEOUT)
    assert not at.exception and not at.error
    shown = [t for kind in ("markdown", "caption", "title", "subheader", "warning", "info",
                            "page_link") for t in texts(at, kind)]
    shown += [str(e.proto.label) for e in at.get("page_link")]
    joined = "\n".join(shown)
    assert "&lt;script&gt;alert\\(1\\)&lt;/script&gt; \\*\\*bold\\*\\* \\[link\\]\\(http\\://x\\)" in joined
    for text in shown:
        assert "<script" not in text and "<img" not in text and "javascript:" not in text
    # st.code shows text literally (the BibTeX); nothing else may carry raw HTML but the
    # app's own two constants: the page style and the scroll-to-top script
    for node in at:
        if getattr(node, "type", "") == "html" and _own_html(node.proto.body):
            continue
        if getattr(node, "type", "") != "code":
            assert "<script" not in str(getattr(node, "proto", "")), node


def _own_html(body: str) -> bool:
    import re

    from ui.components import PAGE_STYLE, SCROLL_TOP

    token = re.search(r"/\* ([0-9a-f]{12}) \*/", body)
    return body == PAGE_STYLE or (token is not None and body == SCROLL_TOP.format(token.group(1)))
def test_evil_overview_is_escaped(evil_api: str, app_for: AppFor) -> None:
    at = app_for(evil_api)
    at.text_area(key="question").input("How does a talking head avatar keep lips in sync with audio?")
    at.button[0].click()
    at.run(timeout=RUN_TIMEOUT)
    assert not at.exception and not at.error
    assert "<script" not in everything(at)
    assert any("&lt;script&gt;" in h.value for h in at.subheader)


def test_search_says_when_nothing_matches(api_url: str, app_for: AppFor) -> None:
    from search.retrieval.floor import NO_MATCH, NONE_SHOWN
    from ui.components import escape_md

    at = search(app_for(api_url, "views/search.py"), "zzqxj qwertyuiop")
    assert not at.exception and not at.error
    assert result_ids(at) == []
    assert [i.value for i in at.info] == [escape_md(f"{NO_MATCH} {NONE_SHOWN}")]
    assert any("No matching papers" in w.value for w in at.warning)

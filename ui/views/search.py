"""Search: hybrid search with date, topic and author filters; a hit opens its Paper page.

The query and filters are in the URL (``?q=…&topic=…``, see `ui.state`) and ``page``
says how many pages of results are shown, so a link, a reload or Back shows the same
list. Each input's change starts the list again at its first page. A switch shows the
best passages of the papers' text instead (``unit=passages``), several per paper, each
with its section and page.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import NamedTuple

import streamlit as st

from search.models import Hit, PassageHit, PassageSearchResponse, SearchResponse
from ui.client import ApiError
from ui.components import (
    app_settings,
    client_for,
    escape_md,
    get_client,
    plural,
    render_hit,
    render_passage,
    require_index,
    show_error,
    topic_names,
    warn_if_cut,
)
from ui.markup import query_terms
from ui.state import from_url, to_url, url_int

PAGE = "search"
EARLIEST = date(1990, 1, 1)  # before arXiv; the widget default is only ten years back
PAGE_SIZE = 10
MAX_RESULTS = 100  # the most papers the API returns for one query (its `k` limit)
UNITS = ["papers", "passages"]


class SearchInput(NamedTuple):
    """What the reader asked for: the query and the filters."""

    query: str
    since: date | None
    until: date | None
    topic: str | None
    author: str | None


@st.cache_data(ttl=120, max_entries=64, show_spinner=False)
def cached_search(base_url: str, asked: SearchInput, k: int) -> SearchResponse:
    """The API's answer, kept two minutes so Back and paging do not ask again."""
    return client_for(base_url).search(asked.query, k=k, since=asked.since, until=asked.until,
                                       topic=asked.topic, author=asked.author)


@st.cache_data(ttl=120, max_entries=64, show_spinner=False)
def cached_passages(base_url: str, asked: SearchInput, k: int) -> PassageSearchResponse:
    """The API's best passages, kept two minutes like `cached_search`."""
    return client_for(base_url).passages(asked.query, k=k, since=asked.since, until=asked.until,
                                         topic=asked.topic, author=asked.author)


def first_page() -> None:
    """An input changed: the list starts again at its first page."""
    if "page" in st.query_params:
        del st.query_params["page"]


def more() -> None:
    """Show the next page of results below the ones shown."""
    st.query_params["page"] = str(url_int("page", 1, 1, MAX_RESULTS // PAGE_SIZE) + 1)


def _topic_in(options: list[str]) -> Callable[[str], str]:
    """A parser that accepts only the topics the menu offers."""
    def parse(text: str) -> str:
        if text not in options:
            raise ValueError(text)
        return text
    return parse


def filters_sidebar(base_url: str) -> tuple[date | None, date | None, str | None, str | None]:
    """Date range, topic and author inputs in the sidebar, each mirrored in the URL."""
    topics = topic_names(base_url)
    parsers: dict[str, Callable[[str], object]] = {
        "since": date.fromisoformat, "until": date.fromisoformat, "topic": _topic_in(topics),
        "author": str}
    for key, parse in parsers.items():
        from_url(PAGE, key, key, parse)
    with st.sidebar:
        st.subheader("Filters", anchor=False)
        since = st.date_input("From", value=None, key="since", format="YYYY-MM-DD",
                              min_value=EARLIEST, on_change=first_page)
        until = st.date_input("To", value=None, key="until", format="YYYY-MM-DD",
                              min_value=EARLIEST, on_change=first_page)
        topic = st.selectbox("Topic", topics, index=None, key="topic", placeholder="All topics",
                             on_change=first_page)
        author = (st.text_input("Author", key="author", placeholder="e.g. Zhang", max_chars=200,
                                on_change=first_page) or "").strip()
    for key, value in (("since", since), ("until", until), ("topic", topic), ("author", author)):
        to_url(PAGE, key, str(value) if value else None)
    return since if isinstance(since, date) else None, until if isinstance(until, date) else None, \
        topic, author or None


def show_results(base_url: str, asked: SearchInput, unit: str) -> None:
    """Ranked papers or passages, `PAGE_SIZE` more per click on "More results"."""
    pages = url_int("page", 1, 1, MAX_RESULTS // PAGE_SIZE)
    to_url(PAGE, "page", str(pages) if pages > 1 else None)
    fetch = cached_passages if unit == "passages" else cached_search
    try:
        resp = fetch(base_url, asked, pages * PAGE_SIZE)
    except ApiError as exc:
        show_error(exc)
        return
    for notice in resp.notices:
        st.info(escape_md(notice))
    if resp.expanded_query:
        st.caption(f"Expanded for the English encoder: {escape_md(resp.expanded_query)}")
    items: Sequence[PassageHit | Hit] = (resp.passages if isinstance(resp, PassageSearchResponse)
                                         else resp.hits)
    if not items:
        st.warning(f"No matching {unit}. Try other words or loosen the filters.")
        return
    st.caption(f"{plural(len(items), unit[:-1])}, best first · {resp.took_ms:.0f} ms")
    terms = query_terms(asked.query, resp.expanded_query)
    for i, item in enumerate(items, 1):
        if isinstance(item, PassageHit):
            render_passage(i, item, terms)
        else:
            render_hit(i, item, terms)
    if len(items) == pages * PAGE_SIZE < MAX_RESULTS:
        st.button("More results", icon=":material/expand_more:", on_click=more, key="more")
    elif len(items) >= MAX_RESULTS:
        st.caption(f"These are the best {MAX_RESULTS} matches; add words or filters to narrow "
                   "the search.")


client = get_client()
st.title("Search papers", anchor=False)
require_index(client)
since, until, topic, author = filters_sidebar(client.base_url)
limit = app_settings().ranking.max_query_chars
from_url(PAGE, "q", "q", lambda text: text[:limit])
warn_if_cut(st.query_params.get("q"), limit, "search text")
query = (st.text_input(f"Words, a question (English or 中文), or an arXiv id — up to {limit:,} "
                       "characters", key="q", max_chars=limit, on_change=first_page,
                       placeholder="gaussian splatting avatar") or "").strip()
to_url(PAGE, "q", query)
from_url(PAGE, "unit", "unit", lambda text: text if text in UNITS else "papers")
unit = st.radio("Show", UNITS, horizontal=True, key="unit", on_change=first_page,
                help="Passages: the best paragraphs of the papers' text, several per paper, "
                     "each with its section and page.")
to_url(PAGE, "unit", unit if unit != "papers" else None)
if query:
    show_results(client.base_url, SearchInput(query, since, until, topic, author), unit)
else:
    to_url(PAGE, "page", None)

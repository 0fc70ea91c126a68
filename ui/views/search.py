"""Search: hybrid search with date, topic and author filters; a hit opens its Paper page."""

from __future__ import annotations

from datetime import date

import streamlit as st

from ui.client import ApiError
from ui.components import (
    escape_md,
    get_client,
    render_hit,
    render_passage,
    require_index,
    show_error,
    topic_names,
)

EARLIEST = date(1990, 1, 1)  # before arXiv; the widget default is only ten years back

client = get_client()
st.title("Search papers", anchor=False)
require_index(client)

if "q" not in st.session_state:
    st.session_state["q"] = st.query_params.get("q", "")

with st.sidebar:
    st.subheader("Filters", anchor=False)
    since = st.date_input("From", value=None, key="since", format="YYYY-MM-DD", min_value=EARLIEST)
    until = st.date_input("To", value=None, key="until", format="YYYY-MM-DD", min_value=EARLIEST)
    topic = st.selectbox("Topic", topic_names(client.base_url), index=None, key="topic",
                         placeholder="All topics")
    author = st.text_input("Author", key="author", placeholder="e.g. Zhang")
    k = st.slider("Results", min_value=5, max_value=50, value=10, step=5, key="k")

query = st.text_input("Words, a question (English or 中文), or an arXiv id", key="q",
                      placeholder="gaussian splatting avatar")
unit = st.radio("Show", ["papers", "passages"], horizontal=True, key="unit",
                help="Passages: the best paragraphs of the papers' text, several per paper, "
                     "each with its section and page.")
if query.strip():
    st.query_params["q"] = query.strip()
    who = author.strip() or None
    try:
        if unit == "passages":
            found = client.passages(query.strip(), k=k, since=since, until=until, topic=topic,
                                    author=who)
        else:
            resp = client.search(query.strip(), k=k, since=since, until=until, topic=topic,
                                 author=who)
    except ApiError as exc:
        show_error(exc)
        st.stop()
    if unit == "passages":
        for notice in found.notices:
            st.info(escape_md(notice))
        st.caption(f"{found.total} passages · {found.took_ms:.0f} ms")
        if not found.passages:
            st.warning("No matching passages. Try other words or loosen the filters.")
        for i, passage in enumerate(found.passages, 1):
            render_passage(i, passage)
        st.stop()
    for notice in resp.notices:
        st.info(escape_md(notice))
    if resp.expanded_query:
        st.caption(f"Expanded for the English encoder: {escape_md(resp.expanded_query)}")
    st.caption(f"{resp.total} papers · {resp.took_ms:.0f} ms")
    if not resp.hits:
        st.warning("No matching papers. Try other words or loosen the filters.")
    for i, hit in enumerate(resp.hits, 1):
        render_hit(i, hit)

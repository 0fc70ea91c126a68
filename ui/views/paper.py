"""Paper: metadata, abstract, labelled machine-generated summary, similar papers, BibTeX.

The paper is the URL's ``?paper=`` (a link from Search, Ask or a similar paper), else the
one this session showed last. The page writes the id back to the URL on every run: a
similar paper's link reruns this same page, which by itself would leave the old id in
the address bar, so that a reload showed the old paper and Back left the app.
"""

from __future__ import annotations

import streamlit as st

from ui.client import ApiError, NotFoundError
from ui.components import (
    escape_md,
    get_client,
    paper_link,
    render_paper,
    require_index,
    scroll_to_top,
    show_error,
)
from ui.state import to_url

PAGE = "paper"
LAST_PAPER = "paper_last"

client = get_client()
require_index(client)

paper_id = (st.query_params.get("paper") or st.session_state.get(LAST_PAPER) or "").strip()
if not paper_id:
    st.title("Paper", anchor=False)
    typed = st.text_input("arXiv id or paper id", placeholder="2401.08503", max_chars=200)
    if not typed.strip():
        st.info("Open a paper from Search or Ask, or type its arXiv id.")
        st.stop()
    paper_id = typed.strip()
to_url(PAGE, "paper", paper_id, always=True)
if st.session_state.get(LAST_PAPER) != paper_id:
    scroll_to_top(paper_id)

try:
    paper = client.paper(paper_id)
except NotFoundError:
    st.warning(f"No paper {escape_md(paper_id)} in the index.")
    st.stop()
except ApiError as exc:
    show_error(exc)
    st.stop()
st.session_state[LAST_PAPER] = paper_id

main, side = st.columns([3, 2], gap="large")
with main:
    render_paper(paper)
with side:
    st.markdown("#### BibTeX")
    try:
        st.code(client.bibtex(paper.paper_id), language="bibtex", wrap_lines=True)
    except ApiError as exc:
        show_error(exc)
    st.markdown("#### Similar papers")
    try:
        similar = client.similar(paper.paper_id, k=6)
    except ApiError as exc:
        show_error(exc)
        similar = []
    if not similar:
        st.caption("No other papers in the index yet.")
    for hit in similar:
        paper_link(hit.paper_id, hit.title)
        when = hit.published or hit.first_seen
        st.caption(" · ".join([*([str(when)] if when else []), f"similarity {hit.score:.2f}"]))

"""Map: every paper on a 2-D map of the library, coloured by its theme.

Papers near each other have similar text (t-SNE of their vectors, computed when the
index is built). Hover shows a paper's title and date, a click opens its Paper page. A
search (or a question, answered with citations) rings its hits; a month slider shows
the map as it was filled up to that month; a theme menu lists a theme's papers and its
trend. Everything is in the URL: ``/map?q=…&ask=1&theme=3&month=2024-06&zh=1``.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from search.models import MapResponse, ThemeDetail
from ui.client import ApiError, NotFoundError
from ui.components import (
    client_for,
    escape_md,
    get_client,
    paper_link,
    plural,
    require_index,
    show_error,
)
from ui.map_chart import PICK, map_chart, map_frame, months_of, theme_labels
from ui.nav import PAPER_PAGE
from ui.state import from_url, to_url

PAGE = "map"
HITS = 30  # papers of a search ringed on the map
# Theme labels are written over the points: clicks and hovers go through them.
LABELS_STYLE = ("<style>[data-testid='stVegaLiteChart'] .mark-text text "
                "{ pointer-events: none; }</style>")


@st.cache_data(ttl=60, max_entries=4, show_spinner="Loading the map…")
def map_data(base_url: str, generation: str) -> MapResponse:
    """The map of the served generation (`generation` keys the cache: a new build, a new map)."""
    return client_for(base_url).map()


@st.cache_data(ttl=120, max_entries=32, show_spinner="Finding the papers…")
def found_papers(base_url: str, text: str, ask: bool) -> list[str]:
    """Ids of the papers a search finds, or of those the answer to a question cites."""
    client = client_for(base_url)
    if ask:
        return list(dict.fromkeys(c.paper_id for c in client.ask(text).citations if c.paper_id))
    return [h.paper_id for h in client.search(text, k=HITS).hits]


def _one_of(options: list) -> Callable[[str], object]:  # type: ignore[type-arg]
    """A URL parser that accepts only the menu's options (theme numbers, months)."""
    def parse(text: str) -> object:
        value = int(text) if options and isinstance(options[0], int) else text
        if value not in options:
            raise ValueError(text)
        return value
    return parse


def inputs(data: MapResponse) -> tuple[str, bool, int | None, str | None, bool]:
    """The page's inputs, each mirrored in the URL: text, ask?, theme, month (None for the
    newest: everything in colour), Chinese names."""
    months = months_of(data)
    ids = [t.theme_id for t in data.themes]
    from_url(PAGE, "q", "map_q")
    from_url(PAGE, "ask", "map_ask", lambda v: v == "1")
    from_url(PAGE, "zh", "map_zh", lambda v: v == "1")
    from_url(PAGE, "theme", "map_theme", _one_of(ids))
    from_url(PAGE, "month", "map_month", _one_of(months))
    left, right = st.columns([3, 2], vertical_alignment="bottom")
    text = (left.text_input("Highlight the papers a search finds", key="map_q", max_chars=500,
                            placeholder="audio-driven talking head") or "").strip()
    ask = right.toggle("Ask it as a question (ring the cited papers)", key="map_ask")
    zh = right.toggle("中文主题名 (theme names in Chinese)", key="map_zh")
    names = {t.theme_id: f"{t.name_zh if zh else t.name} ({t.papers})" for t in data.themes}
    if st.session_state.get("map_theme") not in ids:
        st.session_state["map_theme"] = None
    theme = st.selectbox("Theme", ids, key="map_theme", placeholder="All themes",
                         format_func=lambda t: names.get(t, str(t)))
    month = None
    if len(months) > 1:
        if st.session_state.get("map_month") not in months:
            st.session_state["map_month"] = months[-1]
        chosen = st.select_slider("Papers up to", months, key="map_month",
                                  help="Papers dated after this month are pale: move it to "
                                       "see how the themes filled over time.")
        month = chosen if chosen != months[-1] else None
    to_url(PAGE, "q", text or None)
    to_url(PAGE, "ask", "1" if ask else None)
    to_url(PAGE, "zh", "1" if zh else None)
    to_url(PAGE, "theme", None if theme is None else str(theme))
    to_url(PAGE, "month", month)
    return text, ask, theme, month, zh


def show_map(data: MapResponse, hits: list[str], month: str | None, zh: bool,
             theme: int | None) -> None:
    """The chart; a click on a paper opens its page. Streamlit leaves ``?paper=`` on the
    map's URL when it opens one (its own history entry, which Back returns to): the map
    then rings that paper, where the reader left it."""
    opened = st.query_params.get("paper")
    frame = map_frame(data, set(hits), month, zh, theme, opened)
    themes = [t.name_zh if zh else t.name for t in data.themes]
    st.html(LABELS_STYLE)
    event = st.altair_chart(map_chart(frame, theme_labels(frame, data, zh), themes),
                            on_select="rerun", selection_mode=[PICK], key="map_chart")
    selection = event.get("selection", {}) if isinstance(event, dict) else {}
    picked = selection.get(PICK) or []
    if picked and picked[0].get("paper_id"):
        st.switch_page(PAPER_PAGE, query_params={"paper": str(picked[0]["paper_id"])})
    shown = int(frame["shown"].sum())
    if month or theme is not None:
        what = " and ".join([*(["of this theme"] if theme is not None else []),
                             *([f"dated up to {month}"] if month else [])])
        st.caption(f"{plural(shown, 'paper')} {what} in colour, the others pale.")
    else:
        st.caption(f"{plural(len(frame), 'paper')}.")
    title = next((p.title for p in data.points if p.paper_id == opened), None)
    if title:
        st.caption(f"Ringed in red: {escape_md(title)}, the paper you opened from the map.")


def show_hits(data: MapResponse, text: str, hits: list[str]) -> None:
    """Say how many of the found papers the map rings, and link them."""
    on_map = {p.paper_id: p for p in data.points}
    ringed = [pid for pid in hits if pid in on_map]
    what = "cited for the question" if st.session_state.get("map_ask") else "found by the search"
    st.markdown(f"**{plural(len(ringed), 'paper')} {what}** “{escape_md(text)}” ringed on the map")
    with st.expander("The papers", expanded=False):
        for pid in ringed:
            paper_link(pid, on_map[pid].title)


def show_theme(detail: ThemeDetail, zh: bool) -> None:
    """A theme's names, terms, trend per month and its most central papers."""
    st.subheader(escape_md(detail.name_zh if zh else detail.name), anchor=False)
    g3, g6 = detail.growth_3m, detail.growth_6m
    st.caption(f"{plural(detail.papers, 'paper')} · terms: {escape_md(', '.join(detail.terms))}"
               f" · last 3 months {g3.recent} papers ({g3.before} before) · "
               f"last 6 months {g6.recent} ({g6.before} before)")
    if detail.per_month:
        st.bar_chart(detail.per_month, height=160, x_label="month", y_label="papers")
    for paper in detail.members[:10]:
        paper_link(paper.paper_id, f"{paper.title} ({paper.published or 'undated'})")


client = get_client()
st.title("Map of the library", anchor=False)
health = require_index(client)
try:
    found = map_data(client.base_url, health.generation if health else "")
except ApiError as exc:
    show_error(exc)
    st.stop()
for notice in found.notices:
    st.info(escape_md(notice))
if not found.points:
    st.stop()
st.caption("Each dot is a paper, near papers with similar text and coloured by its theme. "
           "Hover for its title and date; click to open it.")
text, ask, theme, month, zh = inputs(found)
hits: list[str] = []
if text:
    try:
        hits = found_papers(client.base_url, text, ask)
    except ApiError as exc:
        show_error(exc)
show_map(found, hits, month, zh, theme)
if text:
    show_hits(found, text, hits)
if theme is not None:
    try:
        show_theme(client.theme(theme), zh)
    except NotFoundError:
        st.warning(f"No theme {theme} in this index.")
    except ApiError as exc:
        show_error(exc)

"""Where each page keeps what it shows: session state, mirrored in the URL's query parameters.

Every input is a widget with a session-state key; its value is also a query parameter
of its page (``/search?q=…&topic=…``), so a link or a reload shows the same thing. Per
input, a page calls `from_url` before drawing the widget and `to_url` after it:

- the URL wins when it says something this session did not write itself: a shared
  link, a reload, Back or Forward to an earlier state of the page;
- otherwise the widget wins (the reader just changed it) and the URL follows, one
  browser history entry per change.

Streamlit forgets the value of a widget that a run does not draw, which is why Search
lost its query after a visit to Library. `keep_page_state` (called by ui/app.py on every
run) holds every page's inputs in plain session state, and the sidebar's links carry
each page's last parameters (`page_params`), so going back by the sidebar shows the page
as it was left, with its URL.

(Streamlit's own ``bind="query-params"`` does the first part, but it drops a page's
parameters with a history entry of its own whenever another page opens, so Back from
Library landed on an empty Search.)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

# Every page's inputs: session-state key → URL parameter.
SEARCH_INPUTS = {"q": "q", "since": "since", "until": "until", "topic": "topic",
                 "author": "author", "unit": "unit"}
ASK_INPUTS = {"question": "question"}
DIGEST_INPUTS = {"digest_from": "from", "digest_to": "to", "digest_topic": "topic"}
MAP_INPUTS = {"map_q": "q", "map_ask": "ask", "map_theme": "theme", "map_month": "month",
              "map_zh": "zh"}
KEPT_KEYS = (*SEARCH_INPUTS, *ASK_INPUTS, *DIGEST_INPUTS, *MAP_INPUTS, "digest_summaries")
_SEEN = "url_seen"  # {(page, parameter): the value this session last read or wrote}


def keep_page_state() -> None:
    """Keep the inputs of the pages not shown in this run (Streamlit's documented way:
    assigning a widget's value to its key makes it survive the widget's absence)."""
    for key in KEPT_KEYS:
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]


def _seen() -> dict[tuple[str, str], str | None]:
    seen: dict[tuple[str, str], str | None] = st.session_state.setdefault(_SEEN, {})
    return seen


def from_url(page: str, param: str, key: str, parse: Callable[[str], Any] = str) -> None:
    """Before the widget `key` is drawn: take its value from the URL's `param` when the URL
    changed it (a link, a reload, Back). Unparsable values are ignored."""
    url = st.query_params.get(param)
    if url is None or url == _seen().get((page, param)):
        return
    _seen()[(page, param)] = url
    try:
        st.session_state[key] = parse(url)
    except ValueError:
        return


def to_url(page: str, param: str, text: str | None, always: bool = False) -> None:
    """Put an input's value in the URL (None or "" takes the parameter out).

    With `always`, the address bar is told even when this run's query parameters already
    say so: a link to the page it is on (a similar paper) reruns it with the new
    parameters but leaves the address bar as it was.
    """
    _seen()[(page, param)] = text or None
    set_url_param(param, text or None, always)


def page_params(page: str) -> dict[str, str]:
    """The parameters `page` last had in this session (for links back to it)."""
    return {param: text for (where, param), text in _seen().items() if where == page and text}


def set_url_param(name: str, text: str | None, always: bool = False) -> None:
    """Set (or, for None, remove) one query parameter; nothing is sent when the URL
    already says so (unless `always`: the browser itself adds a history entry only when
    its address changes)."""
    if st.query_params.get(name) == text and not (always and text is not None):
        return
    if text is None:
        del st.query_params[name]
    else:
        st.query_params[name] = text


def url_int(name: str, default: int, lowest: int, highest: int) -> int:
    """An integer query parameter, clamped to [lowest, highest]; `default` when absent or bad."""
    try:
        value = int(st.query_params.get(name, default))
    except ValueError:
        return default
    return max(lowest, min(highest, value))

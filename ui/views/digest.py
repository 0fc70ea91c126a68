"""Digest: papers of a date range and topic, to read here or download as a digest file.

The range and topic are in the URL (``?from=…&to=…&topic=…``). The download is
`search.export.digest`'s ChatPaperFree-style Markdown (which ``avatar-scholar index``
reads back) when this process sees the API's index generation in the data directory;
otherwise it is the escaped reading view shown on the page. Both list the papers in the
page's order, newest first.
"""

from __future__ import annotations

from datetime import date, timedelta

import streamlit as st

from indexer import store
from indexer.config import IndexerSettings
from indexer.errors import IndexerError
from search.errors import SearchError
from search.export.digest import export_digest
from search.retrieval.snapshot import Snapshot, load_snapshot
from ui.client import ApiError
from ui.components import (
    app_settings,
    client_for,
    get_client,
    plural,
    require_index,
    show_error,
    topic_names,
)
from ui.digest import digest_markdown, file_name
from ui.state import from_url, to_url

PAGE = "digest"
DEFAULT_DAYS = 30
EARLIEST = date(1990, 1, 1)  # before arXiv; the widget default is only ten years back


@st.cache_data(ttl=60, show_spinner=False)
def latest_date(base_url: str) -> date | None:
    """The newest paper's date, so the default range shows something."""
    try:
        _, newest = client_for(base_url).papers(limit=1)
    except ApiError:
        return None
    return (newest[0].published or newest[0].first_seen) if newest else None


@st.cache_resource(max_entries=1, show_spinner="Loading the index…",
                   hash_funcs={IndexerSettings: lambda s: s.model_dump_json()})
def local_snapshot(settings: IndexerSettings, generation: str) -> Snapshot | None:
    """The served generation read from the local data directory, if it is the same one."""
    if store.current_generation(settings.data_dir) != generation:
        return None
    try:
        return load_snapshot(settings)
    except (IndexerError, SearchError):
        return None


def download_file(generation: str, since: date, until: date, topic: str | None,
                  fallback: str) -> tuple[str, str]:
    """(text, note): the digest-format export when possible, else the reading view."""
    snap = local_snapshot(app_settings().index, generation)
    if snap is None:
        return fallback, "the reading view as Markdown"
    export = export_digest(snap, since, until, topic)
    skipped = (f"; {plural(len(export.skipped), 'paper')} without an arXiv id left out"
               if export.skipped else "")
    return export.text, f"ChatPaperFree digest format, readable by `avatar-scholar index`{skipped}"


def _no(text: str) -> str:
    raise ValueError(f"not a topic: {text}")


client = get_client()
st.title("Digest", anchor=False)
health = require_index(client)

end = latest_date(client.base_url) or date.today()
st.session_state.setdefault("digest_from", end - timedelta(days=DEFAULT_DAYS))
st.session_state.setdefault("digest_to", end)
topics = topic_names(client.base_url)
from_url(PAGE, "from", "digest_from", date.fromisoformat)
from_url(PAGE, "to", "digest_to", date.fromisoformat)
from_url(PAGE, "topic", "digest_topic", lambda text: text if text in topics else _no(text))
c1, c2, c3 = st.columns([1, 1, 2])
since = c1.date_input("From", format="YYYY-MM-DD", min_value=EARLIEST, key="digest_from")
until = c2.date_input("To", format="YYYY-MM-DD", min_value=EARLIEST, key="digest_to")
topic = c3.selectbox("Topic", topics, index=None, placeholder="All topics", key="digest_topic")
since = since if isinstance(since, date) else end - timedelta(days=DEFAULT_DAYS)  # cleared box
until = until if isinstance(until, date) else end
for param, value in (("from", since), ("to", until), ("topic", topic)):
    to_url(PAGE, param, str(value) if value else None)
st.session_state.setdefault("digest_summaries", True)
summaries = st.checkbox("Show the machine-generated summaries (Chinese)", key="digest_summaries")

try:
    total, papers = client.papers(since=since, until=until, topic=topic, limit=500)
except ApiError as exc:
    show_error(exc)
    st.stop()

if total > len(papers):
    st.warning(f"Showing the newest {len(papers)} of {total:,} papers; narrow the range.")
generation = (health.generation if health else None) or ""
text, note = download_file(generation, since, until, topic,
                           digest_markdown(papers, since, until, topic, summaries))
st.download_button("Download digest (.md)", text, file_name=file_name(since, until, topic),
                   mime="text/markdown", icon=":material/download:", type="primary",
                   disabled=not papers)
st.caption(f"Download: {note}.")
with st.container(border=True):
    st.markdown(digest_markdown(papers, since, until, topic, summaries, level=3))

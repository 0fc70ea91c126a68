"""Avatar Scholar UI: `avatar-scholar ui` runs ``streamlit run`` on this file.

This script is the UI's edge: it loads the settings once per session (the API URL from
$AVATAR_SCHOLAR_API_URL, the data directory from $AVATAR_SCHOLAR_DATA) and the pages take
them from `ui.components.app_settings`. The pages talk to the API; only the Library
page's upload also writes to the data directory to index PDFs in-process.
"""

from __future__ import annotations

import streamlit as st

from search.config import Settings
from ui.components import SETTINGS_KEY, app_settings

st.set_page_config(page_title="Avatar Scholar", page_icon=":material/face:", layout="wide")
if SETTINGS_KEY not in st.session_state:
    st.session_state[SETTINGS_KEY] = Settings.load()

PAGES = [
    st.Page("views/ask.py", title="Ask", icon=":material/forum:", default=True),
    st.Page("views/search.py", title="Search", icon=":material/search:"),
    st.Page("views/paper.py", title="Paper", icon=":material/description:"),
    st.Page("views/library.py", title="Library", icon=":material/library_books:"),
    st.Page("views/digest.py", title="Digest", icon=":material/newspaper:"),
]

navigation = st.navigation(PAGES)
with st.sidebar:
    st.caption(f"Avatar Scholar · research on avatars and digital humans · API {app_settings().service.ui_api_url()}")
navigation.run()

"""Avatar Scholar UI: the Streamlit script (`avatar-scholar ui` serves it through ui/server.py).

This script is the UI's edge: it loads the settings once per session (the API URL from
$AVATAR_SCHOLAR_API_URL, the data directory from $AVATAR_SCHOLAR_DATA) and the pages take
them from `ui.components.app_settings`. The pages talk to the API; only the Library
page's upload also writes to the data directory to index PDFs in-process.
"""

from __future__ import annotations

import streamlit as st

from search.config import Settings
from ui.components import PAGE_STYLE, SETTINGS_KEY, app_settings, code_span
from ui.nav import ICON, PAGES
from ui.state import keep_page_state, page_params

st.set_page_config(page_title="Avatar Scholar", page_icon=str(ICON), layout="wide")
if SETTINGS_KEY not in st.session_state:
    st.session_state[SETTINGS_KEY] = Settings.load()

keep_page_state()
st.html(PAGE_STYLE)

pages = [st.Page(p.script, title=p.title, icon=p.icon, default=i == 0) for i, p in enumerate(PAGES)]
navigation = st.navigation(pages, position="hidden")
# The sidebar's own links carry each page's last parameters: back on Search by the
# sidebar, the query and its results are there and the address bar says so.
with st.sidebar:
    for spec, page in zip(PAGES, pages, strict=True):
        st.page_link(page, label=spec.title, icon=spec.icon, query_params=page_params(spec.url_path))
    st.caption("Avatar Scholar · research on avatars and digital humans · API "
               + code_span(app_settings().service.ui_api_url()))
navigation.run()

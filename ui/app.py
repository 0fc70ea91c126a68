"""Avatar Scholar UI: `avatar-scholar ui` runs ``streamlit run`` on this file.

The pages talk to the API at $AVATAR_SCHOLAR_API_URL; only the Library page's upload
also writes to the data directory ($AVATAR_SCHOLAR_DATA) to index PDFs in-process.
"""

from __future__ import annotations

import streamlit as st

from ui.client import api_url

st.set_page_config(page_title="Avatar Scholar", page_icon=":material/face:", layout="wide")

PAGES = [
    st.Page("views/ask.py", title="Ask", icon=":material/forum:", default=True),
    st.Page("views/search.py", title="Search", icon=":material/search:"),
    st.Page("views/paper.py", title="Paper", icon=":material/description:"),
    st.Page("views/library.py", title="Library", icon=":material/library_books:"),
    st.Page("views/digest.py", title="Digest", icon=":material/newspaper:"),
]

navigation = st.navigation(PAGES)
with st.sidebar:
    st.caption(f"Avatar Scholar · research on avatars and digital humans · API {api_url()}")
navigation.run()

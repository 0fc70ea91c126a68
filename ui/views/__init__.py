"""The UI's pages, run by `st.navigation` in ui/app.py (never imported).

Deliberately not named ``pages/``: Streamlit would treat that folder as an old-style
multipage app and run a page file on its own when a URL such as /paper is opened first.
"""

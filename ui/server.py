"""The UI server: `avatar-scholar ui` runs ``streamlit run`` on this file, an `st.App` of app.py.

Why not app.py directly: opened at a page's own URL (``/search?q=…``, a bookmark or a
reload), Streamlit's frontend takes the page path for the server's base path and first
probes ``/search/_stcore/health`` and ``/search/_stcore/host-config``. Both are 404s
(by design: the server reserves those suffixes) before it falls back to ``/``, so every
direct link logged two errors in the browser console. Here each page URL gets the same
HTML shell with ``window.__streamlit.BACKEND_BASE_URL`` set to the site root, the
setting Streamlit reads to know where its server is, and the frontend connects to ``/``
at once. Everything else (``/``, assets, websocket) is Streamlit's own routing.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from ui.nav import PAGES

SHELL = Path(st.__file__).parent / "static" / "index.html"
BASE_URL_SCRIPT = "<script>window.__streamlit = {BACKEND_BASE_URL: window.location.origin + '/'};</script>"


def page_shell(html: str) -> str:
    """Streamlit's index.html with the backend base URL set before its bundle loads."""
    head = html.index("<head>") + len("<head>")
    return html[:head] + BASE_URL_SCRIPT + html[head:]


_SHELL_HTML = page_shell(SHELL.read_text(encoding="utf-8"))


async def serve_shell(request: Request) -> HTMLResponse:
    """The page shell, never cached (it names the hashed bundles of this Streamlit)."""
    return HTMLResponse(_SHELL_HTML, headers={"Cache-Control": "no-cache"})


app = st.App(Path(__file__).parent / "app.py",
             routes=[Route(f"/{page.url_path}", serve_shell, methods=["GET", "HEAD"])
                     for page in PAGES])

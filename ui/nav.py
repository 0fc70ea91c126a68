"""The UI's pages: one list read by ui/app.py (the navigation) and ui/server.py (page URLs).

Each page's URL path is its file's stem (``views/search.py`` → ``/search``), as
`st.Page` derives it; the default page (Ask) is also served at ``/``.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple


class PageSpec(NamedTuple):
    """One page of the app."""

    script: str  # relative to ui/
    title: str
    icon: str  # a Material Symbols name, drawn with the font Streamlit bundles

    @property
    def url_path(self) -> str:
        """The page's URL path without the leading slash."""
        return Path(self.script).stem


PAGES = (
    PageSpec("views/ask.py", "Ask", ":material/forum:"),
    PageSpec("views/search.py", "Search", ":material/search:"),
    PageSpec("views/paper.py", "Paper", ":material/description:"),
    PageSpec("views/map.py", "Map", ":material/scatter_plot:"),
    PageSpec("views/library.py", "Library", ":material/library_books:"),
    PageSpec("views/digest.py", "Digest", ":material/newspaper:"),
)
PAPER_PAGE = "views/paper.py"
SEARCH_PAGE = "views/search.py"
MAP_PAGE = "views/map.py"
ICON = Path(__file__).parent / "assets" / "icon.svg"

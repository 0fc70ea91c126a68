"""Rendering helpers shared by the pages. Every string from a paper goes through `escape_md`.

Streamlit renders ``st.markdown`` (and widget labels) as Markdown with its own extras
(``$math$``, ``:color[...]``), so titles, authors and excerpts are escaped before they
are shown (`ui.markup`); raw HTML from data is never enabled. ``st.code`` shows text
literally and needs none. The two bits of HTML the app writes itself are constants:
the style that lets long titles wrap and the script that scrolls a new paper to the top.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from urllib.parse import quote

import streamlit as st

from indexer.models import arxiv_abs_url, arxiv_pdf_url
from search.config import Settings
from search.models import Answer, Citation, Health, Hit, PaperDetail, PaperSummary, PassageHit
from ui.client import ApiClient, ApiError, ApiUnavailableError, UnavailableError
from ui.markup import escape_md, highlight, latex_to_text, plural
from ui.nav import PAPER_PAGE

__all__ = ["escape_md", "plural"]  # re-exported: the pages import them from here

SETTINGS_KEY = "settings"
# Page links (result titles, similar papers) wrap instead of ending in "…".
PAGE_STYLE = "<style>[data-testid='stPageLink'] span { white-space: normal; }</style>"
SCROLL_TOP = ("<script>/* {} */ for (const el of [document.scrollingElement, "
               "document.querySelector('[data-testid=\"stMain\"]'), "
               "document.querySelector('[data-testid=\"stAppViewContainer\"]')]) "
               "{{ if (el) el.scrollTo(0, 0); }}</script>")
_MARKER = re.compile(r"\[(\d+(?:\s*[,，]\s*\d+)*)\]")

HOW_TO_ADD = (
    "No papers are indexed yet. Add some from a terminal:\n\n"
    "- `avatar-scholar index path/to/papers/` — PDFs, ChatPaperFree digests (.md) or JSONL\n"
    "- `avatar-scholar index \"arxiv:talking head\"` — recent arXiv papers (needs internet)\n"
    "- `avatar-scholar run` — builds the bundled default library\n\n"
    "or upload PDFs on the **Library** page."
)


def code_span(text: object) -> str:
    """Inline code (shown literally, so not escaped); backticks inside are replaced."""
    return "`" + str(text).replace("`", "'") + "`"


def one_line(text: str, limit: int = 0) -> str:
    """Whitespace collapsed to single spaces, optionally cut at `limit` characters."""
    flat = " ".join(text.split())
    return flat if not limit or len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


@st.cache_resource(show_spinner=False)
def client_for(base_url: str) -> ApiClient:
    """The cached API client for `base_url`."""
    return ApiClient(base_url)


def app_settings() -> Settings:
    """The settings ui/app.py loaded for this session."""
    settings: Settings = st.session_state[SETTINGS_KEY]
    return settings


def get_client() -> ApiClient:
    """The API client for the configured API URL (one per URL per process)."""
    return client_for(app_settings().service.ui_api_url())


def warn_if_cut(text: str | None, limit: int, what: str) -> None:
    """Say so when a link carried a longer `what` than the input takes (it was cut)."""
    if text and len(text) > limit:
        st.warning(f"The {what} in the link has {len(text):,} characters; the limit is "
                   f"{limit:,}, so only the first {limit:,} are used.")


def show_error(exc: ApiError) -> None:
    """An API failure as an error box; details from the server are escaped."""
    if isinstance(exc, ApiUnavailableError):
        st.error(str(exc), icon=":material/cloud_off:")  # our own sentence, with `avatar-scholar serve` as code
    else:
        st.error(escape_md(exc), icon=":material/error:")


@st.cache_data(ttl=60, show_spinner=False)
def topic_names(base_url: str) -> list[str]:
    """Topic names for filter menus, cached for a minute; empty when the API fails."""
    try:
        return client_for(base_url).topics()
    except ApiError:
        return []


def require_index(client: ApiClient, allow_empty: bool = False) -> Health | None:
    """Check the API; on failure say why (and how to fix it) and stop the page.

    With `allow_empty`, an empty index shows the how-to and returns None instead of stopping.
    """
    try:
        return client.health()
    except ApiUnavailableError as exc:
        st.error(str(exc), icon=":material/cloud_off:")
        st.stop()
    except UnavailableError as exc:
        st.info(HOW_TO_ADD, icon=":material/inbox:")
        st.caption(f"API: {escape_md(exc)}")
        if not allow_empty:
            st.stop()
    return None


def authors_line(authors: list[str], most: int = 4) -> str:
    """``A, B, C, D et al.`` (escaped)."""
    shown = ", ".join(authors[:most]) + (" et al." if len(authors) > most else "")
    return escape_md(shown) if shown else "_unknown authors_"


def where(section: str, page: int | None) -> str:
    """``Section, p. 3`` (escaped)."""
    return escape_md(section or "Text") + (f", p. {page}" if page else "")


def safe_url(url: str | None) -> str | None:
    """`url` if it is http(s), with characters that would end a Markdown link encoded."""
    if not url or not url.startswith(("http://", "https://")):
        return None
    return quote(url.strip(), safe=":/?#@!$&*+,;=%~-._")


def md_link(label: str, url: str | None) -> str:
    """A Markdown link with an escaped label, or just the label when `url` is unsafe."""
    safe = safe_url(url)
    return f"[{escape_md(label)}]({safe})" if safe else escape_md(label)


def quote_block(text: str, limit: int = 0) -> str:
    """An escaped Markdown blockquote of `text` on one line."""
    return "> " + escape_md(one_line(text, limit))


def paper_link(paper_id: str, label: str, bold: bool = False) -> None:
    """A link to the Paper page for `paper_id`; the label is escaped, its full text a tooltip."""
    text = escape_md(one_line(label))
    st.page_link(PAPER_PAGE, label=f"**{text}**" if bold else text, help=text,
                 icon=":material/article:", query_params={"paper": paper_id})


def arxiv_links(arxiv_id: str | None, url: str = "") -> str:
    """``arXiv abstract · PDF`` links for an arXiv paper, else a link to `url` (or nothing)."""
    if arxiv_id:
        return f"{md_link('arXiv abstract', arxiv_abs_url(arxiv_id))} · " \
               f"{md_link('PDF', arxiv_pdf_url(arxiv_id))}"
    return md_link("source", url) if safe_url(url) else ""


def scroll_to_top(token: str) -> None:
    """Scroll the page to the top once per new `token` (Streamlit keeps the scroll position
    when a page reruns with new content, so a newly opened paper would start mid-page)."""
    digest = hashlib.sha1(token.encode("utf-8")).hexdigest()[:12]
    st.html(SCROLL_TOP.format(digest), unsafe_allow_javascript=True)


def render_hit(i: int, hit: Hit, terms: Iterable[str] = ()) -> None:
    """One search result: title (→ Paper page), authors, date, topics, score, and the
    excerpt with the query's `terms` highlighted."""
    with st.container(border=True):
        paper_link(hit.paper_id, f"{i}. {latex_to_text(hit.title)}", bold=True)
        when = hit.published or hit.first_seen
        meta = [authors_line(hit.authors)]
        if when:
            meta.append(str(when))
        if hit.topics:
            meta.append(escape_md(", ".join(hit.topics)))
        meta.append(f"score {hit.score:.3f}")
        st.caption(" · ".join(meta))
        st.markdown("> " + highlight(one_line(latex_to_text(hit.excerpt), 600), terms))
        links = arxiv_links(hit.arxiv_id, hit.url)
        st.caption(f"{where(hit.section, hit.page)}" + (f" · {links}" if links else ""))


def render_passage(i: int, hit: PassageHit, terms: Iterable[str] = ()) -> None:
    """One passage: its paper (→ Paper page), section and page, score, and its text with
    the query's `terms` highlighted."""
    with st.container(border=True):
        paper_link(hit.paper_id, f"{i}. {latex_to_text(hit.title)}", bold=True)
        st.caption(f"{where(hit.section, hit.page)} · score {hit.score:.3f}")
        st.markdown("> " + highlight(one_line(latex_to_text(hit.text), 900), terms))
        links = arxiv_links(hit.arxiv_id, hit.url)
        if links:
            st.caption(links)


def link_markers(overview: str, known: Iterable[int]) -> str:
    """Escape `overview` and turn each ``[n]``/``[n, m]`` into links to ``#cite-n``."""
    ns = set(known)
    out: list[str] = []
    pos = 0
    for m in _MARKER.finditer(overview):
        out.append(escape_md(overview[pos : m.start()]))
        nums = [int(x) for x in re.split(r"\s*[,，]\s*", m.group(1))]
        out.append("".join(f"[\\[{n}\\]](#cite-{n})" if n in ns else f"\\[{n}\\]" for n in nums))
        pos = m.end()
    out.append(escape_md(overview[pos:]))
    return "".join(out)


def render_citation(c: Citation) -> None:
    """A numbered excerpt with its anchor ``cite-n``, source and links."""
    with st.container(border=True):
        st.subheader(f"\\[{c.n}\\] {escape_md(one_line(c.title))}", anchor=f"cite-{c.n}")
        links = arxiv_links(c.arxiv_id, c.url)
        st.caption(where(c.section, c.page) + (f" · {links}" if links else ""))
        st.markdown(quote_block(c.excerpt))
        if c.machine_zh:
            st.caption("机器生成摘要 · machine-written (Gemini-Pro via ChatPaperFree), not the "
                       f"paper's words: {escape_md(c.machine_zh)}")
        if c.paper_id:
            paper_link(c.paper_id, "Paper page")


def render_answer(answer: Answer) -> None:
    """The overview with linked markers, then every cited excerpt."""
    for notice in answer.notices:
        st.info(escape_md(notice))
    st.markdown("#### Overview")
    st.markdown(link_markers(answer.overview, (c.n for c in answer.citations)))
    sources = plural(len(answer.citations), "cited excerpt")
    st.caption(f"Written by {escape_md(answer.generator or 'the answerer')} from {sources} · "
               f"{answer.took_ms / 1000:.1f} s. Numbers in brackets jump to the excerpt.")
    if answer.citations:
        st.markdown("#### Sources")
    for c in answer.citations:
        render_citation(c)


def render_machine_generated(paper: PaperSummary) -> None:
    """The digest's summary and takeaways, clearly labelled as machine-generated."""
    gen = paper.machine_generated
    if gen is None or not (gen.summary_zh or gen.takeaways_zh or gen.structured_zh):
        return
    st.markdown("#### Summary and key takeaways")
    by = f" by {gen.generator}" if gen.generator else ""
    st.warning(f"Machine-generated{escape_md(by)}, not written by the authors — "
               f"{escape_md(gen.note)}", icon=":material/smart_toy:")
    if gen.summary_zh:
        st.markdown(escape_md(one_line(gen.summary_zh)))
    if gen.takeaways_zh:
        st.markdown("\n".join(f"- {escape_md(one_line(t))}" for t in gen.takeaways_zh))
    if gen.structured_zh:
        with st.expander("Structured summary (machine-generated)"):
            st.markdown(escape_md(gen.structured_zh).replace("\n", "  \n"))


def render_paper(paper: PaperDetail) -> None:
    """Metadata, links, abstract and the labelled machine-generated summary of a paper."""
    st.title(escape_md(one_line(latex_to_text(paper.title))), anchor=False)
    st.markdown(authors_line(paper.authors, most=12))
    facts = []
    if paper.arxiv_id:
        facts.append(f"arXiv {escape_md(paper.arxiv_id)}")
    for label, day in (("published", paper.published), ("updated", paper.updated),
                       ("first in a digest", paper.first_seen)):
        if day:
            facts.append(f"{label} {day}")
    if paper.topics:
        facts.append("topics: " + escape_md(", ".join(paper.topics)))
    st.caption(" · ".join(facts))
    links = [arxiv_links(paper.arxiv_id, paper.url)] if paper.arxiv_id or paper.url else []
    links += [md_link(k, v) for k, v in sorted(paper.links.items()) if safe_url(v)]
    if links:
        st.markdown(" · ".join(x for x in links if x))
    if paper.comment:
        st.caption(escape_md(one_line(paper.comment)))
    st.markdown("#### Abstract")
    abstract = one_line(latex_to_text(paper.abstract))
    st.markdown(escape_md(abstract) if abstract else "_No abstract stored._")
    render_machine_generated(paper)

"""Library: papers per topic per month, rising themes, last build, sources, jobs; upload PDFs."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import altair as alt
import pandas as pd
import streamlit as st

from indexer.config import IndexerSettings
from indexer.embed import Embedder, embedder_for
from indexer.errors import IndexerError, LockedError
from search.models import Stats, ThemeList, ThemeSummary
from ui.client import ApiClient, ApiError
from ui.components import (
    app_settings,
    client_for,
    code_span,
    escape_md,
    get_client,
    paper_link,
    plural,
    require_index,
    show_error,
)
from ui.indexing import (
    Upload,
    identify,
    in_library,
    inbox_dir,
    index_inbox,
    save_uploads,
    wait_for_generation,
)
from ui.nav import MAP_PAGE

TOP_TOPICS = 8
RISING = 5  # fastest-growing themes listed


@st.cache_data(show_spinner="Counting papers…")
def topic_month_table(base_url: str, generation: str) -> pd.DataFrame:
    """Papers per (month, topic) of the served generation; minor topics grouped as 'other'.

    `generation` is only part of the cache key: a new build gives a new table.
    """
    _, papers = client_for(base_url).papers(limit=100_000)
    pairs: Counter[tuple[str, str]] = Counter()
    totals: Counter[str] = Counter()
    for p in papers:
        day = p.published or p.first_seen
        for topic in p.topics or ["(no topic)"]:
            pairs[(day.strftime("%Y-%m") if day else "undated", topic)] += 1
            totals[topic] += 1
    top = {t for t, _ in totals.most_common(TOP_TOPICS)}
    rows: Counter[tuple[str, str]] = Counter()
    for (month, topic), n in pairs.items():
        rows[(month, topic if topic in top else "other topics")] += n
    return pd.DataFrame([{"month": m, "topic": t, "papers": n} for (m, t), n in sorted(rows.items())])


def topic_month_chart(table: pd.DataFrame) -> alt.Chart:
    """Stacked bars: months across (labels upright), papers up, one colour per topic."""
    return alt.Chart(table, height=340).mark_bar().encode(
        x=alt.X("month:O", title=None, axis=alt.Axis(labelAngle=0)),
        y=alt.Y("sum(papers):Q", title="papers"),
        color=alt.Color("topic:N", title="Topic", legend=alt.Legend(orient="bottom", columns=3)),
        tooltip=["month", "topic", "papers"],
    )


@st.cache_resource(show_spinner="Loading the embedding model…",
                   hash_funcs={IndexerSettings: lambda s: s.model_dump_json()})
def shared_embedder(settings: IndexerSettings) -> Embedder:
    """One encoder per UI process (and configuration) for in-process indexing."""
    return embedder_for(settings)


def show_overview(client: ApiClient, stats: Stats) -> None:
    """Headline counts, the chart and the build facts."""
    cols = st.columns(4)
    cols[0].metric("Papers", stats.papers)
    cols[1].metric("Text chunks", stats.chunks)
    cols[2].metric("With machine summary", stats.with_machine_summary)
    cols[3].metric("With code", stats.with_code)
    st.subheader("Papers per topic per month", anchor=False)
    table = topic_month_table(client.base_url, stats.generation)
    if table.empty:
        st.caption("No dated papers yet.")
    else:
        st.altair_chart(topic_month_chart(table))
        st.caption(f"Top {TOP_TOPICS} topics shown; a paper counts once per topic. "
                   "Date = arXiv publication, else first digest appearance.")


@st.cache_data(ttl=60, show_spinner=False)
def rising_themes(base_url: str, generation: str) -> ThemeList:
    """The themes, fastest growing over the last 3 months first (`generation` keys the cache)."""
    return client_for(base_url).themes(sort="growth_3m")


def show_rising_theme(theme: ThemeSummary) -> None:
    """A rising theme: names, how it grew, its most central recent papers, a map link."""
    g3, g6 = theme.growth_3m, theme.growth_6m
    with st.container(border=True):
        st.markdown(f"**{escape_md(theme.name)}**" + (
            f" · {escape_md(theme.name_zh)}" if theme.name_zh != theme.name else ""))
        grew = f"share {g3.growth:+.0%}" if g3.growth is not None else "new"
        st.caption(f"{plural(g3.recent, 'paper')} in the last 3 months, {g3.before} in the 3 "
                   f"before ({grew}) · last 6 months {g6.recent} vs {g6.before} · "
                   f"{plural(theme.papers, 'paper')} in all")
        for paper in (theme.recent_papers or theme.top_papers)[:3]:
            paper_link(paper.paper_id, f"{paper.title} ({paper.published or 'undated'})")
        st.page_link(MAP_PAGE, label="On the map", icon=":material/scatter_plot:",
                     query_params={"theme": str(theme.theme_id)})


def show_themes(client: ApiClient, stats: Stats) -> None:
    """The fastest-growing themes up to the newest paper, and every theme in a table."""
    st.subheader("Rising themes", anchor=False)
    try:
        found = rising_themes(client.base_url, stats.generation)
    except ApiError as exc:
        show_error(exc)
        return
    for notice in found.notices:
        st.caption(escape_md(notice))
    rising = [t for t in found.themes if t.growth_3m.growth is not None and t.growth_3m.growth > 0]
    if not found.themes:
        return
    st.caption(f"Themes are lines of work learned from the papers' text ({len(found.themes)} "
               f"themes; {found.themed:,} of {found.papers:,} papers belong to one). Growth is "
               f"the change in a theme's share of the papers, over the 3 months up to the newest "
               f"paper ({found.newest}) against the 3 before.")
    if not rising:
        st.caption("No theme grew over the last 3 months.")
    for theme in rising[:RISING]:
        show_rising_theme(theme)
    with st.expander(f"All {len(found.themes)} themes"):
        st.dataframe(pd.DataFrame([{
            "theme": t.name, "主题": t.name_zh, "papers": t.papers,
            "last 3 months": t.growth_3m.recent, "3 before": t.growth_3m.before,
            "share change": t.growth_3m.growth} for t in
            sorted(found.themes, key=lambda t: -t.papers)]), hide_index=True,
            column_config={"share change": st.column_config.NumberColumn(format="percent")})


def when(stamp: object) -> str:
    """An ISO timestamp from the API as ``2024-03-09 14:05 UTC`` (unchanged if unparsable)."""
    try:
        moment = datetime.fromisoformat(str(stamp).replace("Z", "+00:00"))
    except ValueError:
        return str(stamp or "?")
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def show_build(client: ApiClient, stats: Stats) -> None:
    """Last build, the sources it read and recent jobs."""
    st.subheader("Last build and sources", anchor=False)
    seconds = sum(stats.build_seconds.values())
    st.markdown(f"Generation {code_span(stats.generation)} built "
                f"{escape_md(when(stats.built_at))} in {seconds:.0f} s with "
                f"{code_span(stats.model_id)}.")
    if stats.sources:
        st.dataframe(pd.DataFrame([{"kind": s.kind, "source": s.value} for s in stats.sources]),
                     hide_index=True)
    try:
        jobs = client.jobs()
    except ApiError:
        jobs = []
    if jobs:
        st.markdown("**Recent indexing jobs**")
        st.dataframe(pd.DataFrame([j.model_dump(include={"finished", "kind", "papers", "added",
                                                         "updated", "removed"})
                                   for j in jobs[:8]]), hide_index=True)


def duration(seconds: float) -> str:
    """``42 s``, ``17 min`` or ``2.5 h``: how long an ETA is, at a useful precision."""
    if seconds < 90:
        return f"{seconds:.0f} s"
    return f"{seconds / 60:.0f} min" if seconds < 5400 else f"{seconds / 3600:.1f} h"


def fulltext_panel(client: ApiClient) -> None:
    """Progress of the background job that downloads and indexes arXiv PDFs."""
    try:
        job = client.fulltext()
    except ApiError:
        return
    if job is None:
        return
    st.subheader("Full text", anchor=False)
    if job.state == "running":
        eta = f", about {duration(job.eta_seconds)} left" if job.eta_seconds is not None else ""
        st.progress(min(1.0, job.done / max(job.total, 1)),
                    text=f"Downloading and indexing arXiv PDFs: {job.done} of {job.total} papers{eta}")
    elif job.state in ("stopped", "offline") or job.message:
        st.caption(escape_md(job.message or f"The last full-text job {job.state} at {when(job.updated)}."))
    st.caption(f"{job.with_text} of {job.papers} arXiv papers have their full text indexed"
               f" ({job.skipped} skipped in the last run). Papers without it are searched by"
               " their abstract.")


def show_fulltext(client: ApiClient) -> None:
    """The full-text panel, refreshing itself every few seconds while the job runs."""
    try:
        running = (job := client.fulltext()) is not None and job.state == "running"
    except ApiError:
        return
    st.fragment(fulltext_panel, run_every=5 if running else None)(client)


def show_uploaded(uploads: list[Upload], known: set[str]) -> None:
    """Each uploaded paper with a link to its page, saying which were already there."""
    for upload in uploads:
        name = escape_md(upload.path.name)
        if upload.paper_id in known:
            st.info(f"{name} is already in the library:", icon=":material/bookmark_added:")
        else:
            st.caption(f"{name} added:")
        paper_link(upload.paper_id, upload.title)


def show_upload(client: ApiClient) -> None:
    """Upload PDFs to the inbox and index them with a progress bar."""
    st.subheader("Add PDFs", anchor=False)
    settings = app_settings().index
    inbox = inbox_dir(settings.data_dir)
    files = st.file_uploader(f"PDFs go into the inbox ({inbox}) and are indexed here.",
                             type=["pdf"], accept_multiple_files=True, key="uploads")
    if not st.button("Index uploaded PDFs", type="primary", disabled=not files, key="index"):
        return
    saved = save_uploads([(f.name, f.getvalue()) for f in files or []], inbox)
    for name, reason in saved.rejected:
        st.warning(f"{escape_md(name)}: {escape_md(reason)}")
    if not saved.paths:
        return
    uploads = identify(saved.paths)
    known = {u.paper_id for u in uploads if in_library(client, u.paper_id)}
    bar = st.progress(0.0, text="Reading the PDFs…")

    def on_progress(stage: str, done: int, total: int) -> None:
        """Move the bar; called by the build after each stage and embedding slice."""
        bar.progress(min(1.0, done / max(total, 1)), text=f"{stage}: {done}/{total}")

    try:
        report = index_inbox(settings, lambda: shared_embedder(settings), on_progress)
    except LockedError:
        st.error("Another indexing job is running on this library (a CLI `index`, `reindex` "
                 "or another upload). Your PDFs are saved in the inbox; try again when it ends.")
        return
    except IndexerError as exc:
        st.error(f"Indexing failed: {escape_md(exc)}")
        return
    bar.progress(1.0, text="Done")
    st.success(f"Indexed: {escape_md(report.summary())}")
    for skip in report.skipped:
        st.warning(f"Skipped {escape_md(Path(skip.path).name)}: {escape_md(skip.reason)}")
    show_uploaded(uploads, known)
    wait_for_generation(client, report.generation)  # the counts above then include it
    st.cache_data.clear()


client = get_client()
st.title("Library", anchor=False)
overview = st.container()  # filled after the upload section, so it shows what an upload added
show_upload(client)
with overview:
    health = require_index(client, allow_empty=True)
    if health is not None:
        try:
            index_stats = client.stats()
        except ApiError as exc:
            show_error(exc)
        else:
            show_overview(client, index_stats)
            show_fulltext(client)
            show_themes(client, index_stats)
            show_build(client, index_stats)

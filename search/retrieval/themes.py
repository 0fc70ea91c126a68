"""Read-only views of a generation's themes: the list with trends, one theme, the map.

The themes and the map are computed at build time (indexer/themes.py); here they are
counted per month, ranked and given their representative papers, once per loaded
generation (`_table`, cached while the snapshot lives). A generation built before
themes existed has none: the views say so in a notice instead of failing.
"""

from __future__ import annotations

import math
import threading
import weakref
from dataclasses import dataclass
from datetime import date
from typing import Literal

import numpy as np

from indexer.models import Theme
from search.errors import ThemeNotFoundError
from search.lexicon.table import term_zh
from search.models import (
    MapPoint,
    MapResponse,
    ThemeDetail,
    ThemeList,
    ThemeName,
    ThemePaper,
    ThemeSummary,
)
from search.retrieval.catalogue import paper_date
from search.retrieval.snapshot import Snapshot
from search.retrieval.trends import growth, months_back, per_month, window_counts

ThemeOrder = Literal["papers", "growth_3m", "growth_6m"]
NO_THEMES = ("this index was built before themes existed: run `avatar-scholar reindex` to "
             "compute its themes and map")
WINDOWS = (3, 6)
TOP = 5  # representative papers per theme
RECENT = 3  # representative papers of the last 3 months
MIN_RECENT = 3  # papers in the last window before a theme can rank as rising


@dataclass
class _Table:
    """What every view needs, computed once per snapshot."""

    dates: list[date | None]
    newest: date | None
    library: dict[int, tuple[int, int]]  # window → (papers in it, in the one before)
    themes: dict[int, Theme]
    members: dict[int, np.ndarray]  # theme → paper numbers, most central first
    similarity: dict[int, np.ndarray]  # theme → their cosines to its centroid


_tables: weakref.WeakKeyDictionary[Snapshot, _Table] = weakref.WeakKeyDictionary()
_lock = threading.Lock()

SEPARATOR = " · "


def name_zh(name: str) -> str:
    """A theme's name with each " · "-separated term translated where the lexicon can."""
    return SEPARATOR.join(term_zh(part) or part for part in name.split(SEPARATOR))


def _table(snap: Snapshot) -> _Table:
    with _lock:
        found = _tables.get(snap)
        if found is None:
            found = _tables[snap] = _build_table(snap)
        return found


def _build_table(snap: Snapshot) -> _Table:
    dates = [paper_date(p) for p in snap.papers]
    newest = max((d for d in dates if d), default=None)
    library = {w: window_counts(dates, newest, w) for w in WINDOWS} if newest else {}
    table = _Table(dates, newest, library, {}, {}, {})
    if snap.themes is None:
        return table
    theme_of = np.asarray(snap.themes.theme_of)
    for row, theme in enumerate(snap.themes.themes.themes):
        members = np.nonzero(theme_of == theme.theme_id)[0]
        sims = np.asarray(snap.paper_vectors[members]) @ np.asarray(snap.themes.centroids[row])
        order = np.argsort(-sims, kind="stable")
        table.themes[theme.theme_id] = theme
        table.members[theme.theme_id] = members[order]
        table.similarity[theme.theme_id] = sims[order]
    return table


def _paper(snap: Snapshot, table: _Table, number: int, similarity: float) -> ThemePaper:
    p = snap.papers[number]
    return ThemePaper(paper_id=p.paper_id, arxiv_id=p.arxiv_id, title=p.title,
                      published=table.dates[number], similarity=round(float(similarity), 4))


def _summary(snap: Snapshot, table: _Table, theme_id: int) -> ThemeSummary:
    theme, members = table.themes[theme_id], table.members[theme_id]
    sims = table.similarity[theme_id]
    dates = [table.dates[i] for i in members]
    trend = {w: growth(window_counts(dates, table.newest, w), table.library[w], w)
             if table.newest else growth((0, 0), (0, 0), w) for w in WINDOWS}
    since = months_back(table.newest, 3) if table.newest else date.max
    recent = [k for k, d in enumerate(dates) if d and d > since][:RECENT]
    return ThemeSummary(
        theme_id=theme_id, name=theme.name, name_zh=name_zh(theme.name), terms=theme.terms,
        papers=len(members), per_month=per_month(dates), growth_3m=trend[3], growth_6m=trend[6],
        top_papers=[_paper(snap, table, int(members[k]), sims[k])
                    for k in range(min(TOP, len(members)))],
        recent_papers=[_paper(snap, table, int(members[k]), sims[k]) for k in recent])


def rising(summary: ThemeSummary, months: int = 3) -> float:
    """How a theme ranks among the fastest-growing: its growth over `months` months, and
    -inf with fewer than `MIN_RECENT` papers in them (a rise from 0 to 1 is no trend)."""
    trend = summary.growth_3m if months == 3 else summary.growth_6m
    if trend.growth is None or trend.recent < MIN_RECENT:
        return -math.inf
    return trend.growth


def theme_list(snap: Snapshot, order: ThemeOrder = "papers") -> ThemeList:
    """Every theme with its trend and representative papers: largest first, or fastest
    growing first over 3 or 6 months (`rising`)."""
    table = _table(snap)
    found = [_summary(snap, table, t) for t in table.themes]
    if order == "papers":
        found.sort(key=lambda s: (-s.papers, s.theme_id))
    else:
        months = 3 if order == "growth_3m" else 6
        found.sort(key=lambda s: (-rising(s, months), -s.papers, s.theme_id))
    themed = int((np.asarray(snap.themes.theme_of) >= 0).sum()) if snap.themes is not None else 0
    return ThemeList(generation=snap.generation, newest=table.newest, papers=len(snap.papers),
                     themed=themed, themes=found,
                     notices=[NO_THEMES] if snap.themes is None else [])


def theme_detail(snap: Snapshot, theme_id: int) -> ThemeDetail:
    """One theme with all its papers, most central first. Raises ThemeNotFoundError."""
    table = _table(snap)
    if theme_id not in table.themes:
        raise ThemeNotFoundError(NO_THEMES if snap.themes is None
                                 else f"no theme {theme_id} in this index")
    members, sims = table.members[theme_id], table.similarity[theme_id]
    return ThemeDetail(**_summary(snap, table, theme_id).model_dump(),
                       members=[_paper(snap, table, int(i), s) for i, s in zip(members, sims,
                                                                              strict=True)])


def theme_names(snap: Snapshot) -> list[ThemeName]:
    """Each theme's number, names and size, largest first."""
    table = _table(snap)
    names = [ThemeName(theme_id=t, name=theme.name, name_zh=name_zh(theme.name),
                       papers=len(table.members[t])) for t, theme in table.themes.items()]
    return sorted(names, key=lambda n: (-n.papers, n.theme_id))


def map_points(snap: Snapshot) -> MapResponse:
    """Every paper with a map position (x, y), its theme and date."""
    table = _table(snap)
    if snap.themes is None:
        return MapResponse(generation=snap.generation, points=[], themes=[], notices=[NO_THEMES])
    layout = np.asarray(snap.themes.layout)
    theme_of = np.asarray(snap.themes.theme_of)
    points = [MapPoint(paper_id=p.paper_id, title=p.title, published=table.dates[i],
                       x=round(float(layout[i, 0]), 3), y=round(float(layout[i, 1]), 3),
                       theme_id=int(theme_of[i]))
              for i, p in enumerate(snap.papers) if not np.isnan(layout[i, 0])]
    return MapResponse(generation=snap.generation, points=points, themes=theme_names(snap))


def themes_of(snap: Snapshot, paper_ids: list[str]) -> dict[str, ThemeName]:
    """The theme of each of these papers that has one (for grouping answers by theme)."""
    if snap.themes is None:
        return {}
    by_id = {n.theme_id: n for n in theme_names(snap)}
    out: dict[str, ThemeName] = {}
    for pid in paper_ids:
        number = snap.paper_index.get(pid)
        theme = int(snap.themes.theme_of[number]) if number is not None else -1
        if theme in by_id:
            out[pid] = by_id[theme]
    return out

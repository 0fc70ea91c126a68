"""The Map page's chart: a table of the papers' positions and a Vega-Lite scatter of it.

Pure functions (no Streamlit calls), so the table and the chart spec are unit-tested.
One layer of points carries the click selection (opening a paper) and every state:
coloured by theme up to the chosen month, pale after it, ringed when a search or a
question found the paper, and ringed red when it is the paper last opened from the map
(ringed points are drawn last, on top). A second layer writes
the larger themes' short names where their papers are.
"""

from __future__ import annotations

import re
from collections.abc import Collection

import altair as alt
import pandas as pd

from search.models import MapResponse

UNTHEMED = "(no theme)"
LATER = "#e6e6e6"  # papers after the month shown
NO_THEME = "#b0b0b0"
HIT_STROKE = "#111111"  # the ring of a search hit; the browser test looks for it
OPENED_STROKE = "#d62728"  # the ring of the paper opened from the map (Back shows it)
RINGS = {"none": ("transparent", 30, 0), "hit": (HIT_STROKE, 150, 2),
         "opened": (OPENED_STROKE, 260, 3)}  # ring → (stroke, size, stroke width)
PICK = "pick"  # the click selection's name (st.altair_chart returns it under this key)
POINTS = "papers"  # the points' view: Vega draws them in <g class="… papers_marks">
_ACRONYM = re.compile(r"\(([^()]+)\)\s*$")
SVG_UP_TO = 5_000  # points drawn as SVG elements; a larger map is drawn on a canvas
LABEL_SHARE = 0.02  # themes with at least this share of the papers get a label on the map
# tableau20 and 16 more: distinct hues for up to 36 themes, then they repeat.
PALETTE = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1",
           "#ff9da7", "#9c755f", "#a0cbe8", "#ffbe7d", "#8cd17d", "#b6992d", "#f1ce63",
           "#499894", "#86bcb6", "#d37295", "#fabfd2", "#79706e", "#d4a6c8", "#1f77b4",
           "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22",
           "#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173", "#3182bd", "#e6550d",
           "#31a354"]


def months_of(data: MapResponse) -> list[str]:
    """The ``YYYY-MM`` months of the dated papers, in order."""
    return sorted({p.published.strftime("%Y-%m") for p in data.points if p.published})


def map_frame(data: MapResponse, hits: Collection[str] = (), until: str | None = None,
              zh: bool = False, theme: int | None = None, opened: str | None = None
              ) -> pd.DataFrame:
    """One row per paper: id, title, date, position, theme name, its ring (the paper
    `opened` last, a hit, or none), and whether it is shown in colour: dated up to the
    month `until` (any date when None) and in the chosen `theme` (any when None)."""
    names = {t.theme_id: (t.name_zh if zh else t.name) for t in data.themes}
    rows = [{
        "paper_id": p.paper_id, "title": p.title,
        "date": p.published.isoformat() if p.published else "undated",
        "x": p.x, "y": p.y, "theme": names.get(p.theme_id, UNTHEMED),
        "shown": (until is None or (p.published is not None
                                    and p.published.strftime("%Y-%m") <= until))
                 and theme in (None, p.theme_id),
        "ring": "opened" if p.paper_id == opened else "hit" if p.paper_id in hits else "none",
    } for p in data.points]
    frame = pd.DataFrame(rows, columns=["paper_id", "title", "date", "x", "y", "theme", "shown",
                                        "ring"])
    # Vega draws rows in order: shown papers above pale ones, hits above all, and the
    # opened paper on top.
    frame["order"] = frame["ring"].map({"none": 0, "hit": 1, "opened": 2})
    frame = frame.sort_values(["order", "shown"], kind="stable").drop(columns="order")
    return frame.reset_index(drop=True)


def short_label(name: str) -> str:
    """A theme's label on the map: its first term, by its acronym when it has one
    ("3D Gaussian Splatting (3DGS) · view synthesis" → "3DGS")."""
    first = name.split(" · ")[0]
    found = _ACRONYM.search(first)
    return found.group(1) if found else first


def theme_labels(frame: pd.DataFrame, data: MapResponse, zh: bool = False) -> pd.DataFrame:
    """Where to write each larger theme's first term: the median position of its papers."""
    total = max(len(frame), 1)
    rows = []
    for t in data.themes:
        name = t.name_zh if zh else t.name
        members = frame[frame["theme"] == name]
        if len(members) >= LABEL_SHARE * total:
            rows.append({"label": short_label(name), "x": float(members["x"].median()),
                         "y": float(members["y"].median())})
    return pd.DataFrame(rows, columns=["label", "x", "y"])


def _by_ring(channel: str, part: int) -> alt.VegaLiteSchema:
    """An encoding of `channel` by the paper's ring, from `RINGS`, without a legend."""
    scale = alt.Scale(domain=list(RINGS), range=[v[part] for v in RINGS.values()])
    make = {"size": alt.Size, "stroke": alt.Stroke, "strokeWidth": alt.StrokeWidth}[channel]
    return make("ring:N", scale=scale, legend=None)


def map_chart(frame: pd.DataFrame, labels: pd.DataFrame, themes: list[str],
              height: int = 620) -> alt.LayerChart:
    """The scatter: colour by theme (legend in `themes` order), hover for title, date and
    theme, a click selects the paper (`PICK`), hits ringed. Drawn as SVG, so every point
    is an element a test (or an accessibility tool) can find, up to `SVG_UP_TO` points;
    a canvas beyond, where thousands of elements would slow the browser down."""
    domain = [*themes, UNTHEMED]
    colours = [PALETTE[i % len(PALETTE)] for i in range(len(themes))] + [NO_THEME]
    pick = alt.selection_point(name=PICK, fields=["paper_id"], on="click", empty=False)
    scale = alt.Scale(zero=False, nice=False)
    points = alt.Chart(frame, name=POINTS).mark_point(filled=True, opacity=0.85).encode(
        x=alt.X("x:Q", axis=None, scale=scale), y=alt.Y("y:Q", axis=None, scale=scale),
        color=alt.condition("datum.shown", alt.Color(
            "theme:N", title="Theme", scale=alt.Scale(domain=domain, range=colours),
            legend=alt.Legend(orient="right", labelLimit=300, symbolLimit=0, labelFontSize=11,
                              rowPadding=1, symbolSize=60)),
            alt.value(LATER)),
        size=_by_ring("size", 1), stroke=_by_ring("stroke", 0),
        strokeWidth=_by_ring("strokeWidth", 2),
        tooltip=[alt.Tooltip("title:N", title="Title"), alt.Tooltip("date:N", title="Date"),
                 alt.Tooltip("theme:N", title="Theme")],
    ).add_params(pick)
    names = alt.Chart(labels).mark_text(fontSize=12, fontWeight="bold", color="#333333",
                                        opacity=0.8).encode(x="x:Q", y="y:Q", text="label:N")
    # Tall enough for the legend's entries (about 25 px each in Streamlit's theme) beside the map.
    return alt.layer(points, names).properties(
        height=max(height, 25 * (len(domain) + 3)), padding={"left": 40, "right": 10, "top": 10,
                                                            "bottom": 10},
        usermeta={"embedOptions": {"renderer": "svg" if len(frame) <= SVG_UP_TO else "canvas"}},
    ).configure_view(strokeWidth=0)

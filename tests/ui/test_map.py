"""The Map page and the Library's rising themes: the chart's table and spec (fast), and the
pages (AppTest) against the real API over the small index."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from streamlit.testing.v1 import AppTest

from search.models import MapPoint, MapResponse, ThemeName
from tests.ui.support import RUN_TIMEOUT, api_get
from ui.map_chart import (
    HIT_STROKE,
    OPENED_STROKE,
    PICK,
    POINTS,
    UNTHEMED,
    map_chart,
    map_frame,
    months_of,
    short_label,
    theme_labels,
)

AppFor = Callable[..., AppTest]


def _map() -> MapResponse:
    points = [MapPoint(paper_id=f"p{i}", title=f"Paper {i}", x=float(i), y=float(-i),
                       published=date(2024, 1 + i % 3, 5) if i < 9 else None,
                       theme_id=i % 2 if i < 8 else -1) for i in range(10)]
    themes = [ThemeName(theme_id=0, name="3D Gaussian Splatting (3DGS) · avatars",
                        name_zh="3D高斯泼溅 · 化身", papers=4),
              ThemeName(theme_id=1, name="talking heads", name_zh="说话头", papers=4)]
    return MapResponse(generation="g", points=points, themes=themes)


def test_the_table_behind_the_map() -> None:
    data = _map()
    assert months_of(data) == ["2024-01", "2024-02", "2024-03"]
    frame = map_frame(data, hits={"p1", "p9"}, until="2024-02", opened="p4")
    # drawn in row order: the opened paper on top, then hits (in colour above pale)
    assert len(frame) == 10 and list(frame["paper_id"][-3:]) == ["p9", "p1", "p4"]
    assert list(frame["ring"][-3:]) == ["hit", "hit", "opened"] and set(frame["ring"][:-3]) == {
        "none"}
    shown = dict(zip(frame["paper_id"], frame["shown"], strict=True))
    assert shown["p0"] and shown["p1"] and not shown["p2"] and not shown["p9"]  # p9 undated
    assert dict(zip(frame["paper_id"], frame["theme"], strict=True))["p8"] == UNTHEMED
    one_theme = map_frame(data, theme=1)
    assert set(one_theme[one_theme["shown"]]["paper_id"]) == {"p1", "p3", "p5", "p7"}
    zh = map_frame(data, zh=True)
    assert "说话头" in set(zh["theme"])


def test_labels_and_the_chart_spec() -> None:
    data = _map()
    assert short_label("3D Gaussian Splatting (3DGS) · avatars") == "3DGS"
    assert short_label("talking heads · lip sync") == "talking heads"
    frame = map_frame(data)
    labels = theme_labels(frame, data)
    assert list(labels["label"]) == ["3DGS", "talking heads"]
    spec: dict[str, Any] = map_chart(frame, labels, [t.name for t in data.themes]).to_dict()
    assert spec["usermeta"]["embedOptions"]["renderer"] == "svg"
    assert spec["params"][0]["name"] == PICK and spec["params"][0]["views"] == [POINTS]
    points = spec["layer"][0]
    assert points["name"] == POINTS
    assert points["encoding"]["stroke"]["scale"]["range"][1:] == [HIT_STROKE, OPENED_STROKE]
    assert [t["field"] for t in points["encoding"]["tooltip"]] == ["title", "date", "theme"]
    assert points["encoding"]["color"]["condition"]["scale"]["domain"][-1] == UNTHEMED


def test_map_page_shows_the_map_and_rings_a_search(api_url: str, app_for: AppFor) -> None:
    at = app_for(api_url, "views/map.py")
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert at.get("arrow_vega_lite_chart") or at.get("vega_lite_chart")
    found = api_get(api_url, "/api/map")
    assert isinstance(found, dict)
    assert any(f"{len(found['points'])} papers" in c for c in (x.value for x in at.caption))
    at.text_input(key="map_q").input("talking head lip sync").run(timeout=RUN_TIMEOUT)
    assert not at.exception and not at.error
    ringed = next(m.value for m in at.markdown if "ringed on the map" in m.value)
    assert ringed.startswith("**30 papers found by the search**")
    assert at.query_params["q"] == "talking head lip sync"


def test_map_page_from_a_link_with_theme_and_month(api_url: str, app_for: AppFor) -> None:
    themes = api_get(api_url, "/api/themes")
    assert isinstance(themes, dict) and themes["themes"]
    first = themes["themes"][0]
    at = app_for(api_url, "views/map.py", query={"theme": str(first["theme_id"]),
                                                 "month": "2024-01", "zh": "1"})
    assert not at.exception and not at.error
    assert at.selectbox(key="map_theme").value == first["theme_id"]
    assert at.select_slider(key="map_month").value == "2024-01"
    assert any(h.value == first["name_zh"] for h in at.subheader)
    assert any("of this theme and dated up to 2024-01" in c.value for c in at.caption)
    links = [e.proto.query_string for e in at.main.get("page_link")]
    assert len(links) == min(10, first["papers"]) and all(q.startswith("paper=") for q in links)


def test_library_lists_rising_themes(api_url: str, app_for: AppFor) -> None:
    at = app_for(api_url, "views/library.py")
    assert not at.exception and not at.error
    assert any(h.value == "Rising themes" for h in at.subheader)
    rising = api_get(api_url, "/api/themes?sort=growth_3m")
    assert isinstance(rising, dict)
    grew = [t for t in rising["themes"] if (t["growth_3m"]["growth"] or 0) > 0][:5]
    shown = [m.value for m in at.markdown if m.value.startswith("**")]
    for theme in grew:
        assert any(theme["name"] in m for m in shown), theme["name"]
    to_map = [e for e in at.main.get("page_link") if e.proto.query_string.startswith("theme=")]
    assert len(to_map) == len(grew)

"""Themes and trends through the API and the CLI over the synthetic index (fast tier), the
trend maths, and the Chinese names."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from search.cli.main import main
from search.config import Settings
from search.lexicon import table
from search.retrieval.engine import Searcher
from search.retrieval.snapshot import load_snapshot
from search.retrieval.themes import name_zh, themes_of
from search.retrieval.trends import growth, months_back, per_month, window_counts
from search.service.app import create_app
from tests.fakes import HashEmbedder


def _client(settings: Settings) -> TestClient:
    return TestClient(create_app(settings, lambda: Searcher(settings, embedder_factory=HashEmbedder)))


@pytest.fixture(scope="module")
def client(synthetic_index: Settings) -> Iterator[TestClient]:
    with _client(synthetic_index) as c:
        yield c


def test_months_back_and_windows() -> None:
    assert months_back(date(2024, 3, 31), 1) == date(2024, 2, 29)
    assert months_back(date(2024, 1, 15), 3) == date(2023, 10, 15)
    newest = date(2024, 6, 30)
    days = [date(2024, 6, 30), date(2024, 4, 1), date(2024, 3, 31), date(2024, 1, 1),
            date(2023, 12, 31), None]
    # (2024-03-30, 2024-06-30] and (2023-12-30, 2024-03-30]
    assert window_counts(days, newest, 3) == (3, 2)
    assert per_month(days) == {"2023-12": 1, "2024-01": 1, "2024-03": 1, "2024-04": 1,
                               "2024-06": 1}


def test_growth_is_the_change_of_share() -> None:
    g = growth((10, 5), (100, 100), 3)  # 10 % of the papers now, 5 % before
    assert (g.share_recent, g.share_before) == (0.1, 0.05)
    assert g.growth == pytest.approx((0.1 + 0.005) / (0.05 + 0.005) - 1, abs=1e-4)
    same_share = growth((10, 5), (200, 100), 3)  # twice the papers, same share: no growth
    assert same_share.growth == 0
    new = growth((4, 0), (100, 80), 3)
    assert new.growth is not None and new.growth > 5  # new in the window: large, finite
    assert growth((3, 0), (50, 0), 6).growth is None  # nothing before to compare with


def test_themes_list_counts_trends_and_representatives(client: TestClient) -> None:
    body = client.get("/api/themes").json()
    assert body["papers"] == 30 and body["newest"] == "2024-06-24" and not body["notices"]
    themes = body["themes"]
    assert len(themes) >= 2 and sum(t["papers"] for t in themes) == body["themed"] <= 30
    assert [t["papers"] for t in themes] == sorted((t["papers"] for t in themes), reverse=True)
    for t in themes:
        assert sum(t["per_month"].values()) == t["papers"]
        assert t["growth_3m"]["months"] == 3 and t["growth_6m"]["months"] == 6
        sims = [p["similarity"] for p in t["top_papers"]]
        assert sims == sorted(sims, reverse=True) and len(sims) <= 5
        assert all(p["published"] > "2024-03-24" for p in t["recent_papers"])
    rising = client.get("/api/themes", params={"sort": "growth_3m"}).json()["themes"]
    ranked = [t["growth_3m"]["growth"] for t in rising if t["growth_3m"]["recent"] >= 3]
    assert ranked == sorted(ranked, reverse=True)


def test_one_theme_and_the_map(client: TestClient) -> None:
    first = client.get("/api/themes").json()["themes"][0]
    detail = client.get(f"/api/themes/{first['theme_id']}").json()
    assert len(detail["members"]) == first["papers"] and detail["name"] == first["name"]
    assert client.get("/api/themes/9999").status_code == 404
    assert client.get("/api/themes/-1").status_code == 422
    found = client.get("/api/map").json()
    assert len(found["points"]) == 30 and {t["theme_id"] for t in found["themes"]} >= {
        first["theme_id"]}
    assert sum(p["theme_id"] == first["theme_id"] for p in found["points"]) == first["papers"]


def test_an_index_built_before_themes_says_so(synthetic_index: Settings, tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(synthetic_index.data_dir, data)
    for gen in (data / "generations").iterdir():
        (gen / "themes.json").unlink()
    with _client(Settings.load(data)) as c:
        body = c.get("/api/themes").json()
        assert body["themes"] == [] and "reindex" in body["notices"][0]
        assert c.get("/api/map").json()["points"] == []
        assert "reindex" in c.get("/api/themes/0").json()["detail"]


def test_the_theme_of_given_papers(synthetic_index: Settings) -> None:
    snap = load_snapshot(synthetic_index.index)
    ids = [p.paper_id for p in snap.papers[:5]]
    found = themes_of(snap, [*ids, "nope"])
    assert "nope" not in found and set(found) <= set(ids) and found


def test_chinese_names_from_the_glossary_and_other_sources(monkeypatch: pytest.MonkeyPatch) -> None:
    assert name_zh("3D Gaussian Splatting (3DGS) · talking heads") == "3D高斯泼溅 · 说话人头"
    assert name_zh("quantum widgets · LiDAR") == "quantum widgets · 激光雷达"
    monkeypatch.setattr(table, "ZH_SOURCES", (*table.ZH_SOURCES,
                                                 lambda: {"量子部件": ["quantum widgets"]}))
    table.english_to_chinese.cache_clear()
    try:
        assert name_zh("quantum widgets · LiDAR") == "量子部件 · 激光雷达"
    finally:
        table.english_to_chinese.cache_clear()


def test_cli_themes(synthetic_index: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    data = str(synthetic_index.data_dir)
    assert main(["--data-dir", data, "themes", "--sort", "growth", "-n", "2"]) == 0
    out = capsys.readouterr().out
    assert "30 papers" in out and out.count("#") >= 2 and "last 3m:" in out
    assert main(["--data-dir", data, "themes", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    first = listed["themes"][0]["theme_id"]
    assert main(["--data-dir", data, "themes", str(first), "--papers", "2"]) == 0
    detail = capsys.readouterr().out
    assert "papers (2 of" in detail and "2024-0" in detail
    assert main(["--data-dir", data, "themes", "9999"]) == 1
    assert capsys.readouterr().err.strip() == "error: no theme 9999 in this index"

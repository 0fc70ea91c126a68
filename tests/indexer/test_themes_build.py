"""The themes stage inside real builds of the synthetic library (fast tier, model-free encoder):
a first build fits, adding papers extends, a reindex refits, a broken file refits."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from indexer import store
from indexer.build import build
from indexer.models import SourceSpec
from indexer.themes import ThemeData
from search.config import Settings
from tests.fakes import HashEmbedder
from tests.synthetic import synthetic_records, write_synthetic


def _build(settings: Settings, path: Path, mode: str = "add") -> str:
    report = build([SourceSpec(kind="path", value=str(path))], settings.index, HashEmbedder,
                   mode=mode, progress=False)  # type: ignore[arg-type]
    assert report.generation
    return report.generation


def _themes(settings: Settings) -> tuple[list[str], ThemeData]:
    gen = store.generation_path(settings.data_dir)
    con = store.connect_readonly(gen)
    ids = list(store.read_papers(con))
    con.close()
    data = store.read_themes(gen)
    assert data is not None
    return ids, data


def _extra(path: Path, n: int = 3) -> Path:
    """n more papers like the first synthetic ones, dated in July."""
    records = []
    for i, base in enumerate(synthetic_records()[:n]):
        records.append({**base, "arxiv_id": f"2407.{20000 + i}", "published": "2024-07-02",
                        "title": base["title"] + " revisited"})
    return write_synthetic(path, records)


def test_build_fits_then_extends_then_refits(tmp_path: Path) -> None:
    settings = Settings.load(tmp_path / "data")
    library = write_synthetic(tmp_path / "library.jsonl")
    _build(settings, library)
    gen = store.generation_path(settings.data_dir)
    manifest = store.read_manifest(gen)
    ids, first = _themes(settings)
    assert manifest.themes == len(first.themes.themes) >= 2 and "themes" in manifest.seconds
    assert first.themes.fitted_papers == 30 and np.isfinite(first.layout).all()

    _build(settings, _extra(tmp_path / "more.jsonl"))
    ids2, second = _themes(settings)
    assert second.themes == first.themes  # the same themes: nothing was refitted
    known = [ids2.index(pid) for pid in ids]
    assert np.array_equal(second.theme_of[known], first.theme_of)
    assert np.array_equal(second.layout[known], first.layout)
    assert len(ids2) == 33 and np.isfinite(second.layout).all()

    _build(settings, library, mode="reindex")
    ids3, third = _themes(settings)
    assert third.themes.fitted_at > first.themes.fitted_at and third.themes.fitted_papers == 33


def test_unreadable_themes_of_the_current_generation_mean_a_refit(tmp_path: Path) -> None:
    settings = Settings.load(tmp_path / "data")
    _build(settings, write_synthetic(tmp_path / "library.jsonl"))
    gen = store.generation_path(settings.data_dir)
    (gen / "themes.json").write_text(json.dumps({"broken": True}), encoding="utf-8")
    _build(settings, _extra(tmp_path / "more.jsonl"))
    _, data = _themes(settings)
    assert data.themes.fitted_papers == 33

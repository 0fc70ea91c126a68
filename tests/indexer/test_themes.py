"""Themes on synthetic vectors (fast tier): clustering, naming, incremental assignment, the
map's layout, stable numbers across refits, and the files a generation keeps them in."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import adjusted_mutual_info_score

from indexer import store
from indexer.errors import StoreError
from indexer.layout import place_new, tsne_layout
from indexer.themes import (
    MIN_FIT,
    ThemeData,
    compute_themes,
    extend_themes,
    fit_themes,
    join_nearest,
    min_cluster_size,
    needs_refit,
)

# Four lines of work, each with its own phrase; every abstract shares the generic words.
PHRASES = ["gaussian splatting head avatars", "audio-driven talking head lip sync",
           "medical image segmentation", "diffusion model image editing"]


def clustered(per: int = 40, seed: int = 0, dim: int = 64, spread: float = 0.25
              ) -> tuple[list[str], list[str], np.ndarray, np.ndarray]:
    """Papers around four random directions: ids, texts, normalised vectors, true cluster."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((len(PHRASES), dim))
    ids, texts, vecs, truth = [], [], [], []
    for c, phrase in enumerate(PHRASES):
        for i in range(per):
            ids.append(f"p{c}-{i}")
            texts.append(f"Paper {i} on {phrase}. We present a method for {phrase} and show "
                         f"results on a benchmark with extensive experiments.")
            vecs.append(centres[c] + spread * rng.standard_normal(dim) * np.linalg.norm(
                centres[c]) / np.sqrt(dim) * 3)
            truth.append(c)
    x = np.asarray(vecs, dtype=np.float32)
    return ids, texts, x / np.linalg.norm(x, axis=1, keepdims=True), np.asarray(truth)


@pytest.fixture(scope="module")
def fitted() -> tuple[list[str], list[str], np.ndarray, np.ndarray, ThemeData]:
    ids, texts, x, truth = clustered()
    return ids, texts, x, truth, fit_themes(ids, texts, x)


def test_each_line_of_work_becomes_one_named_theme(fitted) -> None:  # type: ignore[no-untyped-def]
    ids, _, _, truth, data = fitted
    assert len(data.themes.themes) == 4
    assert (data.theme_of >= 0).mean() >= 0.95
    assert adjusted_mutual_info_score(truth, data.theme_of) > 0.9
    for theme in data.themes.themes:
        members = [i for i, t in enumerate(data.theme_of) if t == theme.theme_id]
        phrase = PHRASES[np.bincount(truth[members]).argmax()]
        # the name is made of the cluster's own words, never the shared ones
        assert set(theme.name.lower().replace("·", " ").split()) <= set(phrase.split()) | {
            "avatar", "head"}, theme.name
        assert not {"method", "results", "benchmark", "experiments"} & set(theme.name.split())
    assert len({t.name for t in data.themes.themes}) == 4


def test_the_map_keeps_clusters_apart_and_is_deterministic(fitted) -> None:  # type: ignore[no-untyped-def]
    ids, texts, x, truth, data = fitted
    assert data.layout.shape == (len(ids), 2) and np.isfinite(data.layout).all()
    centre = np.array([data.layout[truth == c].mean(axis=0) for c in range(4)])
    within = np.mean([np.linalg.norm(data.layout[truth == c] - centre[c], axis=1).mean()
                      for c in range(4)])
    between = min(np.linalg.norm(centre[a] - centre[b]) for a in range(4) for b in range(a))
    assert between > 2 * within
    assert np.array_equal(tsne_layout(x[:60]), tsne_layout(x[:60]))


def test_new_papers_join_the_nearest_theme_or_none(fitted) -> None:  # type: ignore[no-untyped-def]
    ids, texts, x, truth, data = fitted
    more_ids, _, more_x, more_truth = clustered(per=10, seed=0)  # same centres, new noise
    rng = np.random.default_rng(7)
    stranger = rng.standard_normal((1, x.shape[1])).astype(np.float32)
    stranger /= np.linalg.norm(stranger)
    new_ids = ids + [f"new-{p}" for p in more_ids] + ["stranger", "no-text"]
    new_x = np.vstack([x, more_x, stranger, np.zeros((1, x.shape[1]), np.float32)])
    out = extend_themes(data, ids, new_ids, new_x)
    n = len(ids)
    assert np.array_equal(out.theme_of[:n], data.theme_of)  # known papers keep theirs
    assert np.array_equal(out.layout[:n], data.layout)
    theme_of_cluster = {c: np.bincount(data.theme_of[truth == c][data.theme_of[truth == c] >= 0])
                        .argmax() for c in range(4)}
    joined = out.theme_of[n:n + len(more_ids)]
    # a new paper joins its own cluster's theme, or none when it is further from the
    # centre than 90 % of the members are: never another theme
    assert all(t in (theme_of_cluster[c], -1) for c, t in zip(more_truth, joined, strict=True))
    assert (joined >= 0).mean() >= 0.75
    assert out.theme_of[-2] == -1 and out.theme_of[-1] == -1
    assert np.isnan(out.layout[-1]).all()  # a paper without a vector is not on the map
    for k, c in enumerate(more_truth):  # placed among its own cluster on the map
        distances = [np.linalg.norm(out.layout[n + k] - data.layout[truth == d].mean(axis=0))
                     for d in range(4)]
        assert int(np.argmin(distances)) == c
    assert out.themes is data.themes  # names and thresholds unchanged


def test_a_refit_keeps_the_numbers_of_the_themes_it_continues(fitted) -> None:  # type: ignore[no-untyped-def]
    ids, texts, x, truth, data = fitted
    before = {pid: int(t) for pid, t in zip(ids, data.theme_of, strict=True) if t >= 0}
    renamed = {pid: t + 10 for pid, t in before.items()}  # as if an earlier fit numbered them so
    again = fit_themes(ids, texts, x, previous=renamed)
    assert sorted(t.theme_id for t in again.themes.themes) == sorted(
        t.theme_id + 10 for t in data.themes.themes)
    assert all(renamed.get(pid, t) == t for pid, t in zip(ids, again.theme_of.tolist(), strict=True)
               if t >= 0)
    fresh = fit_themes(ids, texts, x, previous={"gone": 3})
    assert sorted(t.theme_id for t in fresh.themes.themes) == [4, 5, 6, 7]


def test_when_to_refit(fitted) -> None:  # type: ignore[no-untyped-def]
    ids, texts, x, truth, data = fitted
    assert needs_refit(None, [], ids)
    assert not needs_refit(data, ids, ids + ["one", "two"])
    assert needs_refit(data, ids, ids + [f"x{i}" for i in range(len(ids) + 1)])  # doubled
    assert needs_refit(data, ids[:-1], ids)  # arrays do not match the ids given
    small = fit_themes(ids[:10], texts[:10], x[:10])
    assert small.themes.themes == [] and (small.theme_of == -1).all()
    assert np.isfinite(small.layout).all()
    assert needs_refit(small, ids[:10], ids[:MIN_FIT])  # grown enough for themes
    kept = compute_themes(ids + ["late"], texts + ["late"], np.vstack([x, x[:1]]), data, ids)
    assert kept.themes is data.themes
    refit = compute_themes(ids, texts, x, data, ids, refit=True)
    assert refit.themes.fitted_at > data.themes.fitted_at


def test_join_threshold_and_sizes() -> None:
    cents = np.eye(3, dtype=np.float32)
    vecs = np.array([[0.9, 0.1, 0], [0.5, 0.5, 0.7], [0, 0, 0]], dtype=np.float32)
    vecs[:2] /= np.linalg.norm(vecs[:2], axis=1, keepdims=True)
    assert join_nearest(vecs, cents, [0.8, 0.8, 0.8], [5, 6, 7]).tolist() == [5, -1, -1]
    assert join_nearest(vecs, cents[:0], [], []).tolist() == [-1, -1, -1]
    assert min_cluster_size(100) == 5 and min_cluster_size(1_700) == 10
    assert min_cluster_size(20_000) == 35


def test_place_new_weights_the_nearest_papers() -> None:
    known = np.eye(3, dtype=np.float32)
    xy = np.array([[0, 0], [10, 0], [0, 10]], dtype=np.float32)
    near_first = np.array([[0.99, 0.1, 0.0]], dtype=np.float32)
    placed = place_new(known, xy, near_first / np.linalg.norm(near_first), k=2)
    assert placed[0, 0] < 1 and abs(placed[0, 1]) < 1e-3
    assert np.isnan(place_new(known[:0], xy[:0], near_first)).all()


def test_themes_files_round_trip(tmp_path: Path, fitted) -> None:  # type: ignore[no-untyped-def]
    *_, data = fitted
    assert store.read_themes(tmp_path) is None  # a generation built before themes
    store.write_themes(tmp_path, data)
    back = store.read_themes(tmp_path)
    assert back is not None and back.themes == data.themes
    assert np.array_equal(back.theme_of, data.theme_of)
    assert np.array_equal(back.layout, data.layout)
    np.save(tmp_path / "theme_centroids.npy", data.centroids[:1])
    with pytest.raises(StoreError, match="do not match"):
        store.read_themes(tmp_path)
    (tmp_path / "themes.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(StoreError, match="unreadable themes"):
        store.read_themes(tmp_path)

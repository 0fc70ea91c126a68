"""Themes of the real corpus index (slow): a sane number of named themes that cover most
papers, agree with the digests' own topics better than chance, and trend up to the
newest paper."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import adjusted_mutual_info_score

from search.config import Settings
from search.retrieval.snapshot import load_snapshot
from search.retrieval.themes import theme_detail, theme_list

GENERIC = {"method", "methods", "results", "paper", "framework", "approach", "model", "novel"}


def test_corpus_themes_are_many_named_and_cover_most_papers(corpus_index: Settings) -> None:
    snap = load_snapshot(corpus_index.index)
    assert snap.themes is not None
    found = theme_list(snap)
    assert 12 <= len(found.themes) <= 60
    assert found.themed / found.papers >= 0.75
    names = [t.name for t in found.themes]
    assert len(set(names)) == len(names)
    assert all(not set(n.lower().replace("·", " ").split()) <= GENERIC for n in names)
    largest = " ".join(names[:6]).lower()
    for words in ("gaussian", "radiance", "talking"):
        assert words in largest, names[:6]
    labels = [p.topics[0] if p.topics else "" for p in snap.papers]
    assert adjusted_mutual_info_score(labels, np.asarray(snap.themes.theme_of)) > 0.3


def test_a_3dgs_paper_sits_in_a_gaussian_theme_and_trends_end_at_the_newest(
        corpus_index: Settings) -> None:
    snap = load_snapshot(corpus_index.index)
    found = theme_list(snap, "growth_3m")
    assert str(found.newest) == "2024-11-27"
    gaussian = next(t for t in theme_list(snap).themes if "Gaussian Splatting" in t.name)
    detail = theme_detail(snap, gaussian.theme_id)
    in_3dgs = sum("3DGS" in snap.papers[snap.paper_index[p.paper_id]].topics
                  for p in detail.members)
    assert in_3dgs / len(detail.members) >= 0.8
    top = found.themes[0]
    assert top.growth_3m.growth is not None and top.growth_3m.growth > 0
    assert top.growth_3m.recent >= 3 and top.recent_papers
    assert all(str(p.published) > "2024-08-27" for p in top.recent_papers)
    assert any(t.name_zh != t.name for t in found.themes)  # the glossary translates some

"""Index-data I/O for a generation's themes and map (part of `indexer.store`, re-exported there).

Files of a generation written here::

    themes.json          the themes (ids, names, terms, joining thresholds) and how they were fitted
    theme_of_paper.npy   int32 theme id of each paper (papers table order), -1 for none
    layout.npy           float32 (papers × 2) map position of each paper, NaN for none
    theme_centroids.npy  float32 (themes × dim) normalised mean vector, rows in themes.json order

A generation built before themes existed has none of them: `read_themes` returns None
and search serves it without a map.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from indexer.errors import StoreError
from indexer.models import ThemeSet
from indexer.themes import ThemeData

THEME_ARRAYS = {"theme_of": "theme_of_paper", "layout": "layout", "centroids": "theme_centroids"}


def write_themes(gen_dir: Path, data: ThemeData) -> None:
    """Persist the themes and their arrays into a (staged) generation directory."""
    for field, name in THEME_ARRAYS.items():
        np.save(gen_dir / f"{name}.npy", np.ascontiguousarray(getattr(data, field)))
    (gen_dir / "themes.json").write_text(data.themes.model_dump_json(indent=2), encoding="utf-8")


def read_themes(gen_dir: Path) -> ThemeData | None:
    """A generation's themes (arrays memory-mapped), or None when it was built without."""
    path = gen_dir / "themes.json"
    if not path.is_file():
        return None
    try:
        themes = ThemeSet.model_validate_json(path.read_text(encoding="utf-8"))
        arrays = {field: np.load(gen_dir / f"{name}.npy", mmap_mode="r")
                  for field, name in THEME_ARRAYS.items()}
    except (OSError, ValueError) as exc:
        raise StoreError(f"unreadable themes in {gen_dir}: {str(exc).splitlines()[0]}") from exc
    if len(arrays["centroids"]) != len(themes.themes):
        raise StoreError(f"themes of {gen_dir} do not match their centroids; rebuild the index")
    return ThemeData(themes=themes, **arrays)

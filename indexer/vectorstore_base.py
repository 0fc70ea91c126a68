"""The vector-store protocol and its hit type: a leaf that every store implementation imports.

Ids are vector rows (0 … n-1, the rows of embeddings.npy); callers map them to chunks.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

import numpy as np

Hits = tuple[np.ndarray, np.ndarray]  # (vector ids int64, inner products float32), best first


class VectorStore(Protocol):
    """What building and searching need from a vector index."""

    kind: str

    def build(self, vectors: np.ndarray, queries: np.ndarray | None = None) -> None:
        """Index normalised float32 vectors (row i gets id i); tune search on `queries`."""

    def save(self, gen_dir: Path) -> None:
        """Persist the index for a (staged) generation directory."""

    def load(self, gen_dir: Path) -> None:
        """Open the index of a published generation for search."""

    def search(self, qvec: np.ndarray, n: int, allowed: np.ndarray | None) -> Hits:
        """Up to n ids nearest to qvec by inner product, only among `allowed` ids if given."""

    def describe(self) -> dict[str, Any]:
        """Manifest fields recording the store, index type and search parameters."""

    def close(self) -> None:
        """Release connections or servers (idempotent)."""


def no_hits() -> Hits:
    """An empty result."""
    return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)

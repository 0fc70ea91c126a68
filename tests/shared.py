"""Paths to the shared, read-only corpus (../shared next to the repository)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


def require_shared() -> Path:
    """The shared data directory; skip the test (fail on CI) when its corpus is missing."""
    if not (SHARED / "corpus").is_dir():
        message = f"shared corpus not found at {SHARED / 'corpus'}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return SHARED

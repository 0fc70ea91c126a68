"""Paths to the shared, read-only corpus, and the one rule for what CI may not skip."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


def in_ci() -> bool:
    """True under CI (any CI value but empty, 0 or false; `.ci/run` exports CI=true)."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def require(condition: bool, message: str) -> None:
    """Skip the test when `condition` is false, except in CI, where that is a failure."""
    if condition:
        return
    if in_ci():
        pytest.fail(f"{message} (required in CI)")
    pytest.skip(message)


def require_shared() -> Path:
    """The shared data directory; skip the test (fail in CI) when its corpus is missing."""
    require((SHARED / "corpus").is_dir(), f"shared corpus not found at {SHARED / 'corpus'}")
    return SHARED

"""Which question sets are here: the late blind sets are found by file name, so that a new
blind set needs no edit in the scripts that run or check them."""

from __future__ import annotations

import re
from pathlib import Path

HERE = Path(__file__).resolve().parent


def late_sets(prefix: str, numbered_only: bool = False) -> list[tuple[str, Path]]:
    """(split, path) of each `<prefix>late<n>.jsonl` file here ("late" alone counts as the
    first unless `numbered_only`), in set order."""
    found = [(p.stem.removeprefix(prefix), p) for p in HERE.glob(f"{prefix}late*.jsonl")]
    sets = [(name, p) for name, p in found
            if re.fullmatch(r"late\d*", name) and not (numbered_only and name == "late")]
    return sorted(sets, key=lambda s: int(s[0].removeprefix("late") or 1))

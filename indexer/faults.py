"""Crash points and full-disk faults for the robustness tests.

Setting ``AVATAR_SCHOLAR_CRASH_AT=<stage>`` makes an indexing job SIGKILL itself when
it reaches that stage (parse, embed, write, switch), which is how the tests prove that
a job killed at any moment leaves the previous generation serving. Unset, it costs
one environment lookup per stage.

``AVATAR_SCHOLAR_DISK_FULL_AT=<file>`` makes the write of that file of a generation
(sqlite, vectors, pointer) fail as a full disk does: with SQLite's real
``OperationalError("database or disk is full")`` or ``OSError(ENOSPC)``, for the tests
where no small filesystem can be mounted.
"""

from __future__ import annotations

import errno
import os
import signal
import sqlite3
from pathlib import Path


def checkpoint(stage: str) -> None:
    """Die here, abruptly, if the crash tests asked for this stage."""
    if os.environ.get("AVATAR_SCHOLAR_CRASH_AT") == stage:
        os.kill(os.getpid(), signal.SIGKILL)


def disk_full(what: str, path: Path) -> None:
    """Fail this write as a full disk would, if the tests asked for it."""
    if os.environ.get("AVATAR_SCHOLAR_DISK_FULL_AT") != what:
        return
    if what == "sqlite":
        raise sqlite3.OperationalError("database or disk is full")
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

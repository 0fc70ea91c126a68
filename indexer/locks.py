"""One job at a time: an exclusive, non-blocking flock on a lock file.

flock is released by the kernel when the process dies, so a SIGKILLed job never leaves a
stale lock behind. A leaf module: the index store and the PDF cache both hold one.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from indexer.errors import LockedError


@contextlib.contextmanager
def exclusive(path: Path, busy: str) -> Iterator[None]:
    """Hold the lock file `path` for the block, or raise LockedError(`busy`) at once."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fh = open(path, "a+")  # noqa: SIM115 - held for the whole block
    try:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError as exc:
        fh.close()
        raise LockedError(busy) from exc
    try:
        with contextlib.suppress(OSError):  # the pid is informational; a full disk may refuse it
            os.ftruncate(fh.fileno(), 0)
            os.pwrite(fh.fileno(), f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
        fh.close()

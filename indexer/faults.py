"""Crash points for the crash-safety tests.

Setting ``AVATAR_SCHOLAR_CRASH_AT=<stage>`` makes an indexing job SIGKILL itself when
it reaches that stage (parse, embed, write, switch), which is how the tests prove that
a job killed at any moment leaves the previous generation serving. Unset, it costs
one environment lookup per stage.
"""

from __future__ import annotations

import os
import signal


def checkpoint(stage: str) -> None:
    """Die here, abruptly, if the crash tests asked for this stage."""
    if os.environ.get("AVATAR_SCHOLAR_CRASH_AT") == stage:
        os.kill(os.getpid(), signal.SIGKILL)

"""`run` killed with SIGKILL takes the API and the UI with it (issue 14, item 7).

The real console script starts both children on free ports (over an empty data
directory, so no model is loaded); once both ports listen, `run` is SIGKILLed, and
both ports must be free again within seconds.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.shared import REPO
from tests.ui.support import free_port

pytestmark = pytest.mark.slow  # starts Streamlit


def listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(entry.name))
    return out


def alive(pid: int) -> bool:
    """Running (a zombie waiting for a reaper counts as dead: it holds no port)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_sigkilled_run_leaves_no_orphans(tmp_path: Path) -> None:
    api_port, ui_port = free_port(), free_port()
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "AVATAR_SCHOLAR_API_PORT": str(api_port),
           "AVATAR_SCHOLAR_UI_PORT": str(ui_port)}
    log = tmp_path / "run.log"
    with open(log, "wb") as out:
        run = subprocess.Popen([sys.executable, "-m", "search", "--data-dir", str(tmp_path / "data"),
                                "run", "--no-build"], cwd=REPO, env=env, stdout=out,
                               stderr=subprocess.STDOUT)
    kids: list[int] = []
    try:
        deadline = time.monotonic() + 120
        while not (listening(api_port) and listening(ui_port)):
            assert run.poll() is None and time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.3)
        kids = children(run.pid)
        assert len(kids) == 2, kids
        run.send_signal(signal.SIGKILL)
        run.wait(timeout=10)
        deadline = time.monotonic() + 5
        while (listening(api_port) or listening(ui_port)) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not listening(api_port) and not listening(ui_port), "orphans hold the ports"
        assert not any(alive(k) for k in kids)
    finally:
        for k in kids:  # leave nothing behind even when the test fails
            if alive(k):
                os.kill(k, signal.SIGKILL)
        if run.poll() is None:
            run.kill()

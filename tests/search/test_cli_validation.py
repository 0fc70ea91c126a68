"""Bad ports, counts and settings on the command line: one line `error: ...`, exit code 2,
never a traceback (issue 14, item 6). Validation happens before anything is loaded, so
these run without a model or an index."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from search.config import Settings, setting_error
from tests.shared import REPO


def cli(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("AVATAR_SCHOLAR_")}
    return subprocess.run([sys.executable, "-m", "search", "--data-dir", str(tmp_path), *args],
                          capture_output=True, text=True, cwd=REPO, timeout=120,
                          env={**clean, "HF_HUB_OFFLINE": "1", **env})


@pytest.mark.parametrize(("args", "env", "expected"), [
    (["serve", "--port", "99999"], {}, "error: argument --port: 99999 is out of range: use 1-65535"),
    (["serve", "--port", "-1"], {}, "error: argument --port: -1 is out of range: use 1-65535"),
    (["ui", "--port", "http"], {}, "error: argument --port: 'http' is not a port number"),
    (["serve"], {"AVATAR_SCHOLAR_API_PORT": "-1"},
     "error: invalid setting AVATAR_SCHOLAR_API_PORT=-1: Input should be greater than or equal to 1"),
    (["run", "--no-build"], {"AVATAR_SCHOLAR_UI_PORT": "70000"},
     "error: invalid setting AVATAR_SCHOLAR_UI_PORT=70000: Input should be less than or equal to 65535"),
    (["search", "talking head", "-k", "-5"], {}, "error: argument -k: -5 is out of range: use 1-100"),
    (["similar", "2401.08503", "-k", "-3"], {}, "error: argument -k: -3 is out of range: use 1-100"),
    (["ask", "What is a talking head?", "-k", "0"], {}, "error: argument -k: 0 is out of range"),
    (["search", "x", "-k", "101"], {}, "error: argument -k: 101 is out of range: use 1-100"),
    (["jobs", "--limit", "0"], {}, "error: argument --limit: 0 is out of range: use 1-200"),
    (["serve", "--threads", "0"], {}, "error: argument --threads/--torch-threads: 0 is out of range"),
    (["index", "arxiv:nerf", "--max", "-2"], {}, "error: argument --max: -2 is out of range"),
])
def test_bad_numbers_are_one_line_usage_errors(tmp_path: Path, args: list[str], env: dict[str, str],
                                               expected: str) -> None:
    proc = cli(tmp_path, *args, **env)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(expected), proc.stderr
    assert not (tmp_path / "generations").exists()  # nothing ran


def test_settings_reject_out_of_range_ports(monkeypatch: pytest.MonkeyPatch) -> None:
    from pydantic import ValidationError

    monkeypatch.setenv("AVATAR_SCHOLAR_API_PORT", "99999")
    with pytest.raises(ValidationError) as info:
        Settings.load()
    assert setting_error(info.value) == ("invalid setting AVATAR_SCHOLAR_API_PORT=99999: Input "
                                         "should be less than or equal to 65535")


def test_secret_settings_are_not_echoed(monkeypatch: pytest.MonkeyPatch) -> None:
    from pydantic import ValidationError

    monkeypatch.setenv("AVATAR_SCHOLAR_LLM_TIMEOUT", "soon")
    with pytest.raises(ValidationError) as info:
        Settings.load(llm={"api_key": ["sk-secret"]})
    message = setting_error(info.value)
    assert "AVATAR_SCHOLAR_LLM_TIMEOUT=soon" in message and "AVATAR_SCHOLAR_LLM_API_KEY:" in message
    assert "sk-secret" not in message


@pytest.mark.parametrize(("host", "open_to_others"), [
    ("127.0.0.1", False), ("localhost", False), ("::1", False), ("127.0.0.2", False),
    ("0.0.0.0", True), ("::", True), ("192.168.1.20", True), ("scholar.example.org", True),
])
def test_exposed(host: str, open_to_others: bool) -> None:
    from search.cli.serve import exposed

    assert exposed(host) is open_to_others


def test_serving_on_every_interface_warns_in_one_line(tmp_path: Path) -> None:
    """`serve --host 0.0.0.0` says the API has no authentication (issue 14, item 10). The
    server is stopped as soon as the line appears, before it starts listening."""
    from tests.ui.support import free_port

    port = free_port()
    clean = {k: v for k, v in os.environ.items() if not k.startswith("AVATAR_SCHOLAR_")}
    proc = subprocess.Popen([sys.executable, "-m", "search", "-q", "--data-dir", str(tmp_path),
                             "serve", "--host", "0.0.0.0", "--port", str(port)], cwd=REPO,
                            env={**clean, "HF_HUB_OFFLINE": "1"}, stderr=subprocess.PIPE,
                            text=True)
    try:
        assert proc.stderr is not None
        first = proc.stderr.readline()
    finally:
        proc.kill()
        proc.wait(timeout=30)
    assert first == (f"warning: the API has no authentication and 0.0.0.0:{port} is reachable"
                     " from other machines; put it behind a reverse proxy with authentication"
                     " (docs/operations.md)\n")

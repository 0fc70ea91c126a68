"""`avatar-scholar ui`: the command it execs, its environment, and a busy port."""

from __future__ import annotations

import socket
import tomllib
from pathlib import Path

import pytest

from search.cli import ui as commands_ui
from search.cli.main import main


def test_ui_execs_streamlit_with_api_url_and_data_dir(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    calls: list[tuple[str, list[str], dict[str, str]]] = []
    monkeypatch.setattr(commands_ui.os, "execve", lambda *a: calls.append(a))
    monkeypatch.setenv("AVATAR_SCHOLAR_API_PORT", "8123")
    monkeypatch.delenv("AVATAR_SCHOLAR_API_URL", raising=False)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    assert main(["--data-dir", str(tmp_path), "ui", "--port", str(port)]) == 0
    [(exe, cmd, env)] = calls
    server = Path(cmd[cmd.index("run") + 1])
    assert exe == cmd[0] and cmd[1:3] == ["-m", "streamlit"]
    assert server.name == "server.py" and server.is_file() and server.parent.name == "ui"
    assert (server.parent / "app.py").is_file()
    flags = dict(zip(cmd[5::2], cmd[6::2], strict=True))
    assert flags == {"--server.port": str(port), "--server.address": "127.0.0.1"}
    assert env["AVATAR_SCHOLAR_API_URL"] == "http://127.0.0.1:8123"
    assert env["AVATAR_SCHOLAR_DATA"] == str(tmp_path.resolve())


def test_streamlit_config_next_to_the_server_script() -> None:
    """Streamlit reads ui/.streamlit/config.toml (next to the main script): no Deploy
    button, no tracebacks or search-engine links in error boxes, no usage statistics."""
    config = tomllib.loads((commands_ui.app_path().parent / ".streamlit" / "config.toml")
                           .read_text(encoding="utf-8"))
    assert config["client"] == {"toolbarMode": "minimal", "showErrorDetails": "type",
                                "showErrorLinks": False}
    assert config["browser"]["gatherUsageStats"] is False and config["server"]["headless"] is True


def test_page_urls_get_a_shell_that_connects_to_the_root(monkeypatch: pytest.MonkeyPatch) -> None:
    """ui/server.py: /search etc. get Streamlit's page with the backend base URL set."""
    import streamlit.config
    from starlette.applications import Starlette
    from starlette.testclient import TestClient

    # st.App pins Streamlit's process-wide script path; keep it to this test
    monkeypatch.setattr(streamlit.config, "_main_script_path", None)
    from ui import server

    paths = sorted(route.path for route in server.app._user_routes)
    assert paths == ["/ask", "/digest", "/library", "/map", "/paper", "/search"]
    html = server.page_shell(server.SHELL.read_text(encoding="utf-8"))
    assert html.count(server.BASE_URL_SCRIPT) == 1
    assert html.index(server.BASE_URL_SCRIPT) < html.index('<script type="module"')
    with TestClient(Starlette(routes=server.app._user_routes)) as client:
        resp = client.get("/search?q=avatar")
    assert resp.status_code == 200 and server.BASE_URL_SCRIPT in resp.text
    assert resp.headers["cache-control"] == "no-cache"


def test_ui_port_in_use_is_one_line_error(capsys: pytest.CaptureFixture[str],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(commands_ui.os, "execve", lambda *a: pytest.fail("must not start"))
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["ui", "--port", str(port)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"error: UI port {port} on 127.0.0.1 is already in use "
                   "(set AVATAR_SCHOLAR_UI_PORT or --port)"]


def test_explicit_api_url_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    from search.config import Settings

    monkeypatch.setenv("AVATAR_SCHOLAR_API_URL", "http://127.0.0.1:9000/")
    settings = Settings.load()
    assert commands_ui.api_url_for(settings) == "http://127.0.0.1:9000"
    assert commands_ui.api_url_for(settings, "http://127.0.0.1:7000") == "http://127.0.0.1:7000"

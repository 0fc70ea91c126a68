"""`avatar-scholar ui`: the Streamlit UI on 127.0.0.1.

The process is replaced by ``python -m streamlit run <ui>/server.py`` (exec), so signals
sent to it reach Streamlit directly. server.py serves app.py with direct page links
fixed (see its docstring); Streamlit's other settings are in ui/.streamlit/config.toml. The UI finds the API through
$AVATAR_SCHOLAR_API_URL and the data directory (for PDF uploads) through
$AVATAR_SCHOLAR_DATA, both set here from the settings.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
from pathlib import Path

from search.cli.base import EXIT_ERROR, PORT, Command, port_in_use
from search.config import Settings

UI_HOST = "127.0.0.1"


def app_path() -> Path:
    """ui/server.py of the installed `ui` package (found without importing the package)."""
    spec = importlib.util.find_spec("ui")
    if spec is None or spec.origin is None:
        raise FileNotFoundError("the `ui` package is not installed (pip install -e .)")
    return Path(spec.origin).parent / "server.py"


def api_url_for(settings: Settings, override: str | None = None) -> str:
    """The API URL the UI should call: --api-url, else the settings' (`ui_api_url`)."""
    return override.rstrip("/") if override else settings.service.ui_api_url()


def streamlit_command(port: int) -> list[str]:
    """The `streamlit run` command line for the UI on 127.0.0.1:port."""
    return [
        sys.executable, "-m", "streamlit", "run", str(app_path()),
        "--server.port", str(port), "--server.address", UI_HOST,
    ]


def _ui_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--port", type=PORT, help="UI port (default: 8501 or $AVATAR_SCHOLAR_UI_PORT)")
    p.add_argument("--api-url", help="API base URL (default: $AVATAR_SCHOLAR_API_URL, else "
                                     "http://127.0.0.1:$AVATAR_SCHOLAR_API_PORT)")


def run_ui(args: argparse.Namespace, settings: Settings) -> int:
    """Check the port, then exec Streamlit with the API URL and data directory in its env."""
    port = settings.service.ui_port if args.port is None else args.port
    if port_in_use(UI_HOST, port):
        sys.stderr.write(f"error: UI port {port} on {UI_HOST} is already in use "
                         "(set AVATAR_SCHOLAR_UI_PORT or --port)\n")
        return EXIT_ERROR
    env = {**os.environ, "AVATAR_SCHOLAR_API_URL": api_url_for(settings, args.api_url),
           "AVATAR_SCHOLAR_DATA": str(Path(settings.data_dir).resolve())}
    cmd = streamlit_command(port)
    sys.stderr.write(f"Avatar Scholar UI: http://{UI_HOST}:{port} (API {env['AVATAR_SCHOLAR_API_URL']})\n")
    sys.stderr.flush()
    os.execve(cmd[0], cmd, env)
    return 0  # not reached: execve replaces this process


COMMAND = Command("ui", "Start the Streamlit UI (it talks to the API started by `serve`).",
                  _ui_args, run_ui)

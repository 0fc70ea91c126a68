"""`avatar-scholar run`: build the default library if there is no index, then serve API + UI.

This is what `make run` calls. The API and the Streamlit UI run as child processes
(the same console script's `serve` and `ui`), both stopped on Ctrl-C or when either
exits, and killed by the kernel if `run` itself is killed (even with SIGKILL). When arXiv
is reachable and full text is on, a third child fetches the papers' full text in the
background (`avatar-scholar fulltext`); it is stopped with them.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time

from indexer import store
from indexer.build import build
from indexer.defaults import default_specs
from indexer.embed import embedder_for
from search.cli.base import Command, die_with_parent, port_in_use, report_build
from search.cli.fulltext import start_background
from search.config import Settings


def ensure_default_index(settings: Settings, quiet: bool = False) -> None:
    """Build the default library (bundle + inbox + arXiv when reachable) if no index exists."""
    if store.current_generation(settings.data_dir):
        return
    specs = default_specs(settings.data_dir)
    if not specs:
        sys.stderr.write("no index and no default sources: the app will open empty\n")
        return
    sys.stderr.write(f"building the default index in {settings.data_dir} (first run only)\n")
    report = build(specs, settings.index, lambda: embedder_for(settings.index), mode="add",
                   progress=not quiet)
    report_build(report, settings, "index")


def _child(args: list[str], settings: Settings, env: dict[str, str]) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-m", "search", "--data-dir", str(settings.data_dir), *args]
    return subprocess.Popen(cmd, env=env, start_new_session=True, preexec_fn=die_with_parent())


def _stop(procs: list[subprocess.Popen[bytes]]) -> None:
    for p in procs:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGTERM)
    deadline = time.monotonic() + 10
    for p in procs:
        try:
            p.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def run_run(args: argparse.Namespace, settings: Settings) -> int:
    service = settings.service
    host, api_port, ui_port = service.api_host, service.api_port, service.ui_port
    for name, port, var in (("API", api_port, "API_PORT"), ("UI", ui_port, "UI_PORT")):
        if port_in_use(host, port):
            sys.stderr.write(f"error: {name} port {port} on {host} is already in use"
                             f" (set AVATAR_SCHOLAR_{var} to another port)\n")
            return 1
    if not args.no_build:
        ensure_default_index(settings, args.quiet)
    api_url = f"http://{host}:{api_port}"
    env = {**os.environ, "AVATAR_SCHOLAR_API_URL": api_url, "HF_HUB_OFFLINE": "1",
           "AVATAR_SCHOLAR_API_PORT": str(api_port), "AVATAR_SCHOLAR_UI_PORT": str(ui_port)}
    # `kill` (SIGTERM) must stop the children too, as Ctrl-C does.
    signal.signal(signal.SIGTERM, _interrupt)
    procs = [_child(["serve", "--host", host, "--port", str(api_port)], settings, env),
             _child(["ui"], settings, env)]
    enrich = start_background(settings, env)  # full text, never waited for
    sys.stdout.write(f"Avatar Scholar API: {api_url}/docs\nAvatar Scholar UI:  http://{host}:{ui_port}\n"
                     "Press Ctrl-C to stop both.\n")
    sys.stdout.flush()
    try:
        while all(p.poll() is None for p in procs):
            if enrich is not None:
                enrich.poll()  # reap it when it is done; it is not watched like the others
            time.sleep(0.5)
        return next(p.returncode for p in procs if p.returncode is not None) or 1
    except KeyboardInterrupt:
        return 0
    finally:
        _stop(procs + ([enrich] if enrich is not None else []))


def _run_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--no-build", action="store_true", help="start even if there is no index")


COMMAND = Command("run", "Build the default library if needed, then start the API and the UI.",
                  _run_args, run_run)

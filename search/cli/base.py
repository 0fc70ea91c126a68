"""What every subcommand shares: the command record, exit codes, output helpers.

A leaf of the CLI package: command modules import it, and `search.cli.main` lists the
commands explicitly, so no module registers itself by being imported.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import signal
import socket
import sys
from collections.abc import Callable
from dataclasses import dataclass

from indexer import store
from indexer.build import BuildReport
from search.config import Settings

PR_SET_PDEATHSIG = 1  # linux/prctl.h
EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_LOCKED, EXIT_NO_INDEX = 0, 1, 2, 3, 4

Runner = Callable[[argparse.Namespace, Settings], int]


@dataclass(frozen=True)
class Command:
    """One subcommand: its name and help, how it adds its arguments, and what it runs."""

    name: str
    help: str
    add_args: Callable[[argparse.ArgumentParser], None]
    run: Runner


def bounded_int(low: int, high: int, what: str = "a number") -> Callable[[str], int]:
    """An argparse type: an integer in low..high, else a one-line usage error."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not {what}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{value} is out of range: use {low}-{high}")
        return value

    return parse


PORT = bounded_int(1, 65535, "a port number")
COUNT = bounded_int(1, 100, "a number")  # result counts: the API's limit for k


def no_args(parser: argparse.ArgumentParser) -> None:
    """For commands without arguments of their own."""


def json_flag(parser: argparse.ArgumentParser) -> None:
    """The ``--json`` flag shared by many commands."""
    parser.add_argument("--json", action="store_true", help="print JSON")


def print_json(data: object) -> None:
    """Machine-readable output on stdout."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


def report_build(report: BuildReport, settings: Settings, kind: str) -> int:
    """Print notices, skips and the one-line summary; store the JSON job report."""
    for notice in report.notices:
        sys.stderr.write(f"note: {notice}\n")
    for skip in report.skipped:
        where = f"{skip.path} [{skip.entry}]" if skip.entry else skip.path
        sys.stderr.write(f"skipped: {where}: {skip.reason}\n")
    if 0 < len(report.omitted) <= 3:
        for o in report.omitted:
            sys.stderr.write(f"note: left out the {o.what} of {o.path} (pages {o.pages})\n")
    elif report.omitted:
        files = len({o.path for o in report.omitted})
        sys.stderr.write(f"note: left out the reference lists of {files} PDFs (their pages are"
                         " in the job report: avatar-scholar jobs --json)\n")
    store.write_job_report(settings.data_dir, report.job(kind))
    sys.stderr.write(f"{kind}: {report.summary()}\n")
    return EXIT_OK


def port_in_use(host: str, port: int) -> bool:
    """True when something already listens on host:port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return True
    return False


def die_with_parent() -> Callable[[], None] | None:
    """A `preexec_fn` that has the kernel SIGKILL the child when this process dies, however
    it dies (SIGKILL included), so the API and the UI never outlive `run` holding their
    ports. The setting survives exec (``ui`` execs Streamlit). Linux only; None elsewhere."""
    if not sys.platform.startswith("linux"):
        return None
    prctl = ctypes.CDLL(None, use_errno=True).prctl  # looked up before fork, called after
    parent = os.getpid()

    def set_death_signal() -> None:
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent:  # the parent died before the signal was armed
            os.kill(os.getpid(), signal.SIGKILL)

    return set_death_signal

"""`avatar-scholar fulltext`: download and index the full text of papers indexed from metadata.

Also the two other ways full text arrives: `enrich_new`, which `index "arxiv:…"`,
`update` and `reindex` run after their build for the arXiv papers it fetched, and
`start_background`, the job `run` starts as its child so that it never waits for PDFs.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys

from indexer import store
from indexer.build import BuildReport
from indexer.embed import embedder_for
from indexer.errors import LockedError
from indexer.fulltext_job import FulltextReport, plural, run_fulltext
from indexer.models import parse_arxiv_id
from indexer.redact import redact
from indexer.sources.arxiv import network_available
from search.cli.base import EXIT_OK, EXIT_USAGE, Command, die_with_parent, report_build
from search.config import Settings

EXIT_INTERRUPTED = 130


def _report(report: FulltextReport, settings: Settings) -> None:
    """One line when nothing was attempted (offline, switched off, nothing to do), else the
    notices, skip lines, summary and a stored job report."""
    if not report.total and not report.batches and not report.skipped:
        line = report.notices[-1] if report.notices else (
            f"nothing to do: {plural(report.left, 'paper')} without full text"
            + (f" ({report.given_up} given up earlier; --retry-skipped asks again)"
               if report.given_up else ""))
        sys.stderr.write(f"fulltext: {line}\n")
        return
    report_build(report, settings, "fulltext")


def _stop_on_sigterm(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # the job then stops cleanly, as on Ctrl-C


def run_fulltext_command(args: argparse.Namespace, settings: Settings) -> int:
    """Fetch and index bodies for the papers that have none (or only the given ones)."""
    only = None
    if args.ids:
        found = [parse_arxiv_id(i) for i in args.ids]
        if not all(found):
            bad = next(i for i, f in zip(args.ids, found, strict=True) if not f)
            sys.stderr.write(f"error: not an arXiv id: {bad!r}\n")
            return EXIT_USAGE
        only = {f[0] for f in found if f}
    if args.background:
        os.nice(10)  # serving queries comes first
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    report = run_fulltext(settings.index, lambda: embedder_for(settings.index), limit=args.limit,
                          batch=args.batch, only=only, retry_skipped=args.retry_skipped,
                          progress=not args.quiet)
    _report(report, settings)
    return EXIT_INTERRUPTED if report.interrupted else EXIT_OK


def enrich_new(build_report: BuildReport, settings: Settings, quiet: bool) -> None:
    """After a build that fetched papers from arXiv, fetch and index their full text."""
    if not build_report.arxiv_ids or not settings.index.fulltext:
        return
    try:
        report = run_fulltext(settings.index, lambda: embedder_for(settings.index),
                              only=set(build_report.arxiv_ids), progress=not quiet)
    except LockedError:
        sys.stderr.write("note: another full-text job is running; run `avatar-scholar fulltext`"
                         " afterwards for the new papers' full text\n")
        return
    _report(report, settings)


def start_background(settings: Settings, env: dict[str, str]) -> subprocess.Popen[bytes] | None:
    """Start the full-text job as a child of `run` (lower priority, output to a log file).

    Offline or switched off, it says so in one line (offline) or not at all (off) and
    starts nothing.
    """
    if not settings.index.fulltext:
        return None
    url = settings.index.pdf_url
    if not network_available(url):
        sys.stderr.write(f"full text: arXiv unreachable ({redact(url)}); serving abstracts only"
                         " (`avatar-scholar fulltext` fetches them later)\n")
        return None
    log = store.background_log(settings.data_dir)
    cmd = [sys.executable, "-m", "search", "-q", "--data-dir", str(settings.data_dir),
           "fulltext", "--background"]
    with open(log, "ab") as out:
        proc = subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True,
                                preexec_fn=die_with_parent())
    sys.stderr.write(f"full text: fetching arXiv PDFs in the background (progress on the"
                     f" Library page; log: {log})\n")
    return proc


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return int(text)


def _fulltext_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("ids", nargs="*", metavar="ARXIV_ID",
                   help="only these papers (default: every indexed arXiv paper without full text)")
    p.add_argument("--limit", type=_positive, metavar="N", help="at most N papers this run")
    p.add_argument("--batch", type=_positive, default=50, metavar="N",
                   help="publish a new index generation every N papers (default 50); an"
                        " interrupt loses at most one batch's indexing, never a download")
    p.add_argument("--retry-skipped", action="store_true",
                   help="ask again for papers given up on earlier (HTTP 404, too large, unreadable)")
    p.add_argument("--background", action="store_true", help=argparse.SUPPRESS)


COMMAND = Command("fulltext", "Download arXiv PDFs and index the full text of papers that only"
                  " have an abstract (resumable).", _fulltext_args, run_fulltext_command)

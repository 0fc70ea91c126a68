"""`avatar-scholar`: the one console script. Thin wrappers over the package functions.

Exit codes: 0 success · 1 error (one line on stderr) · 2 bad usage · 3 another
indexing job holds the lock · 4 no index yet · 130 interrupted.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from pydantic import ValidationError

from indexer.errors import IndexerError, IndexNotFoundError, LockedError
from indexer.redact import RedactingFilter
from search.cli import fulltext, index, lexicon, query, run, serve, themes, ui
from search.cli.base import EXIT_ERROR, EXIT_LOCKED, EXIT_NO_INDEX, EXIT_USAGE, Command
from search.config import Settings, setting_error
from search.errors import SearchError

# Every subcommand, in the order `--help` lists them.
COMMANDS: list[Command] = [*index.COMMANDS, fulltext.COMMAND, lexicon.COMMAND, *query.COMMANDS,
                           themes.COMMAND, serve.COMMAND, ui.COMMAND, run.COMMAND]


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (``error: ...``) and exit code 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"error: {message} (see `{self.prog} --help`)\n")


def build_parser() -> argparse.ArgumentParser:
    """The full CLI, with a subparser per command."""
    parser = _Parser(
        prog="avatar-scholar",
        description="Search, ask and index research papers on avatars and digital humans.",
        epilog="Exit codes: 0 ok, 1 error, 2 usage, 3 index locked by another job, 4 no index,"
               " 130 interrupted.",
    )
    parser.add_argument("--data-dir", help="index directory (default: ./index_data or $AVATAR_SCHOLAR_DATA)")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bars or info lines")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in COMMANDS:
        p = sub.add_parser(command.name, help=command.help, description=command.help)
        command.add_args(p)
    return parser


def settings_from(args: argparse.Namespace) -> Settings:
    """Settings from the environment, with --data-dir taking precedence."""
    return Settings.load(args.data_dir)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING if args.quiet else logging.INFO,
                        format="%(message)s", stream=sys.stderr)
    for noisy in ("sentence_transformers", "httpx", "transformers", "faiss", "bm25s", "jieba"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    if not args.command:
        parser.print_help()
        return EXIT_USAGE
    command = next(c for c in COMMANDS if c.name == args.command)
    try:
        settings = settings_from(args)
    except ValidationError as exc:  # an AVATAR_SCHOLAR_* variable holds a bad value
        return _fail(ValueError(setting_error(exc)), EXIT_USAGE)
    for handler in logging.getLogger().handlers:
        handler.addFilter(RedactingFilter(settings.secrets()))
    try:
        return command.run(args, settings)
    except LockedError as exc:
        return _fail(exc, EXIT_LOCKED)
    except IndexNotFoundError as exc:
        return _fail(exc, EXIT_NO_INDEX)
    except (IndexerError, SearchError, ValueError) as exc:
        return _fail(exc, EXIT_ERROR)
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        return 130


def _fail(exc: BaseException, code: int) -> int:
    first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    sys.stderr.write(f"error: {first}\n")
    return code

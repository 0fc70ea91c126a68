"""`avatar-scholar`: the one console script. Thin wrappers over the package functions.

Exit codes: 0 success · 1 error (one line on stderr) · 2 bad usage · 3 another
indexing job holds the lock · 4 no index yet.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Callable, Sequence

from indexer.errors import IndexerError, IndexNotFoundError, LockedError
from search.config import SearchSettings
from search.errors import SearchError

logger = logging.getLogger("avatar_scholar")

EXIT_ERROR, EXIT_USAGE, EXIT_LOCKED, EXIT_NO_INDEX = 1, 2, 3, 4

Command = Callable[[argparse.Namespace, SearchSettings], int]
COMMANDS: dict[str, tuple[Command, Callable[[argparse.ArgumentParser], None], str]] = {}


def register(name: str, help_text: str, add_args: Callable[[argparse.ArgumentParser], None],
             run: Command) -> None:
    """Add a subcommand: its argument definitions and its runner."""
    COMMANDS[name] = (run, add_args, help_text)


def build_parser() -> argparse.ArgumentParser:
    """The full CLI, with a subparser per registered command."""
    from search import commands, commands_admin, commands_ask, commands_run, commands_serve, commands_ui  # noqa: F401, I001 - registers them

    parser = argparse.ArgumentParser(
        prog="avatar-scholar",
        description="Search, ask and index research papers on avatars and digital humans.",
        epilog="Exit codes: 0 ok, 1 error, 2 usage, 3 index locked by another job, 4 no index.",
    )
    parser.add_argument("--data-dir", help="index directory (default: ./index_data or $AVATAR_SCHOLAR_DATA)")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bars or info lines")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (_, add_args, help_text) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        add_args(p)
    return parser


def settings_from(args: argparse.Namespace) -> SearchSettings:
    """Settings from the environment, with --data-dir taking precedence."""
    if args.data_dir:
        return SearchSettings(data_dir=args.data_dir)
    return SearchSettings()


def print_json(data: object) -> None:
    """Machine-readable output on stdout."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


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
    run = COMMANDS[args.command][0]
    try:
        return run(args, settings_from(args))
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


"""`lexicon`: rebuild the Chinese→English term lexicon from ChatPaperFree digests."""

from __future__ import annotations

import argparse
import sys
import time
from importlib import resources
from pathlib import Path

from search.cli.base import Command
from search.config import Settings


def _default_out() -> str:
    return str(resources.files("search").joinpath("data/lexicon_zh_en.tsv"))


def _lexicon_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("digests", nargs="+", metavar="DIGESTS",
                   help="folders (or files) of ChatPaperFree digests, e.g. ../shared/corpus/chatpaperfree")
    p.add_argument("-o", "--out", default=None,
                   help="output TSV (default: the lexicon shipped in search/data, which search uses)")


def run_lexicon(args: argparse.Namespace, settings: Settings) -> int:
    from search.lexicon.build import build_lexicon
    from search.lexicon.table import parse, write

    t0 = time.perf_counter()
    text = build_lexicon([Path(d) for d in args.digests])
    out = Path(args.out or _default_out())
    write(out, text)
    entries = parse(text, str(out))
    mined = sum(e.source == "mined" for e in entries.values())
    sys.stderr.write(f"lexicon: {len(entries)} terms ({mined} mined, {len(entries) - mined} "
                     f"curated) written to {out} in {time.perf_counter() - t0:.0f} s\n")
    return 0


COMMAND = Command("lexicon", "Rebuild the Chinese→English term lexicon from digests (deterministic).",
                  _lexicon_args, run_lexicon)

"""`avatar-scholar themes`: the lines of work in the library and what is rising."""

from __future__ import annotations

import argparse
import sys

from search.cli.base import Command, print_json
from search.config import Settings
from search.models import ThemeDetail, ThemeGrowth, ThemePaper, ThemeSummary

SORTS = {"papers": "papers", "growth": "growth_3m", "growth6": "growth_6m"}


def _args(p: argparse.ArgumentParser) -> None:
    p.add_argument("theme", nargs="?", type=int, help="show this theme (its number) in full")
    p.add_argument("--sort", choices=sorted(SORTS), default="papers",
                   help="papers: largest first (default); growth / growth6: fastest growing "
                        "over the last 3 / 6 months first")
    p.add_argument("-n", type=int, default=0, help="show only the first N themes")
    p.add_argument("--papers", type=int, default=None,
                   help="representative papers per theme (default 3); with THEME, papers listed"
                        " (default: all)")
    p.add_argument("--zh", action="store_true", help="names with their Chinese glossary terms")
    p.add_argument("--json", action="store_true", help="print the API's JSON shape")


def format_growth(g: ThemeGrowth) -> str:
    """``last 3m: 62 papers (41 before), share +35%``: the counts and the change of share."""
    change = "n/a" if g.growth is None else f"{g.growth:+.0%}"
    return f"last {g.months}m: {g.recent} papers ({g.before} before), share {change}"


def _paper_line(p: ThemePaper) -> str:
    return f"      - {p.arxiv_id or p.paper_id}  {p.title}  ({p.published or 'undated'})\n"


def format_theme(s: ThemeSummary, zh: bool, papers: int) -> str:
    """A theme in a few lines: number, name, size, growth, representative papers."""
    name = s.name_zh if zh else s.name
    out = [f"#{s.theme_id:<3d} {name}\n",
           f"      {s.papers} papers · {format_growth(s.growth_3m)} · {format_growth(s.growth_6m)}"
           f" · {', '.join(s.terms[2:5]) or '-'}\n"]
    out += [_paper_line(p) for p in s.top_papers[:papers]]
    return "".join(out)


def format_detail(d: ThemeDetail, zh: bool, papers: int) -> str:
    """One theme in full: its trend per month and its papers, most central first."""
    out = [format_theme(d, zh, 0), f"      terms: {', '.join(d.terms)}\n"]
    if zh and d.name_zh != d.name:
        out.append(f"      ({d.name})\n")
    top = max(d.per_month.values(), default=1)
    out += [f"      {month}  {'#' * max(1, round(30 * n / top))} {n}\n"
            for month, n in d.per_month.items()]
    shown = d.members[:papers] if papers else d.members
    out.append(f"      papers ({len(shown)} of {len(d.members)}, most central first):\n")
    out += [_paper_line(p) for p in shown]
    return "".join(out)


def run_themes(args: argparse.Namespace, settings: Settings) -> int:
    from search.retrieval import themes
    from search.retrieval.snapshot import load_snapshot

    snap = load_snapshot(settings.index)
    if args.theme is not None:
        detail = themes.theme_detail(snap, args.theme)
        if args.json:
            print_json(detail.model_dump(mode="json"))
        else:
            sys.stdout.write(format_detail(detail, args.zh, args.papers or 0))
        return 0
    found = themes.theme_list(snap, SORTS[args.sort])  # type: ignore[arg-type]
    if args.n:
        found.themes = found.themes[:args.n]
    if args.json:
        print_json(found.model_dump(mode="json"))
        return 0
    for notice in found.notices:
        sys.stderr.write(f"note: {notice}\n")
    share = found.themed / found.papers if found.papers else 0.0
    sys.stdout.write(f"{len(found.themes)} themes · {found.papers} papers, {share:.0%} in a theme"
                     f" · trends up to {found.newest or 'n/a'}\n\n")
    papers = 3 if args.papers is None else args.papers
    sys.stdout.write("".join(format_theme(s, args.zh, papers) for s in found.themes))
    return 0


COMMAND = Command("themes", "Lines of work learned from the library and how they grow.", _args,
                  run_themes)

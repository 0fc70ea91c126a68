"""Trend maths of the themes: papers per month, and growth over the last months.

Windows end at the newest paper date in the index, not today: a library last updated
in March shows what was rising until March. Growth compares a theme's share of all
papers dated in the window with its share in the window before, because the number of
papers a library holds per month says as much about how it was collected (a digest a
day, a query per topic) as about the field; a share is fair to both. Half a paper's
share added on both sides keeps a theme that is new in the window finite (and leaves an
unchanged share at zero growth).
"""

from __future__ import annotations

from calendar import monthrange
from collections import Counter
from collections.abc import Sequence
from datetime import date

from search.models import ThemeGrowth


def months_back(day: date, months: int) -> date:
    """The same day `months` calendar months earlier (the month's last day if shorter)."""
    total = day.year * 12 + day.month - 1 - months
    year, month = divmod(total, 12)
    return date(year, month + 1, min(day.day, monthrange(year, month + 1)[1]))


def per_month(dates: Sequence[date | None]) -> dict[str, int]:
    """Papers per ``YYYY-MM``, in month order (undated papers left out)."""
    return dict(sorted(Counter(d.strftime("%Y-%m") for d in dates if d).items()))


def window_counts(dates: Sequence[date | None], newest: date, months: int) -> tuple[int, int]:
    """Papers dated in the last `months` months up to `newest`, and in the `months` before."""
    edges = (months_back(newest, 2 * months), months_back(newest, months), newest)
    recent = before = 0
    for day in dates:
        if day is not None and edges[0] < day <= edges[2]:
            if day > edges[1]:
                recent += 1
            else:
                before += 1
    return recent, before


def growth(theme: tuple[int, int], library: tuple[int, int], months: int) -> ThemeGrowth:
    """A theme's growth from its `window_counts` and the whole library's: the papers in
    the last `months` months and the `months` before, their shares of all papers in those
    windows, and the relative change of share (None when the library has no papers in one
    of the windows, so there is nothing to compare)."""
    (recent, before), (total_recent, total_before) = theme, library
    change = None
    if total_before and total_recent:
        half = 0.5 / max(total_recent, total_before)  # half a paper's share on both sides
        change = (recent / total_recent + half) / (before / total_before + half) - 1
    return ThemeGrowth(
        months=months, recent=recent, before=before,
        share_recent=round(recent / total_recent, 4) if total_recent else 0.0,
        share_before=round(before / total_before, 4) if total_before else 0.0,
        growth=round(change, 4) if change is not None else None)

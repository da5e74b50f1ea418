"""UTC settlement days, GB local settlement days and the ISO timestamps the DIP schemas want.

A UTC settlement day always has 48 half-hour periods. A GB (BSC) settlement day runs from local midnight to
local midnight, so it has 46 periods on the spring clock change and 50 in the autumn. GB clocks follow the
rule in force since 1996: British Summer Time from 01:00 UTC on the last Sunday of March to 01:00 UTC on the
last Sunday of October. The rule is computed, not looked up, so no time-zone database is needed.

Instants are handled as integer seconds since 1970-01-01T00:00:00Z ("epoch seconds"); days as integer days
since 1970-01-01 ("abs days").
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import numpy as np

DAY = 86_400
HALF_HOUR = 1_800
EPOCH = dt.date(1970, 1, 1)
FIRST_YEAR, LAST_YEAR = 2000, 2099  # the range the generator accepts


def absday(d: dt.date) -> int:
    return (d - EPOCH).days


def date_of(day: int) -> dt.date:
    return EPOCH + dt.timedelta(days=int(day))


def _last_sunday(year: int, month: int) -> dt.date:
    last = dt.date(year, month + 1, 1) - dt.timedelta(days=1)
    return last - dt.timedelta(days=(last.weekday() - 6) % 7)


@lru_cache(maxsize=256)
def bst_bounds(year: int) -> tuple[int, int]:
    """Epoch seconds at which BST starts and ends in ``year`` (both at 01:00 UTC)."""
    start = absday(_last_sunday(year, 3)) * DAY + 3_600
    end = absday(_last_sunday(year, 10)) * DAY + 3_600
    return start, end


def utc_offset(instant: int) -> int:
    """GB offset from UTC in seconds (0 or 3600) at an instant."""
    start, end = bst_bounds(date_of(instant // DAY).year)
    return 3_600 if start <= instant < end else 0


def local_day_start(d: dt.date) -> int:
    """Epoch seconds of local midnight starting the GB settlement day ``d``."""
    midnight_utc = absday(d) * DAY
    # Local midnight is never inside a clock change (those happen at 01:00 UTC), so the offset that applies
    # one hour before UTC midnight is the one in force at local midnight.
    return midnight_utc - utc_offset(midnight_utc - 3_600)


def local_periods(d: dt.date) -> int:
    """Number of settlement periods in the GB settlement day ``d``: 46, 48 or 50."""
    return (local_day_start(d + dt.timedelta(days=1)) - local_day_start(d)) // HALF_HOUR


def local_period_end(d: dt.date, period: int) -> int:
    """Epoch seconds at the end of local settlement period ``period`` (1-based) of day ``d``."""
    n = local_periods(d)
    if not 1 <= period <= n:
        raise ValueError(f"settlement day {d} has {n} periods, not {period}")
    return local_day_start(d) + period * HALF_HOUR


def local_hours(day: int) -> np.ndarray:
    """GB local clock hour (float, 0-24) at the middle of each of the 48 periods of UTC day ``day``."""
    mids = day * DAY + np.arange(48) * HALF_HOUR + HALF_HOUR // 2
    start, end = bst_bounds(date_of(day).year)
    offset = np.where((mids >= start) & (mids < end), 3_600, 0)
    return ((mids + offset) % DAY) / 3_600.0


def iso(instant: int) -> str:
    """The 25-character DT-003 form, e.g. ``2025-10-26T00:30:00+00:00``."""
    return dt.datetime.fromtimestamp(instant, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def parse_instant(text: str) -> int:
    """Epoch seconds from an ISO 8601 date-time with an offset (``Z`` accepted). Raises ValueError."""
    value = dt.datetime.fromisoformat(text.strip())
    if value.tzinfo is None:
        raise ValueError("needs a UTC offset, e.g. +00:00")
    return int(value.timestamp())

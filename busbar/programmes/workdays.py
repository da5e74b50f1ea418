"""Working days of a programme's plan: Monday to Friday, minus England & Wales bank holidays and the
closures of the programme's calendar (``GovernanceSettings.calendar``). Deltas between baseline and
forecast (GV-04), task durations (GV-08) and consultation windows (GV-51) count these days."""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left, bisect_right
from collections.abc import Iterable

from busbar.lib.worktime import england_wales_bank_holidays

#: Dates outside these years are refused at the edge (forms and the API bound every date).
FIRST_YEAR, LAST_YEAR = 2000, 2100


class WorkingDays:
    def __init__(self, holidays: Iterable[dt.date] = ()) -> None:
        self._holidays = sorted({d for d in holidays if d.weekday() < 5})

    @classmethod
    def england_wales(cls, years: Iterable[int], closures: Iterable[dt.date] = ()) -> WorkingDays:
        return cls([*england_wales_bank_holidays(list(years)), *closures])

    def is_working(self, day: dt.date) -> bool:
        if day.weekday() >= 5:
            return False
        i = bisect_left(self._holidays, day)
        return not (i < len(self._holidays) and self._holidays[i] == day)

    def _weekdays_upto(self, day: dt.date) -> int:
        """Weekdays from a fixed Monday up to and including ``day``."""
        ordinal = day.toordinal() - 1  # 0001-01-01 is a Monday; ordinal 0 is that Monday
        weeks, rem = divmod(ordinal, 7)
        return weeks * 5 + min(rem + 1, 5)

    def _working_upto(self, day: dt.date) -> int:
        return self._weekdays_upto(day) - bisect_right(self._holidays, day)

    def between(self, start: dt.date, end: dt.date) -> int:
        """Working days after ``start`` up to and including ``end``; negative when ``end`` is earlier.
        The delta of a forecast from its baseline (GV-04)."""
        if end >= start:
            return self._working_upto(end) - self._working_upto(start)
        return -(self._working_upto(start) - self._working_upto(end))

    def span(self, start: dt.date, finish: dt.date) -> int:
        """Working days from ``start`` to ``finish`` inclusive (a task's duration, GV-08)."""
        if finish < start:
            return 0
        return self.between(start, finish) + (1 if self.is_working(start) else 0)

    def add(self, day: dt.date, n: int) -> dt.date:
        """The ``n``-th working day after ``day`` (before it when ``n`` is negative); ``day`` itself when
        ``n`` is 0."""
        step = 1 if n >= 0 else -1
        remaining = abs(n)
        current = day
        while remaining:
            current += dt.timedelta(days=step)
            if self.is_working(current):
                remaining -= 1
        return current


def for_programme(programme_id: int, *, around: Iterable[dt.date] = ()) -> WorkingDays:
    """The programme's working days for the years of ``around`` (and a year either side); one query for
    its calendar's closures when it has one."""
    from busbar.programmes.models import GovernanceSettings
    from busbar.services.models import CalendarClosure

    dates = [d for d in around if d is not None] or [dt.date.today()]
    years = range(
        max(FIRST_YEAR, min(d.year for d in dates) - 1), min(LAST_YEAR, max(d.year for d in dates) + 1) + 1
    )
    calendar_id = (
        GovernanceSettings.objects.filter(programme_id=programme_id)
        .values_list("calendar_id", flat=True)
        .first()
    )
    closures = (
        CalendarClosure.objects.filter(calendar_id=calendar_id).values_list("date", flat=True)
        if calendar_id
        else []
    )
    return WorkingDays.england_wales(years, closures)

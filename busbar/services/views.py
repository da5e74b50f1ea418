"""Service catalogue pages. Reads through queries.py, writes through actions.py."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from busbar.services.models import Calendar

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


# Opening hours, as people read them (also used by the API) ------------------------------------------------


@dataclass(frozen=True)
class DayHours:
    """One local (UK) date of a calendar: its opening hours, or why it is closed."""

    date: dt.date
    weekday: str
    hours: list[tuple[str, str]]
    note: str = ""

    @property
    def is_open(self) -> bool:
        return bool(self.hours)


def _shown_end(value: str) -> str:
    return "24:00" if value == "00:00" else value


def week_view(calendar: Calendar) -> list[tuple[str, list[tuple[str, str]]]]:
    """Monday to Sunday with each day's opening windows (an end of 24:00 is midnight)."""
    if calendar.kind == Calendar.Kind.ALWAYS:
        return [(name, [("00:00", "24:00")]) for name in WEEKDAYS]
    return [
        (name, [(a, _shown_end(b)) for a, b in calendar.weekly_hours.get(str(day), [])])
        for day, name in enumerate(WEEKDAYS)
    ]


def bank_holiday_names(years: set[int]) -> dict[dt.date, str]:
    """England & Wales bank holidays with their names (the list the SLA calendars close on)."""
    import holidays

    return dict(holidays.country_holidays("GB", subdiv="ENG", years=sorted(years)).items())


def opening_preview(calendar: Calendar, start: dt.date | None = None, days: int = 14) -> list[DayHours]:
    """The calendar's opening hours for ``days`` UK dates from ``start`` (today by default).

    Reads ``calendar.closures.all()``, so prefetch closures when previewing many calendars.
    """
    start = start or timezone.localdate()
    dates = [start + dt.timedelta(days=n) for n in range(days)]
    week = week_view(calendar)
    if calendar.kind == Calendar.Kind.ALWAYS:
        return [DayHours(d, week[d.weekday()][0], week[d.weekday()][1]) for d in dates]
    closures = {c.date: c.reason for c in calendar.closures.all()}
    holidays = bank_holiday_names({d.year for d in dates}) if calendar.bank_holidays else {}
    result = []
    for d in dates:
        name, hours = week[d.weekday()]
        if d in closures:
            result.append(DayHours(d, name, [], f"Closed: {closures[d] or 'closure'}"))
        elif d in holidays:
            result.append(DayHours(d, name, [], f"Bank holiday: {holidays[d]}"))
        elif not hours:
            result.append(DayHours(d, name, [], "Closed"))
        else:
            result.append(DayHours(d, name, hours))
    return result

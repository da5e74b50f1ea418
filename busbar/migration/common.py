"""Small helpers shared by every part of qualification and migration: today in London, bounded dates and
numbers, MPAN cores, market participant IDs, and the programme's segment windows. Read-only; no actions."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone

from busbar.datagen.mpan import BY_ID, check_digit
from busbar.lib.actions import ActionError

LONDON = ZoneInfo("Europe/London")
#: Dates are accepted from this year to this year (anything else is a typing error).
FIRST_YEAR, LAST_YEAR = 2000, 2100
#: A volume (MPANs a day, a portfolio, a cap) is at most this.
MAX_VOLUME = 100_000_000
#: The GB distributor IDs (the first two digits of an MPAN core of a DNO area).
DISTRIBUTOR_IDS = tuple(sorted(BY_ID))


def today(now: dt.datetime | None = None) -> dt.date:
    """Today's date in London."""
    return timezone.localtime(now or timezone.now(), LONDON).date()


def check_day(value: Any, *, field: str, required: bool = True) -> dt.date | None:
    """A date (or an ISO text) within years 2000–2100, else ActionError naming ``field``."""
    if value in (None, ""):
        if required:
            raise ActionError("Give a date", field=field)
        return None
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value.strip())
        except ValueError:
            raise ActionError("Give a date as YYYY-MM-DD", field=field) from None
    if isinstance(value, dt.datetime):
        value = value.date()
    if not isinstance(value, dt.date):
        raise ActionError("Give a date as YYYY-MM-DD", field=field)
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ActionError(f"Give a date between {FIRST_YEAR} and {LAST_YEAR}", field=field)
    return value


def check_volume(value: Any, *, field: str, minimum: int = 0) -> int:
    """A whole number from ``minimum`` to :data:`MAX_VOLUME`, else ActionError naming ``field``."""
    try:
        number = int(value)
        if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
            raise ValueError
    except (TypeError, ValueError):
        raise ActionError("Give a whole number", field=field) from None
    if not minimum <= number <= MAX_VOLUME:
        raise ActionError(f"Give a number from {minimum:,} to {MAX_VOLUME:,}", field=field)
    return number


def parse_mpan(text: Any) -> int | None:
    """The MPAN core as a number when ``text`` is 13 digits with the right check digit, else None."""
    s = str(text).strip()
    if len(s) != 13 or not s.isascii() or not s.isdigit():
        return None
    if check_digit(s[:12]) != int(s[12]):
        return None
    return int(s)


def mpan_problem(text: Any) -> str | None:
    """What is wrong with an MPAN as typed (None: nothing)."""
    s = str(text).strip()
    if len(s) != 13 or not s.isascii() or not s.isdigit():
        return "An MPAN core is 13 digits"
    if check_digit(s[:12]) != int(s[12]):
        return f"Check digit wrong: {s[:12]} needs {check_digit(s[:12])}"
    return None


def distributor_of(core: int) -> str:
    """The 2-digit distributor ID of an MPAN core (its first two digits)."""
    return f"{core:013d}"[:2]


def format_mpan(core: int) -> str:
    return f"{core:013d}"


def mpid_map() -> dict[str, int]:
    """Market participant ID (upper case) -> organisation id, for every organisation with one (one query)."""
    from busbar.parties.models import Identifier, IdentifierScheme

    return {
        value.upper(): org_id
        for value, org_id in Identifier.objects.filter(scheme=IdentifierScheme.MPID).values_list(
            "value", "organisation_id"
        )
    }


def segment_windows(programme_id: int) -> dict[str, Any]:
    """segment -> :class:`~busbar.migration.models.SegmentWindow` of the programme (one query)."""
    from busbar.migration.models import SegmentWindow

    return {w.segment: w for w in SegmentWindow.objects.filter(programme_id=programme_id)}


def migration_programme() -> Any:
    """The programme whose migration the ledger follows: the one with segment windows (the first by id
    when several have), else None. The ledger is industry-wide: one migration at a time."""
    from busbar.testing.models import Programme

    return Programme.objects.filter(segment_windows__isnull=False).order_by("pk").distinct().first()

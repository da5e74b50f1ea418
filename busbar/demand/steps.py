"""Checks and steps the demand actions share (kept out of ``actions`` so every public function there is an
action): the period and line rules, the tolerance in force and its verdict, the journal and the row lock.

Each check raises :class:`~busbar.lib.actions.ActionError` naming the field at fault (``starts_on``,
``lines[2].expected_per_day``…), so the page and the API both show which input is wrong.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from busbar.audit.journal import record as journal
from busbar.lib.actions import ActionError, Actor
from busbar.lib.forms import parse_id
from busbar.lib.limits import SHORT_TEXT, check_text

#: The largest daily volume a notice line or tolerance may name (transactions a day).
MAX_DAILY = 10_000_000
#: A notice covers at most this many days.
MAX_PERIOD_DAYS = 366
#: A notice starts at most this far ahead, and at most this far in the past.
MAX_AHEAD = dt.timedelta(days=2 * 366)
MAX_BEHIND = dt.timedelta(days=7)
#: At most this many lines (services) on one notice.
MAX_LINES = 20
#: Tolerance percentages from 0 to this.
MAX_PERCENT = 1000
#: How far either side of today a tolerance may take effect.
TOLERANCE_SPAN = dt.timedelta(days=5 * 366)


def today(now: dt.datetime | None = None) -> dt.date:
    return timezone.localdate(now or timezone.now())


def check_title(value: Any, *, field: str = "title") -> str:
    text = ("" if value is None else str(value)).strip()
    if not text:
        raise ActionError("Give the notice a title", field=field)
    return check_text(text, field=field, limit=SHORT_TEXT)


def check_body(value: Any, *, field: str, required: bool = False, what: str = "This") -> str:
    text = ("" if value is None else str(value)).strip()
    if required and not text:
        raise ActionError(f"{what} cannot be empty", field=field)
    return check_text(text, field=field)


def check_day(value: Any, *, field: str) -> dt.date:
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value.strip())
        except ValueError:
            raise ActionError(f"{value[:20]!r} is not a date (YYYY-MM-DD)", field=field) from None
    if not isinstance(value, dt.date):
        raise ActionError("Give a date (YYYY-MM-DD)", field=field)
    return value


def check_period(starts_on: Any, ends_on: Any, *, now: dt.datetime) -> tuple[dt.date, dt.date]:
    """The period of a notice: a first and last day, first ≤ last, at most a year long, starting no more
    than two years ahead nor more than seven days ago."""
    starts_on = check_day(starts_on, field="starts_on")
    ends_on = check_day(ends_on, field="ends_on")
    day = today(now)
    if starts_on < day - MAX_BEHIND:
        raise ActionError(
            f"The period starts on {starts_on:%d %b %Y}: at most {MAX_BEHIND.days} days ago",
            field="starts_on",
        )
    if starts_on > day + MAX_AHEAD:
        raise ActionError("The period starts at most two years ahead", field="starts_on")
    if ends_on < starts_on:
        raise ActionError("The period ends on or after the day it starts", field="ends_on")
    if (ends_on - starts_on).days + 1 > MAX_PERIOD_DAYS:
        raise ActionError(f"A notice covers at most {MAX_PERIOD_DAYS} days", field="ends_on")
    return starts_on, ends_on


def check_volume(value: Any, *, field: str) -> int:
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) <= 9:
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int):
        raise ActionError("Give a whole number of transactions a day", field=field)
    if not 0 <= value <= MAX_DAILY:
        raise ActionError(f"Give a number from 0 to {MAX_DAILY:,} a day", field=field)
    return value


def check_percent(value: Any, *, field: str = "tolerance_percent") -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_PERCENT:
        raise ActionError(f"Give a whole percentage from 0 to {MAX_PERCENT}", field=field)
    return value


def find_service(user: Any, key: Any, *, field: str) -> Any:
    """An active service named by object, id or slug, that ``user`` may see; else 422 on ``field``."""
    from busbar.services.models import Service
    from busbar.services.queries import services_visible_to

    visible = services_visible_to(user).filter(is_active=True) if user is not None else Service.objects
    service = None
    if isinstance(key, Service):
        service = visible.filter(pk=key.pk).first()
    elif (pk := parse_id(key)) is not None:
        service = visible.filter(pk=pk).first()
    elif isinstance(key, str) and 0 < len(key.strip()) <= 60:
        service = visible.filter(slug=key.strip()).first()
    if service is None:
        shown = getattr(key, "name", key)
        raise ActionError(
            f"No service {str(shown)[:60]!r}" if key not in (None, "") else "Choose a service", field=field
        )
    return service


@dataclass
class CheckedLine:
    service: Any
    normal_per_day: int
    expected_per_day: int


def check_lines(user: Any, lines: Sequence[Mapping[str, Any]] | None) -> list[CheckedLine]:
    """At least one line, at most :data:`MAX_LINES`, each a known service (once) with its volumes."""
    lines = list(lines or ())
    if not lines:
        raise ActionError("Name at least one service and its expected volume", field="lines")
    if len(lines) > MAX_LINES:
        raise ActionError(f"A notice has at most {MAX_LINES} lines", field="lines")
    checked: list[CheckedLine] = []
    seen: set[int] = set()
    for i, line in enumerate(lines):
        if not isinstance(line, Mapping):
            raise ActionError("Each line names a service and two volumes", field=f"lines[{i}]")
        service = find_service(user, line.get("service"), field=f"lines[{i}].service")
        if service.pk in seen:
            raise ActionError(f"{service.name} is on the notice twice", field=f"lines[{i}].service")
        seen.add(service.pk)
        normal = check_volume(line.get("normal_per_day"), field=f"lines[{i}].normal_per_day")
        expected = check_volume(line.get("expected_per_day"), field=f"lines[{i}].expected_per_day")
        checked.append(CheckedLine(service=service, normal_per_day=normal, expected_per_day=expected))
    return checked


def tolerances_on(service_ids: Iterable[int], day: dt.date) -> dict[int, Any]:
    """The tolerance in force on ``day`` for each service (the latest whose ``effective_from`` ≤ ``day``);
    services without one are left out. One query."""
    from busbar.demand.models import DemandTolerance

    ids = list(service_ids)
    found: dict[int, Any] = {}
    if not ids:
        return found
    for tol in DemandTolerance.objects.filter(service_id__in=ids, effective_from__lte=day).order_by(
        "service_id", "-effective_from"
    ):
        found.setdefault(tol.service_id, tol)
    return found


def above(normal: int, expected: int, tolerance: Any) -> bool:
    """Whether ``expected`` a day is over ``tolerance`` for a filer whose normal is ``normal``: above
    normal × (1 + percent/100) (exactly at it is within), or above the absolute cap when there is one. No
    tolerance in force: never above."""
    if tolerance is None:
        return False
    if expected * 100 > normal * (100 + tolerance.tolerance_percent):
        return True
    return tolerance.max_daily_volume > 0 and expected > tolerance.max_daily_volume


def threshold(normal: int, tolerance: Any) -> int | None:
    """The largest expected daily volume within ``tolerance`` for ``normal`` (None: no tolerance)."""
    if tolerance is None:
        return None
    limit = normal * (100 + tolerance.tolerance_percent) // 100
    if tolerance.max_daily_volume > 0:
        limit = min(limit, tolerance.max_daily_volume)
    return limit


def write(actor: Actor, notice: Any, action: str, changes: dict | None = None, note: str = "") -> None:
    journal(
        actor=actor, action=action, obj=notice, owner=notice.organisation, changes=changes or {}, note=note
    )


def lock(notice: Any) -> Any:
    from busbar.demand.models import DemandNotice

    return (
        DemandNotice.objects.select_for_update(of=("self",))
        .select_related("record", "organisation")
        .get(pk=notice.pk)
    )


def lines_shown(lines: Iterable[Any]) -> str:
    """Lines as the journal keeps them: "CSS 1,000 → 5,000/day (above)"."""
    return "; ".join(
        f"{ln.service.name} {ln.normal_per_day:,} → {ln.expected_per_day:,}/day"
        + (" (above tolerance)" if ln.above_tolerance else "")
        for ln in lines
    )


def event_data(notice: Any, lines: Sequence[Any], **extra: Any) -> dict[str, Any]:
    """What an email or inbox entry about ``notice`` says, captured when the action runs."""
    return {
        "reference": notice.reference,
        "title": notice.title,
        "organisation": notice.organisation.name,
        "starts_on": notice.starts_on.isoformat(),
        "ends_on": notice.ends_on.isoformat(),
        "reason": notice.get_reason_display(),
        "description": notice.description,
        "analysis": notice.analysis,
        "mitigation": notice.mitigation_requested,
        "response": notice.filer_response,
        "compliance": notice.get_compliance_display() if notice.compliance else "",
        "above_tolerance": notice.above_tolerance,
        "lines": [
            {
                "service": ln.service.name,
                "provider_id": ln.service.provider_id,
                "normal": ln.normal_per_day,
                "expected": ln.expected_per_day,
                "above": ln.above_tolerance,
            }
            for ln in lines
        ],
        **extra,
    }

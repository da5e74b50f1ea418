"""Availability per service and month (CH-16, CH-17, the seed's change and availability KPIs).

For a service and a London calendar month (up to ``now`` for the current month; a month wholly in the future
has no figures):

* **Support time** is the time inside the service's support hours (its ``Calendar``; 24x7 is all of it).
* **Unplanned outage** is the union of the service's severity-rank-1 major incidents (from the major
  incident's ``opened_at`` to the incident's ``resolved_at``, else its ``closed_at``, else now; cancelled
  incidents are left out) and its hand-set ``outage`` status periods (``StatusPeriod``; open ones run to now).
* **Planned maintenance** is the union of the actual windows of its outage changes (``actual_start`` to
  ``actual_end``, or to ``planned_end`` while in progress).
* The service's :class:`~busbar.changes.models.AvailabilityTarget` says whether planned maintenance counts
  (``planned_counts``):

  - not counted (the default): **agreed time** = support time − planned maintenance, **downtime** = unplanned
    outage outside the planned maintenance;
  - counted: **agreed time** = support time, **downtime** = unplanned outage ∪ planned maintenance.

* **Availability** = (agreed − downtime) / agreed × 100, rounded down to three places (None without agreed
  time); **met** compares the exact figure with the target (None without a target).
* **Interruptions** are the merged stretches of what counts as downtime that cost some support time in the
  month (a stretch over a month's end counts in both months); their **mean** is downtime / interruptions.
* **Major and emergency changes**: implemented (or in-progress) changes on the service of that type whose
  actual start (else planned start) is in the month.

Minutes are whole minutes, rounded to the nearest; the percentage is computed from the exact times.

:func:`for_services` costs a fixed number of queries whatever the number of services and months (the
services, their calendars and closures, targets, major incidents, status periods, planned outages, change
counts); the arithmetic runs on each calendar's day tables (``busbar.lib.worktime``).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from django.db.models import Q
from django.utils import timezone

from busbar.changes.models import (
    IMPLEMENTED,
    AvailabilityTarget,
    ChangeService,
    ChangeStatus,
    ChangeType,
)
from busbar.incidents.models import Incident, IncidentStatus
from busbar.lib.worktime import LONDON, WorkingCalendar
from busbar.services.models import Calendar, Service, ServiceStatus, StatusPeriod

__all__ = ["Figures", "for_month", "for_services", "month_bounds"]

Interval = tuple[dt.datetime, dt.datetime]
Labelled = tuple[dt.datetime, dt.datetime, str]

#: Changes whose work has begun (their outage windows are planned maintenance; major/emergency counts).
_STARTED = frozenset(IMPLEMENTED | {ChangeStatus.IN_PROGRESS})
_MINUTE_US = 60_000_000
_PLACES = Decimal("0.001")


@dataclass
class Figures:
    """One service's availability for one month."""

    service: Service
    year: int
    month: int
    #: Support time minus planned maintenance (or all support time when planned maintenance counts).
    agreed_minutes: int
    #: Planned maintenance inside support hours.
    planned_minutes: int
    downtime_minutes: int
    availability: Decimal | None
    target: Decimal | None
    met: bool | None
    interruptions: int
    mean_interruption_minutes: Decimal | None
    major_changes: int
    emergency_changes: int
    #: (start, end, label) clipped to the month: unplanned outages, then planned maintenance ("Planned: …").
    outages: list[Labelled] = field(default_factory=list)
    #: All the time inside support hours in the month (to now).
    support_minutes: int = 0
    #: Whether planned maintenance counted as downtime (the target's policy).
    planned_counts: bool = False


def month_bounds(year: int, month: int) -> Interval:
    """The London calendar month as aware datetimes [start, end)."""
    if not 1 <= month <= 12:
        raise ValueError(f"month must be 1..12, got {month!r}")
    start = dt.datetime(year, month, 1, tzinfo=LONDON)
    end = dt.datetime(year + month // 12, month % 12 + 1, 1, tzinfo=LONDON)
    return start, end


# Intervals ------------------------------------------------------------------------------------------------


def _merge(intervals: Iterable[Labelled]) -> list[Labelled]:
    """Overlapping or touching intervals joined, their labels listed once each."""
    merged: list[list] = []
    for a, b, label in sorted(intervals, key=lambda i: (i[0], i[1])):
        if merged and a <= merged[-1][1]:
            last = merged[-1]
            last[1] = max(last[1], b)
            if label not in last[2]:
                last[2].append(label)
        else:
            merged.append([a, b, [label]])
    return [(a, b, "; ".join(labels)) for a, b, labels in merged]


def _clip(intervals: list[Labelled], start: dt.datetime, end: dt.datetime) -> list[Labelled]:
    return [(max(a, start), min(b, end), label) for a, b, label in intervals if a < end and b > start]


def _subtract(intervals: list[Labelled], holes: list[Labelled]) -> list[Labelled]:
    """``intervals`` minus the (merged, sorted) ``holes``."""
    out: list[Labelled] = []
    for a, b, label in intervals:
        cursor = a
        for h0, h1, _ in holes:
            if h1 <= cursor or h0 >= b:
                continue
            if h0 > cursor:
                out.append((cursor, h0, label))
            cursor = max(cursor, h1)
            if cursor >= b:
                break
        if cursor < b:
            out.append((cursor, b, label))
    return out


def _us(td: dt.timedelta) -> int:
    return (td.days * 86_400 + td.seconds) * 1_000_000 + td.microseconds


def _measure(working: WorkingCalendar, intervals: Iterable[Labelled]) -> int:
    return sum(_us(working.measure(a, b)) for a, b, _ in intervals)


def _minutes(us: int) -> int:
    return int((Decimal(us) / _MINUTE_US).quantize(Decimal(1), rounding=ROUND_HALF_UP))


# The figures ----------------------------------------------------------------------------------------------


def _figures(
    service: Service,
    year: int,
    month: int,
    *,
    now: dt.datetime,
    working: WorkingCalendar,
    target: AvailabilityTarget | None,
    unplanned: list[Labelled],
    planned: list[Labelled],
    changes: list[tuple[str, dt.datetime]],
) -> Figures:
    start, end = month_bounds(year, month)
    major = sum(1 for kind, at in changes if kind == ChangeType.MAJOR and start <= at < end)
    emergency = sum(1 for kind, at in changes if kind == ChangeType.EMERGENCY and start <= at < end)
    counts = bool(target and target.planned_counts)
    goal = target.target_percent if target else None
    until = min(end, now)
    if until <= start:
        return Figures(
            service, year, month, 0, 0, 0, None, goal, None, 0, None, major, emergency, [], 0, counts
        )
    support = _us(working.measure(start, until))
    out = _clip(unplanned, start, until)
    work = _clip(planned, start, until)
    planned_us = _measure(working, work)
    if counts:
        agreed = support
        stretches = _merge(out + work)
        down = stretches
    else:
        agreed = support - planned_us
        stretches = out
        down = _subtract(out, work)
    downtime = _measure(working, down)
    # A stretch interrupts the service when some of it (left after planned maintenance) is in support hours.
    interruptions = sum(1 for s in stretches if _measure(working, _subtract([s], [] if counts else work)))
    mean = None
    if interruptions:
        mean = (Decimal(downtime) / _MINUTE_US / interruptions).quantize(Decimal("0.01"), ROUND_HALF_UP)
    availability = met = None
    if agreed > 0:
        availability = (Decimal(agreed - downtime) * 100 / agreed).quantize(_PLACES, rounding=ROUND_DOWN)
        if goal is not None:
            met = Decimal(agreed - downtime) * 100 >= goal * agreed
    shown = out + [(a, b, f"Planned: {label}") for a, b, label in work]
    return Figures(
        service=service,
        year=year,
        month=month,
        agreed_minutes=_minutes(agreed),
        planned_minutes=_minutes(planned_us),
        downtime_minutes=_minutes(downtime),
        availability=availability,
        target=goal,
        met=met,
        interruptions=interruptions,
        mean_interruption_minutes=mean,
        major_changes=major,
        emergency_changes=emergency,
        outages=sorted(shown, key=lambda i: (i[0], i[1])),
        support_minutes=_minutes(support),
        planned_counts=counts,
    )


def for_services(
    services: Iterable[Service],
    year: int,
    *,
    months: Iterable[int] = range(1, 13),
    now: dt.datetime | None = None,
) -> dict[int, list[Figures]]:
    """Figures for each service (by primary key) and each of ``months`` of ``year``, in month order.
    A fixed number of queries whatever the number of services."""
    now = now or timezone.now()
    wanted = sorted(set(months))
    for month in wanted:
        month_bounds(year, month)  # ValueError for a month out of range
    services = list(services)
    if not services or not wanted:
        return {s.pk: [] for s in services}
    ids = [s.pk for s in services]
    period_start = month_bounds(year, wanted[0])[0]
    period_end = month_bounds(year, wanted[-1])[1]
    until = min(period_end, now)

    calendars = Calendar.objects.filter(pk__in={s.calendar_id for s in services}).prefetch_related("closures")
    years = range(year - 1, year + 2)
    working = {c.pk: c.working_calendar(years=years) for c in calendars}
    targets = {t.service_id: t for t in AvailabilityTarget.objects.filter(service_id__in=ids)}

    unplanned: dict[int, list[Labelled]] = defaultdict(list)
    planned: dict[int, list[Labelled]] = defaultdict(list)
    changes: dict[int, list[tuple[str, dt.datetime]]] = defaultdict(list)
    if period_start < until:
        majors = (
            Incident.objects.filter(
                service_id__in=ids, major__isnull=False, severity__rank=1, major__opened_at__lt=until
            )
            .exclude(status=IncidentStatus.CANCELLED)
            .filter(Q(resolved_at__isnull=True) | Q(resolved_at__gt=period_start))
            .values_list("service_id", "reference", "major__opened_at", "resolved_at", "closed_at")
        )
        for service_id, reference, opened, resolved, closed in majors:
            ended = resolved or closed or now
            if ended > opened:
                unplanned[service_id].append((opened, ended, f"{reference} major incident"))
        periods = (
            StatusPeriod.objects.filter(service_id__in=ids, status=ServiceStatus.OUTAGE, started_at__lt=until)
            .filter(Q(ended_at__isnull=True) | Q(ended_at__gt=period_start))
            .values_list("service_id", "started_at", "ended_at")
        )
        for service_id, started, ended in periods:
            ended = ended or now
            if ended > started:
                unplanned[service_id].append((started, ended, "Status set to outage"))
        outages = (
            ChangeService.objects.filter(
                service_id__in=ids,
                change__is_outage=True,
                change__status__in=_STARTED,
                change__actual_start__isnull=False,
                change__actual_start__lt=until,
            )
            .filter(
                Q(change__actual_end__gt=period_start)
                | Q(change__actual_end__isnull=True, change__planned_end__gt=period_start)
            )
            .values_list(
                "service_id",
                "change__reference",
                "change__actual_start",
                "change__actual_end",
                "change__planned_end",
            )
        )
        for service_id, reference, started, ended, planned_end in outages:
            ended = ended or planned_end
            if ended > started:
                planned[service_id].append((started, ended, reference))
    counted = (
        ChangeService.objects.filter(
            service_id__in=ids,
            change__change_type__in=[ChangeType.MAJOR, ChangeType.EMERGENCY],
            change__status__in=_STARTED,
        )
        .filter(
            Q(change__actual_start__gte=period_start, change__actual_start__lt=period_end)
            | Q(
                change__actual_start__isnull=True,
                change__planned_start__gte=period_start,
                change__planned_start__lt=period_end,
            )
        )
        .values_list("service_id", "change__change_type", "change__actual_start", "change__planned_start")
    )
    for service_id, kind, started, planned_start in counted:
        changes[service_id].append((kind, started or planned_start))

    result: dict[int, list[Figures]] = {}
    for service in services:
        down = _merge(unplanned.get(service.pk, ()))
        work = _merge(planned.get(service.pk, ()))
        result[service.pk] = [
            _figures(
                service,
                year,
                month,
                now=now,
                working=working[service.calendar_id],
                target=targets.get(service.pk),
                unplanned=down,
                planned=work,
                changes=changes.get(service.pk, []),
            )
            for month in wanted
        ]
    return result


def for_month(service: Service, year: int, month: int, *, now: dt.datetime | None = None) -> Figures:
    """One service's figures for one month."""
    return for_services([service], year, months=[month], now=now)[service.pk][0]

"""Conflict detection (CH-07): what a change clashes with, checked when it is submitted or moved and shown on
the change and to the CCG.

Six rules, each giving zero or more :class:`Found`:

* **same service**: another change on one of its services, scheduled and overlapping in time;
* **related service**: another change on a parent, component, dependency or dependant (one level) of one of
  its services, scheduled and overlapping (reported once per other change, and not at all if that change
  already shares a service with it);
* **outside maintenance**: some part of its window is not covered by an occurrence of the service's weekly
  maintenance windows (Europe/London wall-clock times; an end at or before the start runs past midnight),
  for each affected service that has windows;
* **blackout**: a blackout window overlapping it, on every service (none named) or naming an affected
  service;
* **team**: another change of the same provider by the same team (the same non-blank name), scheduled and
  overlapping;
* **major incident**: an open major incident on an affected service (for a change that has not ended).

"Scheduled" is ``models.SCHEDULED`` (submitted, under review, more information, accepted, in progress); the
change itself never conflicts with itself. Details are written for people: the other change's reference and
title, the service, and times in Europe/London.

Cost: a fixed handful of indexed queries whatever the number of changes. Other changes are found through the
copied windows of ``ChangeService`` (index ``chg_svc_window``: service, planned start, planned end), and
bounded below by the longest window allowed (``models.MAX_WINDOW``) so each service's range scan is bounded.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from busbar.changes.models import (
    MAX_WINDOW,
    SCHEDULED,
    BlackoutWindow,
    ChangeConflict,
    ChangeNotification,
    ChangeService,
    ConflictKind,
    MaintenanceWindow,
)
from busbar.incidents.models import OPEN_STATUSES, Incident, MajorIncident
from busbar.lib.actions import require_action
from busbar.lib.worktime import LONDON
from busbar.services.models import Service

__all__ = ["Found", "describe_window", "detect", "refresh"]

UTC = dt.UTC
#: ConflictChange.detail's length.
DETAIL_MAX = 300
_TITLE_MAX = 80
_ORDER = {kind: n for n, kind in enumerate(ConflictKind.values)}
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True)
class Found:
    """One conflict (not yet stored: :func:`refresh` writes them as ``ChangeConflict`` rows)."""

    kind: str
    detail: str
    service: Service | None = None
    other_change: ChangeNotification | None = None
    blackout: BlackoutWindow | None = None
    #: An incident's reference (major incident conflicts).
    other_reference: str = ""


# Wording ------------------------------------------------------------------------------------------------


def _london(at: dt.datetime) -> dt.datetime:
    return at.astimezone(LONDON)


def _day(at: dt.datetime) -> str:
    return f"{_DAYS[at.weekday()]} {at.day} {at:%b %Y}"


def describe_window(start: dt.datetime, end: dt.datetime) -> str:
    """ "Sun 20 Jun 2027 01:00–04:00" (Europe/London); the end's date too when it is another day."""
    a, b = _london(start), _london(end)
    if a.date() == b.date():
        return f"{_day(a)} {a:%H:%M}–{b:%H:%M}"
    return f"{_day(a)} {a:%H:%M} – {_day(b)} {b:%H:%M}"


def _title(change: ChangeNotification) -> str:
    title = change.title
    if len(title) > _TITLE_MAX:
        title = title[: _TITLE_MAX - 1].rstrip() + "…"
    return f"{change.reference} “{title}”"


def _fit(text: str) -> str:
    return text if len(text) <= DETAIL_MAX else text[: DETAIL_MAX - 1].rstrip() + "…"


def _weekly(windows: Iterable[MaintenanceWindow]) -> str:
    return ", ".join(f"{_DAYS[w.weekday]} {w.start_time:%H:%M}–{w.end_time:%H:%M}" for w in windows)


# Maintenance windows --------------------------------------------------------------------------------------


def _wall(day: dt.date, at: dt.time) -> dt.datetime:
    """The first real instant whose London wall-clock time is ``day`` ``at`` or later: the time itself, its
    first occurrence when the clocks go back, or the moment they go forward when it does not exist."""
    naive = dt.datetime.combine(day, at)
    first = naive.replace(tzinfo=LONDON, fold=0)
    second = naive.replace(tzinfo=LONDON, fold=1)
    if first.utcoffset() >= second.utcoffset():
        return first.astimezone(UTC)
    # In the spring-forward gap: the jump lies in (second, first]; find it to the second.
    lo, hi = second.astimezone(UTC), first.astimezone(UTC)
    before = lo.astimezone(LONDON).utcoffset()
    while hi - lo > dt.timedelta(seconds=1):
        mid = lo + (hi - lo) / 2
        if mid.astimezone(LONDON).utcoffset() == before:
            lo = mid
        else:
            hi = mid
    return hi


def _occurrences(
    windows: list[MaintenanceWindow], start: dt.datetime, end: dt.datetime
) -> Iterator[tuple[dt.datetime, dt.datetime]]:
    """The windows' occurrences that could touch [start, end), in order of their starts."""
    by_day: dict[int, list[MaintenanceWindow]] = {}
    for w in windows:
        by_day.setdefault(w.weekday, []).append(w)
    day = _london(start).date() - dt.timedelta(days=1)  # yesterday's window may run past midnight
    last = _london(end).date()
    while day <= last:
        found = []
        for w in by_day.get(day.weekday(), ()):
            ends_on = day if w.end_time > w.start_time else day + dt.timedelta(days=1)
            found.append((_wall(day, w.start_time), _wall(ends_on, w.end_time)))
        yield from sorted(found)
        day += dt.timedelta(days=1)


def outside_windows(windows: list[MaintenanceWindow], start: dt.datetime, end: dt.datetime) -> bool:
    """Whether any part of [start, end) is outside every occurrence of ``windows``."""
    cursor = start
    for a, b in _occurrences(windows, start, end):
        if b <= cursor:
            continue
        if a > cursor:
            return True
        cursor = b
        if cursor >= end:
            return False
    return cursor < end


# Detection ------------------------------------------------------------------------------------------------


def _relations(ids: set[int], services: dict[int, Service]) -> dict[int, str]:
    """Services one step from ``ids`` (parent, components, dependencies, dependants), not in ``ids``, with
    how they relate ("CSS Registration is a component of CSS"). Fills ``services`` with their rows."""
    through = Service.depends_on.through
    edges = list(
        through.objects.filter(Q(from_service_id__in=ids) | Q(to_service_id__in=ids)).values_list(
            "from_service_id", "to_service_id"
        )
    )
    parents = {services[i].parent_id for i in ids if services[i].parent_id}
    wanted = (parents | {a for a, _ in edges} | {b for _, b in edges}) - ids
    for s in Service.objects.filter(Q(parent_id__in=ids) | Q(pk__in=wanted)).only("pk", "name", "parent"):
        services.setdefault(s.pk, s)
    how: dict[int, str] = {}

    def note(other: int, text: str) -> None:
        if other not in ids and other in services:
            how.setdefault(other, text)

    for i in sorted(ids, key=lambda i: services[i].name):
        mine = services[i].name
        if services[i].parent_id:
            note(services[i].parent_id, f"{mine} is a component of it")
        for s in services.values():
            if s.parent_id == i:
                note(s.pk, f"it is a component of {mine}")
        for a, b in edges:
            if a == i:
                note(b, f"{mine} depends on it")
            elif b == i:
                note(a, f"it depends on {mine}")
    return how


def _other_changes(
    change: ChangeNotification, mine: set[int], related: dict[int, str], services: dict[int, Service]
) -> list[Found]:
    start, end = change.planned_start, change.planned_end
    rows = (
        ChangeService.objects.filter(
            service_id__in=mine | set(related),
            planned_start__lt=end,
            planned_start__gte=start - MAX_WINDOW,
            planned_end__gt=start,
            status__in=SCHEDULED,
        )
        .exclude(change_id=change.pk)
        .select_related("change")
        .only(
            "service_id",
            "planned_start",
            "planned_end",
            "change__id",
            "change__reference",
            "change__title",
            "change__planned_start",
            "change__planned_end",
            "change__status",
            "change__provider_id",
        )
        .order_by("planned_start", "change_id", "service_id")
    )
    same: list[Found] = []
    near: dict[int, Found] = {}
    shares: set[int] = set()
    for row in rows:
        other, service = row.change, services[row.service_id]
        when = describe_window(row.planned_start, row.planned_end)
        if row.service_id in mine:
            shares.add(other.pk)
            text = (
                f"{service.name} is already scheduled for {_title(other)} "
                f"({other.get_status_display()}) {when}"
            )
            same.append(Found(ConflictKind.SAME_SERVICE, _fit(text), service=service, other_change=other))
        elif other.pk not in near:
            text = (
                f"{service.name} ({related[row.service_id]}) is scheduled for {_title(other)} "
                f"({other.get_status_display()}) {when}"
            )
            near[other.pk] = Found(
                ConflictKind.RELATED_SERVICE, _fit(text), service=service, other_change=other
            )
    return same + [f for pk, f in near.items() if pk not in shares]


def _maintenance(change: ChangeNotification, mine: list[Service]) -> list[Found]:
    windows: dict[int, list[MaintenanceWindow]] = {}
    for w in MaintenanceWindow.objects.filter(service_id__in=[s.pk for s in mine]).order_by(
        "weekday", "start_time", "pk"
    ):
        windows.setdefault(w.service_id, []).append(w)
    found = []
    for service in mine:
        own = windows.get(service.pk)
        if own and outside_windows(own, change.planned_start, change.planned_end):
            text = (
                f"{describe_window(change.planned_start, change.planned_end)} is outside "
                f"{service.name}'s maintenance windows ({_weekly(own)}, UK time)"
            )
            found.append(Found(ConflictKind.OUTSIDE_MAINTENANCE, _fit(text), service=service))
    return found


def _blackouts(change: ChangeNotification, mine: list[Service]) -> list[Found]:
    blackouts = list(
        BlackoutWindow.objects.filter(starts_at__lt=change.planned_end, ends_at__gt=change.planned_start)
    )
    if not blackouts:
        return []
    through = BlackoutWindow.services.through
    named: dict[int, set[int]] = {}
    for blackout_id, service_id in through.objects.filter(
        blackoutwindow_id__in=[b.pk for b in blackouts]
    ).values_list("blackoutwindow_id", "service_id"):
        named.setdefault(blackout_id, set()).add(service_id)
    found = []
    for blackout in blackouts:
        when = describe_window(blackout.starts_at, blackout.ends_at)
        on = named.get(blackout.pk)
        if not on:
            text = f"Inside the blackout “{blackout.name}” on every service ({when})"
            found.append(Found(ConflictKind.BLACKOUT, _fit(text), blackout=blackout))
            continue
        hit = [s for s in mine if s.pk in on]
        if hit:
            names = ", ".join(s.name for s in hit)
            text = f"Inside the blackout “{blackout.name}” on {names} ({when})"
            found.append(Found(ConflictKind.BLACKOUT, _fit(text), service=hit[0], blackout=blackout))
    return found


def _team(change: ChangeNotification) -> list[Found]:
    team = change.team.strip()
    if not team:
        return []
    start, end = change.planned_start, change.planned_end
    others = (
        ChangeNotification.objects.filter(
            provider_id=change.provider_id,
            status__in=SCHEDULED,
            team=team,
            planned_start__lt=end,
            planned_start__gte=start - MAX_WINDOW,
            planned_end__gt=start,
        )
        .exclude(pk=change.pk)
        .only("pk", "reference", "title", "planned_start", "planned_end", "status", "provider_id", "team")
        .order_by("planned_start", "pk")
    )
    return [
        Found(
            ConflictKind.TEAM,
            _fit(
                f"Team “{team}” is also booked on {_title(other)} "
                f"({other.get_status_display()}) {describe_window(other.planned_start, other.planned_end)}"
            ),
            other_change=other,
        )
        for other in others
    ]


def _majors(change: ChangeNotification, mine: list[Service], now: dt.datetime) -> list[Found]:
    if change.planned_end <= now:
        return []
    names = {s.pk: s for s in mine}
    live = (
        Incident.objects.filter(
            service_id__in=list(names),
            status__in=OPEN_STATUSES,
            major__isnull=False,
            major__opened_at__lte=now,
        )
        .exclude(major__state=MajorIncident.State.CLOSED)
        .values_list("reference", "service_id", "severity__code", "major__opened_at")
        .order_by("major__opened_at", "reference")
    )
    found = []
    for reference, service_id, code, opened_at in live:
        service = names[service_id]
        opened = _london(opened_at)
        text = (
            f"Open major incident {reference} (severity {code}) on {service.name}, "
            f"since {_day(opened)} {opened:%H:%M}"
        )
        found.append(
            Found(ConflictKind.MAJOR_INCIDENT, _fit(text), service=service, other_reference=reference)
        )
    return found


def detect(change: ChangeNotification, *, now: dt.datetime | None = None) -> list[Found]:
    """Every conflict of ``change`` as it stands (its window in memory, its services as stored). Read only."""
    now = now or timezone.now()
    mine_rows = list(
        Service.objects.filter(
            pk__in=ChangeService.objects.filter(change_id=change.pk).values("service_id")
        ).only("pk", "name", "parent")
    )
    if not mine_rows:
        return []
    services = {s.pk: s for s in mine_rows}
    mine_ids = set(services)
    related = _relations(mine_ids, services)
    found = [
        *_other_changes(change, mine_ids, related, services),
        *_maintenance(change, mine_rows),
        *_blackouts(change, mine_rows),
        *_team(change),
        *_majors(change, mine_rows, now),
    ]
    return sorted(found, key=lambda f: _ORDER[f.kind])  # stable: each rule's own order is kept


def refresh(change: ChangeNotification, *, now: dt.datetime | None = None) -> list[ChangeConflict]:
    """Inside an action: replace the change's stored conflicts with :func:`detect`'s, and set
    ``conflict_count`` and ``conflicts_checked_at`` (saving those two fields only)."""
    require_action("conflicts.refresh")
    now = now or timezone.now()
    found = detect(change, now=now)
    ChangeConflict.objects.filter(change=change).delete()
    rows = ChangeConflict.objects.bulk_create(
        ChangeConflict(
            change=change,
            kind=f.kind,
            service=f.service,
            other_change=f.other_change,
            blackout=f.blackout,
            other_reference=f.other_reference,
            detail=f.detail,
        )
        for f in found
    )
    change.conflict_count = min(len(rows), 32_767)
    change.conflicts_checked_at = now
    change.save(update_fields=["conflict_count", "conflicts_checked_at"])
    return rows

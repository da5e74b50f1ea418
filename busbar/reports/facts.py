"""The KPI facts: one :class:`~busbar.reports.models.IncidentFact` per incident, measured from the incident's
own SLA clock log (:mod:`busbar.records.sla`, the same clocks the desk shows), and its
:class:`~busbar.reports.models.FactSegment` rows (who held the resolution clock's working time).

Rules (``docs/kpis.md`` explains them with a worked example):

* **month** is the London calendar month the incident was reported (its clock's start); **resolved_month**
  the month it was resolved (cancelled incidents are never resolved); **escalated_month** the month its
  resolution clock passed its target (the clock's ``breached_at``), whether it was resolved since or not.
* **response_minutes**: the response clock's working minutes once it stopped (the first response), rounded
  to the nearest minute; **response_met**: it did not pass its target (None while the clock runs).
* **resolution_minutes**: the resolution clock's working minutes once resolved, paused time excluded, on
  its target's calendar; **resolution_met**: within the target (None until resolved).
* **paused_minutes**: working minutes on the resolution calendar while the clock was paused.
* **segments**: the resolution clock's running time split by holder. The desk holds the incident from
  the report until its first :class:`~busbar.incidents.models.Handover`; each handover passes it to a
  provider (or back to the desk). Each holder's stretches are measured on the resolution target's calendar
  minus paused time, up to resolution (or now). ``desk_minutes`` repeats the desk's share.

:func:`refresh` costs a fixed number of queries per batch of up to :data:`CHUNK` incidents (the incidents
with their clock logs, handovers and major-incident records prefetched), then refreshes the monthly
aggregates of every month the batch touched, before and after
(:func:`busbar.reports.aggregates.refresh_months`).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone

from busbar.incidents.models import Handover, Incident, IncidentStatus
from busbar.lib.worktime import LONDON, WorkingCalendar
from busbar.records import sla as kernel
from busbar.records.models import ClockEvent
from busbar.reports import aggregates
from busbar.reports.models import FactSegment, IncidentFact

__all__ = ["CHUNK", "compute", "month_of", "rebuild_all", "refresh"]

#: Incidents measured per batch (one set of queries each).
CHUNK = 2000
_MINUTE_US = 60_000_000
_RUN_STARTS = {ClockEvent.Kind.START, ClockEvent.Kind.RESUME, ClockEvent.Kind.RESTART}
_RUN_STOPS = {ClockEvent.Kind.PAUSE, ClockEvent.Kind.RESOLVED}

Span = tuple[dt.datetime, dt.datetime]


def month_of(instant: dt.datetime | None) -> dt.date | None:
    """The first day of the London calendar month of ``instant``."""
    if instant is None:
        return None
    local = instant.astimezone(LONDON)
    return dt.date(local.year, local.month, 1)


def _us(td: dt.timedelta) -> int:
    return (td.days * 86_400 + td.seconds) * 1_000_000 + td.microseconds


def _minutes(us: int | dt.timedelta) -> int:
    """Whole minutes, rounded to the nearest (halves up)."""
    if isinstance(us, dt.timedelta):
        us = _us(us)
    return int((Decimal(max(us, 0)) / _MINUTE_US).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _spans(events: Sequence[ClockEvent], now: dt.datetime) -> tuple[list[Span], list[Span]]:
    """The resolution clock's running and paused spans up to ``now`` (events after ``now`` unknown yet)."""
    running: list[Span] = []
    paused: list[Span] = []
    run_since: dt.datetime | None = None
    pause_since: dt.datetime | None = None
    for event in events:
        if event.at > now:
            break
        kind = event.kind
        if kind in _RUN_STARTS:
            if pause_since is not None:
                paused.append((pause_since, event.at))
                pause_since = None
            if run_since is None:
                run_since = event.at
        elif kind in _RUN_STOPS:
            if run_since is not None:
                running.append((run_since, event.at))
                run_since = None
            if pause_since is not None and kind == ClockEvent.Kind.RESOLVED:
                paused.append((pause_since, event.at))
                pause_since = None
            if kind == ClockEvent.Kind.PAUSE:
                pause_since = event.at
    if run_since is not None and now > run_since:
        running.append((run_since, now))
    if pause_since is not None and now > pause_since:
        paused.append((pause_since, now))
    return running, paused


def _holdings(
    reported_at: dt.datetime, handovers: Sequence[Handover], end: dt.datetime
) -> list[tuple[int | None, dt.datetime, dt.datetime]]:
    """(holder, from, to): the desk from the report to the first handover, then each handover's holder."""
    out: list[tuple[int | None, dt.datetime, dt.datetime]] = []
    holder: int | None = None
    since = reported_at
    for handover in handovers:
        at = max(handover.at, reported_at)
        if at >= end:
            break
        if at > since:
            out.append((holder, since, at))
        holder, since = handover.provider_id, at
    if end > since:
        out.append((holder, since, end))
    elif not out:
        out.append((holder, since, since))
    return out


def _segments(
    running: list[Span],
    reported_at: dt.datetime,
    handovers: Sequence[Handover],
    calendar: WorkingCalendar,
    now: dt.datetime,
) -> dict[int | None, int]:
    """Working microseconds of the running spans per holder (every holder that held it, even for 0)."""
    end = max((b for _a, b in running), default=reported_at)
    result: dict[int | None, int] = {}
    for holder, a, b in _holdings(reported_at, handovers, end):
        total = 0
        for r0, r1 in running:
            lo, hi = max(a, r0), min(b, r1)
            if hi > lo:
                total += _us(calendar.measure(lo, hi))
        result[holder] = result.get(holder, 0) + total
    return result


def compute(incident: Incident, now: dt.datetime) -> tuple[IncidentFact, list[FactSegment]]:
    """The unsaved fact and segments of ``incident`` as at ``now`` (clock events, handovers and major
    prefetched, as :func:`_incidents` does)."""
    record = incident.record
    events = list(record.clock_events.all())
    if events and events[-1].at > now:
        # Never "as at" before the incident's own last event (an action dated within the clock skew).
        now = events[-1].at
    policy, severity = incident.service.sla_policy, incident.severity.code
    clocks = {c.name: c.state for c in kernel.compute(record, policy, severity, now)} if events else {}
    reported_at = events[0].at if events else incident.created_at
    fact = IncidentFact(
        incident_id=incident.pk,
        month=month_of(reported_at),
        service_id=incident.service_id,
        provider_id=incident.provider_id,
        organisation_id=incident.organisation_id,
        severity_code=severity,
        severity_rank=incident.severity.rank,
        status=incident.status,
        is_major=_has_major(incident),
        reported_at=reported_at,
        responded_at=incident.responded_at,
        source_updated_at=incident.updated_at,
        computed_at=now,
    )
    response = clocks.get("response")
    if response is not None and response.stopped:
        fact.response_minutes = _minutes(response.elapsed)
        fact.response_met = not response.breached
        fact.responded_at = fact.responded_at or response.stopped_at
    resolution = clocks.get("resolution")
    segments: list[FactSegment] = []
    if resolution is None:
        return fact, segments
    resolved = (
        resolution.stopped
        and incident.resolved_at is not None
        and incident.status in (IncidentStatus.RESOLVED, IncidentStatus.CLOSED)
    )
    if resolved:
        fact.resolved_at = resolution.stopped_at
        fact.resolved_month = month_of(resolution.stopped_at)
        fact.resolution_minutes = _minutes(resolution.elapsed)
        fact.resolution_met = not resolution.breached
    if resolution.breached:
        fact.escalated = True
        fact.escalated_month = month_of(resolution.breached_at)
    target = kernel.targets(policy).get((severity, "resolution"))
    calendar = kernel.working_calendar(target.calendar)
    running, paused = _spans(events, now)
    fact.paused_minutes = _minutes(sum(_us(calendar.measure(a, b)) for a, b in paused))
    held = _segments(running, reported_at, list(incident.handovers.all()), calendar, now)
    for holder, us in held.items():
        minutes = _minutes(us)
        if holder is None:
            fact.desk_minutes = minutes
        segments.append(FactSegment(fact_id=incident.pk, provider_id=holder, minutes=minutes))
    return fact, segments


def _has_major(incident: Incident) -> bool:
    try:
        return incident.major is not None
    except Incident.major.RelatedObjectDoesNotExist:
        return False


def _incidents(ids: Sequence[int]):
    return (
        Incident.objects.filter(pk__in=ids)
        .select_related("record", "service__sla_policy", "severity", "major")
        .prefetch_related(
            kernel.clock_prefetch("record"),
            Prefetch("handovers", queryset=Handover.objects.order_by("at", "id")),
        )
        .order_by("pk")
    )


def _chunks(ids: Sequence[int], size: int) -> Iterator[Sequence[int]]:
    for i in range(0, len(ids), size):
        yield ids[i : i + size]


def _months_of(facts: Iterable[IncidentFact]) -> set[dt.date]:
    out: set[dt.date] = set()
    for f in facts:
        out.update(m for m in (f.month, f.resolved_month, f.escalated_month) if m is not None)
    return out


def _write(ids: Sequence[int], now: dt.datetime) -> set[dt.date]:
    """Recompute and replace the facts of ``ids``; the months they counted in before or count in now."""
    touched: set[dt.date] = set()
    for row in IncidentFact.objects.filter(incident_id__in=ids).values_list(
        "month", "resolved_month", "escalated_month"
    ):
        touched.update(m for m in row if m is not None)
    facts: list[IncidentFact] = []
    segments: list[FactSegment] = []
    for incident in _incidents(ids):
        fact, parts = compute(incident, now)
        facts.append(fact)
        segments.extend(parts)
    touched |= _months_of(facts)
    IncidentFact.objects.filter(incident_id__in=ids).delete()
    IncidentFact.objects.bulk_create(facts, batch_size=CHUNK)
    FactSegment.objects.bulk_create(segments, batch_size=CHUNK)
    return touched


def refresh(incident_ids: Iterable[int], *, now: dt.datetime | None = None) -> None:
    """Recompute the facts and segments of ``incident_ids`` (gone ones are dropped) and the monthly
    aggregates of every month they counted in, before or now; all or nothing."""
    now = now or timezone.now()
    ids = sorted({int(i) for i in incident_ids})
    if not ids:
        return
    with transaction.atomic():
        touched: set[dt.date] = set()
        for chunk in _chunks(ids, CHUNK):
            touched |= _write(chunk, now)
        aggregates.refresh_months(touched)


def rebuild_all(*, now: dt.datetime | None = None) -> int:
    """Recompute every incident's facts and all the aggregates from scratch; the number of incidents."""
    now = now or timezone.now()
    ids = list(Incident.objects.order_by("pk").values_list("pk", flat=True))
    with transaction.atomic():
        FactSegment.objects.all().delete()
        IncidentFact.objects.all().delete()
        for chunk in _chunks(ids, CHUNK):
            facts: list[IncidentFact] = []
            segments: list[FactSegment] = []
            for incident in _incidents(chunk):
                fact, parts = compute(incident, now)
                facts.append(fact)
                segments.extend(parts)
            IncidentFact.objects.bulk_create(facts, batch_size=CHUNK)
            FactSegment.objects.bulk_create(segments, batch_size=CHUNK)
        aggregates.rebuild()
    return len(ids)


def stale_ids(limit: int = 100_000) -> list[int]:
    """Incidents whose facts are missing or older than the incident's last change (for the nightly
    reconcile): at most ``limit``."""
    from django.db.models import F, Q

    missing = Incident.objects.filter(kpi_fact__isnull=True).values_list("pk", flat=True)[:limit]
    changed = (
        Incident.objects.filter(kpi_fact__isnull=False)
        .filter(Q(updated_at__gt=F("kpi_fact__source_updated_at")))
        .values_list("pk", flat=True)[:limit]
    )
    return sorted({*missing, *changed})[:limit]


def escalating_ids(now: dt.datetime) -> list[int]:
    """Open incidents whose facts say "not escalated" but whose resolution clock is due by ``now``
    (the record's SLA cache, indexed): the only aggregate that changes with time alone."""
    return list(
        IncidentFact.objects.filter(
            resolved_month__isnull=True, escalated=False, incident__record__resolution_due_at__lte=now
        )
        .exclude(status=IncidentStatus.CANCELLED)
        .values_list("incident_id", flat=True)
    )


def open_ids() -> list[int]:
    """Incidents whose clocks still run (their facts change with time: escalations, segments)."""
    return list(
        IncidentFact.objects.filter(resolved_month__isnull=True)
        .exclude(status=IncidentStatus.CANCELLED)
        .values_list("incident_id", flat=True)
    )


def by_holder(segments: Iterable[FactSegment]) -> dict[int | None, int]:
    """Minutes per holder of some segments (tests and docs)."""
    out: dict[int | None, int] = defaultdict(int)
    for s in segments:
        out[s.provider_id] += s.minutes
    return dict(out)

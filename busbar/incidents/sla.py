"""SLA clocks of an incident, derived from its own clock log by :mod:`busbar.lib.slaclock`.

The response clock runs from the start until the first response; it does not pause. The resolution
clock pauses while the incident awaits the participant, stops at resolution and restarts on reopening.
A clock is measured on the calendar of its current severity's target: when the severity changes, the
whole history is re-measured on the new target's calendar from the original start, paused time
excluded (see docs/sla.md).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

from django.db.models import Prefetch
from django.utils import timezone

from busbar.incidents.models import ClockEvent, Incident
from busbar.lib import slaclock
from busbar.lib.worktime import WorkingCalendar
from busbar.services.models import Calendar, SlaPolicy, SlaTarget

CLOCKS = (SlaTarget.Clock.RESPONSE, SlaTarget.Clock.RESOLUTION)
#: Bits of ``Incident.sla_notified``: which notices have been raised.
NOTICE_BITS = {
    ("response", "warning"): 1,
    ("response", "breach"): 2,
    ("resolution", "warning"): 4,
    ("resolution", "breach"): 8,
}

_RESPONSE_KINDS = {
    ClockEvent.Kind.START: "start",
    ClockEvent.Kind.SEVERITY: "severity",
    ClockEvent.Kind.RESPONDED: "stop",
}
_RESOLUTION_KINDS = {
    ClockEvent.Kind.START: "start",
    ClockEvent.Kind.SEVERITY: "severity",
    ClockEvent.Kind.PAUSE: "pause",
    ClockEvent.Kind.RESUME: "resume",
    ClockEvent.Kind.RESOLVED: "stop",
    ClockEvent.Kind.RESTART: "restart",
}


@dataclass(frozen=True)
class Clock:
    """One clock's state, ready to show: the engine's state plus the target's wording."""

    name: str
    target_label: str
    calendar_name: str
    state: slaclock.ClockState

    @property
    def status(self) -> str:
        s = self.state
        if s.breached:
            return "breached"
        if s.stopped:
            return "met"
        if s.paused:
            return "paused"
        if s.warned_at is not None:
            return "warning"
        return "running"


@lru_cache(maxsize=256)
def _working_calendar(calendar_id: int, updated_at: dt.datetime) -> WorkingCalendar:
    return Calendar.objects.prefetch_related("closures").get(pk=calendar_id).working_calendar()


def working_calendar(calendar: Calendar) -> WorkingCalendar:
    """Cached per calendar version: building bank-holiday tables is not free, scans call this a lot."""
    return _working_calendar(calendar.pk, calendar.updated_at)


@lru_cache(maxsize=64)
def _targets_by_version(policy_id: int, updated_at: dt.datetime) -> dict[tuple[str, str], SlaTarget]:
    targets = SlaTarget.objects.filter(policy_id=policy_id).select_related("severity", "calendar")
    return {(t.severity.code, t.clock): t for t in targets}


def _targets(policy: SlaPolicy) -> dict[tuple[str, str], SlaTarget]:
    """The policy's targets keyed by (severity code, clock); cached per policy version for every request."""
    return _targets_by_version(policy.pk, policy.updated_at)


def clocks_for(incident: Incident, now: dt.datetime | None = None) -> list[Clock]:
    """Both clocks of ``incident`` as at ``now``. Uses prefetched ``clock_events`` when present."""
    now = now or timezone.now()
    policy = incident.service.sla_policy
    targets = _targets(policy)
    events = list(incident.clock_events.all())
    if not events:
        return []
    severity = incident.severity.code
    result = []
    for clock, mapping in (
        (SlaTarget.Clock.RESPONSE, _RESPONSE_KINDS),
        (SlaTarget.Clock.RESOLUTION, _RESOLUTION_KINDS),
    ):
        current = targets.get((severity, clock))
        if current is None:
            continue
        log = [
            slaclock.ClockEvent(at=e.at, kind=mapping[e.kind], severity=e.severity_code or None)
            for e in events
            if e.kind in mapping
        ]

        def target_for(code: str, clock: str = clock) -> slaclock.Target:
            target = targets.get((code, clock))
            if target is None:
                raise ValueError(f"policy {policy} has no {clock} target for severity {code}")
            return slaclock.Target(amount=target.amount, unit=target.unit)

        state = slaclock.compute_clock(
            log,
            target_for,
            working_calendar(current.calendar),
            max(now, log[0].at),
            float(policy.warning_ratio),
        )
        label = str(slaclock.Target(amount=current.amount, unit=current.unit))
        result.append(Clock(name=clock, target_label=label, calendar_name=current.calendar.name, state=state))
    return result


def refresh_cache(incident: Incident, now: dt.datetime | None = None) -> list[str]:
    """Recompute the incident's SLA cache columns; returns the names of the columns that changed."""
    clocks = {c.name: c.state for c in clocks_for(incident, now)}
    values = {
        "response_due_at": None,
        "resolution_due_at": None,
        "response_breached": False,
        "resolution_breached": False,
        "sla_paused": False,
        "sla_next_check_at": None,
    }
    pending = []
    if (s := clocks.get(SlaTarget.Clock.RESPONSE)) is not None:
        values["response_due_at"] = None if s.stopped else s.due_at
        values["response_breached"] = s.breached
    if (s := clocks.get(SlaTarget.Clock.RESOLUTION)) is not None:
        values["resolution_due_at"] = None if s.stopped else s.due_at
        values["resolution_breached"] = s.breached
        values["sla_paused"] = s.paused
    for name, state in clocks.items():
        for kind, at in (
            ("warning", state.warned_at or state.warning_at),
            ("breach", state.breached_at or state.due_at),
        ):
            if at is not None and not incident.sla_notified & NOTICE_BITS[(name, kind)]:
                pending.append(at)
    values["sla_next_check_at"] = min(pending, default=None)
    changed = [k for k, v in values.items() if getattr(incident, k) != v]
    for k in changed:
        setattr(incident, k, values[k])
    return changed


def with_clock_data(qs):  # noqa: ANN001, ANN201
    """Prefetch what :func:`clocks_for` reads, so a page of incidents costs a fixed number of queries."""
    return qs.select_related("service__sla_policy", "severity").prefetch_related(
        Prefetch("clock_events", queryset=ClockEvent.objects.order_by("at", "id"))
    )

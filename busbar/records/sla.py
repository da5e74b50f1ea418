"""SLA clocks of any record, derived from its own clock log by :mod:`busbar.lib.slaclock`.

The response clock runs from the start until the first response; it does not pause. The resolution
clock pauses while the record waits on the requester, stops at resolution and restarts on reopening.
A clock is measured on the calendar of its current severity's target: when the severity changes, the
whole history is re-measured on the new target's calendar from the original start, paused time
excluded (see docs/sla.md). The record type says which policy and severity apply
(:attr:`busbar.records.registry.RecordType.sla_basis`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

from django.db.models import Prefetch
from django.utils import timezone

from busbar.lib import slaclock
from busbar.lib.worktime import WorkingCalendar
from busbar.records.models import ClockEvent, Record
from busbar.services.models import Calendar, SlaPolicy, SlaTarget

CLOCKS = (SlaTarget.Clock.RESPONSE, SlaTarget.Clock.RESOLUTION)
#: Bits of ``Record.sla_notified``: which notices have been raised.
NOTICE_BITS = {
    ("response", "warning"): 1,
    ("response", "breach"): 2,
    ("resolution", "warning"): 4,
    ("resolution", "breach"): 8,
}
CACHE_FIELDS = (
    "response_due_at",
    "resolution_due_at",
    "response_breached",
    "resolution_breached",
    "sla_paused",
    "sla_next_check_at",
)

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


def targets(policy: SlaPolicy) -> dict[tuple[str, str], SlaTarget]:
    """The policy's targets keyed by (severity code, clock); cached per policy version for every request."""
    return _targets_by_version(policy.pk, policy.updated_at)


def compute(record: Record, policy: SlaPolicy, severity: str, now: dt.datetime | None = None) -> list[Clock]:
    """Both clocks of ``record`` as at ``now``, measured by ``policy`` at ``severity``.

    Uses prefetched ``clock_events`` when present (see :func:`clock_prefetch`)."""
    now = now or timezone.now()
    by_key = targets(policy)
    events = list(record.clock_events.all())
    if not events:
        return []
    result = []
    for clock, mapping in (
        (SlaTarget.Clock.RESPONSE, _RESPONSE_KINDS),
        (SlaTarget.Clock.RESOLUTION, _RESOLUTION_KINDS),
    ):
        current = by_key.get((severity, clock))
        if current is None:
            continue
        log = [
            slaclock.ClockEvent(at=e.at, kind=mapping[e.kind], severity=e.severity_code or None)
            for e in events
            if e.kind in mapping
        ]
        if not log:
            continue

        def target_for(code: str, clock: str = clock) -> slaclock.Target:
            target = by_key.get((code, clock))
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


def refresh_cache(record: Record, clocks: list[Clock]) -> list[str]:
    """Set ``record``'s SLA cache columns from ``clocks``; returns the names of the columns that changed."""
    states = {c.name: c.state for c in clocks}
    values: dict[str, object] = {
        "response_due_at": None,
        "resolution_due_at": None,
        "response_breached": False,
        "resolution_breached": False,
        "sla_paused": False,
        "sla_next_check_at": None,
    }
    pending = []
    if (s := states.get(SlaTarget.Clock.RESPONSE)) is not None:
        values["response_due_at"] = None if s.stopped else s.due_at
        values["response_breached"] = s.breached
    if (s := states.get(SlaTarget.Clock.RESOLUTION)) is not None:
        values["resolution_due_at"] = None if s.stopped else s.due_at
        values["resolution_breached"] = s.breached
        values["sla_paused"] = s.paused
    for name, state in states.items():
        for kind, at in (
            ("warning", state.warned_at or state.warning_at),
            ("breach", state.breached_at or state.due_at),
        ):
            if at is not None and not record.sla_notified & NOTICE_BITS[(name, kind)]:
                pending.append(at)
    values["sla_next_check_at"] = min(pending, default=None)
    changed = [k for k, v in values.items() if getattr(record, k) != v]
    for k in changed:
        setattr(record, k, values[k])
    return changed


def clock_prefetch(prefix: str = "record") -> Prefetch:
    """Prefetch a page of records' clock logs in one query (``prefix``: the path to the Record)."""
    return Prefetch(f"{prefix}__clock_events", queryset=ClockEvent.objects.order_by("at", "id"))

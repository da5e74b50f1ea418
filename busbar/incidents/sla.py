"""An incident's SLA clocks: the kernel's clocks (:mod:`busbar.records.sla`) measured by the incident's
service policy at its current severity. See docs/sla.md for the rules."""

from __future__ import annotations

import datetime as dt

from busbar.incidents.models import Incident
from busbar.records import sla as kernel
from busbar.records.models import SlaNotice
from busbar.records.sla import CLOCKS, NOTICE_BITS, Clock

__all__ = [
    "CLOCKS",
    "NOTICE_BITS",
    "Clock",
    "basis",
    "clocks_for",
    "due_notices",
    "refresh_cache",
    "with_clock_data",
]


def basis(incident: Incident) -> tuple:
    """What measures the incident's clocks: its service's SLA policy and its severity."""
    return incident.service.sla_policy, incident.severity.code


def clocks_for(incident: Incident, now: dt.datetime | None = None) -> list[Clock]:
    """Both clocks of ``incident`` as at ``now``. Uses prefetched clock events when present."""
    policy, severity = basis(incident)
    return kernel.compute(incident.record, policy, severity, now)


def refresh_cache(incident: Incident, now: dt.datetime | None = None) -> list[str]:
    """Recompute the SLA cache on the incident's record; the names of the record columns that changed
    (the caller saves them)."""
    return kernel.refresh_cache(incident.record, clocks_for(incident, now))


def with_clock_data(qs):
    """Prefetch what :func:`clocks_for` reads, so a page of incidents costs a fixed number of queries."""
    return qs.select_related("record", "service__sla_policy", "severity").prefetch_related(
        kernel.clock_prefetch("record")
    )


def due_notices(incident: Incident, now: dt.datetime, raised: set[tuple[str, str]]) -> list[SlaNotice]:
    """The warnings and breaches ``incident``'s clocks have crossed by ``now`` and not yet raised
    (``raised``: its (clock, kind) pairs already recorded), unsaved."""
    due = []
    for clock in clocks_for(incident, now):
        for kind, at in (
            (SlaNotice.Kind.WARNING, clock.state.warned_at),
            (SlaNotice.Kind.BREACH, clock.state.breached_at),
        ):
            bit = NOTICE_BITS[(clock.name, kind)]
            if at is None or at > now or (clock.name, kind) in raised or incident.record.sla_notified & bit:
                continue
            due.append(SlaNotice(record_id=incident.record_id, clock=clock.name, kind=kind, crossed_at=at))
    return due

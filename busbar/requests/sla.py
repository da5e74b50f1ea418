"""A request's SLA clocks: the kernel's clocks (:mod:`busbar.records.sla`) measured by its item's policy at
the request's priority (the item's when the request names none). An item with no policy has no clocks.

The actions keep the clock log in step with the request (:func:`sync`, after every change):

* both clocks start when the request is raised;
* the **response** clock stops at the first response of the fulfilling side: a public update by the desk
  or a provider working it, an approval decided by the operator or a provider, a task started or
  completed (``responded=True``); a request that ends (fulfilled, rejected, cancelled) stops it too;
* the **resolution** clock pauses while the request waits on the requester, and while it waits for the
  requester's own organisation administrator to approve it; it stops when the request is fulfilled,
  rejected or cancelled and restarts when it is reopened.
"""

from __future__ import annotations

import datetime as dt

from busbar.records import sla as kernel
from busbar.records import steps
from busbar.records.models import ClockEvent, SlaNotice
from busbar.records.sla import NOTICE_BITS, Clock
from busbar.requests.models import (
    OPEN_REQUEST_STATUSES,
    ApprovalStatus,
    ApproverKind,
    Request,
    RequestStatus,
)

__all__ = ["Clock", "basis", "clocks_for", "due_notices", "refresh", "sync", "with_clock_data"]


def basis(request: Request) -> tuple:
    """(policy or None, priority code) measuring ``request``."""
    return request.item.sla_policy, request.priority or request.item.priority


def clocks_for(request: Request, now: dt.datetime | None = None) -> list[Clock]:
    """Both clocks as at ``now`` (none when the item has no policy or priority)."""
    policy, priority = basis(request)
    if policy is None or not priority:
        return []
    return kernel.compute(request.record, policy, priority, now)


def refresh(request: Request, now: dt.datetime | None = None) -> list[str]:
    """Bring the SLA cache on the request's record up to date and save what changed."""
    changed = kernel.refresh_cache(request.record, clocks_for(request, now))
    if changed:
        request.record.save(update_fields=changed)
    return changed


def with_clock_data(qs):
    """What :func:`clocks_for` reads, for a page of requests in a fixed number of queries."""
    return qs.select_related("record", "item__sla_policy").prefetch_related(kernel.clock_prefetch("record"))


def _wants_pause(request: Request) -> bool:
    if request.status == RequestStatus.WAITING_ON_REQUESTER:
        return True
    if request.status != RequestStatus.AWAITING_APPROVAL:
        return False
    return request.approvals.filter(status=ApprovalStatus.PENDING, approver=ApproverKind.ORG_ADMIN).exists()


def sync(request: Request, now: dt.datetime, *, responded: bool = False) -> None:
    """Append the clock events the request's state now calls for (inside the request's action), then
    refresh the cache. ``responded``: the change was a response of the fulfilling side."""
    policy, priority = basis(request)
    if policy is None or not priority:
        return
    record = request.record
    log = list(ClockEvent.objects.filter(record=record).order_by("at", "id").values_list("kind", "at"))
    kinds = [kind for kind, _at in log]
    if log:
        now = max(now, log[-1][1])  # the log stays in time order whatever instant an action is given
    else:
        steps.log_clock(record, ClockEvent.Kind.START, now, severity_code=priority)
        kinds = [ClockEvent.Kind.START]
    paused = stopped = False
    for kind in kinds:
        if kind == ClockEvent.Kind.PAUSE:
            paused = True
        elif kind == ClockEvent.Kind.RESUME:
            paused = False
        elif kind == ClockEvent.Kind.RESOLVED:
            stopped = True
        elif kind == ClockEvent.Kind.RESTART:
            stopped = paused = False
    has_response = ClockEvent.Kind.RESPONDED in kinds
    ended = request.status not in OPEN_REQUEST_STATUSES
    if (responded or ended) and not has_response:
        steps.log_clock(record, ClockEvent.Kind.RESPONDED, now)
    if ended:
        if not stopped:
            steps.log_clock(record, ClockEvent.Kind.RESOLVED, now)
    else:
        if stopped:
            steps.log_clock(record, ClockEvent.Kind.RESTART, now)
            paused = False
        wanted = _wants_pause(request)
        if wanted and not paused:
            steps.log_clock(record, ClockEvent.Kind.PAUSE, now)
        elif paused and not wanted:
            steps.log_clock(record, ClockEvent.Kind.RESUME, now)
    refresh(request, now)


def due_notices(request: Request, now: dt.datetime, raised: set[tuple[str, str]]) -> list[SlaNotice]:
    """The warnings and breaches crossed by ``now`` and not yet raised, unsaved."""
    due = []
    for clock in clocks_for(request, now):
        for kind, at in (
            (SlaNotice.Kind.WARNING, clock.state.warned_at),
            (SlaNotice.Kind.BREACH, clock.state.breached_at),
        ):
            bit = NOTICE_BITS[(clock.name, kind)]
            if at is None or at > now or (clock.name, kind) in raised or request.record.sla_notified & bit:
                continue
            due.append(SlaNotice(record_id=request.record_id, clock=clock.name, kind=kind, crossed_at=at))
    return due

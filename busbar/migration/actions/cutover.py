"""Recording a segment's cut-over (issue 16 item 4): the day after its window closes (M15), the MPANs
still scheduled are marked in flight (``Mpan.in_flight_at``) and put in the exception queue (one
``MEX…`` per supplier, kind "in flight at cut-over"), and the segment's MPANs are counted per supplier,
distributor and agent (:class:`~busbar.migration.models.Cutover`). Run by the worker's periodic scan, or by
a migration manager from the thresholds page or the API; once per segment and close."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.utils import timezone

from busbar.audit.journal import record as journal
from busbar.lib.actions import ActionError, Actor, Conflict, action, refuse
from busbar.lib.bulkinsert import insert_rows
from busbar.migration import common, cutover, exceptionqueue, ledger, permissions
from busbar.migration.models import Cutover, CutoverCount, ExceptionKind, Segment, SegmentWindow
from busbar.migration.queries import viewer_of


@action
def record_cutover(*, actor: Actor, programme: Any, segment: str, now: dt.datetime | None = None) -> Cutover:
    """Take ``segment``'s cut-over at its window's close: refused before the close is over (409), and when
    it is recorded already for that close (409)."""
    now = now or timezone.now()
    refuse(permissions.can_keep_segment_windows(viewer_of(actor), programme))
    if segment not in Segment.values:
        raise ActionError(f"Choose a segment: {', '.join(Segment.values)}", field="segment")
    window = SegmentWindow.objects.filter(programme=programme, segment=segment).first()
    if window is None:
        raise ActionError(f"The {Segment(segment).label} segment has no window", field="segment")
    today = common.today(now)
    if window.closes >= today:
        raise Conflict(
            f"The {Segment(segment).label} window closes on {window.closes:%-d %b %Y}: its cut-over is "
            "taken once that day is over"
        )
    done = Cutover.objects.filter(programme=programme, segment=segment, day=window.closes).first()
    if done is not None:
        raise Conflict(
            f"The {Segment(segment).label} cut-over at {window.closes:%-d %b %Y} was recorded on "
            f"{timezone.localtime(done.recorded_at):%-d %b %Y %H:%M}"
        )
    ledger.lock_ledger()  # no daily file applies meanwhile
    day = window.closes
    rows = cutover.tally(segment)
    taken = Cutover.objects.create(
        programme=programme,
        segment=segment,
        day=day,
        in_flight=sum(r["in_flight"] for r in rows),
        not_migrated=sum(r["not_migrated"] for r in rows),
        migrated=sum(r["migrated"] for r in rows),
        recorded_at=now,
        recorded_by=actor.user,
    )
    insert_rows(
        CutoverCount,
        ("cutover_id", "supplier_id", "distributor", "agent_id", "in_flight", "not_migrated", "migrated"),
        (
            (
                taken.pk,
                r["supplier_id"],
                r["distributor"],
                r["agent_id"],
                r["in_flight"],
                r["not_migrated"],
                r["migrated"],
            )
            for r in rows
            if r["in_flight"] or r["not_migrated"] or r["migrated"]
        ),
    )
    wanted: dict[tuple[str, int, dt.date], list[exceptionqueue.Item]] = defaultdict(list)
    marked = 0
    for core, supplier_id, agent_id, scheduled_for in cutover.mark_in_flight(segment, day):
        marked += 1
        wanted[(ExceptionKind.IN_FLIGHT.value, supplier_id, day)].append(
            exceptionqueue.Item(
                core,
                day,
                agent_id,
                f"Scheduled {scheduled_for:%-d %b %Y}, not migrated when the window closed",
            )
        )
    touched = exceptionqueue.open_exceptions(dict(wanted), now=now)
    journal(
        actor=actor,
        action="migration.cutover",
        obj=taken,
        owner=None,
        changes={
            "segment": [None, segment],
            "day": [None, day.isoformat()],
            "in_flight": [None, taken.in_flight],
            "not_migrated": [None, taken.not_migrated],
            "migrated": [None, taken.migrated],
            "marked": [None, marked],
        },
        note=str(taken),
    )
    exceptionqueue.journal_touched(actor, touched)
    return taken

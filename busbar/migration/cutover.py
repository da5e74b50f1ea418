"""A segment's cut-over (issue 16 item 4): when its window closes (M15), the MPANs still scheduled are *in
flight at cut-over*; those never scheduled, or reverse-migrated and not re-scheduled, are *not migrated*.

An MPAN is in flight when its state is ``scheduled``, or ``reversed`` with a schedule later than its first
migration (re-scheduled after the reverse: the reverse itself never sets ``scheduled_for``). The reads
here are used by :func:`busbar.migration.actions.cutover.record_cutover` (once per segment and close, the
day after) and by the periodic scan (:func:`due`). They scan one segment of the ledger once: a
one-off job per segment, never a page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.db import connection
from django.db.models import Count, F, Q, QuerySet

from busbar.migration import common
from busbar.migration.models import Cutover, LedgerState, Mpan, SegmentWindow


def rescheduled() -> Q:
    """A reverse-migrated MPAN scheduled again (its schedule after its first migration)."""
    return Q(state=LedgerState.REVERSED, scheduled_for__gt=F("migrated_on"))


def in_flight_rule(segment: str) -> Q:
    return Q(segment=segment) & (Q(state=LedgerState.SCHEDULED) | rescheduled())


def not_migrated_rule(segment: str) -> Q:
    return Q(segment=segment) & (
        Q(state=LedgerState.NOT_MIGRATED) | (Q(state=LedgerState.REVERSED) & ~rescheduled())
    )


def in_flight(segment: str) -> QuerySet:
    return Mpan.objects.filter(in_flight_rule(segment))


def mark_in_flight(segment: str, day: dt.date) -> Iterator[tuple[int, int, int | None, dt.date]]:
    """Mark the segment's MPANs in flight now with ``day`` (a later close marks them again) and give each
    one's (core, supplier id, agent id, scheduled for): one statement, one scan (``UPDATE … RETURNING``;
    on SQLite before 3.35, a select then the update)."""
    table = connection.ops.quote_name(Mpan._meta.db_table)
    where = "segment = %s AND (state = %s OR (state = %s AND scheduled_for > migrated_on))"  # in_flight_rule
    params = [segment, LedgerState.SCHEDULED.value, LedgerState.REVERSED.value]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite" and connection.Database.sqlite_version_info < (3, 35):
            rows = list(in_flight(segment).values_list("core", "supplier_id", "agent_id", "scheduled_for"))
            in_flight(segment).update(in_flight_at=day)
            yield from rows
            return
        cursor.execute(
            f"UPDATE {table} SET in_flight_at = %s WHERE {where} "  # noqa: S608 - the model's own names
            "RETURNING core, supplier_id, agent_id, scheduled_for",
            [day, *params],
        )
        while batch := cursor.fetchmany(20_000):
            for core, supplier_id, agent_id, scheduled_for in batch:
                if isinstance(scheduled_for, str):  # SQLite returns dates as text from raw SQL
                    scheduled_for = dt.date.fromisoformat(scheduled_for)
                yield core, supplier_id, agent_id, scheduled_for


def tally(segment: str) -> list[dict[str, Any]]:
    """The segment's MPANs by supplier, distributor and agent: in flight, not migrated, migrated (one
    grouped scan)."""
    migrated = Q(state__in=(LedgerState.MIGRATED, LedgerState.REMIGRATED))
    return list(
        Mpan.objects.filter(segment=segment)
        .values("supplier_id", "distributor", "agent_id")
        .annotate(
            in_flight=Count("core", filter=in_flight_rule(segment)),
            not_migrated=Count("core", filter=not_migrated_rule(segment)),
            migrated=Count("core", filter=migrated),
        )
        .order_by("supplier_id", "distributor", "agent_id")
    )


def due(programme: Any, today: dt.date | None = None) -> list[SegmentWindow]:
    """The programme's segment windows closed before ``today`` whose cut-over at that close is not recorded
    (two queries)."""
    today = today or common.today()
    windows = list(SegmentWindow.objects.filter(programme=programme, closes__lt=today).order_by("closes"))
    if not windows:
        return []
    done = set(
        Cutover.objects.filter(programme=programme, segment__in=[w.segment for w in windows]).values_list(
            "segment", "day"
        )
    )
    return [w for w in windows if (w.segment, w.closes) not in done]

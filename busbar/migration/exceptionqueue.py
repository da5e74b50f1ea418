"""Filling the migration exception queue in bulk (``MEX…`` on the record kernel): one exception per kind,
supplier and day, holding its MPANs; a later find of the same kind, supplier and day adds its MPANs to the
exception while it is open or under investigation (an MPAN already held is not added twice).

Two sources: a daily file's lines (:func:`from_file`: failed migrations, MPANs left with no agent, refused
reverse migrations after M14) and a segment's cut-over (:mod:`busbar.migration.cutover`: MPANs in flight).
Runs inside the caller's action (its transaction and journal)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import TYPE_CHECKING, NamedTuple

from django.utils import timezone

from busbar.audit.journal import record as journal
from busbar.lib.bulkinsert import insert_rows
from busbar.migration import common
from busbar.migration.models import (
    EventKind,
    ExceptionKind,
    ExceptionMpan,
    ExceptionStatus,
    LedgerLoad,
    MigrationException,
)

if TYPE_CHECKING:
    from busbar.lib.actions import Actor
    from busbar.migration.ledger import Checked, Event

SUMMARY = {
    ExceptionKind.FAILED: "Failed migrations",
    ExceptionKind.LATE_REVERSE: "Reverse migrations after M14 refused",
    ExceptionKind.NO_AGENT: "MPANs with no agent",
    ExceptionKind.IN_FLIGHT: "MPANs in flight at cut-over",
}

#: (kind, supplier id, day) -> the MPANs to hold.
Wanted = dict[tuple[str, int, dt.date], list["Item"]]


class Item(NamedTuple):
    core: int
    on: dt.date
    agent_id: int | None
    detail: str


def from_file(checked: Checked, *, applied: bool) -> Wanted:
    """The MPANs a daily file puts in exceptions: failed migrations and MPANs left with no agent (from the
    applied events, when ``applied``) and the refused reverse migrations after M14."""
    found: dict[tuple[str, int, dt.date], dict[tuple[int, dt.date], Item]] = defaultdict(dict)
    if applied:
        last: dict[int, Event] = {}
        for e in checked.events:
            last[e.core] = e
            if e.kind == EventKind.FAIL:
                found[(ExceptionKind.FAILED.value, e.supplier_id, e.on)][(e.core, e.on)] = Item(
                    e.core, e.on, e.agent_id, f"Migration failed (line {e.line})"
                )
        for e in last.values():
            if e.agent_id is None:
                found[(ExceptionKind.NO_AGENT.value, e.supplier_id, e.on)][(e.core, e.on)] = Item(
                    e.core, e.on, None, f"No agent appointed (line {e.line})"
                )
    for r in checked.late_reverses:
        found[(ExceptionKind.LATE_REVERSE.value, r.supplier_id, r.on)][(r.core, r.on)] = Item(
            r.core,
            r.on,
            r.agent_id,
            f"Reverse migration after M14 ({r.reverse_until.isoformat()}) refused (line {r.line})",
        )
    return {k: list(v.values()) for k, v in found.items()}


def open_exceptions(
    wanted: Wanted, *, load: LedgerLoad | None = None, now: dt.datetime | None = None
) -> list[tuple[MigrationException, bool, int]]:
    """Open one exception per (kind, supplier, day) or extend the open/investigating one, with its MPANs
    (bulk; the kernel's ``new_record``). Returns (exception, created, MPANs added) for each exception
    touched."""
    from busbar.records import steps

    now = now or timezone.now()
    if not wanted:
        return []
    kinds = {k for k, _, _ in wanted}
    suppliers = {s for _, s, _ in wanted}
    days = {d for _, _, d in wanted}
    open_ones = {
        (x.kind, x.supplier_id, x.day): x
        for x in MigrationException.objects.filter(
            kind__in=kinds,
            supplier_id__in=suppliers,
            day__in=days,
            status__in=(ExceptionStatus.OPEN, ExceptionStatus.INVESTIGATING),
        ).order_by("pk")
    }
    held: set[tuple[int, int, dt.date]] = set()
    if open_ones:
        held = set(
            ExceptionMpan.objects.filter(exception_id__in=[x.pk for x in open_ones.values()]).values_list(
                "exception_id", "core", "on"
            )
        )
    touched = []
    rows: list[tuple] = []
    for key in sorted(wanted, key=lambda k: (k[0], k[1], k[2])):
        kind, supplier_id, day = key
        exception = open_ones.get(key)
        created = exception is None
        if created:
            record = steps.new_record("migration_exception", created_at=now)
            exception = MigrationException.objects.create(
                record=record,
                reference=record.reference,
                kind=kind,
                supplier_id=supplier_id,
                day=day,
                summary=f"{SUMMARY[ExceptionKind(kind)]} on {day:%-d %b %Y}",
                load=load,
                created_at=now,
                updated_at=now,
            )
        items = [i for i in wanted[key] if (exception.pk, i.core, i.on) not in held]
        if not items and not created:
            continue
        rows.extend(
            (exception.pk, i.core, common.distributor_of(i.core), i.agent_id, i.on, i.detail[:300])
            for i in items
        )
        exception.mpans += len(items)
        exception.updated_at = now
        update = {"mpans": exception.mpans, "updated_at": now}
        if load is not None:
            exception.load = update["load"] = load
        MigrationException.objects.filter(pk=exception.pk).update(**update)
        touched.append((exception, created, len(items)))
    insert_rows(ExceptionMpan, ("exception_id", "core", "distributor", "agent_id", "on", "detail"), rows)
    return touched


def journal_touched(
    actor: Actor, touched: list[tuple[MigrationException, bool, int]], *, load: LedgerLoad | None = None
) -> None:
    """Journal each exception :func:`open_exceptions` opened or extended (in the caller's action)."""
    for exception, created, added in touched:
        changes: dict[str, list] = {"mpans": [exception.mpans - added, exception.mpans]}
        if load is not None:
            changes["load"] = [None, load.pk]
        journal(
            actor=actor,
            action="migration.exception_open" if created else "migration.exception_extend",
            obj=exception,
            owner=exception.supplier,
            changes=changes,
            note=exception.summary,
        )

"""The migration exception queue (issue 16 item 4): exceptions on the record kernel (``MEX…``) raised by
the daily loads (failed migrations, reverse migrations after M14, MPANs with no agent), worked by the
supplier and the programme's migration managers: public updates and internal notes through the kernel,
investigate, resolve (with the resolution), reopen. Status changes through
:data:`~busbar.migration.models.EXCEPTION_TRANSITIONS` (409); every change journalled as
``migration.<verb>``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from django.utils import timezone

from busbar.audit.journal import record as journal
from busbar.lib.actions import ActionError, Actor, action, check_transition, refuse
from busbar.lib.limits import SHORT_TEXT, TEXT_MAX, clean_text
from busbar.migration import permissions
from busbar.migration.common import DISTRIBUTOR_IDS, check_day
from busbar.migration.models import (
    EXCEPTION_TRANSITIONS,
    ExceptionKind,
    ExceptionMpan,
    ExceptionStatus,
    MigrationException,
)
from busbar.migration.queries import viewer_of
from busbar.records import steps as record_steps
from busbar.records.models import Entry

#: At most this many MPANs are added to an exception by one call.
MAX_ITEMS_PER_CALL = 500_000
#: Statuses in which a later load extends an exception instead of opening a new one.
ACTIVE = (ExceptionStatus.OPEN, ExceptionStatus.INVESTIGATING)


def _lock(exception: MigrationException) -> MigrationException:
    return (
        MigrationException.objects.select_for_update(of=("self",))
        .select_related("supplier", "record")
        .get(pk=exception.pk)
    )


def _write(actor: Actor, exception: MigrationException, verb: str, changes: dict, note: str = "") -> None:
    journal(
        actor=actor,
        action=f"migration.{verb}",
        obj=exception,
        owner=exception.supplier,
        changes=changes,
        note=note,
    )


def _text(value: Any, *, field: str, what: str, required: bool) -> str:
    return clean_text(value, field=field, limit=TEXT_MAX, what=what, required=required)


def _item(exception: MigrationException, raw: Mapping[str, Any], index: int, day: dt.date) -> ExceptionMpan:
    field = f"mpans[{index}]"
    core = raw.get("core")
    if isinstance(core, bool) or not isinstance(core, int) or not 10**11 <= core < 10**13:
        raise ActionError("An MPAN core is a 13-digit number", field=f"{field}.core")
    distributor = str(raw.get("distributor") or f"{core:013d}"[:2])
    if distributor not in DISTRIBUTOR_IDS:
        raise ActionError(f"No distributor {distributor[:4]!r}", field=f"{field}.distributor")
    agent_id = raw.get("agent_id")
    if agent_id is not None and (isinstance(agent_id, bool) or not isinstance(agent_id, int)):
        raise ActionError("The agent is an organisation id", field=f"{field}.agent_id")
    on = check_day(raw.get("on") or day, field=f"{field}.on")
    detail = str(raw.get("detail") or "")[:300]
    return ExceptionMpan(
        exception=exception, core=core, distributor=distributor, agent_id=agent_id, on=on, detail=detail
    )


@action
def record_exception(
    *,
    actor: Actor,
    kind: str,
    supplier: Any,
    day: dt.date,
    mpans: Sequence[Mapping[str, Any]],
    summary: str = "",
    load: Any = None,
    now: dt.datetime | None = None,
) -> MigrationException:
    """Open an exception of ``kind`` for ``supplier`` on ``day`` holding ``mpans`` (each a mapping of
    ``core``, ``distributor``, ``agent_id``, ``on``, ``detail``), or add them to the open (or
    investigating) one of the same kind, supplier and day. MPANs already in it are left as they are.
    For the daily loads (the supplier's people, the managers, the system)."""
    now = now or timezone.now()
    refuse(permissions.can_load_file(viewer_of(actor), supplier.pk))
    if kind not in ExceptionKind.values:
        raise ActionError(f"No exception kind {str(kind)[:30]!r}", field="kind")
    day = check_day(day, field="day")
    if not mpans:
        raise ActionError("An exception holds at least one MPAN", field="mpans")
    if len(mpans) > MAX_ITEMS_PER_CALL:
        raise ActionError(f"At most {MAX_ITEMS_PER_CALL:,} MPANs at a time", field="mpans")
    summary = clean_text(summary, field="summary", limit=SHORT_TEXT, what="The summary", required=False)
    exception = (
        MigrationException.objects.select_for_update(of=("self",))
        .filter(kind=kind, supplier=supplier, day=day, status__in=ACTIVE)
        .order_by("pk")
        .first()
    )
    created = exception is None
    if created:
        record = record_steps.new_record("migration_exception", created_at=now)
        label = ExceptionKind(kind).label
        exception = MigrationException.objects.create(
            record=record,
            reference=record.reference,
            kind=kind,
            supplier=supplier,
            day=day,
            summary=summary or f"{label}: {supplier.name}, {day:%d %b %Y}",
            load=load,
            created_at=now,
            updated_at=now,
        )
    items = [_item(exception, raw, i, day) for i, raw in enumerate(mpans)]
    ExceptionMpan.objects.bulk_create(items, ignore_conflicts=True, batch_size=5000)
    before = exception.mpans
    exception.mpans = ExceptionMpan.objects.filter(exception=exception).count()
    exception.updated_at = now
    if load is not None:
        exception.load = load
    exception.save(update_fields=["mpans", "updated_at", "load"])
    changes = {"mpans": [None if created else before, exception.mpans]}
    if created:
        changes.update({"kind": [None, kind], "day": [None, day]})
    _write(actor, exception, "raise_exception" if created else "extend_exception", changes)
    return exception


@action
def add_update(
    *, actor: Actor, exception: MigrationException, body: str, attachments: Sequence = (), now: Any = None
) -> Entry:
    """A public update on the exception's conversation (read by everyone who sees the exception)."""
    return _entry(actor, exception, body, attachments, internal=False, now=now)


@action
def add_note(
    *, actor: Actor, exception: MigrationException, body: str, attachments: Sequence = (), now: Any = None
) -> Entry:
    """An internal note: written and read only by those who work the exception (supplier, managers)."""
    return _entry(actor, exception, body, attachments, internal=True, now=now)


def _entry(
    actor: Actor, exception: MigrationException, body: str, attachments: Sequence, *, internal: bool, now: Any
) -> Entry:
    now = now or timezone.now()
    exception = _lock(exception)
    refuse(permissions.can_work_exception(viewer_of(actor), exception))
    actor = actor.acting_for(exception.supplier)
    entry = record_steps.add_entry(
        exception.record, actor=actor, body=str(body or ""), internal=internal, now=now
    )
    if attachments:
        record_steps.add_attachments(
            exception.record, entry, list(attachments), actor=actor, internal=internal
        )
    exception.updated_at = now
    exception.save(update_fields=["updated_at"])
    verb = "note_exception" if internal else "update_exception"
    _write(actor, exception, verb, {"note" if internal else "update": [None, entry.body[:200]]})
    return entry


def _move(
    actor: Actor, exception: MigrationException, target: str, *, note: str, now: dt.datetime
) -> dict[str, list]:
    check_transition(EXCEPTION_TRANSITIONS, exception.status, target, what=exception.reference)
    changes: dict[str, list] = {"status": [exception.status, target]}
    exception.status = target
    exception.updated_at = now
    if note:
        record_steps.add_entry(
            exception.record, actor=actor, body=note, internal=False, now=now, field="note"
        )
    return changes


@action
def investigate(
    *, actor: Actor, exception: MigrationException, note: str = "", now: dt.datetime | None = None
) -> MigrationException:
    """An open exception is being investigated (the note, if any, is a public update)."""
    now = now or timezone.now()
    exception = _lock(exception)
    refuse(permissions.can_work_exception(viewer_of(actor), exception))
    actor = actor.acting_for(exception.supplier)
    note = _text(note, field="note", what="The note", required=False)
    changes = _move(actor, exception, ExceptionStatus.INVESTIGATING, note=note, now=now)
    exception.save(update_fields=["status", "updated_at"])
    _write(actor, exception, "investigate_exception", changes, note=note[:500])
    return exception


@action
def resolve(
    *, actor: Actor, exception: MigrationException, resolution: str, now: dt.datetime | None = None
) -> MigrationException:
    """Resolve the exception, saying how (required)."""
    now = now or timezone.now()
    exception = _lock(exception)
    refuse(permissions.can_work_exception(viewer_of(actor), exception))
    actor = actor.acting_for(exception.supplier)
    resolution = _text(resolution, field="resolution", what="The resolution", required=True)
    changes = _move(actor, exception, ExceptionStatus.RESOLVED, note="", now=now)
    changes["resolution"] = [exception.resolution[:200] or None, resolution[:200]]
    exception.resolution = resolution
    exception.resolved_at = now
    exception.save(update_fields=["status", "updated_at", "resolution", "resolved_at"])
    _write(actor, exception, "resolve_exception", changes)
    return exception


@action
def reopen(
    *, actor: Actor, exception: MigrationException, note: str, now: dt.datetime | None = None
) -> MigrationException:
    """A resolved exception (or one under investigation) goes back to open; the reason is required and
    becomes a public update."""
    now = now or timezone.now()
    exception = _lock(exception)
    refuse(permissions.can_reopen_exception(viewer_of(actor), exception))
    actor = actor.acting_for(exception.supplier)
    note = _text(note, field="note", what="The reason for reopening", required=True)
    changes = _move(actor, exception, ExceptionStatus.OPEN, note=note, now=now)
    exception.resolved_at = None
    exception.save(update_fields=["status", "updated_at", "resolved_at"])
    _write(actor, exception, "reopen_exception", changes, note=note[:500])
    return exception

"""Returns of faulty communications hubs (RQ-27, RQ-28): raised by a supplier with every hub's serial,
variant and fault (a form, pasted lines, a CSV file or the API), collected, received and tested by DCC,
then credited or rejected.

Each is one transaction, refused by :mod:`busbar.orders.permissions`, journalled as ``hub_return.*``,
with notices queued on commit (:mod:`busbar.orders.return_notices`). Bulk input is all or nothing: every
bad line is named (:class:`busbar.orders.serials.LineErrors`) and nothing is written. Hubs are written
with :func:`busbar.lib.bulkinsert.insert_rows` (COPY on PostgreSQL) and the return's counts kept as
columns, so lists never read serials.

Clocks (the OMS returns policy, :class:`busbar.orders.models.OmsSettings`): both start when the return is
raised; the response clock stops at collection, the resolution clock when it is credited, rejected or
cancelled.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone

from busbar.audit.journal import record as journal
from busbar.lib.actions import ActionError, Actor, Conflict, action, check_transition, refuse
from busbar.lib.bulkinsert import insert_rows
from busbar.lib.limits import SHORT_TEXT, check_text
from busbar.lib.tabular import Fault
from busbar.lib.worktime import england_wales_bank_holidays
from busbar.orders import permissions, return_notices, serials
from busbar.orders.models import (
    HUB_RETURN_TRANSITIONS,
    HubOutcome,
    HubReturn,
    HubReturnStatus,
    ReturnedHub,
)
from busbar.orders.registrations import return_sla_basis
from busbar.parties.queries import scope_of
from busbar.records import sla as record_sla
from busbar.records import steps as record_steps
from busbar.records.models import ClockEvent, Entry

__all__ = [
    "add_hubs",
    "add_return_update",
    "cancel_return",
    "credit_return",
    "mark_collected",
    "mark_received",
    "raise_return",
    "record_test_results",
    "remove_hub",
]

_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})$")
#: How far ahead a collection may be booked.
MAX_COLLECTION_AHEAD = dt.timedelta(days=90)


# Checks and steps (private) -----------------------------------------------------------------------------


def _today(now: dt.datetime) -> dt.date:
    return timezone.localdate(now)


def _postcode(value: Any) -> str:
    text = " ".join(str(value or "").upper().split())
    match = _POSTCODE.match(text) if len(text) <= 10 else None
    if match is None:
        raise ActionError("Give a UK postcode, e.g. SW1A 1AA", field="postcode")
    return f"{match.group(1)} {match.group(2)}"


def _collection_date(value: Any, now: dt.datetime) -> dt.date:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise ActionError("Give the collection date, e.g. 2027-06-21", field="collection_date")
    today = _today(now)
    if value <= today:
        raise ActionError("The collection is booked for a working day after today", field="collection_date")
    if value > today + MAX_COLLECTION_AHEAD:
        raise ActionError("Book the collection within the next 90 days", field="collection_date")
    if value.weekday() >= 5 or value in england_wales_bank_holidays(value.year):
        raise ActionError(
            f"{value:%a %d %b %Y} is not a working day: collections are on working days",
            field="collection_date",
        )
    return value


def _lock(hub_return: HubReturn) -> HubReturn:
    return (
        HubReturn.objects.select_for_update(of=("self",))
        .select_related("record", "supplier")
        .get(pk=hub_return.pk)
    )


def _journal(
    actor: Actor, hub_return: HubReturn, what: str, changes: dict | None = None, note: str = ""
) -> None:
    journal(
        actor=actor.acting_for(hub_return.supplier_id),
        action=f"hub_return.{what}",
        obj=hub_return,
        owner=hub_return.supplier,
        changes=changes,
        note=note[:500],
    )


def _note(value: str, *, field: str = "note") -> str:
    return check_text((value or "").strip(), field=field)


def _clock(hub_return: HubReturn, kinds: Sequence[str], now: dt.datetime) -> None:
    """Log ``kinds`` on the return's clock and refresh its SLA cache."""
    policy, severity = return_sla_basis(hub_return)
    for kind in kinds:
        code = severity if kind == ClockEvent.Kind.START else ""
        record_steps.log_clock(hub_return.record, kind, now, code)
    if policy is None:
        return
    clocks = record_sla.compute(hub_return.record, policy, severity, now)
    changed = record_sla.refresh_cache(hub_return.record, clocks)
    if changed:
        hub_return.record.save(update_fields=changed)


def _notify(hub_return: HubReturn, what: str, note: str = "") -> None:
    event = return_notices.event_data(hub_return, what, note)
    pk = hub_return.pk
    transaction.on_commit(lambda: return_notices.notify_return.enqueue(pk, what, event))


def _move(hub_return: HubReturn, target: str, now: dt.datetime) -> dict:
    current = hub_return.status
    check_transition(HUB_RETURN_TRANSITIONS, current, target, what=f"Return {hub_return.reference}")
    hub_return.status = target
    hub_return.updated_at = now
    return {"status": [current, target]}


def _hubs(hubs: Any, *, supplier_id: int) -> list[serials.HubLine]:
    """Hubs given as checked lines (a parsed CSV, checked by :func:`serials.check_hubs` just before), or
    lines, mappings or tuples to check now. Lines already checked are not checked twice: a serial another
    return took meanwhile is still refused, by the unique constraint on live serials (a 409)."""
    lines = list(hubs or ())
    if lines and all(
        isinstance(h, serials.HubLine) and h.variant_id is not None and h.fault_id is not None for h in lines
    ):
        if len(lines) > serials.MAX_ROWS:
            raise ActionError(f"A return holds at most {serials.MAX_ROWS:,} hubs", field="hubs")
        return lines
    numbered = "line" if lines and isinstance(lines[0], serials.HubLine) and lines[0].line > 0 else "item"
    return serials.check_hubs(serials.hub_lines(lines), supplier_id=supplier_id, numbered=numbered)


#: The columns written for each hub (busbar.lib.bulkinsert: COPY on PostgreSQL).
_HUB_COLUMNS = (
    "hub_return_id",
    "supplier_id",
    "serial",
    "variant_id",
    "fault_id",
    "fault_note",
    "outcome",
    "outcome_reason",
    "line",
)


def _write_hubs(hub_return: HubReturn, lines: list[serials.HubLine], *, from_file: bool) -> None:
    rows = (
        (
            hub_return.pk,
            hub_return.supplier_id,
            h.serial,
            h.variant_id,
            h.fault_id,
            h.note,
            HubOutcome.PENDING.value,
            "",
            h.line if from_file else 0,
        )
        for h in lines
    )
    try:
        with transaction.atomic():
            insert_rows(ReturnedHub, _HUB_COLUMNS, rows)
    except IntegrityError:
        raise Conflict(
            "A serial was returned by another request at the same moment: try again", field="hubs"
        ) from None


def _recount(hub_return: HubReturn) -> None:
    counts = dict(
        ReturnedHub.objects.filter(hub_return_id=hub_return.pk)
        .values("outcome")
        .annotate(n=Count("id"))
        .values_list("outcome", "n")
    )
    hub_return.hub_count = sum(n for o, n in counts.items() if o != HubOutcome.WITHDRAWN) or (
        counts.get(HubOutcome.WITHDRAWN, 0)
    )
    hub_return.credited_count = counts.get(HubOutcome.CREDITED, 0)
    hub_return.rejected_count = counts.get(HubOutcome.REJECTED, 0)


def _from_file(lines: Sequence[Any]) -> bool:
    return bool(lines) and isinstance(lines[0], serials.HubLine) and lines[0].line > 0


# Actions ------------------------------------------------------------------------------------------------


@action
def raise_return(
    *,
    actor: Actor,
    collection_address: str,
    postcode: str,
    collection_date: dt.date,
    hubs: Sequence[Any],
    supplier: Any = None,
    contact: str = "",
    now: dt.datetime | None = None,
) -> HubReturn:
    """One consignment of faulty hubs to be collected from ``collection_address`` on ``collection_date``
    (a working day after today). ``hubs``: the lines of :func:`busbar.orders.serials.parse_returns_csv`
    (file lines kept), or (serial, variant code, fault code, note) tuples or mappings. All or nothing:
    any bad hub refuses the lot, naming every one (:class:`~busbar.orders.serials.LineErrors`)."""
    now = now or timezone.now()
    supplier = supplier or actor.organisation
    if supplier is None:
        raise ActionError("Name the supplier returning the hubs", field="supplier")
    refuse(permissions.can_return(scope_of(actor), supplier), field="supplier")
    address = (collection_address or "").strip()
    if not address:
        raise ActionError("Give the collection address", field="collection_address")
    check_text(address, field="collection_address", limit=1000)
    code = _postcode(postcode)
    day = _collection_date(collection_date, now)
    contact = check_text((contact or "").strip(), field="contact", limit=SHORT_TEXT)
    from_file = _from_file(hubs)
    lines = _hubs(hubs, supplier_id=supplier.pk)
    record = record_steps.new_record("hub_return", created_at=now)
    hub_return = HubReturn.objects.create(
        record=record,
        reference=record.reference,
        supplier=supplier,
        raised_by=actor.user,
        collection_address=address,
        postcode=code,
        collection_date=day,
        contact=contact,
        hub_count=len(lines),
        created_at=now,
        updated_at=now,
    )
    _write_hubs(hub_return, lines, from_file=from_file)
    _clock(hub_return, [ClockEvent.Kind.START], now)
    _journal(
        actor,
        hub_return,
        "raise",
        {
            "hub_count": [None, len(lines)],
            "postcode": [None, code],
            "collection_date": [None, day],
        },
    )
    _notify(hub_return, "raised")
    return hub_return


@action
def add_hubs(
    *, actor: Actor, hub_return: HubReturn, hubs: Sequence[Any], now: dt.datetime | None = None
) -> int:
    """Add hubs to a return not yet collected (all or nothing, as :func:`raise_return`); how many."""
    now = now or timezone.now()
    hub_return = _lock(hub_return)
    refuse(permissions.can_return(scope_of(actor), hub_return.supplier))
    if hub_return.status != HubReturnStatus.REQUESTED:
        raise Conflict("Hubs are added only before the return is collected", field="status")
    from_file = _from_file(hubs)
    lines = _hubs(hubs, supplier_id=hub_return.supplier_id)
    if hub_return.hub_count + len(lines) > serials.MAX_ROWS:
        raise ActionError(f"A return holds at most {serials.MAX_ROWS:,} hubs", field="hubs")
    _write_hubs(hub_return, lines, from_file=from_file)
    before = hub_return.hub_count
    hub_return.hub_count = before + len(lines)
    hub_return.updated_at = now
    hub_return.save(update_fields=["hub_count", "updated_at"])
    _journal(actor, hub_return, "add_hubs", {"hub_count": [before, hub_return.hub_count]})
    _notify(hub_return, "hubs")
    return len(lines)


@action
def remove_hub(
    *, actor: Actor, hub_return: HubReturn, serial: str, now: dt.datetime | None = None
) -> HubReturn:
    """Take one hub out of a return not yet collected (at least one hub stays: else cancel it)."""
    now = now or timezone.now()
    hub_return = _lock(hub_return)
    refuse(permissions.can_return(scope_of(actor), hub_return.supplier))
    if hub_return.status != HubReturnStatus.REQUESTED:
        raise Conflict("Hubs are removed only before the return is collected", field="status")
    try:
        normal = serials.normalise(serial)
    except serials.BadSerial as exc:
        raise ActionError(str(exc), field="serial") from None
    hub = ReturnedHub.objects.filter(hub_return_id=hub_return.pk, serial=normal).first()
    if hub is None:
        raise ActionError(f"{normal} is not in {hub_return.reference}", field="serial")
    if hub_return.hub_count <= 1:
        raise Conflict("A return keeps at least one hub: cancel the return instead", field="serial")
    hub.delete()
    before = hub_return.hub_count
    hub_return.hub_count = before - 1
    hub_return.updated_at = now
    hub_return.save(update_fields=["hub_count", "updated_at"])
    _journal(
        actor,
        hub_return,
        "remove_hub",
        {"hub_count": [before, hub_return.hub_count], "serial": [normal, None]},
    )
    return hub_return


@action
def cancel_return(
    *, actor: Actor, hub_return: HubReturn, reason: str = "", now: dt.datetime | None = None
) -> HubReturn:
    """Cancel a return before collection: its hubs are withdrawn (and may be returned again)."""
    now = now or timezone.now()
    hub_return = _lock(hub_return)
    refuse(permissions.can_cancel_return(scope_of(actor), hub_return))
    reason = _note(reason, field="reason")
    changes = _move(hub_return, HubReturnStatus.CANCELLED, now)
    ReturnedHub.objects.filter(hub_return_id=hub_return.pk).update(outcome=HubOutcome.WITHDRAWN)
    hub_return.closed_at = now
    hub_return.save(update_fields=["status", "updated_at", "closed_at"])
    _clock(hub_return, [ClockEvent.Kind.RESPONDED, ClockEvent.Kind.RESOLVED], now)
    if reason:
        record_steps.add_entry(
            hub_return.record, actor=actor, body=reason, internal=False, now=now, field="reason"
        )
    _journal(actor, hub_return, "cancel", changes, note=reason)
    _notify(hub_return, "cancelled", reason)
    return hub_return


def _stage(
    actor: Actor, hub_return: HubReturn, target: str, stamp: str, what: str, note: str, now: dt.datetime
) -> HubReturn:
    hub_return = _lock(hub_return)
    refuse(permissions.can_process_return(scope_of(actor), hub_return))
    note = _note(note)
    changes = _move(hub_return, target, now)
    setattr(hub_return, stamp, now)
    hub_return.save(update_fields=["status", "updated_at", stamp])
    if target == HubReturnStatus.COLLECTED:
        _clock(hub_return, [ClockEvent.Kind.RESPONDED], now)
    if note:
        record_steps.add_entry(
            hub_return.record, actor=actor, body=note, internal=False, now=now, field="note"
        )
    _journal(actor, hub_return, what, changes, note=note)
    _notify(hub_return, what, note)
    return hub_return


@action
def mark_collected(
    *, actor: Actor, hub_return: HubReturn, note: str = "", now: dt.datetime | None = None
) -> HubReturn:
    """DCC: the hubs were collected (the response clock stops)."""
    return _stage(
        actor, hub_return, HubReturnStatus.COLLECTED, "collected_at", "collected", note, now or timezone.now()
    )


@action
def mark_received(
    *, actor: Actor, hub_return: HubReturn, note: str = "", now: dt.datetime | None = None
) -> HubReturn:
    """DCC: the hubs arrived at DCC's depot for testing."""
    return _stage(
        actor, hub_return, HubReturnStatus.RECEIVED, "received_at", "received", note, now or timezone.now()
    )


@action
def record_test_results(
    *, actor: Actor, hub_return: HubReturn, results: Sequence[Any], now: dt.datetime | None = None
) -> HubReturn:
    """DCC: each listed hub (awaiting test) credited or rejected (with the reason). ``results``: the
    lines of :func:`busbar.orders.serials.parse_results_csv`, or (serial, outcome, reason) tuples or
    mappings. Hubs not listed stay awaiting test; when none is left the return is tested. All or nothing:
    a serial not in the return, or already tested, is named with the others."""
    now = now or timezone.now()
    hub_return = _lock(hub_return)
    refuse(permissions.can_process_return(scope_of(actor), hub_return))
    if hub_return.status != HubReturnStatus.RECEIVED:
        raise Conflict("Test results are recorded once the hubs are received by DCC", field="status")
    given = list(results or ())
    numbered = "line" if given and isinstance(given[0], serials.ResultLine) and given[0].line > 0 else "item"
    lines = serials.check_results(serials.result_lines(given), numbered=numbered)
    wanted = [r.serial for r in lines]
    current: dict[str, str] = {}
    size = serials.chunk_size()
    for i in range(0, len(wanted), size):
        current.update(
            ReturnedHub.objects.filter(
                hub_return_id=hub_return.pk, serial__in=wanted[i : i + size]
            ).values_list("serial", "outcome")
        )
    faults = []
    for r in lines:
        outcome = current.get(r.serial)
        if outcome is None:
            faults.append(Fault(r.line, "serial", f"{r.serial} is not in {hub_return.reference}"))
        elif outcome != HubOutcome.PENDING:
            faults.append(Fault(r.line, "serial", f"{r.serial} is already {outcome}"))
    if faults:
        raise serials.LineErrors(faults, numbered=numbered, name="results")
    groups: dict[tuple[str, str], list[str]] = defaultdict(list)
    for r in lines:
        groups[(r.outcome, r.reason)].append(r.serial)
    for (outcome, reason), group in groups.items():
        for i in range(0, len(group), size):
            ReturnedHub.objects.filter(
                hub_return_id=hub_return.pk, serial__in=group[i : i + size], outcome=HubOutcome.PENDING
            ).update(outcome=outcome, outcome_reason=reason)
    before = (hub_return.credited_count, hub_return.rejected_count)
    _recount(hub_return)
    changes = {
        "credited_count": [before[0], hub_return.credited_count],
        "rejected_count": [before[1], hub_return.rejected_count],
    }
    fields = ["credited_count", "rejected_count", "updated_at"]
    hub_return.updated_at = now
    pending = hub_return.hub_count - hub_return.credited_count - hub_return.rejected_count
    what = "test_results"
    if pending <= 0:
        changes.update(_move(hub_return, HubReturnStatus.TESTED, now))
        hub_return.tested_at = now
        fields += ["status", "tested_at"]
        what = "tested"
    hub_return.save(update_fields=fields)
    _journal(actor, hub_return, what, changes, note=f"{len(lines):,} results recorded")
    if what == "tested":
        _notify(hub_return, "tested")
    return hub_return


@action
def credit_return(
    *, actor: Actor, hub_return: HubReturn, note: str = "", now: dt.datetime | None = None
) -> HubReturn:
    """DCC: close a tested return: credited if any hub is credited, else rejected (the resolution clock
    stops)."""
    now = now or timezone.now()
    hub_return = _lock(hub_return)
    refuse(permissions.can_process_return(scope_of(actor), hub_return))
    note = _note(note)
    _recount(hub_return)
    target = HubReturnStatus.CREDITED if hub_return.credited_count else HubReturnStatus.REJECTED
    changes = _move(hub_return, target, now)
    hub_return.closed_at = now
    hub_return.save(
        update_fields=["status", "updated_at", "closed_at", "hub_count", "credited_count", "rejected_count"]
    )
    _clock(hub_return, [ClockEvent.Kind.RESOLVED], now)
    if note:
        record_steps.add_entry(
            hub_return.record, actor=actor, body=note, internal=False, now=now, field="note"
        )
    changes["credited_count"] = [None, hub_return.credited_count]
    changes["rejected_count"] = [None, hub_return.rejected_count]
    _journal(
        actor, hub_return, "credit" if target == HubReturnStatus.CREDITED else "reject", changes, note=note
    )
    _notify(hub_return, str(target), note)
    return hub_return


@action
def add_return_update(
    *,
    actor: Actor,
    hub_return: HubReturn,
    body: str,
    internal: bool = False,
    now: dt.datetime | None = None,
) -> Entry:
    """A message on the return's conversation (the supplier and DCC), or an internal note (DCC and the
    desk only)."""
    now = now or timezone.now()
    hub_return = _lock(hub_return)
    scope = scope_of(actor)
    processes = permissions.can_process_return(scope, hub_return)
    if internal or processes is not None:
        refuse(processes if internal else permissions.can_return(scope, hub_return.supplier))
    entry = record_steps.add_entry(hub_return.record, actor=actor, body=body, internal=internal, now=now)
    hub_return.updated_at = now
    hub_return.save(update_fields=["updated_at"])
    _journal(
        actor,
        hub_return,
        "note" if internal else "update",
        {"update": [None, "internal note" if internal else "update"]},
    )
    return entry

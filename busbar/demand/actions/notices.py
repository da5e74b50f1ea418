"""Demand notices (RQ-15…RQ-21): file, change, withdraw; the desk analyses, notifies the affected providers
(the bulletin), requests mitigation, records compliance, closes and reopens; updates and notes through the
kernel. One transaction each, refused by :mod:`busbar.demand.permissions`, journalled as ``demand.*``,
status changes by :data:`~busbar.demand.models.DEMAND_TRANSITIONS` (409). Filing starts no SLA clock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone

from busbar.demand import permissions, tasks
from busbar.demand import steps as s
from busbar.demand.models import (
    DEMAND_TRANSITIONS,
    Compliance,
    DemandLine,
    DemandNotice,
    DemandReason,
    DemandStatus,
)
from busbar.lib.actions import (
    ActionError,
    Actor,
    Conflict,
    IllegalTransition,
    action,
    check_transition,
    refuse,
)
from busbar.parties.queries import scope_of
from busbar.records import steps as record_steps
from busbar.records.models import Entry

#: The fields :func:`update_notice` may change.
FIELDS = frozenset({"title", "description", "reason", "starts_on", "ends_on", "lines"})


def _reason(value: Any) -> str:
    if value not in DemandReason.values:
        raise ActionError(
            f"No reason {str(value)[:40]!r}: one of {', '.join(DemandReason.values)}", field="reason"
        )
    return value


def _judge(notice: DemandNotice, checked: Sequence[s.CheckedLine]) -> list[DemandLine]:
    """Unsaved lines for ``checked`` with their verdicts against the tolerances in force on the first day."""
    tolerances = s.tolerances_on([c.service.pk for c in checked], notice.starts_on)
    lines = []
    for c in checked:
        lines.append(
            DemandLine(
                notice=notice,
                service=c.service,
                normal_per_day=c.normal_per_day,
                expected_per_day=c.expected_per_day,
                above_tolerance=s.above(c.normal_per_day, c.expected_per_day, tolerances.get(c.service.pk)),
            )
        )
    return lines


def _after_commit(func: Any, *args: Any) -> None:
    transaction.on_commit(lambda: func.enqueue(*args))


def _lines(notice: DemandNotice) -> list[DemandLine]:
    return list(notice.lines.select_related("service__provider").order_by("id"))


@action
def file_notice(
    *,
    actor: Actor,
    title: str,
    starts_on: dt.date,
    ends_on: dt.date,
    lines: Sequence[Mapping[str, Any]],
    reason: str = DemandReason.MARKETING,
    description: str = "",
    organisation: Any = None,
    now: dt.datetime | None = None,
) -> DemandNotice:
    """File a notice of unusual demand for ``organisation`` (default: the actor's). ``lines``: each a
    mapping of ``service`` (object, id or slug), ``normal_per_day`` and ``expected_per_day``. A notice with
    any line over its tolerance is flagged and the desk told at once."""
    now = now or timezone.now()
    scope = scope_of(actor)
    refuse(permissions.can_file(scope))
    organisation = organisation or actor.organisation
    if organisation is None:
        raise ActionError("Name the organisation the notice is for", field="organisation")
    refuse(permissions.can_file_for(scope, organisation), field="organisation")
    actor = actor.acting_for(organisation)
    title = s.check_title(title)
    description = s.check_body(description, field="description")
    reason = _reason(reason)
    starts_on, ends_on = s.check_period(starts_on, ends_on, now=now)
    checked = s.check_lines(actor.user, lines)
    notice = DemandNotice(
        title=title,
        organisation=organisation,
        filed_by=actor.user,
        starts_on=starts_on,
        ends_on=ends_on,
        reason=reason,
        description=description,
        created_at=now,
        updated_at=now,
    )
    made = _judge(notice, checked)
    notice.above_tolerance = any(line.above_tolerance for line in made)
    notice.record = record_steps.new_record("demand_notice", created_at=now)
    notice.reference = notice.record.reference
    notice.save()
    for line in made:
        line.notice = notice
    DemandLine.objects.bulk_create(made)
    s.write(
        actor,
        notice,
        "demand.file",
        {
            "title": [None, title],
            "period": [None, f"{starts_on} to {ends_on}"],
            "reason": [None, reason],
            "lines": [None, s.lines_shown(made)],
            "above_tolerance": [None, notice.above_tolerance],
        },
    )
    if notice.above_tolerance:
        _after_commit(tasks.tell_desk, notice.pk, "above_tolerance", s.event_data(notice, made))
    return notice


@action
def update_notice(
    *, actor: Actor, notice: DemandNotice, fields: Mapping[str, Any], now: dt.datetime | None = None
) -> DemandNotice:
    """Change the notice while it is filed or under analysis; the verdicts are judged again."""
    now = now or timezone.now()
    notice = s.lock(notice)
    refuse(permissions.can_edit(scope_of(actor), notice))
    actor = actor.acting_for(notice.organisation)
    if notice.status not in permissions.EDITABLE:
        raise Conflict(
            f"{notice.reference} is {notice.get_status_display().lower()}: it can no longer change",
            field="status",
        )
    for name in fields:
        if name not in FIELDS:
            raise ActionError(f"{name} cannot be changed here", field=name)
    if not fields:
        raise ActionError("Nothing to change", field="fields")
    changes: dict[str, list] = {}
    if "title" in fields:
        title = s.check_title(fields["title"])
        if title != notice.title:
            changes["title"] = [notice.title, title]
        notice.title = title
    if "description" in fields:
        text = s.check_body(fields["description"], field="description")
        if text != notice.description:
            changes["description"] = [notice.description[:200], text[:200]]
        notice.description = text
    if "reason" in fields:
        reason = _reason(fields["reason"])
        if reason != notice.reason:
            changes["reason"] = [notice.reason, reason]
        notice.reason = reason
    if "starts_on" in fields or "ends_on" in fields:
        starts_on, ends_on = s.check_period(
            fields.get("starts_on", notice.starts_on), fields.get("ends_on", notice.ends_on), now=now
        )
        if (starts_on, ends_on) != (notice.starts_on, notice.ends_on):
            changes["period"] = [f"{notice.starts_on} to {notice.ends_on}", f"{starts_on} to {ends_on}"]
        notice.starts_on, notice.ends_on = starts_on, ends_on
    old = _lines(notice)
    checked = (
        s.check_lines(actor.user, fields["lines"])
        if "lines" in fields
        else [s.CheckedLine(ln.service, ln.normal_per_day, ln.expected_per_day) for ln in old]
    )
    made = _judge(notice, checked)
    before, after = s.lines_shown(old), s.lines_shown(made)
    if before != after:
        changes["lines"] = [before, after]
    if not changes:
        raise ActionError(
            "Nothing to change: the values given are the notice's own", field=next(iter(fields))
        )
    was_above = notice.above_tolerance
    notice.above_tolerance = any(line.above_tolerance for line in made)
    if was_above != notice.above_tolerance:
        changes["above_tolerance"] = [was_above, notice.above_tolerance]
    notice.updated_at = now
    notice.save()
    if before != after:
        notice.lines.all().delete()
        DemandLine.objects.bulk_create(made)
    s.write(actor, notice, "demand.update", changes)
    if notice.above_tolerance and not was_above:
        _after_commit(tasks.tell_desk, notice.pk, "above_tolerance", s.event_data(notice, made))
    return notice


def _move(actor: Actor, notice: DemandNotice, target: str, *, note: str, now: dt.datetime) -> dict:
    check_transition(DEMAND_TRANSITIONS, notice.status, target, what=notice.reference)
    changes = {"status": [notice.status, target]}
    notice.status = target
    notice.updated_at = now
    if note:
        record_steps.add_entry(notice.record, actor=actor, body=note, internal=False, now=now, field="note")
    return changes


@action
def withdraw_notice(
    *, actor: Actor, notice: DemandNotice, note: str = "", now: dt.datetime | None = None
) -> DemandNotice:
    """The filer withdraws its notice (filed or under analysis)."""
    now = now or timezone.now()
    notice = s.lock(notice)
    refuse(permissions.can_edit(scope_of(actor), notice))
    actor = actor.acting_for(notice.organisation)
    note = s.check_body(note, field="note")
    changes = _move(actor, notice, DemandStatus.WITHDRAWN, note=note, now=now)
    notice.closed_at = now
    notice.save()
    s.write(actor, notice, "demand.status", changes, note=note)
    return notice


@action
def start_analysis(
    *, actor: Actor, notice: DemandNotice, analysis: str, now: dt.datetime | None = None
) -> DemandNotice:
    """The desk's analysis (shared with the filer): a filed notice goes under analysis; on a notice already
    being worked the analysis is revised. A closed notice is reopened first (409)."""
    now = now or timezone.now()
    notice = s.lock(notice)
    refuse(permissions.can_work(scope_of(actor), notice))
    analysis = s.check_body(analysis, field="analysis", required=True, what="The analysis")
    changes: dict[str, list] = {}
    if notice.status == DemandStatus.FILED:
        changes = _move(actor, notice, DemandStatus.UNDER_ANALYSIS, note="", now=now)
    elif notice.status not in permissions.ANALYSABLE:
        allowed = sorted(str(t) for t in DEMAND_TRANSITIONS.get(notice.status, ()))
        raise IllegalTransition(
            f"{notice.reference} is {notice.status}: reopen it before analysing it again"
            f" (allowed from {notice.status!r}: {', '.join(allowed) or 'none'})",
            field="status",
        )
    if analysis != notice.analysis:
        changes["analysis"] = [notice.analysis[:200] or None, analysis[:200]]
    if not changes:
        raise ActionError("That is the analysis already recorded", field="analysis")
    notice.analysis = analysis
    notice.updated_at = now
    notice.save()
    s.write(actor, notice, "demand.status" if "status" in changes else "demand.analysis", changes)
    return notice


@action
def notify_providers(
    *, actor: Actor, notice: DemandNotice, note: str = "", now: dt.datetime | None = None
) -> DemandNotice:
    """Send the bulletin to the providers of the notice's services (again, after a change: an updated one)."""
    now = now or timezone.now()
    notice = s.lock(notice)
    refuse(permissions.can_work(scope_of(actor), notice))
    note = s.check_body(note, field="note")
    updated = notice.providers_notified_at is not None
    changes = _move(actor, notice, DemandStatus.PROVIDERS_NOTIFIED, note=note, now=now)
    changes["providers_notified_at"] = [notice.providers_notified_at, now]
    notice.providers_notified_at = now
    notice.save()
    lines = _lines(notice)
    providers = sorted({ln.service.provider.name for ln in lines})
    changes["providers"] = [None, ", ".join(providers)]
    s.write(actor, notice, "demand.status", changes, note=note)
    _after_commit(tasks.send_bulletin, notice.pk, s.event_data(notice, lines, updated=updated, note=note))
    return notice


@action
def request_mitigation(
    *, actor: Actor, notice: DemandNotice, text: str, now: dt.datetime | None = None
) -> DemandNotice:
    """Ask the filer to mitigate the demand (e.g. "spread it over 10 days"); the filer is told."""
    now = now or timezone.now()
    notice = s.lock(notice)
    refuse(permissions.can_work(scope_of(actor), notice))
    text = s.check_body(text, field="text", required=True, what="The mitigation asked for")
    changes = _move(actor, notice, DemandStatus.MITIGATION_REQUESTED, note="", now=now)
    changes["mitigation_requested"] = [notice.mitigation_requested[:200] or None, text[:200]]
    notice.mitigation_requested = text
    notice.mitigation_requested_at = now
    notice.save()
    s.write(actor, notice, "demand.mitigation", changes, note=text)
    _after_commit(tasks.tell_filer, notice.pk, "mitigation", s.event_data(notice, _lines(notice)))
    return notice


@action
def respond(
    *, actor: Actor, notice: DemandNotice, response: str, now: dt.datetime | None = None
) -> DemandNotice:
    """The filer answers the mitigation request (what it will do); the desk is told."""
    now = now or timezone.now()
    notice = s.lock(notice)
    refuse(permissions.can_respond(scope_of(actor), notice))
    actor = actor.acting_for(notice.organisation)
    if notice.status != DemandStatus.MITIGATION_REQUESTED:
        raise Conflict(f"{notice.reference} has no open mitigation request to answer", field="status")
    response = s.check_body(response, field="response", required=True, what="The response")
    changes = {"filer_response": [notice.filer_response[:200] or None, response[:200]]}
    notice.filer_response = response
    notice.updated_at = now
    notice.save()
    s.write(actor, notice, "demand.response", changes, note=response)
    _after_commit(tasks.tell_desk, notice.pk, "response", s.event_data(notice, _lines(notice)))
    return notice


@action
def record_compliance(
    *, actor: Actor, notice: DemandNotice, compliance: str, note: str = "", now: dt.datetime | None = None
) -> DemandNotice:
    """Whether the filer complied with the mitigation requested (or that none was needed)."""
    now = now or timezone.now()
    notice = s.lock(notice)
    refuse(permissions.can_work(scope_of(actor), notice))
    if compliance not in Compliance.values or not compliance:
        choices = ", ".join(v for v in Compliance.values if v)
        raise ActionError(f"No compliance {str(compliance)[:40]!r}: one of {choices}", field="compliance")
    if notice.status in (DemandStatus.FILED, DemandStatus.WITHDRAWN):
        raise Conflict(
            f"{notice.reference} is {notice.get_status_display().lower()}: nothing to comply with yet",
            field="status",
        )
    if compliance != Compliance.NOT_NEEDED and not notice.mitigation_requested:
        raise ActionError("No mitigation was requested: record that none was needed", field="compliance")
    note = s.check_body(note, field="note")
    if compliance == notice.compliance:
        raise ActionError("That is the compliance already recorded", field="compliance")
    changes = {"compliance": [notice.compliance or None, compliance]}
    notice.compliance = compliance
    notice.updated_at = now
    notice.save()
    if note:
        record_steps.add_entry(notice.record, actor=actor, body=note, internal=False, now=now, field="note")
    s.write(actor, notice, "demand.compliance", changes, note=note)
    return notice


@action
def close_notice(
    *, actor: Actor, notice: DemandNotice, note: str = "", now: dt.datetime | None = None
) -> DemandNotice:
    now = now or timezone.now()
    notice = s.lock(notice)
    refuse(permissions.can_work(scope_of(actor), notice))
    note = s.check_body(note, field="note")
    changes = _move(actor, notice, DemandStatus.CLOSED, note=note, now=now)
    notice.closed_at = now
    notice.save()
    s.write(actor, notice, "demand.status", changes, note=note)
    _after_commit(tasks.tell_filer, notice.pk, "closed", s.event_data(notice, _lines(notice), note=note))
    return notice


@action
def reopen_notice(
    *, actor: Actor, notice: DemandNotice, note: str, now: dt.datetime | None = None
) -> DemandNotice:
    """A closed notice goes back under analysis (the reason is required)."""
    now = now or timezone.now()
    notice = s.lock(notice)
    refuse(permissions.can_work(scope_of(actor), notice))
    note = s.check_body(note, field="note", required=True, what="The reason for reopening")
    changes = _move(actor, notice, DemandStatus.UNDER_ANALYSIS, note=note, now=now)
    notice.closed_at = None
    notice.save()
    s.write(actor, notice, "demand.status", changes, note=note)
    return notice


@action
def add_update(*, actor: Actor, notice: DemandNotice, body: str, now: dt.datetime | None = None) -> Entry:
    """A public update on the notice's conversation (the desk or the filer)."""
    now = now or timezone.now()
    notice = s.lock(notice)
    refuse(permissions.can_add_update(scope_of(actor), notice))
    if notice.status == DemandStatus.WITHDRAWN:
        raise Conflict(f"{notice.reference} is withdrawn", field="status")
    actor = actor.acting_for(notice.organisation)
    entry = record_steps.add_entry(notice.record, actor=actor, body=body, internal=False, now=now)
    notice.updated_at = now
    notice.save(update_fields=["updated_at"])
    s.write(actor, notice, "demand.entry", {"update": [None, entry.body[:200]]})
    return entry


@action
def add_note(*, actor: Actor, notice: DemandNotice, body: str, now: dt.datetime | None = None) -> Entry:
    """An internal note: only the desk writes and reads them."""
    now = now or timezone.now()
    notice = s.lock(notice)
    refuse(permissions.can_work(scope_of(actor), notice))
    entry = record_steps.add_entry(notice.record, actor=actor, body=body, internal=True, now=now)
    s.write(actor, notice, "demand.note", {"note": [None, entry.body[:200]]})
    return entry

"""Shared rules of the incident actions: who may act, clock log, SLA cache, journal."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from django.db import transaction
from django.utils import timezone

from busbar.audit.journal import record
from busbar.incidents import listeners, permissions, sla
from busbar.incidents.models import PAUSED_STATUSES, TRANSITIONS, Incident, Status
from busbar.lib.actions import ActionError, Actor, check_transition
from busbar.parties.queries import scope_of
from busbar.records import steps as kernel
from busbar.records.models import Attachment, ClockEvent, Entry
from busbar.records.steps import ALLOWED_ATTACHMENT_TYPES, channel_of
from busbar.services.models import Service, Severity

__all__ = ["ALLOWED_ATTACHMENT_TYPES"]

_channel = channel_of


# Who may do what: busbar.incidents.permissions decides ---------------------------------------------


def _scope(actor: Actor):
    return scope_of(actor)


def _is_desk(actor: Actor) -> bool:
    return permissions.is_desk(scope_of(actor))


def _is_provider(actor: Actor, incident: Incident) -> bool:
    return permissions.is_provider(scope_of(actor), incident)


def _is_raiser(actor: Actor, incident: Incident) -> bool:
    return actor.user is not None and permissions.is_raiser(scope_of(actor), incident)


def _acting(actor: Actor, incident: Incident) -> Actor:
    """The actor as the organisation they hold on this incident (raising organisation, else provider):
    a member of two organisations is journalled, and writes, as the one the incident concerns."""
    return actor.acting_for(incident.organisation_id, incident.provider_id)


def _require(check, actor: Actor, incident: Incident, **kwargs) -> None:
    """Refuse unless ``check`` (a ``permissions.can_<verb>``) allows ``actor`` on ``incident``."""
    permissions.refuse(check(scope_of(actor), incident, **kwargs))


def _lock(incident: Incident) -> Incident:
    return (
        Incident.objects.select_for_update()
        .select_related("record", "service__sla_policy", "severity")
        .get(pk=incident.pk)
    )


# Internals ----------------------------------------------------------------------------------------


def _clock(incident: Incident, kind: str, at: dt.datetime, severity_code: str = "") -> None:
    kernel.log_clock(incident.record, kind, at, severity_code)


def _save(incident: Incident, fields: Iterable[str], now: dt.datetime) -> None:
    """Save ``fields`` plus the refreshed SLA cache (on the incident's record)."""
    changed = sla.refresh_cache(incident, now)
    if changed:
        incident.record.save(update_fields=changed)
    incident.updated_at = now
    incident.save(update_fields=sorted({*fields, "updated_at"}))
    pk = incident.pk
    transaction.on_commit(lambda: listeners.incident_changed(pk))


def _journal(
    actor: Actor, incident: Incident, what: str, changes: dict | None = None, note: str = ""
) -> None:
    record(
        actor=_acting(actor, incident),
        action=f"incident.{what}",
        obj=incident,
        owner=incident.organisation,
        changes=changes,
        note=note,
    )


def _affected_change(before: Iterable[object], after: Iterable[object]) -> dict:
    """The journal's record of a change to an incident's affected organisations (they decide who sees it
    and who is sent its bulletins): sorted names before and after; nothing when they did not change. Every
    action that changes ``Incident.affected`` journals this."""
    old, new = sorted(str(o) for o in before), sorted(str(o) for o in after)
    return {} if old == new else {"affected": [old or None, new or None]}


def _set_status(incident: Incident, target: str, now: dt.datetime) -> dict:
    """Move to ``target`` (checked against the table), logging clock pauses and resumes."""
    current = incident.status
    check_transition(TRANSITIONS, current, target, what=f"Incident {incident.reference}")
    if current in PAUSED_STATUSES and target not in PAUSED_STATUSES and target != Status.RESOLVED:
        _clock(incident, ClockEvent.Kind.RESUME, now)
    if target in PAUSED_STATUSES and current not in PAUSED_STATUSES:
        _clock(incident, ClockEvent.Kind.PAUSE, now)
    incident.status = target
    return {"status": [current, target]}


def _mark_responded(incident: Incident, now: dt.datetime) -> dict:
    if incident.responded_at is not None:
        return {}
    incident.responded_at = now
    _clock(incident, ClockEvent.Kind.RESPONDED, now)
    return {"responded_at": [None, now]}


def _add_attachments(
    incident: Incident,
    update: Entry | None,
    files: Sequence[tuple[str, str, bytes]],
    actor: Actor,
    internal: bool,
) -> list[Attachment]:
    return kernel.add_attachments(
        incident.record, update, files, actor=_acting(actor, incident), internal=internal
    )


#: How far ahead of the server's clock a change may be dated (clock skew between hosts).
CLOCK_SKEW = dt.timedelta(minutes=5)


def _check_when(
    incident: Incident, when: dt.datetime, *, field: str, after: dt.datetime | None = None
) -> None:
    """A resolution or closure time: not before the incident was raised (or ``after``, e.g. its
    resolution), nor in the future beyond a small skew. (A closure dated 2020 on a 2026 incident would
    rewrite its SLA record.)"""
    earliest = max(t for t in (incident.created_at, after) if t is not None)
    if when < earliest:
        raise ActionError(
            f"{incident.reference} cannot be dated {when:%d %b %Y %H:%M} UTC, before "
            f"{earliest:%d %b %Y %H:%M} UTC",
            field=field,
        )
    if when > timezone.now() + CLOCK_SKEW:
        raise ActionError(
            f"{incident.reference} cannot be dated in the future ({when:%d %b %Y %H:%M} UTC)", field=field
        )


def _severity_in_scheme(service: Service, severity: Severity) -> None:
    if severity.scheme_id != service.sla_policy.scheme_id:
        raise ActionError(
            f"Severity {severity.code} belongs to {severity.scheme}, not to {service}'s scheme "
            f"{service.sla_policy.scheme}",
            field="severity",
        )


def _create_update(
    actor: Actor,
    incident: Incident,
    body: str,
    *,
    internal: bool,
    now: dt.datetime,
    email_message_id: str = "",
    field: str = "body",
) -> Entry:
    return kernel.add_entry(
        incident.record,
        actor=_acting(actor, incident),
        body=body,
        internal=internal,
        now=now,
        email_message_id=email_message_id,
        field=field,
    )

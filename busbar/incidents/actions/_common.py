"""Shared rules of the incident actions: who may act, clock log, SLA cache, journal."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from django.conf import settings
from django.core.files.base import ContentFile

from busbar.audit.journal import record
from busbar.incidents import sla
from busbar.incidents.models import (
    PAUSED_STATUSES,
    TRANSITIONS,
    Attachment,
    Channel,
    ClockEvent,
    Incident,
    Status,
    Update,
)
from busbar.lib.actions import ActionError, Actor, NotPermitted, check_transition
from busbar.lib.limits import check_text
from busbar.parties.queries import scope_for
from busbar.services.models import Service, Severity

ALLOWED_ATTACHMENT_TYPES = {
    "application/pdf",
    "text/plain",
    "text/csv",
    "image/png",
    "image/jpeg",
    "image/gif",
    "application/zip",
    "application/json",
    "application/xml",
    "text/xml",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "message/rfc822",
}


def _channel(actor: Actor) -> str:
    return {"api": Channel.API, "email": Channel.EMAIL, "system": Channel.MONITORING}.get(
        actor.channel, Channel.PORTAL
    )


# Who may do what ----------------------------------------------------------------------------------


def _is_desk(actor: Actor) -> bool:
    return actor.user is None or scope_for(actor.user).is_desk


def _require_desk(actor: Actor, what: str) -> None:
    if not _is_desk(actor):
        raise NotPermitted(f"Only the service desk can {what}")


def _is_provider(actor: Actor, incident: Incident) -> bool:
    return actor.user is not None and incident.provider_id in scope_for(actor.user).resolver_for


def _is_raiser(actor: Actor, incident: Incident) -> bool:
    return actor.user is not None and incident.organisation_id in scope_for(actor.user).organisation_ids


def _require_worker(actor: Actor, incident: Incident, what: str) -> None:
    if not (_is_desk(actor) or _is_provider(actor, incident)):
        raise NotPermitted(f"Only the service desk or the assigned provider can {what}")


def _lock(incident: Incident) -> Incident:
    return (
        Incident.objects.select_for_update()
        .select_related("service__sla_policy", "severity")
        .get(pk=incident.pk)
    )


# Internals ----------------------------------------------------------------------------------------


def _clock(incident: Incident, kind: str, at: dt.datetime, severity_code: str = "") -> None:
    ClockEvent.objects.create(incident=incident, kind=kind, at=at, severity_code=severity_code)


def _save(incident: Incident, fields: Iterable[str], now: dt.datetime) -> None:
    """Save ``fields`` plus the refreshed SLA cache."""
    if hasattr(incident, "_prefetched_objects_cache"):
        incident._prefetched_objects_cache.pop("clock_events", None)
    changed = sla.refresh_cache(incident, now)
    incident.updated_at = now
    incident.save(update_fields=sorted({*fields, *changed, "updated_at"}))


def _journal(
    actor: Actor, incident: Incident, what: str, changes: dict | None = None, note: str = ""
) -> None:
    record(
        actor=actor,
        action=f"incident.{what}",
        obj=incident,
        owner=incident.organisation,
        changes=changes,
        note=note,
    )


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
    update: Update | None,
    files: Sequence[tuple[str, str, bytes]],
    actor: Actor,
    internal: bool,
) -> list[Attachment]:
    max_bytes = settings.BUSBAR_ATTACHMENT_MAX_BYTES
    saved = []
    for index, (name, content_type, content) in enumerate(files):
        field = f"attachments[{index}]"
        if len(content) > max_bytes:
            raise ActionError(f"{name} is {len(content):,} bytes; the limit is {max_bytes:,}", field=field)
        if content_type not in ALLOWED_ATTACHMENT_TYPES:
            raise ActionError(f"{name}: files of type {content_type} are not accepted", field=field)
        attachment = Attachment(
            incident=incident,
            update=update,
            filename=name[:200],
            content_type=content_type,
            size=len(content),
            is_internal=internal,
            uploaded_by=actor.user,
        )
        attachment.file.save(name, ContentFile(content), save=False)
        attachment.save()
        saved.append(attachment)
    return saved


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
) -> Update:
    check_text(body, field=field)
    return Update.objects.create(
        incident=incident,
        author=actor.user,
        author_label=actor.label,
        author_organisation=actor.organisation,
        channel=_channel(actor),
        body=body.strip(),
        is_internal=internal,
        created_at=now,
        email_message_id=email_message_id,
    )

"""Every change to incidents: raise, triage, assign, work, pend, update, resolve, close, reopen, cancel, link.

Each action is one transaction, writes the audit journal, appends to the incident's clock log when the
clocks are affected, refreshes the SLA cache, and queues notifications on commit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from busbar.audit.journal import record
from busbar.incidents import notify, sla
from busbar.incidents.models import (
    PAUSED_STATUSES,
    TRANSITIONS,
    Attachment,
    Channel,
    ClockEvent,
    Impact,
    Incident,
    Communication,
    Link,
    MajorIncident,
    SlaNotice,
    Status,
    Update,
)
from busbar.lib.actions import ActionError, Actor, NotPermitted, action, check_transition
from busbar.parties.models import Organisation
from busbar.parties.queries import scope_for
from busbar.services.models import Service, Severity

ALLOWED_ATTACHMENT_TYPES = {
    "application/pdf", "text/plain", "text/csv", "image/png", "image/jpeg", "image/gif",
    "application/zip", "application/json", "application/xml", "text/xml",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "message/rfc822",
}


def _channel(actor: Actor) -> str:
    return {"api": Channel.API, "email": Channel.EMAIL, "system": Channel.MONITORING}.get(actor.channel, Channel.PORTAL)


# Who may do what ---------------------------------------------------------------------------------------------


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
    return Incident.objects.select_for_update().select_related("service__sla_policy", "severity").get(pk=incident.pk)


# Internals ---------------------------------------------------------------------------------------------------


def _clock(incident: Incident, kind: str, at: dt.datetime, severity_code: str = "") -> None:
    ClockEvent.objects.create(incident=incident, kind=kind, at=at, severity_code=severity_code)


def _save(incident: Incident, fields: Iterable[str], now: dt.datetime) -> None:
    """Save ``fields`` plus the refreshed SLA cache."""
    if hasattr(incident, "_prefetched_objects_cache"):
        incident._prefetched_objects_cache.pop("clock_events", None)
    changed = sla.refresh_cache(incident, now)
    incident.updated_at = now
    incident.save(update_fields=sorted({*fields, *changed, "updated_at"}))


def _journal(actor: Actor, incident: Incident, what: str, changes: dict | None = None, note: str = "") -> None:
    record(actor=actor, action=f"incident.{what}", obj=incident, owner=incident.organisation, changes=changes,
           note=note)


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
    incident: Incident, update: Update | None, files: Sequence[tuple[str, str, bytes]], actor: Actor, internal: bool
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
            incident=incident, update=update, filename=name[:200], content_type=content_type, size=len(content),
            is_internal=internal, uploaded_by=actor.user,
        )
        attachment.file.save(name, ContentFile(content), save=False)
        attachment.save()
        saved.append(attachment)
    return saved


def _severity_in_scheme(service: Service, severity: Severity) -> None:
    if severity.scheme_id != service.sla_policy.scheme_id:
        raise ActionError(
            f"Severity {severity.code} belongs to {severity.scheme}, not to {service}'s scheme "
            f"{service.sla_policy.scheme}", field="severity",
        )


# Actions -----------------------------------------------------------------------------------------------------


@action
def raise_incident(
    *,
    actor: Actor,
    service: Service,
    summary: str,
    description: str,
    severity: Severity | None = None,
    impact: str = Impact.SINGLE,
    organisation: Organisation | None = None,
    contact_name: str = "",
    channel: str | None = None,
    affected: Iterable[Organisation] = (),
    attachments: Sequence[tuple[str, str, bytes]] = (),
    now: dt.datetime | None = None,
) -> Incident:
    """Raise an incident. Participants raise for their own organisation; the desk may raise for anyone."""
    now = now or timezone.now()
    scope = scope_for(actor.user)
    if organisation is None:
        organisation = actor.organisation
    if organisation is None:
        raise ActionError("Say which organisation the incident is for", field="organisation")
    if actor.user is not None and not scope.is_desk and organisation.pk not in scope.organisation_ids:
        raise NotPermitted("You can only raise incidents for your own organisation", field="organisation")
    if not service.is_active:
        raise ActionError(f"{service} is not an active service", field="service")
    summary, description = summary.strip(), description.strip()
    if not summary:
        raise ActionError("Give the incident a summary", field="summary")
    if not description:
        raise ActionError("Describe what is happening", field="description")
    if impact not in Impact.values:
        raise ActionError(f"Unknown impact {impact!r}", field="impact")
    policy = service.sla_policy
    if severity is None:
        severity = policy.scheme.severities.order_by("-rank").first()
    _severity_in_scheme(service, severity)
    incident = Incident.objects.create(
        service=service, severity=severity, summary=summary[:200], description=description, impact=impact,
        organisation=organisation, raised_by=actor.user, contact_name=contact_name,
        channel=channel or (Channel.PHONE if scope.is_desk and organisation.pk not in scope.organisation_ids
                            else _channel(actor)),
        created_at=now, updated_at=now,
    )
    incident.reference = f"INC{incident.pk:07d}"
    affected = list(affected)
    if affected:
        incident.affected.set(affected)
    _clock(incident, ClockEvent.Kind.START, now, severity.code)
    _add_attachments(incident, None, attachments, actor, internal=False)
    _save(incident, ["reference"], now)
    _journal(actor, incident, "raise", {
        "service": [None, str(service)], "severity": [None, severity.code], "summary": [None, incident.summary],
        "organisation": [None, str(organisation)], "channel": [None, incident.channel],
    })
    if severity.is_major:
        _open_major(actor, incident, MajorIncident.Trigger.SEVERITY, now)
    transaction.on_commit(lambda: notify.incident_raised(incident.pk))
    return incident


@action
def triage_incident(
    *,
    actor: Actor,
    incident: Incident,
    severity: Severity | None = None,
    service: Service | None = None,
    impact: str | None = None,
    is_published: bool | None = None,
    now: dt.datetime | None = None,
) -> Incident:
    """The desk sets severity, service, impact and whether the incident is published to all."""
    _require_desk(actor, "triage incidents")
    now = now or timezone.now()
    incident = _lock(incident)
    if not incident.is_open:
        raise ActionError(f"{incident.reference} is {incident.get_status_display().lower()}", field="status")
    changes: dict = {}
    if service is not None and service.pk != incident.service_id:
        if service.sla_policy.scheme_id != incident.service.sla_policy.scheme_id:
            raise ActionError(f"{service} uses another severity scheme; raise a new incident", field="service")
        changes["service"] = [str(incident.service), str(service)]
        incident.service = service
    if severity is not None and severity.pk != incident.severity_id:
        _severity_in_scheme(incident.service, severity)
        changes["severity"] = [incident.severity.code, severity.code]
        incident.severity = severity
        _clock(incident, ClockEvent.Kind.SEVERITY, now, severity.code)
    if impact is not None and impact != incident.impact:
        if impact not in Impact.values:
            raise ActionError(f"Unknown impact {impact!r}", field="impact")
        changes["impact"] = [incident.impact, impact]
        incident.impact = impact
    if is_published is not None and is_published != incident.is_published:
        changes["is_published"] = [incident.is_published, is_published]
        incident.is_published = is_published
    if not changes:
        raise ActionError("Nothing to change", field="severity")
    _save(incident, ["service", "severity", "impact", "is_published"], now)
    _journal(actor, incident, "triage", changes)
    if severity is not None and severity.is_major and not hasattr(incident, "major"):
        _open_major(actor, incident, MajorIncident.Trigger.SEVERITY, now)
    transaction.on_commit(lambda: notify.incident_updated(incident.pk, "triaged"))
    return incident


@action
def assign_incident(
    *,
    actor: Actor,
    incident: Incident,
    provider: Organisation | None = None,
    assignee=None,  # noqa: ANN001 - a User
    now: dt.datetime | None = None,
) -> Incident:
    """Pass the incident behind the scenes to a provider (default: the service's provider)."""
    now = now or timezone.now()
    incident = _lock(incident)
    is_desk = _is_desk(actor)
    if not is_desk:
        # A provider may only pick the person within its own organisation.
        if not _is_provider(actor, incident) or (provider is not None and provider.pk != incident.provider_id):
            raise NotPermitted("Only the service desk can assign incidents to a provider")
    provider = provider or incident.provider or incident.service.provider
    if not provider.is_provider:
        raise ActionError(f"{provider} is not a service provider", field="provider")
    if assignee is not None and not assignee.memberships.filter(organisation=provider, is_active=True).exists():
        raise ActionError(f"{assignee} is not a member of {provider}", field="assignee")
    changes = {}
    if incident.provider_id != provider.pk:
        changes["provider"] = [str(incident.provider) if incident.provider else None, str(provider)]
    if (incident.assignee_id or None) != (assignee.pk if assignee else None):
        changes["assignee"] = [str(incident.assignee) if incident.assignee else None, str(assignee) if assignee else None]
    if not changes:
        raise ActionError(f"{incident.reference} is already with {provider}", field="provider")
    provider_changed = "provider" in changes
    incident.provider = provider
    incident.assignee = assignee
    if provider_changed:
        # A new provider always starts from "assigned"; choosing the person within it changes no status.
        changes.update(_set_status(incident, Status.ASSIGNED, now))
    if is_desk:
        changes.update(_mark_responded(incident, now))
    _save(incident, ["provider", "assignee", "status", "responded_at"], now)
    _journal(actor, incident, "assign", changes)
    if provider_changed:
        transaction.on_commit(lambda: notify.incident_assigned(incident.pk))
    return incident


def _transition(
    actor: Actor, incident: Incident, target: str, what: str, now: dt.datetime, note: str = "",
    internal_note: bool = False,
) -> Incident:
    changes = _set_status(incident, target, now)
    if target in (Status.IN_PROGRESS, Status.PENDING_PARTICIPANT, Status.PENDING_PROVIDER) and (
        _is_desk(actor) or _is_provider(actor, incident)
    ):
        changes.update(_mark_responded(incident, now))
    if note.strip():
        _create_update(actor, incident, note, internal=internal_note, now=now)
    _save(incident, ["status", "responded_at"], now)
    _journal(actor, incident, what, changes, note=note.strip()[:500])
    transaction.on_commit(lambda: notify.incident_updated(incident.pk, what))
    return incident


@action
def start_work(*, actor: Actor, incident: Incident, note: str = "", now: dt.datetime | None = None) -> Incident:
    incident = _lock(incident)
    _require_worker(actor, incident, "start work")
    return _transition(actor, incident, Status.IN_PROGRESS, "start", now or timezone.now(), note)


@action
def set_pending(
    *, actor: Actor, incident: Incident, awaiting: str, note: str, now: dt.datetime | None = None
) -> Incident:
    """Wait on the participant (the resolution clock pauses) or on the provider (it keeps running)."""
    incident = _lock(incident)
    _require_worker(actor, incident, "put incidents on hold")
    targets = {"participant": Status.PENDING_PARTICIPANT, "provider": Status.PENDING_PROVIDER}
    if awaiting not in targets:
        raise ActionError("Say whether the incident awaits the participant or the provider", field="awaiting")
    if awaiting == "participant" and not note.strip():
        raise ActionError("Tell the participant what you need from them", field="note")
    return _transition(actor, incident, targets[awaiting], f"pending_{awaiting}", now or timezone.now(), note,
                       internal_note=awaiting == "provider" and not _is_raiser(actor, incident))


@action
def resolve_incident(
    *, actor: Actor, incident: Incident, resolution: str, now: dt.datetime | None = None
) -> Incident:
    now = now or timezone.now()
    incident = _lock(incident)
    _require_worker(actor, incident, "resolve incidents")
    if not resolution.strip():
        raise ActionError("Say how the incident was resolved", field="resolution")
    changes = _set_status(incident, Status.RESOLVED, now)
    changes.update(_mark_responded(incident, now))
    incident.resolution = resolution.strip()
    incident.resolved_at = now
    _clock(incident, ClockEvent.Kind.RESOLVED, now)
    changes["resolution"] = [None, incident.resolution]
    _save(incident, ["status", "resolution", "resolved_at", "responded_at"], now)
    _journal(actor, incident, "resolve", changes)
    transaction.on_commit(lambda: notify.incident_updated(incident.pk, "resolved"))
    return incident


@action
def close_incident(*, actor: Actor, incident: Incident, now: dt.datetime | None = None) -> Incident:
    """Close a resolved incident (the desk, or the participant confirming). A major needs its review first."""
    now = now or timezone.now()
    incident = _lock(incident)
    if not (_is_desk(actor) or _is_raiser(actor, incident)):
        raise NotPermitted("Only the service desk or the raising organisation can close an incident")
    major = MajorIncident.objects.filter(incident=incident).first()
    if major is not None and not major.review_done:
        raise ActionError(
            f"{incident.reference} is a major incident: record its post-incident review before closing",
            field="review",
        )
    changes = _set_status(incident, Status.CLOSED, now)
    incident.closed_at = now
    _save(incident, ["status", "closed_at"], now)
    if major is not None and major.state != MajorIncident.State.CLOSED:
        major.state = MajorIncident.State.CLOSED
        major.next_update_due_at = None
        major.save(update_fields=["state", "next_update_due_at"])
        record(actor=actor, action="major_incident.close", obj=major, owner=incident.organisation,
               changes={"state": [MajorIncident.State.REVIEW, MajorIncident.State.CLOSED]})
    _journal(actor, incident, "close", changes)
    transaction.on_commit(lambda: notify.incident_updated(incident.pk, "closed"))
    return incident


@action
def reopen_incident(*, actor: Actor, incident: Incident, reason: str, now: dt.datetime | None = None) -> Incident:
    """Reopen within the window after resolution; the resolution clock carries on from where it stopped."""
    now = now or timezone.now()
    incident = _lock(incident)
    if not (_is_desk(actor) or _is_raiser(actor, incident)):
        raise NotPermitted("Only the service desk or the raising organisation can reopen an incident")
    if not reason.strip():
        raise ActionError("Say why the incident is being reopened", field="reason")
    window = dt.timedelta(days=settings.BUSBAR_REOPEN_WINDOW_DAYS)
    if incident.resolved_at is None or now - incident.resolved_at > window:
        raise ActionError(
            f"{incident.reference} can only be reopened within {settings.BUSBAR_REOPEN_WINDOW_DAYS} days of "
            "resolution; raise a new incident and link it", field="status",
        )
    changes = _set_status(incident, Status.IN_PROGRESS, now)
    _clock(incident, ClockEvent.Kind.RESTART, now)
    changes["resolved_at"] = [incident.resolved_at, None]
    incident.resolved_at = None
    incident.closed_at = None
    _create_update(actor, incident, f"Reopened: {reason.strip()}", internal=False, now=now)
    _save(incident, ["status", "resolved_at", "closed_at"], now)
    major = MajorIncident.objects.filter(incident=incident).first()
    if major is not None and major.state != MajorIncident.State.ACTIVE:
        major.state = MajorIncident.State.ACTIVE
        major.save(update_fields=["state"])
    _journal(actor, incident, "reopen", changes, note=reason.strip()[:500])
    transaction.on_commit(lambda: notify.incident_updated(incident.pk, "reopened"))
    return incident


@action
def cancel_incident(*, actor: Actor, incident: Incident, reason: str, now: dt.datetime | None = None) -> Incident:
    """Withdraw an incident raised in error (the desk, or the raising organisation)."""
    now = now or timezone.now()
    incident = _lock(incident)
    if not (_is_desk(actor) or _is_raiser(actor, incident)):
        raise NotPermitted("Only the service desk or the raising organisation can cancel an incident")
    if not reason.strip():
        raise ActionError("Say why the incident is cancelled", field="reason")
    changes = _set_status(incident, Status.CANCELLED, now)
    # Cancelling stops both clocks: nothing is owed on an incident that should not exist.
    changes.update(_mark_responded(incident, now))
    _clock(incident, ClockEvent.Kind.RESOLVED, now)
    incident.closed_at = now
    _save(incident, ["status", "closed_at", "responded_at"], now)
    _journal(actor, incident, "cancel", changes, note=reason.strip()[:500])
    transaction.on_commit(lambda: notify.incident_updated(incident.pk, "cancelled"))
    return incident


def _create_update(
    actor: Actor, incident: Incident, body: str, *, internal: bool, now: dt.datetime, email_message_id: str = ""
) -> Update:
    return Update.objects.create(
        incident=incident, author=actor.user, author_label=actor.label, author_organisation=actor.organisation,
        channel=_channel(actor), body=body.strip(), is_internal=internal, created_at=now,
        email_message_id=email_message_id,
    )


@action
def add_update(
    *,
    actor: Actor,
    incident: Incident,
    body: str,
    internal: bool = False,
    attachments: Sequence[tuple[str, str, bytes]] = (),
    email_message_id: str = "",
    now: dt.datetime | None = None,
) -> Update:
    """A public update or an internal note. A participant's reply to a pending incident resumes its clock."""
    now = now or timezone.now()
    incident = _lock(incident)
    worker = _is_desk(actor) or _is_provider(actor, incident)
    if not (worker or _is_raiser(actor, incident)):
        raise NotPermitted("You cannot update this incident")
    if internal and not worker:
        raise NotPermitted("Only the desk and the provider can write internal notes", field="internal")
    if not body.strip():
        raise ActionError("Write something", field="body")
    if incident.status == Status.CANCELLED:
        raise ActionError(f"{incident.reference} is cancelled", field="status")
    update = _create_update(actor, incident, body, internal=internal, now=now, email_message_id=email_message_id)
    _add_attachments(incident, update, attachments, actor, internal)
    changes: dict = {"update": [None, "internal note" if internal else "public update"]}
    if worker and not internal:
        changes.update(_mark_responded(incident, now))
    if not worker and incident.status == Status.PENDING_PARTICIPANT:
        changes.update(_set_status(incident, Status.IN_PROGRESS, now))
    _save(incident, ["status", "responded_at"], now)
    _journal(actor, incident, "note" if internal else "update", changes)
    if not internal:
        transaction.on_commit(lambda: notify.update_added(update.pk))
    return update


@action
def link_incidents(*, actor: Actor, source: Incident, target: Incident, kind: str) -> Link:
    _require_desk(actor, "link incidents")
    if kind not in Link.Kind.values:
        raise ActionError(f"Unknown link kind {kind!r}", field="kind")
    if source.pk == target.pk:
        raise ActionError("An incident cannot be linked to itself", field="target")
    if Link.objects.filter(source=source, target=target, kind=kind).exists():
        raise ActionError(f"{source.reference} is already {Link.Kind(kind).label.lower()} {target.reference}",
                          field="target")
    link = Link.objects.create(source=source, target=target, kind=kind)
    _journal(actor, source, "link", {"link": [None, f"{Link.Kind(kind).label} {target.reference}"]})
    return link


# Major incidents ---------------------------------------------------------------------------------------------


def _open_major(actor: Actor, incident: Incident, trigger: str, now: dt.datetime) -> MajorIncident:
    interval = settings.BUSBAR_MAJOR_UPDATE_MINUTES
    major = MajorIncident.objects.create(
        incident=incident, trigger=trigger, opened_at=now, update_interval_minutes=interval,
        next_update_due_at=now + dt.timedelta(minutes=interval),
        manager=actor.user if actor.user is not None and scope_for(actor.user).is_desk else None,
    )
    if not incident.is_published:
        incident.is_published = True
        incident.save(update_fields=["is_published"])
    record(actor=actor, action="major_incident.open", obj=major, owner=incident.organisation,
           changes={"trigger": [None, trigger], "incident": [None, incident.reference]})
    transaction.on_commit(lambda: notify.major_opened(major.pk))
    return major


@action
def declare_major_incident(
    *, actor: Actor, incident: Incident, trigger: str = MajorIncident.Trigger.DESK, now: dt.datetime | None = None
) -> MajorIncident:
    """The desk declares a major incident (e.g. a BCDR event is always one)."""
    _require_desk(actor, "declare major incidents")
    if trigger not in MajorIncident.Trigger.values:
        raise ActionError(f"Unknown trigger {trigger!r}", field="trigger")
    incident = _lock(incident)
    if MajorIncident.objects.filter(incident=incident).exists():
        raise ActionError(f"{incident.reference} is already a major incident", field="incident")
    return _open_major(actor, incident, trigger, now or timezone.now())


def _require_manager(actor: Actor, major: MajorIncident) -> None:
    if not _is_desk(actor):
        raise NotPermitted("Only the service desk runs major incidents")


@action
def set_major_manager(*, actor: Actor, major: MajorIncident, manager) -> MajorIncident:  # noqa: ANN001
    _require_manager(actor, major)
    if not scope_for(manager).is_desk:
        raise ActionError(f"{manager} is not on the service desk", field="manager")
    before = str(major.manager) if major.manager else None
    major.manager = manager
    major.save(update_fields=["manager"])
    record(actor=actor, action="major_incident.manager", obj=major, owner=major.incident.organisation,
           changes={"manager": [before, str(manager)]})
    return major


@action
def send_communication(
    *, actor: Actor, major: MajorIncident, subject: str, body: str, now: dt.datetime | None = None
) -> Communication:
    """Send a bulletin about a major incident to every affected participant (portal and email)."""
    _require_manager(actor, major)
    now = now or timezone.now()
    if not subject.strip():
        raise ActionError("Give the bulletin a subject", field="subject")
    if not body.strip():
        raise ActionError("Write the bulletin", field="body")
    major = MajorIncident.objects.select_for_update().select_related("incident").get(pk=major.pk)
    if major.state == MajorIncident.State.CLOSED:
        raise ActionError("The major incident is closed", field="state")
    recipients = notify.bulletin_recipients(major.incident)
    communication = Communication.objects.create(
        major=major, subject=subject.strip(), body=body.strip(), sent_at=now, sent_by=actor.user,
        recipient_count=len(recipients),
    )
    major.next_update_due_at = (
        now + dt.timedelta(minutes=major.update_interval_minutes) if major.state == MajorIncident.State.ACTIVE
        else None
    )
    major.save(update_fields=["next_update_due_at"])
    record(actor=actor, action="major_incident.communication", obj=major, owner=major.incident.organisation,
           changes={"communication": [None, communication.subject], "recipients": [None, len(recipients)]})
    transaction.on_commit(lambda: notify.bulletin(communication.pk))
    return communication


@action
def set_update_interval(*, actor: Actor, major: MajorIncident, minutes: int) -> MajorIncident:
    _require_manager(actor, major)
    if not 5 <= minutes <= 24 * 60:
        raise ActionError("Choose an interval between 5 minutes and 24 hours", field="minutes")
    before = major.update_interval_minutes
    major.update_interval_minutes = minutes
    last = major.communications.order_by("-sent_at").values_list("sent_at", flat=True).first() or major.opened_at
    if major.state == MajorIncident.State.ACTIVE:
        major.next_update_due_at = last + dt.timedelta(minutes=minutes)
    major.save(update_fields=["update_interval_minutes", "next_update_due_at"])
    record(actor=actor, action="major_incident.interval", obj=major, owner=major.incident.organisation,
           changes={"update_interval_minutes": [before, minutes]})
    return major


@action
def record_review(
    *, actor: Actor, major: MajorIncident, cause: str, actions: str, lessons: str, now: dt.datetime | None = None
) -> MajorIncident:
    """The post-incident review (cause, actions, lessons). Needed before a major incident can close."""
    _require_manager(actor, major)
    now = now or timezone.now()
    for field, value in (("cause", cause), ("actions", actions), ("lessons", lessons)):
        if not value.strip():
            raise ActionError(f"The review needs its {field}", field=field)
    major = MajorIncident.objects.select_for_update().select_related("incident").get(pk=major.pk)
    if major.incident.status not in (Status.RESOLVED, Status.CLOSED):
        raise ActionError("Resolve the incident before recording its review", field="status")
    major.review_cause, major.review_actions, major.review_lessons = cause.strip(), actions.strip(), lessons.strip()
    major.review_completed_at = now
    major.review_completed_by = actor.user
    major.state = MajorIncident.State.REVIEW if major.incident.status == Status.RESOLVED else MajorIncident.State.CLOSED
    major.save()
    record(actor=actor, action="major_incident.review", obj=major, owner=major.incident.organisation,
           changes={"review": [None, "completed"], "cause": [None, major.review_cause]})
    return major


@action
def remind_major_update(*, actor: Actor, major: MajorIncident, now: dt.datetime | None = None) -> MajorIncident:
    """Remind the incident manager (or the desk) once per due time that an update is due."""
    now = now or timezone.now()
    major = MajorIncident.objects.select_for_update().select_related("incident").get(pk=major.pk)
    due = major.next_update_due_at
    if due is None or due > now or major.reminded_for == due:
        raise ActionError("No reminder is due", field="next_update_due_at")
    major.reminded_for = due
    major.save(update_fields=["reminded_for"])
    record(actor=actor, action="major_incident.reminder", obj=major, owner=major.incident.organisation,
           changes={"reminded_for": [None, due]})
    transaction.on_commit(lambda: notify.major_update_due(major.pk))
    return major


# SLA notices -------------------------------------------------------------------------------------------------


@action
def raise_sla_notice(
    *, actor: Actor, incident: Incident, clock: str, kind: str, crossed_at: dt.datetime
) -> SlaNotice | None:
    """Record a warning or breach once (unique per incident, clock and kind), notify and escalate."""
    now = timezone.now()
    incident = _lock(incident)
    notice, created = SlaNotice.objects.get_or_create(
        incident=incident, clock=clock, kind=kind, defaults={"crossed_at": crossed_at}
    )
    if not created:
        raise ActionError("Already raised", field="kind")
    # The breached flags in the SLA cache flip exactly when a breach is recorded.
    changed = sla.refresh_cache(incident, now)
    if changed:
        incident.save(update_fields=changed)
    escalate = []
    if kind == SlaNotice.Kind.BREACH:
        escalate = notify.escalation_targets()
        notice.escalated_to.set(escalate)
    record(actor=actor, action=f"incident.sla_{kind}", obj=incident, owner=incident.organisation,
           changes={f"{clock}_{kind}": [None, crossed_at]},
           note=f"Escalated to {', '.join(str(u) for u in escalate)}" if escalate else "")
    transaction.on_commit(lambda: notify.sla_notice(notice.pk))
    return notice


# Email -------------------------------------------------------------------------------------------------------


class EmailRejected(ActionError):
    title = "The email was not accepted"


@action
def receive_email(*, raw: bytes, now: dt.datetime | None = None) -> Update:
    """Thread an emailed reply onto its incident as an update from the sender.

    The sender must be an active member of the assigned provider or of the raising organisation; the
    incident is found from our Message-ID in In-Reply-To/References, else the ``[INC…]`` subject tag.
    Replays of the same Message-ID are refused, so a mailbox polled twice adds nothing twice.
    """
    from django.contrib.auth import get_user_model

    from busbar.lib.mail import MailParseError, find_reference, parse_message

    try:
        message = parse_message(raw, max_attachment_bytes=settings.BUSBAR_ATTACHMENT_MAX_BYTES)
    except MailParseError as exc:
        raise EmailRejected(f"Not an email message: {exc}", field="raw") from None
    if message.is_auto_reply:
        raise EmailRejected("Automatic replies are ignored", field="from")
    reference = find_reference(message, domain=settings.MAIL_DOMAIN)
    if reference is None:
        raise EmailRejected("No incident reference in the reply headers or subject", field="subject")
    incident = Incident.objects.filter(reference=reference).select_related("organisation").first()
    if incident is None:
        raise EmailRejected(f"No incident {reference}", field="subject")
    sender = get_user_model().objects.filter(email=(message.from_address or "").lower(), is_active=True).first()
    if sender is None:
        raise EmailRejected(f"{message.from_address} is not a Busbar user", field="from")
    scope = scope_for(sender)
    allowed = {incident.organisation_id, incident.provider_id} & scope.organisation_ids
    if not allowed and not scope.is_desk:
        raise EmailRejected(f"{sender.email} may not update {reference}", field="from")
    if message.message_id and Update.objects.filter(email_message_id=message.message_id).exists():
        raise EmailRejected(f"Message {message.message_id} was already received", field="message_id")
    org = next((m.organisation for m in scope.memberships if m.organisation_id in allowed), scope.primary_organisation)
    body = message.reply_text.strip() or message.text.strip()
    if message.rejected_attachments:
        body += "\n\n[Attachments not accepted: " + "; ".join(
            f"{r.filename} ({r.reason})" for r in message.rejected_attachments
        ) + "]"
    files = [(a.filename, a.content_type, a.content) for a in message.attachments
             if a.content_type in ALLOWED_ATTACHMENT_TYPES and not a.inline]
    return add_update(
        actor=Actor(user=sender, organisation=org, channel="email"), incident=incident, body=body,
        attachments=files, email_message_id=message.message_id or "", now=now,
    )

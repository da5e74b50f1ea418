"""Incident lifecycle: raise, triage, assign, work, pend, update, resolve, close, reopen, cancel, link."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from busbar.incidents import inbox, permissions, search, tasks
from busbar.incidents.actions._common import (
    _add_attachments,
    _affected_change,
    _channel,
    _check_when,
    _clock,
    _create_update,
    _is_desk,
    _is_provider,
    _is_raiser,
    _journal,
    _lock,
    _mark_responded,
    _require,
    _save,
    _scope,
    _set_status,
    _severity_in_scheme,
)
from busbar.incidents.actions.major import _close_major, _open_major, _reopen_major
from busbar.incidents.major_confirmation import opens_major
from busbar.incidents.models import (
    TRANSITIONS,
    Handover,
    Impact,
    Incident,
    IntakeChannel,
    MajorIncident,
    Status,
)
from busbar.lib.actions import (
    ActionError,
    Actor,
    Conflict,
    IllegalTransition,
    action,
    check_transition,
)
from busbar.lib.limits import NAME_TEXT, SHORT_TEXT, check_text
from busbar.parties.models import Organisation
from busbar.parties.queries import scope_for
from busbar.records import actions as record_actions
from busbar.records import queries as record_queries
from busbar.records import registry as record_registry
from busbar.records import steps as kernel
from busbar.records.models import ClockEvent, Link
from busbar.records.models import Entry as Update
from busbar.services.models import Service, Severity

# Actions ------------------------------------------------------------------------------------------


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
    permissions.refuse(permissions.can_raise_for(_scope(actor), organisation), field="organisation")
    # A member of several organisations raises for the one chosen (the desk for its own).
    actor = actor.acting_for(organisation)
    if not service.is_active:
        raise ActionError(f"{service} is not an active service", field="service")
    summary, description = summary.strip(), description.strip()
    if not summary:
        raise ActionError("Give the incident a summary", field="summary")
    if not description:
        raise ActionError("Describe what is happening", field="description")
    check_text(summary, field="summary", limit=SHORT_TEXT)
    check_text(description, field="description")
    check_text(contact_name, field="contact_name", limit=NAME_TEXT)
    if impact not in Impact.values:
        raise ActionError(f"Unknown impact {impact!r}", field="impact")
    policy = service.sla_policy
    if severity is None:
        severity = policy.scheme.severities.order_by("-rank").first()
    _severity_in_scheme(service, severity)
    record = kernel.new_record("incident", created_at=now)
    incident = Incident.objects.create(
        record=record,
        reference=record.reference,
        service=service,
        severity=severity,
        summary=summary,
        description=description,
        impact=impact,
        organisation=organisation,
        raised_by=actor.user,
        contact_name=contact_name,
        channel=channel
        or (
            IntakeChannel.PHONE
            if scope.is_desk and organisation.pk not in scope.organisation_ids
            else _channel(actor)
        ),
        created_at=now,
        updated_at=now,
    )
    affected = list(affected)
    if affected:
        permissions.refuse(permissions.can_name_affected(_scope(actor)), field="affected")
        incident.affected.set(affected)
    _clock(incident, ClockEvent.Kind.START, now, severity.code)
    _add_attachments(incident, None, attachments, actor, internal=False)
    _save(incident, [], now)
    search.index(record.pk)
    _journal(
        actor,
        incident,
        "raise",
        {
            "service": [None, str(service)],
            "severity": [None, severity.code],
            "summary": [None, incident.summary],
            "organisation": [None, str(organisation)],
            "channel": [None, incident.channel],
            **_affected_change([], affected),
        },
    )
    # A participant's severity is a suggestion: only the desk's (at raise or triage) opens a major incident,
    # which publishes the incident to every participant.
    if opens_major(severity=severity, desk=actor.user is None or scope.is_desk):
        _open_major(actor, incident, MajorIncident.Trigger.SEVERITY, now)
    event = tasks.event_data(incident, "raised", now=now)
    transaction.on_commit(lambda: tasks.notify_incident.enqueue(incident.pk, "raised", event))
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
    _require(permissions.can_triage, actor, incident)
    now = now or timezone.now()
    incident = _lock(incident)
    if not incident.is_open:
        raise Conflict(f"{incident.reference} is {incident.get_status_display().lower()}", field="status")
    changes: dict = {}
    if service is not None and service.pk != incident.service_id:
        if service.sla_policy.scheme_id != incident.service.sla_policy.scheme_id:
            raise ActionError(
                f"{service} uses another severity scheme; raise a new incident", field="service"
            )
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
    if opens_major(severity=severity, incident=incident):
        _open_major(actor, incident, MajorIncident.Trigger.SEVERITY, now)
    event = tasks.event_data(incident, "triaged", now=now)
    transaction.on_commit(lambda: tasks.notify_incident.enqueue(incident.pk, "triaged", event))
    return incident


@action
def assign_incident(
    *,
    actor: Actor,
    incident: Incident,
    provider: Organisation | None = None,
    assignee=None,
    now: dt.datetime | None = None,
) -> Incident:
    """Pass the incident behind the scenes to a provider (default: the service's provider)."""
    now = now or timezone.now()
    incident = _lock(incident)
    is_desk = _is_desk(actor)
    # A provider may only pick the person within its own organisation.
    _require(permissions.can_assign, actor, incident, provider=provider)
    provider = provider or incident.provider or incident.service.provider
    if not provider.is_provider:
        raise ActionError(f"{provider} is not a service provider", field="provider")
    if (
        assignee is not None
        and not assignee.memberships.filter(organisation=provider, is_active=True).exists()
    ):
        raise ActionError(f"{assignee} is not a member of {provider}", field="assignee")
    changes = {}
    if incident.provider_id != provider.pk:
        changes["provider"] = [str(incident.provider) if incident.provider else None, str(provider)]
    if (incident.assignee_id or None) != (assignee.pk if assignee else None):
        changes["assignee"] = [
            str(incident.assignee) if incident.assignee else None,
            str(assignee) if assignee else None,
        ]
    if not changes:
        raise ActionError(f"{incident.reference} is already with {provider}", field="provider")
    provider_changed = "provider" in changes
    incident.provider = provider
    incident.assignee = assignee
    if provider_changed:
        # A new provider always starts from "assigned"; choosing the person within it changes no status.
        changes.update(_set_status(incident, Status.ASSIGNED, now))
        Handover.objects.create(incident=incident, provider=provider, at=now)
    if is_desk:
        changes.update(_mark_responded(incident, now))
    _save(incident, ["provider", "assignee", "status", "responded_at"], now)
    _journal(actor, incident, "assign", changes)
    inbox.assigned(actor, incident, provider_changed=provider_changed)
    if provider_changed:
        event = tasks.event_data(incident, "assigned", now=now)
        transaction.on_commit(lambda: tasks.notify_incident.enqueue(incident.pk, "assigned", event))
    return incident


def _transition(
    actor: Actor,
    incident: Incident,
    target: str,
    what: str,
    now: dt.datetime,
    note: str = "",
    internal_note: bool = False,
) -> Incident:
    changes = _set_status(incident, target, now)
    if target in (Status.IN_PROGRESS, Status.PENDING_PARTICIPANT, Status.PENDING_PROVIDER) and (
        _is_desk(actor) or _is_provider(actor, incident)
    ):
        changes.update(_mark_responded(incident, now))
    if note.strip():
        _create_update(actor, incident, note, internal=internal_note, now=now, field="note")
    _save(incident, ["status", "responded_at"], now)
    # An internal note's text stays out of the journal, which the raising organisation can read.
    _journal(actor, incident, what, changes, note="" if internal_note else note.strip()[:500])
    event = tasks.event_data(incident, what, now=now, note="" if internal_note else note)
    transaction.on_commit(lambda: tasks.notify_incident.enqueue(incident.pk, what, event))
    return incident


@action
def start_work(
    *, actor: Actor, incident: Incident, note: str = "", now: dt.datetime | None = None
) -> Incident:
    incident = _lock(incident)
    _require(permissions.can_start, actor, incident)
    if incident.status in (Status.RESOLVED, Status.CLOSED):
        # Back to work on a finished incident is a reopening: its own rules, window and clock restart.
        raise IllegalTransition(
            f"Incident {incident.reference} is {incident.get_status_display().lower()}: reopen it instead",
            field="status",
        )
    return _transition(actor, incident, Status.IN_PROGRESS, "start", now or timezone.now(), note)


@action
def set_pending(
    *, actor: Actor, incident: Incident, awaiting: str, note: str, now: dt.datetime | None = None
) -> Incident:
    """Wait on the participant (the resolution clock pauses) or on the provider (it keeps running)."""
    incident = _lock(incident)
    _require(permissions.can_set_pending, actor, incident)
    targets = {"participant": Status.PENDING_PARTICIPANT, "provider": Status.PENDING_PROVIDER}
    if awaiting not in targets:
        raise ActionError("Say whether the incident awaits the participant or the provider", field="awaiting")
    if awaiting == "participant" and not note.strip():
        raise ActionError("Tell the participant what you need from them", field="note")
    return _transition(
        actor,
        incident,
        targets[awaiting],
        f"pending_{awaiting}",
        now or timezone.now(),
        note,
        internal_note=awaiting == "provider" and not _is_raiser(actor, incident),
    )


@action
def resolve_incident(
    *,
    actor: Actor,
    incident: Incident,
    resolution: str,
    article: str = "",
    now: dt.datetime | None = None,
) -> Incident:
    """Resolved, saying how; ``article`` (a knowledge article's reference) is the one used, and the
    incident is linked to it ("documented in") for whoever meets the same thing next."""
    now = now or timezone.now()
    incident = _lock(incident)
    _require(permissions.can_resolve, actor, incident)
    _check_when(incident, now, field="resolved_at")
    if not resolution.strip():
        raise ActionError("Say how the incident was resolved", field="resolution")
    check_text(resolution, field="resolution")
    used = _article_used(actor, incident, article)
    changes = _set_status(incident, Status.RESOLVED, now)
    changes.update(_mark_responded(incident, now))
    incident.resolution = resolution.strip()
    incident.resolved_at = now
    _clock(incident, ClockEvent.Kind.RESOLVED, now)
    changes["resolution"] = [None, incident.resolution]
    _save(incident, ["status", "resolution", "resolved_at", "responded_at"], now)
    _journal(actor, incident, "resolve", changes)
    if used is not None:
        record_actions.link_records(actor=actor, source=incident, target=used, kind=Link.Kind.DOCUMENTED_IN)
    event = tasks.event_data(incident, "resolved", now=now)
    transaction.on_commit(lambda: tasks.notify_incident.enqueue(incident.pk, "resolved", event))
    return incident


def _article_used(actor: Actor, incident: Incident, reference: str):
    """The knowledge article named as used, which the actor may read; None when none is named or it is
    already linked. Anything else is refused, naming the field."""
    reference = reference.strip()
    if not reference:
        return None
    normal = record_registry.normalise(reference)
    record_type = record_registry.for_reference(normal) if normal else None
    if record_type is None or record_type.kind != "article":
        raise ActionError(
            f"{reference} is not a knowledge article's reference (e.g. KB0000012)", field="article"
        )
    found = (
        record_queries.find_visible(actor.user, normal)
        if actor.user is not None
        else record_type.model_class.objects.filter(reference=normal).first()
    )
    if found is None:
        raise ActionError(f"No knowledge article {normal}", field="article")
    if Link.objects.filter(
        source_id=incident.record_id, target_id=found.record_id, kind=Link.Kind.DOCUMENTED_IN
    ).exists():
        return None
    return found


@action
def close_incident(*, actor: Actor, incident: Incident, now: dt.datetime | None = None) -> Incident:
    """Close a resolved incident (the desk, or the participant confirming). A major needs its review first."""
    now = now or timezone.now()
    incident = _lock(incident)
    _require(permissions.can_close, actor, incident)
    _check_when(incident, now, field="closed_at", after=incident.resolved_at)
    major = MajorIncident.objects.filter(incident=incident).first()
    if major is not None and not major.review_done:
        raise ActionError(
            f"{incident.reference} is a major incident: record its post-incident review before closing",
            field="review",
        )
    changes = _set_status(incident, Status.CLOSED, now)
    incident.closed_at = now
    _save(incident, ["status", "closed_at"], now)
    if major is not None:
        _close_major(actor, incident, major)
    _journal(actor, incident, "close", changes)
    event = tasks.event_data(incident, "closed", now=now)
    transaction.on_commit(lambda: tasks.notify_incident.enqueue(incident.pk, "closed", event))
    return incident


@action
def reopen_incident(
    *, actor: Actor, incident: Incident, reason: str, now: dt.datetime | None = None
) -> Incident:
    """Reopen within the window after resolution; the resolution clock carries on from where it stopped."""
    now = now or timezone.now()
    incident = _lock(incident)
    _require(permissions.can_reopen, actor, incident)
    if not reason.strip():
        raise ActionError("Say why the incident is being reopened", field="reason")
    check_text(reason, field="reason")
    check_transition(TRANSITIONS, incident.status, Status.IN_PROGRESS, what=f"Incident {incident.reference}")
    window = dt.timedelta(days=settings.BUSBAR_REOPEN_WINDOW_DAYS)
    if incident.resolved_at is None or now - incident.resolved_at > window:
        raise ActionError(
            f"{incident.reference} can only be reopened within {settings.BUSBAR_REOPEN_WINDOW_DAYS} days of "
            "resolution; raise a new incident and link it",
            field="status",
        )
    changes = _set_status(incident, Status.IN_PROGRESS, now)
    _clock(incident, ClockEvent.Kind.RESTART, now)
    changes["resolved_at"] = [incident.resolved_at, None]
    incident.resolved_at = None
    incident.closed_at = None
    _create_update(actor, incident, f"Reopened: {reason.strip()}", internal=False, now=now)
    _save(incident, ["status", "resolved_at", "closed_at"], now)
    major = MajorIncident.objects.filter(incident=incident).first()
    if major is not None:
        _reopen_major(actor, incident, major, now)
    _journal(actor, incident, "reopen", changes, note=reason.strip()[:500])
    event = tasks.event_data(incident, "reopened", now=now, note=reason)
    transaction.on_commit(lambda: tasks.notify_incident.enqueue(incident.pk, "reopened", event))
    return incident


@action
def cancel_incident(
    *, actor: Actor, incident: Incident, reason: str, now: dt.datetime | None = None
) -> Incident:
    """Withdraw an incident raised in error (the desk, or the raising organisation)."""
    now = now or timezone.now()
    incident = _lock(incident)
    _require(permissions.can_cancel, actor, incident)
    if not reason.strip():
        raise ActionError("Say why the incident is cancelled", field="reason")
    check_text(reason, field="reason")
    changes = _set_status(incident, Status.CANCELLED, now)
    # Cancelling stops both clocks: nothing is owed on an incident that should not exist.
    changes.update(_mark_responded(incident, now))
    _clock(incident, ClockEvent.Kind.RESOLVED, now)
    incident.closed_at = now
    _save(incident, ["status", "closed_at", "responded_at"], now)
    major = MajorIncident.objects.filter(incident=incident).first()
    if major is not None:
        _close_major(actor, incident, major, note="The incident was cancelled")
    _journal(actor, incident, "cancel", changes, note=reason.strip()[:500])
    event = tasks.event_data(incident, "cancelled", now=now, note=reason)
    transaction.on_commit(lambda: tasks.notify_incident.enqueue(incident.pk, "cancelled", event))
    return incident


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
    _require(permissions.can_update, actor, incident)
    if internal:
        permissions.refuse(permissions.can_write_internal(_scope(actor), incident), field="internal")
    if not body.strip():
        raise ActionError("Write something", field="body")
    if incident.status == Status.CANCELLED:
        raise Conflict(f"{incident.reference} is cancelled", field="status")
    update = _create_update(
        actor, incident, body, internal=internal, now=now, email_message_id=email_message_id
    )
    _add_attachments(incident, update, attachments, actor, internal)
    changes: dict = {"update": [None, "internal note" if internal else "public update"]}
    if worker and not internal:
        changes.update(_mark_responded(incident, now))
    if not worker and incident.status == Status.PENDING_PARTICIPANT:
        changes.update(_set_status(incident, Status.IN_PROGRESS, now))
    _save(incident, ["status", "responded_at"], now)
    _journal(actor, incident, "note" if internal else "update", changes)
    if not internal:
        event = tasks.event_data(incident, "update", now=now)
        transaction.on_commit(lambda: tasks.notify_update.enqueue(update.pk, event))
    return update


@action
def link_incidents(*, actor: Actor, source: Incident, target: Incident, kind: str) -> Link:
    """``source`` <kind> ``target``, both incidents (the kernel links records of any two types)."""
    _require(permissions.can_link, actor, source)
    link = kernel.link(source.record, target.record, kind, actor=actor)
    _journal(actor, source, "link", {"link": [None, f"{Link.Kind(kind).label} {target.reference}"]})
    return link

"""Major incidents: declaration, manager, bulletins, update reminders, post-incident review."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from busbar.audit.journal import record
from busbar.incidents import inbox, permissions, recipients, search, tasks
from busbar.incidents.actions._common import (
    _lock,
    _require,
)
from busbar.incidents.models import (
    MAJOR_TRANSITIONS,
    UPDATE_INTERVAL_HELP,
    UPDATE_INTERVAL_MAX,
    UPDATE_INTERVAL_MIN,
    Communication,
    Incident,
    MajorIncident,
    Status,
)
from busbar.lib.actions import ActionError, Actor, Conflict, action, check_transition
from busbar.lib.limits import SHORT_TEXT, check_text
from busbar.parties.queries import scope_for

# Major incidents ----------------------------------------------------------------------------------


def _open_major(actor: Actor, incident: Incident, trigger: str, now: dt.datetime) -> MajorIncident:
    interval = settings.BUSBAR_MAJOR_UPDATE_MINUTES
    major = MajorIncident.objects.create(
        incident=incident,
        trigger=trigger,
        opened_at=now,
        update_interval_minutes=interval,
        next_update_due_at=now + dt.timedelta(minutes=interval),
        manager=actor.user if actor.user is not None and scope_for(actor.user).is_desk else None,
    )
    changes = {"trigger": [None, trigger], "incident": [None, incident.reference]}
    if not incident.is_published:
        incident.is_published = True
        incident.save(update_fields=["is_published"])
        changes["is_published"] = [False, True]
    record(
        actor=actor,
        action="major_incident.open",
        obj=major,
        owner=incident.organisation,
        changes=changes,
    )
    event = tasks.event_data(incident, "major_opened", now=now, trigger=major.get_trigger_display())
    transaction.on_commit(lambda: tasks.notify_major.enqueue(major.pk, "opened", event))
    return major


def _set_state(major: MajorIncident, target: str) -> dict:
    """Move ``major`` to ``target`` (checked against MAJOR_TRANSITIONS); the journal's change."""
    before = major.state
    check_transition(MAJOR_TRANSITIONS, before, target, what=f"Major incident {major.incident.reference}")
    major.state = target
    return {"state": [before, target]}


def _close_major(actor: Actor, incident: Incident, major: MajorIncident, note: str = "") -> None:
    """Close the major-incident record with its incident (closed, or cancelled): no more updates are due."""
    if major.state == MajorIncident.State.CLOSED:
        return
    changes = _set_state(major, MajorIncident.State.CLOSED)
    major.next_update_due_at = None
    major.save(update_fields=["state", "next_update_due_at"])
    record(
        actor=actor,
        action="major_incident.close",
        obj=major,
        owner=incident.organisation,
        changes=changes,
        note=note,
    )


def _reopen_major(actor: Actor, incident: Incident, major: MajorIncident, now: dt.datetime) -> None:
    """The incident is reopened: its major incident is active again, the next bulletin due from now."""
    if major.state == MajorIncident.State.ACTIVE:
        return
    changes = _set_state(major, MajorIncident.State.ACTIVE)
    major.next_update_due_at = now + dt.timedelta(minutes=major.update_interval_minutes)
    major.save(update_fields=["state", "next_update_due_at"])
    changes["next_update_due_at"] = [None, major.next_update_due_at]
    record(
        actor=actor, action="major_incident.reopen", obj=major, owner=incident.organisation, changes=changes
    )


@action
def declare_major_incident(
    *,
    actor: Actor,
    incident: Incident,
    trigger: str = MajorIncident.Trigger.DESK,
    now: dt.datetime | None = None,
) -> MajorIncident:
    """The desk declares a major incident (e.g. a BCDR event is always one)."""
    _require(permissions.can_declare_major, actor, incident)
    if trigger not in MajorIncident.Trigger.values:
        raise ActionError(f"Unknown trigger {trigger!r}", field="trigger")
    incident = _lock(incident)
    if MajorIncident.objects.filter(incident=incident).exists():
        raise Conflict(f"{incident.reference} is already a major incident", field="incident")
    return _open_major(actor, incident, trigger, now or timezone.now())


def _require_manager(actor: Actor, major: MajorIncident) -> None:
    _require(permissions.can_run_major, actor, major.incident)


@action
def set_major_manager(*, actor: Actor, major: MajorIncident, manager) -> MajorIncident:
    _require_manager(actor, major)
    if not scope_for(manager).is_desk:
        raise ActionError(f"{manager} is not on the service desk", field="manager")
    before = str(major.manager) if major.manager else None
    major.manager = manager
    major.save(update_fields=["manager"])
    record(
        actor=actor,
        action="major_incident.manager",
        obj=major,
        owner=major.incident.organisation,
        changes={"manager": [before, str(manager)]},
    )
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
    check_text(subject, field="subject", limit=SHORT_TEXT)
    check_text(body, field="body")
    major = MajorIncident.objects.select_for_update().select_related("incident").get(pk=major.pk)
    if major.state == MajorIncident.State.CLOSED:
        raise Conflict("The major incident is closed", field="state")
    # Every inbox of the audience is told; the email goes (when the task runs) to those who want it.
    audience = recipients.bulletin_audience(major.incident)
    communication = Communication.objects.create(
        major=major,
        subject=subject.strip(),
        body=body.strip(),
        sent_at=now,
        sent_by=actor.user,
        recipient_count=len(audience),
    )
    major.next_update_due_at = (
        now + dt.timedelta(minutes=major.update_interval_minutes)
        if major.state == MajorIncident.State.ACTIVE
        else None
    )
    major.save(update_fields=["next_update_due_at"])
    record(
        actor=actor,
        action="major_incident.communication",
        obj=major,
        owner=major.incident.organisation,
        changes={"communication": [None, communication.subject], "recipients": [None, len(audience)]},
    )
    search.index(major.incident.record_id)  # the bulletin's words find the incident
    inbox.bulletin(major, audience, communication.subject)
    event = tasks.event_data(major.incident, "bulletin", now=now)
    transaction.on_commit(lambda: tasks.send_bulletin.enqueue(communication.pk, event))
    return communication


@action
def update_major(
    *,
    actor: Actor,
    major: MajorIncident,
    manager=None,
    update_interval_minutes: int | None = None,
) -> MajorIncident:
    """Change the incident manager and the bulletin interval together (the API's PATCH): one transaction,
    journalled as the changes it is made of, or nothing at all."""
    _require_manager(actor, major)
    if manager is None and update_interval_minutes is None:
        raise ActionError("Nothing to change: give the manager or the update interval")
    if manager is not None:
        major = set_major_manager(actor=actor, major=major, manager=manager)
    if update_interval_minutes is not None:
        major = set_update_interval(
            actor=actor, major=major, minutes=update_interval_minutes, field="update_interval_minutes"
        )
    return major


@action
def set_update_interval(
    *, actor: Actor, major: MajorIncident, minutes: int, field: str = "minutes"
) -> MajorIncident:
    _require_manager(actor, major)
    if isinstance(minutes, bool) or not isinstance(minutes, int):
        raise ActionError("Give the interval as a whole number of minutes", field=field)
    if not UPDATE_INTERVAL_MIN <= minutes <= UPDATE_INTERVAL_MAX:
        raise ActionError(f"Choose an interval {UPDATE_INTERVAL_HELP.lower()}", field=field)
    before = major.update_interval_minutes
    major.update_interval_minutes = minutes
    last = (
        major.communications.order_by("-sent_at").values_list("sent_at", flat=True).first() or major.opened_at
    )
    if major.state == MajorIncident.State.ACTIVE:
        major.next_update_due_at = last + dt.timedelta(minutes=minutes)
    major.save(update_fields=["update_interval_minutes", "next_update_due_at"])
    record(
        actor=actor,
        action="major_incident.interval",
        obj=major,
        owner=major.incident.organisation,
        changes={"update_interval_minutes": [before, minutes]},
    )
    return major


@action
def record_review(
    *,
    actor: Actor,
    major: MajorIncident,
    cause: str,
    actions: str,
    lessons: str,
    now: dt.datetime | None = None,
) -> MajorIncident:
    """The post-incident review (cause, actions, lessons). Needed before a major incident can close."""
    _require_manager(actor, major)
    now = now or timezone.now()
    for field, value in (("cause", cause), ("actions", actions), ("lessons", lessons)):
        if not value.strip():
            raise ActionError(f"The review needs its {field}", field=field)
        check_text(value, field=field)
    major = MajorIncident.objects.select_for_update().select_related("incident").get(pk=major.pk)
    if major.incident.status not in (Status.RESOLVED, Status.CLOSED):
        raise Conflict("Resolve the incident before recording its review", field="status")
    major.review_cause, major.review_actions, major.review_lessons = (
        cause.strip(),
        actions.strip(),
        lessons.strip(),
    )
    major.review_completed_at = now
    major.review_completed_by = actor.user
    target = (
        MajorIncident.State.REVIEW if major.incident.status == Status.RESOLVED else MajorIncident.State.CLOSED
    )
    if target != major.state:  # (recording the review again amends it; the state stays)
        _set_state(major, target)
    major.save()
    record(
        actor=actor,
        action="major_incident.review",
        obj=major,
        owner=major.incident.organisation,
        changes={"review": [None, "completed"], "cause": [None, major.review_cause]},
    )
    return major


@action
def remind_major_update(
    *, actor: Actor, major: MajorIncident, now: dt.datetime | None = None
) -> MajorIncident:
    """Remind the incident manager (or the desk) once per due time that an update is due."""
    now = now or timezone.now()
    major = MajorIncident.objects.select_for_update().select_related("incident").get(pk=major.pk)
    due = major.next_update_due_at
    if due is None or due > now or major.reminded_for == due:
        raise ActionError("No reminder is due", field="next_update_due_at")
    major.reminded_for = due
    major.save(update_fields=["reminded_for"])
    record(
        actor=actor,
        action="major_incident.reminder",
        obj=major,
        owner=major.incident.organisation,
        changes={"reminded_for": [None, due]},
    )
    event = tasks.event_data(major.incident, "update_due", now=now, due_at=due.isoformat())
    transaction.on_commit(lambda: tasks.notify_major.enqueue(major.pk, "update_due", event))
    return major

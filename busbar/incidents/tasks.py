"""Background work for incidents: notifications, the SLA scan, major-incident reminders.

The SLA scan is safe to run as often as you like: warnings and breaches are unique per incident, clock
and kind, so each fires exactly once.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.db.models import F
from django.utils import timezone
from django_tasks import task

from busbar.incidents import recipients
from busbar.incidents.models import Communication, Incident, MajorIncident
from busbar.lib.actions import ActionError, Actor
from busbar.records import mail as record_mail
from busbar.records.models import Entry, SlaNotice

logger = logging.getLogger(__name__)


def _url(incident: Incident) -> str:
    return f"{settings.SITE_URL}/incidents/{incident.reference}/"


# What an email says is captured when the event happens -----------------------------------------------
#
# An action passes the event's own data to the task (``event_data``): the task may run seconds or hours
# later, when the incident has moved on (triaged then resolved then closed before the worker picks the
# first task up), and each email must still describe its own event. Who is told is decided when the task
# runs (busbar.incidents.recipients), so a person who has lost access by then is not told.


def brief(incident: Incident, *, now: dt.datetime | None = None) -> dict[str, Any]:
    """The incident as it stands, from what an incident read with its service and severity holds (no
    further queries: the SLA scan captures a batch of these)."""
    return {
        "reference": incident.reference,
        "summary": incident.summary,
        "service": str(incident.service),
        "severity": incident.severity.code,
        "severity_label": str(incident.severity),
        "status": str(incident.status),
        "status_label": incident.get_status_display(),
        "impact": incident.get_impact_display(),
        "url": _url(incident),
        "at": (now or timezone.now()).isoformat(),
    }


def event_data(
    incident: Incident, what: str, *, now: dt.datetime | None = None, note: str = "", **extra: Any
) -> dict[str, Any]:
    """Everything an email about ``what`` happening to ``incident`` says, as it is now (called by the
    action, inside its transaction); ``note`` is a public note given with the change."""
    return {
        **brief(incident, now=now),
        "what": what,
        "description": incident.description,
        "organisation": str(incident.organisation),
        "provider": str(incident.provider) if incident.provider_id else "",
        "provider_id": incident.provider_id,
        "resolution": incident.resolution,
        "note": note.strip(),
        **extra,
    }


def _event(event: dict[str, Any] | None, incident: Incident, what: str = "") -> dict[str, Any]:
    """The event passed by the action; for a task queued before events were passed, the incident now."""
    data = dict(event) if event else event_data(incident, what)
    at = data.get("at")
    data["at"] = dt.datetime.fromisoformat(at) if isinstance(at, str) else timezone.now()
    return data


def _send(
    incident: Incident, event: dict[str, Any], recipients: list[str], template: str, **context: object
) -> int:
    """One message per recipient, rendered from ``incidents/email/<template>.txt`` with the event's data."""
    return record_mail.send(
        incident.reference,
        event.get("url") or _url(incident),
        recipients,
        f"incidents/email/{template}.txt",
        {"event": event, **context},
    )


_emails = record_mail.addresses


def _incident(incident_id: int) -> Incident:
    return Incident.objects.select_related(
        "record", "service", "severity", "organisation", "provider", "assignee", "raised_by"
    ).get(pk=incident_id)


def _acknowledge(incident: Incident, event: dict[str, Any]) -> int:
    """The participant who raised it is told its reference at once, with what may already answer it: the
    known problems on the service and the matching knowledge articles they may read (for raising by API or
    email, where no form showed them). Not when the desk raised it for them (phone): the desk says so."""
    from busbar.parties.queries import scope_for
    from busbar.records import registry as record_registry

    raiser = incident.raised_by
    if raiser is None or not raiser.is_active or scope_for(raiser).is_desk:
        return 0
    offered = record_registry.suggestions("incident", raiser, service=incident.service, obj=incident)
    return _send(
        incident,
        event,
        _emails([raiser], "incident.update"),
        "received",
        problems=[s for s in offered if s.kind == "problem"],
        articles=[s for s in offered if s.kind == "article"],
        site=settings.SITE_URL,
    )


def _provider_addresses(provider_id: int | None) -> list[str]:
    """The provider's resolvers who want assignments; a provider that does not use the portal is told at
    its contact address (and replies by email)."""
    from busbar.parties.models import Organisation

    provider = Organisation.objects.filter(pk=provider_id).first() if provider_id else None
    if provider is None:
        return []
    resolvers = list(recipients.provider_users_of(provider.pk))
    if resolvers:
        return _emails(resolvers, "incident.assigned")
    return [provider.contact_email] if provider.contact_email else []


@task()
def notify_incident(incident_id: int, what: str, event: dict[str, Any] | None = None) -> int:
    """Tell who should hear of ``what`` (raised, triaged, assigned, start, pending_*, resolved, closed,
    reopened, cancelled) happening to the incident, in the words of ``event`` (see :func:`event_data`)."""
    incident = _incident(incident_id)
    data = _event(event, incident, what)
    if what == "raised":
        sent = _send(incident, data, _emails(recipients.desk_users(), "incident.new"), "raised")
        return sent + _acknowledge(incident, data)
    if what == "assigned":
        # The provider it was passed to then, even if it has been passed on since (that one hears too).
        provider_id = data.get("provider_id", incident.provider_id)
        return _send(incident, data, _provider_addresses(provider_id), "assigned")
    told = recipients.participant_users(incident) + recipients.watchers(incident)
    return _send(incident, data, _emails(told, "incident.update"), "changed", what=what)


@task()
def notify_update(update_id: int, event: dict[str, Any] | None = None) -> int:
    update = Entry.objects.select_related("record__incident", "author").get(pk=update_id)
    incident = _incident(update.record.incident.pk)
    data = _event(event, incident, "update")
    if update.author_organisation_id == incident.organisation_id:
        # The participant wrote: tell whoever works it.
        workers = [incident.assignee] if incident.assignee else list(recipients.provider_users(incident))
        to = _emails(workers, "incident.update")
        if not workers and incident.provider and incident.provider.contact_email:
            to = [incident.provider.contact_email]
        if not incident.provider_id:
            to = _emails(recipients.desk_users(), "incident.update")
    else:
        to = _emails(recipients.participant_users(incident), "incident.update")
    # The one rule for naming the author: as the web names them to each reader (queries.party_shown).
    from busbar.incidents.queries import email_author, follows

    watching = [u for u in recipients.watchers(incident) if u.pk != update.author_id]
    to += _emails([u for u in watching if follows(u, incident)], "incident.update")
    # Watchers who neither raised nor work it (a published incident) read the author as they do on the web.
    outsiders = _emails([u for u in watching if not follows(u, incident)], "incident.update")
    # Never to the person who wrote it (they know), whichever organisation they wrote for.
    own = update.author.email.lower() if update.author_id and update.author else ""
    to = [a for a in to if a.lower() != own]
    taken = {a.lower() for a in to}
    outsiders = [a for a in outsiders if a.lower() != own and a.lower() not in taken]
    sent = _send(incident, data, to, "update", update=update, author=email_author(incident, update))
    if outsiders:
        author = email_author(incident, update, follows=False)
        sent += _send(incident, data, outsiders, "update", update=update, author=author)
    return sent


@task()
def notify_sla_notice(notice_id: int, event: dict[str, Any] | None = None) -> int:
    notice = SlaNotice.objects.select_related("record__incident").get(pk=notice_id)
    return _notify_notice(notice, event)


@task()
def notify_sla_notices(notice_ids: list[int], events: dict[str, dict[str, Any]] | None = None) -> int:
    """The notices one batch of the SLA scan raised: each notice's messages, as for one notice.
    ``events``: each notice's incident as it was when the notice was raised, by notice id."""
    notices = SlaNotice.objects.filter(pk__in=notice_ids).select_related("record__incident").order_by("pk")
    events = events or {}
    return sum(_notify_notice(notice, events.get(str(notice.pk))) for notice in notices)


def _notify_notice(notice: SlaNotice, event: dict[str, Any] | None) -> int:
    incident = _incident(notice.record.incident.pk)
    users = list(recipients.desk_users())
    if incident.assignee:
        users.append(incident.assignee)
    users += list(notice.escalated_to.all())
    data = _event(event or brief(incident), incident)
    return _send(
        incident,
        data,
        _emails(users, "incident.sla"),
        "sla_notice",
        notice=notice,
        crossed_at=notice.crossed_at,
    )


@task()
def notify_major(major_id: int, what: str, event: dict[str, Any] | None = None) -> int:
    """``opened`` (to the desk) or ``update_due`` (to its manager, else the desk), as ``event`` says."""
    major = MajorIncident.objects.select_related("incident", "manager").get(pk=major_id)
    incident = _incident(major.incident_id)
    data = _event(event, incident, what)
    if what == "update_due":
        users = [major.manager] if major.manager else list(recipients.desk_users())
        due = data.get("due_at")
        return _send(
            incident,
            data,
            [u.email for u in users if u.is_active],
            "major_update_due",
            due_at=dt.datetime.fromisoformat(due) if due else major.next_update_due_at,
        )
    return _send(
        incident,
        data,
        [u.email for u in recipients.desk_users()],
        "major_opened",
        trigger=data.get("trigger") or major.get_trigger_display(),
    )


@task()
def send_bulletin(communication_id: int, event: dict[str, Any] | None = None) -> int:
    """A bulletin to every affected participant, one message each (``records.mail.send``)."""
    communication = Communication.objects.select_related("major__incident").get(pk=communication_id)
    incident = _incident(communication.major.incident_id)
    to = [u.email for u in recipients.bulletin_recipients(incident)]
    return _send(incident, _event(event, incident, "bulletin"), to, "bulletin", communication=communication)


@task()
def scan_sla(now_iso: str | None = None) -> dict[str, int]:
    """Raise each due warning and breach once, reading only the incidents whose next check time has come."""
    from busbar.incidents import actions, sla

    now = dt.datetime.fromisoformat(now_iso) if now_iso else timezone.now()
    # Only incidents whose next warning or breach instant has come (an indexed column kept by the actions).
    candidates = sla.with_clock_data(
        Incident.objects.filter(record__sla_next_check_at__lte=now).order_by("pk")
    )
    raised = {"warning": 0, "breach": 0}
    batch: list[int] = []

    def flush() -> None:
        try:
            done = actions.raise_sla_notices(actor=Actor.system(), incident_ids=batch, now=now)
        except ActionError:
            pass  # raised meanwhile by a concurrent scan: exactly once still holds
        else:
            for kind, n in done.items():
                raised[kind] += n
        batch.clear()

    for incident in candidates.iterator(chunk_size=SCAN_BATCH):
        if sla.due_notices(incident, now, set()):
            batch.append(incident.pk)
        if len(batch) == SCAN_BATCH:
            flush()
    if batch:
        flush()
    return raised


#: Incidents whose notices one transaction of the scan raises together.
SCAN_BATCH = 500


@task()
def remind_majors(now_iso: str | None = None) -> int:
    from busbar.incidents import actions

    now = dt.datetime.fromisoformat(now_iso) if now_iso else timezone.now()
    due = MajorIncident.objects.filter(state=MajorIncident.State.ACTIVE, next_update_due_at__lte=now).exclude(
        reminded_for=F("next_update_due_at")
    )
    count = 0
    for major in due:
        try:
            actions.remind_major_update(actor=Actor.system(), major=major, now=now)
            count += 1
        except ActionError:
            continue
    return count


@task()
def recompute_sla_for_policy(policy_id: int) -> int:
    """Queued by the service catalogue after a change that alters how clocks are measured."""
    from busbar.incidents import actions

    return actions.recompute_sla_for_policy(actor=Actor.system(), policy_id=policy_id)


@task()
def notify_affected(incident_id: int, event: dict[str, Any] | None = None) -> int:
    """An organisation reported it is affected too by a major incident (``event["joined"]``): the desk."""
    incident = _incident(incident_id)
    data = _event(event, incident, "affected")
    return _send(incident, data, _emails(recipients.desk_users(), "incident.new"), "affected")

"""Background work for incidents: notifications, the SLA scan, major-incident reminders.

The SLA scan is safe to run as often as you like: warnings and breaches are unique per incident, clock
and kind, so each fires exactly once.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db.models import F
from django.utils import timezone
from django_tasks import task

from busbar.core.tasking import message_token
from busbar.incidents import notify
from busbar.incidents.models import Communication, Incident, MajorIncident, SlaNotice, Update
from busbar.lib.actions import ActionError, Actor
from busbar.lib.mail import incident_message_id, subject_tag

logger = logging.getLogger(__name__)


def _url(incident: Incident) -> str:
    return f"{settings.SITE_URL}/incidents/{incident.reference}/"


def _send(incident: Incident, recipients: list[str], subject: str, body: str) -> int:
    recipients = sorted({r for r in recipients if r})
    if not recipients:
        return 0
    headers = {
        # The same message of the same task run again gets the same id, and the mail queue sends it once.
        "Message-ID": incident_message_id(incident.reference, message_token(), settings.MAIL_DOMAIN),
        "X-Busbar-Reference": incident.reference,
        "Auto-Submitted": "auto-generated",
    }
    message = EmailMessage(
        subject=f"{subject_tag(incident.reference)} {subject}",
        body=body + f"\n\n{_url(incident)}\nReply to this email to add an update to {incident.reference}.\n",
        to=recipients,
        headers=headers,
        reply_to=[settings.DEFAULT_FROM_EMAIL],
    )
    return message.send()


def _emails(users, kind: str) -> list[str]:  # noqa: ANN001
    return [u.email for u in users if u.wants(kind)]


def _incident(incident_id: int) -> Incident:
    return Incident.objects.select_related(
        "service", "severity", "organisation", "provider", "assignee", "raised_by"
    ).get(pk=incident_id)


@task()
def notify_incident(incident_id: int, what: str) -> int:
    incident = _incident(incident_id)
    summary = (
        f"{incident.summary}\nService: {incident.service}\nSeverity: {incident.severity}\nStatus: "
        f"{incident.get_status_display()}"
    )
    if what == "raised":
        return _send(
            incident,
            _emails(notify.desk_users(), "incident.new"),
            f"New incident: {incident.summary}",
            f"{incident.organisation} raised {incident.reference}.\n\n{summary}\n\n{incident.description}",
        )
    if what == "assigned":
        resolvers = list(notify.provider_users(incident))
        if resolvers:
            to = _emails(resolvers, "incident.assigned")
        else:
            # A provider that does not use the portal is told by email and replies by email.
            to = (
                [incident.provider.contact_email]
                if incident.provider and incident.provider.contact_email
                else []
            )
        return _send(
            incident,
            to,
            f"Assigned to {incident.provider}: {incident.summary}",
            f"The switching service desk has passed {incident.reference} to {incident.provider}.\n\n"
            f"{summary}\n\n{incident.description}",
        )
    return _send(
        incident,
        _emails(notify.participant_users(incident), "incident.update"),
        f"{incident.get_status_display()}: {incident.summary}",
        f"{incident.reference} was {what.replace('_', ' ')}.\n\n{summary}"
        + (f"\n\nResolution: {incident.resolution}" if incident.resolution else ""),
    )


@task()
def notify_update(update_id: int) -> int:
    update = Update.objects.select_related("incident", "author").get(pk=update_id)
    incident = _incident(update.incident_id)
    if update.author_organisation_id == incident.organisation_id:
        # The participant wrote: tell whoever works it.
        workers = [incident.assignee] if incident.assignee else list(notify.provider_users(incident))
        to = _emails(workers, "incident.update")
        if not workers and incident.provider and incident.provider.contact_email:
            to = [incident.provider.contact_email]
        if not incident.provider_id:
            to = _emails(notify.desk_users(), "incident.update")
    else:
        to = _emails(notify.participant_users(incident), "incident.update")
    return _send(
        incident, to, f"Update: {incident.summary}", f"{update.author_label} wrote:\n\n{update.body}"
    )


@task()
def notify_sla_notice(notice_id: int) -> int:
    notice = SlaNotice.objects.select_related("incident").get(pk=notice_id)
    incident = _incident(notice.incident_id)
    users = list(notify.desk_users())
    if incident.assignee:
        users.append(incident.assignee)
    users += list(notice.escalated_to.all())
    word = "breached" if notice.kind == SlaNotice.Kind.BREACH else "is close to breaching"
    return _send(
        incident,
        _emails(users, "incident.sla"),
        f"SLA {notice.kind}: {incident.summary}",
        f"The {notice.clock} target of {incident.reference} (severity {incident.severity.code}) {word}"
        f" at {timezone.localtime(notice.crossed_at):%d %b %Y %H:%M} UK time.",
    )


@task()
def notify_major(major_id: int, what: str) -> int:
    major = MajorIncident.objects.select_related("incident", "manager").get(pk=major_id)
    incident = _incident(major.incident_id)
    if what == "update_due":
        users = [major.manager] if major.manager else list(notify.desk_users())
        return _send(
            incident,
            [u.email for u in users],
            f"Major incident update due: {incident.summary}",
            f"A communication to affected participants about {incident.reference} was due at "
            f"{timezone.localtime(major.next_update_due_at):%H:%M} UK time.",
        )
    return _send(
        incident,
        [u.email for u in notify.desk_users()],
        f"MAJOR INCIDENT: {incident.summary}",
        f"{incident.reference} is a major incident ({major.get_trigger_display()}).",
    )


@task()
def send_bulletin(communication_id: int) -> int:
    communication = Communication.objects.select_related("major__incident").get(pk=communication_id)
    incident = _incident(communication.major.incident_id)
    recipients = [u.email for u in notify.bulletin_recipients(incident)]
    return _send(incident, recipients, communication.subject, communication.body)


@task()
def scan_sla(now_iso: str | None = None) -> dict[str, int]:
    """Raise each due warning and breach once, reading only the incidents whose next check time has come."""
    from busbar.incidents import actions, sla

    now = dt.datetime.fromisoformat(now_iso) if now_iso else timezone.now()
    # Only incidents whose next warning or breach instant has come (an indexed column kept by the actions).
    candidates = sla.with_clock_data(Incident.objects.filter(sla_next_check_at__lte=now))
    raised = {"warning": 0, "breach": 0}
    for incident in candidates.iterator(chunk_size=500):
        for clock in sla.clocks_for(incident, now):
            for kind, at in (
                (SlaNotice.Kind.WARNING, clock.state.warned_at),
                (SlaNotice.Kind.BREACH, clock.state.breached_at),
            ):
                if at is None or at > now or incident.sla_notified & sla.NOTICE_BITS[(clock.name, kind)]:
                    continue
                try:
                    actions.raise_sla_notice(
                        actor=Actor.system(),
                        incident=incident,
                        clock=clock.name,
                        kind=kind,
                        crossed_at=at,
                        now=now,
                    )
                    incident.sla_notified |= sla.NOTICE_BITS[(clock.name, kind)]
                    raised[kind] += 1
                except ActionError:
                    pass  # raised by a concurrent scan: exactly once still holds
    return raised


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

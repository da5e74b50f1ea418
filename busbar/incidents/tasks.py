"""Background work for incidents: notifications, the SLA scan, major-incident reminders.

The SLA scan is safe to run as often as you like: warnings and breaches are unique per incident, clock
and kind, so each fires exactly once.
"""

from __future__ import annotations

import datetime as dt
import logging

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


def _send(incident: Incident, recipients: list[str], template: str, **context: object) -> int:
    """One message per recipient, rendered from ``incidents/email/<template>.txt``."""
    return record_mail.send(
        incident.reference,
        _url(incident),
        recipients,
        f"incidents/email/{template}.txt",
        {"incident": incident, **context},
    )


_emails = record_mail.addresses


def _incident(incident_id: int) -> Incident:
    return Incident.objects.select_related(
        "record", "service", "severity", "organisation", "provider", "assignee", "raised_by"
    ).get(pk=incident_id)


def _acknowledge(incident: Incident) -> int:
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
        _emails([raiser], "incident.update"),
        "received",
        problems=[s for s in offered if s.kind == "problem"],
        articles=[s for s in offered if s.kind == "article"],
        site=settings.SITE_URL,
    )


@task()
def notify_incident(incident_id: int, what: str) -> int:
    incident = _incident(incident_id)
    if what == "raised":
        sent = _send(incident, _emails(recipients.desk_users(), "incident.new"), "raised")
        return sent + _acknowledge(incident)
    if what == "assigned":
        resolvers = list(recipients.provider_users(incident))
        if resolvers:
            to = _emails(resolvers, "incident.assigned")
        else:
            # A provider that does not use the portal is told by email and replies by email.
            to = (
                [incident.provider.contact_email]
                if incident.provider and incident.provider.contact_email
                else []
            )
        return _send(incident, to, "assigned")
    told = recipients.participant_users(incident) + recipients.watchers(incident)
    return _send(incident, _emails(told, "incident.update"), "changed", what=what.replace("_", " "))


@task()
def notify_update(update_id: int) -> int:
    update = Entry.objects.select_related("record__incident", "author").get(pk=update_id)
    incident = _incident(update.record.incident.pk)
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
    author = update.author_label
    to += _emails([u for u in recipients.watchers(incident) if u.pk != update.author_id], "incident.update")
    return _send(incident, to, "update", update=update, author=author)


@task()
def notify_sla_notice(notice_id: int) -> int:
    return _notify_notice(SlaNotice.objects.select_related("record__incident").get(pk=notice_id))


@task()
def notify_sla_notices(notice_ids: list[int]) -> int:
    """The notices one batch of the SLA scan raised: each notice's messages, as for one notice."""
    notices = SlaNotice.objects.filter(pk__in=notice_ids).select_related("record__incident").order_by("pk")
    return sum(_notify_notice(notice) for notice in notices)


def _notify_notice(notice: SlaNotice) -> int:
    incident = _incident(notice.record.incident.pk)
    users = list(recipients.desk_users())
    if incident.assignee:
        users.append(incident.assignee)
    users += list(notice.escalated_to.all())
    return _send(
        incident, _emails(users, "incident.sla"), "sla_notice", notice=notice, crossed_at=notice.crossed_at
    )


@task()
def notify_major(major_id: int, what: str) -> int:
    major = MajorIncident.objects.select_related("incident", "manager").get(pk=major_id)
    incident = _incident(major.incident_id)
    if what == "update_due":
        users = [major.manager] if major.manager else list(recipients.desk_users())
        return _send(
            incident,
            [u.email for u in users],
            "major_update_due",
            major=major,
            due_at=major.next_update_due_at,
        )
    return _send(incident, [u.email for u in recipients.desk_users()], "major_opened", major=major)


@task()
def send_bulletin(communication_id: int) -> int:
    communication = Communication.objects.select_related("major__incident").get(pk=communication_id)
    incident = _incident(communication.major.incident_id)
    to = [u.email for u in recipients.bulletin_recipients(incident)]
    return _send(incident, to, "bulletin", communication=communication)


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

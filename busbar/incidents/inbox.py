"""What incidents put in people's inboxes (the bell in the header), through the kernel's
:func:`busbar.records.inbox.deliver`: bulletins, assignments, SLA warnings and breaches, organisations
reporting they are affected too. Called by the actions, in their transaction, so a notification exists
exactly when the change it tells of does."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.urls import reverse

from busbar.incidents import recipients
from busbar.records.inbox import Delivery, deliver, deliver_many
from busbar.records.models import Notification

Kind = Notification.Kind


def incident_url(incident: Any) -> str:
    return reverse("incident_detail", kwargs={"reference": incident.reference})


def bulletin(major: Any, audience: Iterable[Any], subject: str) -> None:
    """A major-incident bulletin, to each participant told of it."""
    incident = major.incident
    deliver(
        recipients=audience,
        kind=Kind.BULLETIN,
        record=incident,
        title=f"Bulletin on {incident.reference}: {subject}",
        url=incident_url(incident) + "#major",
    )


def assigned(actor: Any, incident: Any, *, provider_changed: bool) -> None:
    """An incident given to a person (them), or to a provider without a person (its resolvers); never
    to whoever made the change."""
    if incident.assignee_id:
        told = [incident.assignee]
        title = f"{incident.reference} assigned to you: {incident.summary}"
    elif provider_changed:
        told = list(recipients.provider_users_of(incident.provider_id))
        title = f"{incident.reference} assigned to {incident.provider}: {incident.summary}"
    else:
        return
    deliver(
        recipients=[u for u in told if actor.user is None or u.pk != actor.user.pk],
        kind=Kind.ASSIGNMENT,
        record=incident,
        title=title,
        url=incident_url(incident),
    )


def sla_notices(notices: list[Any], escalated: list[Any]) -> None:
    """A batch of the SLA scan's warnings and breaches (each notice carries ``.incident``): to the desk,
    the incident's assignee and, for breaches, whoever they are escalated to; one insert for the batch."""
    from django.contrib.auth import get_user_model

    desk = list(recipients.desk_users())
    assignees = get_user_model().objects.in_bulk(
        {n.incident.assignee_id for n in notices if n.incident.assignee_id}
    )
    deliveries = []
    for notice in notices:
        incident = notice.incident
        assignee = assignees.get(incident.assignee_id)
        people = desk + ([assignee] if assignee is not None else [])
        if notice.kind == "breach":
            people += escalated
        clock = notice.clock.replace("_", " ")
        what = "breached" if notice.kind == "breach" else "due soon"
        deliveries.append(
            Delivery(
                recipients=people,
                kind=Kind.SLA_WARNING,
                record=incident,
                title=f"{incident.reference} {clock} target {what}: {incident.summary}",
                url=incident_url(incident),
            )
        )
    deliver_many(deliveries)


def affected(actor: Any, incident: Any, organisation: Any) -> None:
    """``organisation`` reports it is affected too: the desk is told."""
    deliver(
        recipients=[u for u in recipients.desk_users() if actor.user is None or u.pk != actor.user.pk],
        kind=Kind.AFFECTED,
        record=incident,
        title=f"{organisation} is affected too by {incident.reference}: {incident.summary}",
        url=incident_url(incident),
    )

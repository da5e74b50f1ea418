"""Who hears of a demand notice, and what they are told.

Who is read when the task runs (each person only while they may see the notice: the inbox checks the
notice's ``visible_to``, the emails go only to those it lets see it), one email per person; what they are
told is the event captured by the action (:func:`busbar.demand.steps.event_data`).

* the **bulletin**: every active resolver of every provider of a service on the notice, each told of the
  lines on its own organisation's services only;
* the **desk**: a notice above tolerance is filed or changed, the filer answered a mitigation request;
* the **filer**: mitigation is requested, the notice is closed.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse
from django_tasks import task

from busbar.parties.models import Membership, MembershipRole
from busbar.records import mail as record_mail
from busbar.records.inbox import Delivery, deliver_many
from busbar.records.models import Notification

#: The email preference (``User.wants``) of each audience.
BULLETIN_KIND = "demand.bulletin"
UPDATE_KIND = "demand.update"
DESK_KIND = "demand.alert"


def _path(reference: str) -> str:
    return reverse("demand_detail", args=[reference])


def _url(reference: str) -> str:
    return f"{settings.SITE_URL}{_path(reference)}"


def _people(**membership: object) -> list:
    members = Membership.objects.filter(is_active=True, organisation__is_active=True, **membership)
    return list(
        get_user_model().objects.filter(is_active=True, pk__in=members.values("user_id")).order_by("pk")
    )


def _notice(notice_id: int) -> Any:
    from busbar.demand.models import DemandNotice

    return DemandNotice.objects.select_related("record", "organisation").filter(pk=notice_id).first()


def _seeing(people: list, notice: Any) -> list:
    """Those of ``people`` who may see ``notice`` (one query per distinct scope at most)."""
    from busbar.demand.queries import visible_to

    return [u for u in people if visible_to(u).filter(pk=notice.pk).exists()]


@task()
def send_bulletin(notice_id: int, event: dict[str, Any]) -> int:
    """The bulletin to the affected providers: an inbox entry and one email per resolver, each provider told
    of its own services' lines. Returns how many emails were sent."""
    notice = _notice(notice_id)
    if notice is None:
        return 0
    by_provider: dict[int, list[dict]] = defaultdict(list)
    for line in event["lines"]:
        by_provider[line["provider_id"]].append(line)
    sent = 0
    deliveries = []
    updated = bool(event.get("updated"))
    word = "Updated demand bulletin" if updated else "Demand bulletin"
    for provider_id, lines in sorted(by_provider.items()):
        people = _seeing(_people(organisation_id=provider_id, role=MembershipRole.RESOLVER), notice)
        if not people:
            continue
        deliveries.append(
            Delivery(
                recipients=people,
                kind=Notification.Kind.BULLETIN,
                record=notice,
                title=f"{word}: {event['reference']} {event['title']}",
                url=_path(event["reference"]),
            )
        )
        sent += record_mail.send(
            event["reference"],
            _url(event["reference"]),
            record_mail.addresses(people, BULLETIN_KIND),
            "demand/email/bulletin.txt",
            {"event": event, "lines": lines, "updated": updated},
        )
    deliver_many(deliveries)
    return sent


@task()
def tell_desk(notice_id: int, what: str, event: dict[str, Any]) -> int:
    """``what`` is "above_tolerance" (filed or changed over tolerance) or "response" (the filer answered)."""
    notice = _notice(notice_id)
    if notice is None:
        return 0
    people = _people(role__in=[MembershipRole.ANALYST, MembershipRole.OPERATIONS])
    title = {
        "above_tolerance": f"Demand above tolerance: {event['reference']} {event['title']}",
        "response": f"Mitigation answered: {event['reference']} {event['title']}",
    }[what]
    deliver_many(
        [
            Delivery(
                recipients=people,
                kind=Notification.Kind.ASSIGNMENT,
                record=notice,
                title=title,
                url=_path(event["reference"]),
            )
        ]
    )
    return record_mail.send(
        event["reference"],
        _url(event["reference"]),
        record_mail.addresses(people, DESK_KIND),
        f"demand/email/desk_{what}.txt",
        {"event": event},
    )


@task()
def tell_filer(notice_id: int, what: str, event: dict[str, Any]) -> int:
    """``what`` is "mitigation" (the operator asks the filer to mitigate) or "closed"."""
    notice = _notice(notice_id)
    if notice is None:
        return 0
    people = _seeing(_people(organisation_id=notice.organisation_id), notice)
    title = {
        "mitigation": f"Mitigation requested: {event['reference']} {event['title']}",
        "closed": f"Demand notice closed: {event['reference']} {event['title']}",
    }[what]
    deliver_many(
        [
            Delivery(
                recipients=people,
                kind=Notification.Kind.BULLETIN,
                record=notice,
                title=title,
                url=_path(event["reference"]),
            )
        ]
    )
    return record_mail.send(
        event["reference"],
        _url(event["reference"]),
        record_mail.addresses(people, UPDATE_KIND),
        f"demand/email/filer_{what}.txt",
        {"event": event},
    )

"""Telling people about hub returns (after commit): DCC's resolvers of a new return, the supplier's people
(who raised it, and those watching it) of each stage. One inbox notification and one email per person,
each only while they may see the return; what they are told is the event captured by the action."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse
from django_tasks import task

from busbar.parties.models import IndustryRole, Membership, MembershipRole, OrganisationRole
from busbar.records import inbox
from busbar.records import mail as record_mail
from busbar.records.models import Notification
from busbar.records.queries import watcher_users

#: What each stage is called in the emails' subjects and the inbox.
STAGES = {
    "raised": "raised",
    "hubs": "changed (hubs added or removed)",
    "cancelled": "cancelled",
    "collected": "collected",
    "received": "received by DCC",
    "tested": "tested",
    "credited": "credited",
    "rejected": "rejected",
}


def url_of(reference: str) -> str:
    return reverse("hub_return_detail", kwargs={"reference": reference})


def event_data(hub_return: Any, what: str, note: str = "") -> dict[str, Any]:
    """What a notice about ``what`` says, captured when it happens."""
    return {
        "what": what,
        "stage": STAGES.get(what, what),
        "reference": hub_return.reference,
        "supplier": str(hub_return.supplier),
        "status": hub_return.get_status_display(),
        "hub_count": hub_return.hub_count,
        "credited_count": hub_return.credited_count,
        "rejected_count": hub_return.rejected_count,
        "postcode": hub_return.postcode,
        "collection_date": hub_return.collection_date.isoformat() if hub_return.collection_date else "",
        "note": note[:500],
    }


def _dcc_people() -> list:
    dcc = OrganisationRole.objects.filter(role=IndustryRole.DCC_DSP).values("organisation_id")
    members = Membership.objects.filter(
        is_active=True, organisation__is_active=True, organisation_id__in=dcc, role=MembershipRole.RESOLVER
    )
    return list(
        get_user_model().objects.filter(is_active=True, pk__in=members.values("user_id")).order_by("pk")
    )


@task()
def notify_return(return_id: int, what: str, event: dict[str, Any]) -> int:
    """Inbox and email for ``what`` (a key of :data:`STAGES`): a new return to DCC's resolvers, every stage
    to the supplier's raiser and the return's watchers. Returns how many emails were sent."""
    from busbar.orders.models import HubReturn
    from busbar.orders.queries import returns_visible_to

    hub_return = HubReturn.objects.select_related("record", "supplier", "raised_by").get(pk=return_id)
    people = [u for u in watcher_users(hub_return) if u.is_active]
    if hub_return.raised_by is not None and hub_return.raised_by.is_active:
        people.append(hub_return.raised_by)
    kind, notification = "hub_return.update", Notification.Kind.BULLETIN
    if what == "raised":
        people += _dcc_people()
        kind, notification = "hub_return.new", Notification.Kind.ASSIGNMENT
    unique = {u.pk: u for u in people}
    seen = [u for u in unique.values() if returns_visible_to(u).filter(pk=hub_return.pk).exists()]
    path = url_of(hub_return.reference)
    title = f"{hub_return.reference} {event.get('stage', what)}: {event.get('hub_count', 0):,} hubs"
    inbox.deliver(recipients=seen, kind=notification, record=hub_return.record, title=title, url=path)
    return record_mail.send(
        hub_return.reference,
        f"{settings.SITE_URL}{path}",
        record_mail.addresses(seen, kind),
        "orders/email/return_notice.txt",
        {"event": event},
    )

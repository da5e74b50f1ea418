"""Bulletins to the people who subscribe to services (CH-10, CH-12): planned outages, reschedules,
cancellations, starts, completions, failures, overruns and service-status changes.

A step module: :func:`send` runs inside an ``@action`` (the action holds the transaction and writes the
journal). Everyone subscribed to one of the bulletin's services with that kind ticked gets it in the portal
inbox (only if they may see the change, when there is one); those who chose email, and have not switched
off "change.bulletin" on their profile, get one message each once the action commits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from busbar.changes.models import Bulletin, BulletinKind, ChangeNotification, ServiceSubscription
from busbar.lib.actions import require_action
from busbar.records.inbox import deliver
from busbar.records.models import Notification
from busbar.services.models import Service

LONDON = ZoneInfo("Europe/London")
#: The subscription flag each bulletin kind is ticked by.
FLAG = {
    BulletinKind.PLANNED: "planned",
    BulletinKind.RESCHEDULED: "planned",
    BulletinKind.CANCELLED: "planned",
    BulletinKind.STARTED: "started",
    BulletinKind.COMPLETED: "completed",
    BulletinKind.FAILED: "completed",
    BulletinKind.OVERRUN: "overrun",
    BulletinKind.STATUS: "status",
}
#: The email preference a person may switch off (registered in registrations.py).
PREFERENCE = "change.bulletin"
TITLE_MAX = Bulletin._meta.get_field("title").max_length
BODY_MAX = 20_000


def change_path(change: ChangeNotification) -> str:
    return f"/changes/{change.reference}/"


BULLETINS_PATH = "/changes/bulletins/"


def subscribers(services: Iterable[Service], kind: str) -> list[tuple[object, bool]]:
    """``(user, by_email)`` for each active person subscribed to any of ``services`` with ``kind`` ticked,
    once each (by email if any of their matching subscriptions says so), in user order. One query."""
    flag = FLAG[BulletinKind(kind)]
    ids = [s.pk for s in services]
    rows = (
        ServiceSubscription.objects.filter(service_id__in=ids, user__is_active=True, **{flag: True})
        .select_related("user")
        .order_by("user_id", "id")
    )
    people: dict[int, list] = {}
    for row in rows:
        held = people.setdefault(row.user_id, [row.user, False])
        held[1] = held[1] or row.by_email
    return [(user, by_email) for user, by_email in people.values()]


def send(
    *,
    kind: str,
    services: Iterable[Service],
    title: str,
    body: str,
    change: ChangeNotification | None = None,
    now: dt.datetime,
) -> Bulletin:
    """Record the bulletin and tell the subscribers of ``services`` who ticked ``kind``: in the inbox
    (for a change, only those who may see it; a cancelled change is no longer readable by participants, so
    its cancellation reaches them without a link to the record), by email on commit. ``recipient_count``
    is how many people were told."""
    require_action("changes.bulletins.send")
    kind = BulletinKind(kind)
    services = list(dict.fromkeys(services))
    title = " ".join(str(title).split())
    title = title[: TITLE_MAX - 1] + "…" if len(title) > TITLE_MAX else title
    body = str(body).strip()[:BODY_MAX]
    people = subscribers(services, kind)
    record = change if change is not None and kind != BulletinKind.CANCELLED else None
    url = change_path(change) if record is not None else BULLETINS_PATH
    told = deliver(
        recipients=[user for user, _ in people],
        kind=Notification.Kind.BULLETIN,
        record=record,
        title=title,
        url=url,
    )
    reached = {n.recipient_id for n in told}
    bulletin = Bulletin.objects.create(
        kind=kind, change=change, title=title, body=body, sent_at=now, recipient_count=len(reached)
    )
    bulletin.services.set(services)
    by_email = [user.pk for user, email in people if email and user.pk in reached]
    if by_email:
        from busbar.changes import tasks

        bulletin_id = bulletin.pk
        transaction.on_commit(lambda: tasks.email_bulletin.enqueue(bulletin_id, by_email))
    return bulletin


# What a bulletin says -----------------------------------------------------------------------------------


def compose(
    kind: str,
    change: ChangeNotification,
    *,
    note: str = "",
    previous: tuple[dt.datetime, dt.datetime] | None = None,
) -> tuple[str, str]:
    """The title and body of a bulletin about ``change`` (``changes/email/bulletin_text.txt``: the first
    line is the title), times in Europe/London. ``previous`` is the window before a reschedule."""
    context = {
        "kind": str(BulletinKind(kind)),
        "change": change,
        "services": ", ".join(s.name for s in change.services.all().order_by("name")),
        "note": str(note or "").strip(),
        "previous_start": previous[0] if previous else None,
        "previous_end": previous[1] if previous else None,
    }
    with timezone.override(LONDON):
        text = render_to_string("changes/email/bulletin_text.txt", context).strip("\n")
    title, _, body = text.partition("\n")
    return " ".join(title.split()), body.strip("\n") + "\n"


def announce(
    kind: str,
    change: ChangeNotification,
    *,
    now: dt.datetime,
    note: str = "",
    previous: tuple[dt.datetime, dt.datetime] | None = None,
) -> Bulletin:
    """:func:`compose` then :func:`send` to the subscribers of the change's services (inside an action)."""
    title, body = compose(kind, change, note=note, previous=previous)
    return send(kind=kind, services=change.services.all(), title=title, body=body, change=change, now=now)

"""The inbox behind the bell in the header: notifications about records, one row per recipient.

:func:`deliver` is the one way a notification is made. Any app calls it (bulletins, assignments, SLA warnings,
@mentions, "I'm affected too"), in an action or in a task after commit; it keeps only the recipients who may
see the record (the record type's own ``visible_to``), so an inbox never names a record its reader may not
open.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Model
from django.utils import timezone

from busbar.parties.queries import remember_scopes, scope_for, scope_key
from busbar.records import registry
from busbar.records.models import Notification, Record

TITLE_MAX = Notification._meta.get_field("title").max_length
URL_MAX = Notification._meta.get_field("url").max_length


def _record_of(record: Any) -> Record | None:
    """The kernel row of ``record``: a :class:`Record`, a typed record (``obj.record``) or None."""
    if record is None or isinstance(record, Record):
        return record
    return record.record


def may_see(user: Any, record: Record | None) -> bool:
    """Whether ``user`` may open ``record`` (its type's ``visible_to``); True when there is no record."""
    if not getattr(user, "is_active", False):
        return False
    if record is None:
        return True
    return registry.get(record.kind).visible_to(user).filter(record_id=record.pk).exists()


def _title(title: str) -> str:
    title = " ".join(str(title).split())
    return title[: TITLE_MAX - 1] + "…" if len(title) > TITLE_MAX else title


def deliver(
    *,
    recipients: Iterable[Any],
    kind: str,
    record: Model | None,
    title: str,
    url: str,
) -> list[Notification]:
    """Put one notification in each recipient's inbox (one bulk insert), for those of ``recipients`` who may
    see ``record``; duplicates and inactive people are dropped. Returns the notifications made.

    ``kind`` is a :class:`Notification.Kind`; ``record`` a kernel :class:`Record`, a typed record or None;
    ``title`` is cut to fit; ``url`` where the notification leads (the record's page)."""
    delivery = Delivery(recipients=list(recipients), kind=kind, record=record, title=title, url=url)
    return deliver_many([delivery])


@dataclass
class Delivery:
    """One notification for several people, as :func:`deliver` takes it."""

    recipients: list[Any]
    kind: str
    record: Any
    title: str
    url: str


def deliver_many(deliveries: Iterable[Delivery]) -> list[Notification]:
    """:func:`deliver` for many records at once (a batch of the SLA scan): the recipients' scopes are read in
    one query, and the visibility of every record in one query per distinct scope and record type (see
    :func:`_by_scope`), whatever the number of recipients and records; all the notifications are inserted
    together."""
    now = timezone.now()
    pending: list[tuple[Any, str, Record | None, str, str]] = []
    wanted: dict[tuple[int, str], set[int]] = {}  # (user, record kind) -> record ids to check
    people: dict[int, Any] = {}
    for d in deliveries:
        kind = Notification.Kind(d.kind)
        kernel = _record_of(d.record)
        seen: set[int] = set()
        for user in d.recipients:
            if user is None or user.pk in seen or not getattr(user, "is_active", False):
                continue
            seen.add(user.pk)
            people.setdefault(user.pk, user)
            pending.append((user.pk, kind, kernel, _title(d.title), str(d.url or "")[:URL_MAX]))
            if kernel is not None:
                wanted.setdefault((user.pk, kernel.kind), set()).add(kernel.pk)
    visible: set[tuple[int, int]] = set()
    for record_kind, record_ids, user_ids in _by_scope(wanted, people):
        seen_ids = set(
            registry.get(record_kind)
            .visible_to(people[user_ids[0]])
            .filter(record_id__in=record_ids)
            .values_list("record_id", flat=True)
        )
        visible.update((user_id, rid) for user_id in user_ids for rid in seen_ids)
    rows = [
        Notification(recipient_id=user_id, kind=kind, record=kernel, title=title, url=url, created_at=now)
        for user_id, kind, kernel, title, url in pending
        if kernel is None or (user_id, kernel.pk) in visible
    ]
    return Notification.objects.bulk_create(rows) if rows else []


def _by_scope(
    wanted: dict[tuple[int, str], set[int]], people: dict[int, Any]
) -> list[tuple[str, frozenset[int], list[int]]]:
    """The recipients grouped so that one query per group answers what each may see: (record kind, the
    records any of them is told of, the people). A record type's ``visible_to`` depends only on the person's
    scope (``scope_key``), so people with the same scope share one query. The scopes not known yet are read
    in one query."""
    remember_scopes(people.values())
    groups: dict[tuple[str, tuple], tuple[set[int], list[int]]] = {}
    for (user_id, record_kind), record_ids in wanted.items():
        key = (record_kind, scope_key(scope_for(people[user_id])))
        ids, user_ids = groups.setdefault(key, (set(), []))
        ids.update(record_ids)
        user_ids.append(user_id)
    return [(kind, frozenset(ids), user_ids) for (kind, _scope), (ids, user_ids) in groups.items()]


def inbox_of(user: Any):
    """``user``'s notifications, newest first (only their own: the inbox's one visibility rule)."""
    if not getattr(user, "is_authenticated", False):
        return Notification.objects.none()
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-id")


#: The bell shows "99+" past this.
UNREAD_CAP = 99


def unread_count(request: Any) -> int:
    """How many unread notifications the signed-in person has, counted at most once per request (one
    query, bounded: past :data:`UNREAD_CAP` it stops counting)."""
    cached = getattr(request, "_busbar_unread", None)
    if cached is not None:
        return cached
    user = getattr(request, "user", None)
    count = 0
    if getattr(user, "is_authenticated", False):
        count = (
            Notification.objects.filter(recipient=user, read_at__isnull=True)
            .order_by()
            .values("pk")[: UNREAD_CAP + 1]
            .count()
        )
    request._busbar_unread = count
    return count

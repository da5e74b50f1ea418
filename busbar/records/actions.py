"""Actions on any record, whatever its type: following it and no longer following it."""

from __future__ import annotations

import datetime as dt

from django.db.models import Model
from django.utils import timezone

from busbar.audit.journal import record as journal
from busbar.lib.actions import Actor, Conflict, action, refuse
from busbar.records import registry, steps
from busbar.records.models import Link, Notification, Watcher
from busbar.records.permissions import can_link, can_read_notification, can_unwatch, can_watch


def _owner(obj: Model) -> Model | None:
    return getattr(obj, "organisation", None)


@action
def watch(*, actor: Actor, obj: Model, now: dt.datetime | None = None) -> Watcher:
    """``actor`` follows ``obj`` (any record type they may see). Watching twice is a no-op that says so."""
    refuse(can_watch(actor.user, obj))
    watcher, created = Watcher.objects.get_or_create(
        record_id=obj.record_id, user=actor.user, defaults={"created_at": now or timezone.now()}
    )
    if not created:
        raise Conflict(f"You are already watching {obj.reference}")
    kind = registry.get(obj.record.kind).kind
    journal(
        actor=actor, action=f"{kind}.watch", obj=obj, owner=_owner(obj), changes={"watching": [False, True]}
    )
    return watcher


@action
def unwatch(*, actor: Actor, obj: Model) -> None:
    """``actor`` stops following ``obj``."""
    refuse(can_unwatch(actor.user))
    deleted, _ = Watcher.objects.filter(record_id=obj.record_id, user=actor.user).delete()
    if not deleted:
        raise Conflict(f"You are not watching {obj.reference}")
    kind = registry.get(obj.record.kind).kind
    journal(
        actor=actor, action=f"{kind}.unwatch", obj=obj, owner=_owner(obj), changes={"watching": [True, False]}
    )


def _journal_link(actor: Actor, source: Model, target: Model, kind: str, *, linked: bool) -> None:
    """One entry on each record's history (each type's timeline hides it from those who may not see the
    other end)."""
    label = Link.Kind(kind).label
    from busbar.records.queries import INVERSE_LABELS

    inverse = INVERSE_LABELS.get(Link.Kind(kind), label)
    for obj, text in ((source, f"{label} {target.reference}"), (target, f"{inverse} {source.reference}")):
        change = [None, text] if linked else [text, None]
        journal(
            actor=actor,
            action=f"{registry.get(obj.record.kind).kind}.link",
            obj=obj,
            owner=_owner(obj),
            changes={"link": change},
        )


@action
def link_records(*, actor: Actor, source: Model, target: Model, kind: str) -> Link:
    """``source`` <kind> ``target``, records of any two types (INC documented in KB, PRB fixed by CHG):
    by whoever works ``source`` and may see ``target``."""
    refuse(can_link(actor.user, source, target), field="target")
    link = steps.link(source.record, target.record, kind, actor=actor)
    _journal_link(actor, source, target, kind, linked=True)
    return link


@action
def unlink_records(*, actor: Actor, source: Model, target: Model, kind: str) -> None:
    """Remove a link made in error (either way round), by whoever works ``source``."""
    refuse(can_link(actor.user, source, target), field="target")
    deleted, _ = Link.objects.filter(
        source_id=source.record_id, target_id=target.record_id, kind=kind
    ).delete()
    if not deleted:
        deleted, _ = Link.objects.filter(
            source_id=target.record_id, target_id=source.record_id, kind=kind
        ).delete()
        if deleted:
            source, target = target, source
    if not deleted:
        raise Conflict(f"{source.reference} is not linked that way to {target.reference}", field="target")
    _journal_link(actor, source, target, kind, linked=False)


@action
def mark_read(*, actor: Actor, notification: Notification, now: dt.datetime | None = None) -> bool:
    """The recipient marks one notification of their inbox read (already read: nothing changes). Whether
    it changed."""
    refuse(can_read_notification(actor.user, notification))
    when = now or timezone.now()
    changed = Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=when)
    if changed:
        notification.read_at = when
    journal(
        actor=actor,
        action="notification.read",
        obj=notification,
        owner=None,
        changes={"read": [False, True]} if changed else {},
    )
    return bool(changed)


@action
def mark_all_read(*, actor: Actor, now: dt.datetime | None = None) -> int:
    """The signed-in person marks every unread notification of their inbox read; how many there were."""
    if actor.user is None:
        raise Conflict("Only a person has an inbox")
    changed = Notification.objects.filter(recipient=actor.user, read_at__isnull=True).update(
        read_at=now or timezone.now()
    )
    journal(
        actor=actor,
        action="notification.read_all",
        obj=actor.user,
        owner=None,
        changes={"unread": [changed, 0]},
    )
    return changed

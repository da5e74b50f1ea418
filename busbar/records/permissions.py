"""Who may do what to any record, whatever its type. Each function answers None (allowed) or the reason
it is refused; actions refuse with it, pages and the API offer with it."""

from __future__ import annotations

from django.db.models import Model

from busbar.records import registry


def can_see(user, obj: Model) -> str | None:
    """Whether the type's own visibility rule includes ``obj`` for ``user``."""
    record_type = registry.get(obj.record.kind)
    if not getattr(user, "is_authenticated", False):
        return "Sign in first"
    if not record_type.visible_to(user).filter(pk=obj.pk).exists():
        return f"{record_type.label} not found"
    return None


def can_watch(user, obj: Model) -> str | None:
    """Anyone entitled to see a record may follow it (a person: Busbar itself follows nothing)."""
    if user is None:
        return "Only a person can watch a record"
    return can_see(user, obj)


def can_unwatch(user) -> str | None:
    return None if user is not None else "Only a person can watch a record"


def can_link(user, source: Model, target: Model) -> str | None:
    """Link ``source`` to ``target`` (or remove the link): whoever works ``source`` (its type decides: the
    desk, the assigned or owning provider), when they may see ``target`` too. ``user`` None is Busbar
    itself (demo, monitoring), which may."""
    if user is None:
        return None
    record_type = registry.get(source.record.kind)
    if not (record_type.changes_by or record_type.works_on)(user, source):
        return f"Only those who work {source.reference} can link it to other records"
    return can_see(user, target)


def can_read_notification(user, notification) -> str | None:
    """A notification is its recipient's alone: anyone else is told it does not exist."""
    if not getattr(user, "is_authenticated", False):
        return "Sign in first"
    if notification.recipient_id != user.pk:
        return "Notification not found"
    return None

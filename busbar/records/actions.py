"""Actions on any record, whatever its type: following it and no longer following it."""

from __future__ import annotations

import datetime as dt

from django.db.models import Model
from django.utils import timezone

from busbar.audit.journal import record as journal
from busbar.lib.actions import Actor, Conflict, NotPermitted, action
from busbar.records import registry
from busbar.records.models import Watcher
from busbar.records.permissions import can_watch


def _owner(obj: Model) -> Model | None:
    return getattr(obj, "organisation", None)


@action
def watch(*, actor: Actor, obj: Model, now: dt.datetime | None = None) -> Watcher:
    """``actor`` follows ``obj`` (any record type they may see). Watching twice is a no-op that says so."""
    if actor.user is None:
        raise NotPermitted("Only a person can watch a record")
    reason = can_watch(actor.user, obj)
    if reason:
        raise NotPermitted(reason)
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
    if actor.user is None:
        raise NotPermitted("Only a person can watch a record")
    deleted, _ = Watcher.objects.filter(record_id=obj.record_id, user=actor.user).delete()
    if not deleted:
        raise Conflict(f"You are not watching {obj.reference}")
    kind = registry.get(obj.record.kind).kind
    journal(
        actor=actor, action=f"{kind}.unwatch", obj=obj, owner=_owner(obj), changes={"watching": [True, False]}
    )

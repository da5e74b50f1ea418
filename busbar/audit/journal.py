"""Writing to the audit journal. Called only from actions (see busbar.lib.actions)."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from busbar.audit.models import AuditEntry
from busbar.lib.actions import Actor, note_journal_write


def _plain(value: Any) -> Any:
    """A JSON-safe form of a field value for the before/after record."""
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, set | frozenset):
        return sorted(_plain(v) for v in value)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def snapshot(obj: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """Values of ``fields`` on ``obj`` now, for comparing after a change."""
    return {name: _plain(getattr(obj, name)) for name in fields}


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """``{field: [before, after]}`` for the fields whose value changed (new fields have before=None)."""
    keys = list(dict.fromkeys([*before, *after]))
    return {k: [before.get(k), after.get(k)] for k in keys if before.get(k) != after.get(k)}


def record(
    *,
    actor: Actor,
    action: str,
    obj: models.Model,
    owner: models.Model | None,
    changes: dict[str, list[Any]] | None = None,
    note: str = "",
) -> AuditEntry:
    """Append one entry to the journal for a change to ``obj`` owned by organisation ``owner``."""
    entry = AuditEntry.objects.create(
        actor=actor.user,
        actor_label=actor.label,
        actor_organisation=actor.organisation,
        channel=actor.channel,
        action=action,
        record_type=ContentType.objects.get_for_model(obj, for_concrete_model=False),
        record_id=str(obj.pk),
        record_label=str(obj)[:200],
        owner_organisation=owner,  # type: ignore[misc]
        changes={k: [_plain(a), _plain(b)] for k, (a, b) in (changes or {}).items()},
        note=note,
    )
    note_journal_write()
    return entry


@dataclass(frozen=True)
class Entry:
    """One entry of :func:`record_many`: what :func:`record` takes, the owner by id."""

    action: str
    obj: models.Model
    owner_id: int | None
    changes: dict[str, list[Any]] = field(default_factory=dict)
    note: str = ""


def record_many(*, actor: Actor, entries: list[Entry]) -> int:
    """Append ``entries`` (changes made by one actor in one action) in one insert; how many."""
    if not entries:
        return 0
    rows = [
        AuditEntry(
            actor=actor.user,
            actor_label=actor.label,
            actor_organisation=actor.organisation,
            channel=actor.channel,
            action=e.action,
            record_type=ContentType.objects.get_for_model(e.obj, for_concrete_model=False),
            record_id=str(e.obj.pk),
            record_label=str(e.obj)[:200],
            owner_organisation_id=e.owner_id,
            changes={k: [_plain(a), _plain(b)] for k, (a, b) in e.changes.items()},
            note=e.note,
        )
        for e in entries
    ]
    AuditEntry.objects.bulk_create(rows, batch_size=500)
    note_journal_write()
    return len(rows)

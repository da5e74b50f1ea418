"""Reads of the audit journal through the visibility rule."""

from __future__ import annotations

import re

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model, Q, QuerySet
from django.db.models.query import ModelIterable

from busbar.audit.models import AuditEntry
from busbar.audit.permissions import can_read_journal, reads_everything
from busbar.lib.registry import timeline_only_models
from busbar.parties.permissions import can_read_invited_addresses
from busbar.parties.queries import Scope, scope_for

#: What an invited address reads as, for whoever may not learn it.
HIDDEN_ADDRESS = "[address hidden]"
_ADDRESS = re.compile(r"[^\s@()\[\]<>\"',;:]+@[^\s@()\[\]<>\"',;:]+")


def _hide_addresses(value: object) -> object:
    if isinstance(value, str):
        return _ADDRESS.sub(HIDDEN_ADDRESS, value)
    if isinstance(value, list):
        return [_hide_addresses(v) for v in value]
    if isinstance(value, dict):
        return {k: _hide_addresses(v) for k, v in value.items()}
    return value


def _redacted(entry: AuditEntry, scope: Scope) -> AuditEntry:
    """An ``invitation.*`` entry names the invited address (in its changes, its record label and, for a
    decline, its actor): only those who may read the organisation's invitations read it
    (:func:`busbar.parties.permissions.can_read_invited_addresses`). The journal itself stays as written;
    the entry is redacted in memory as it is read (saving it again is refused: it is append-only)."""
    if (
        not entry.action.startswith("invitation.")
        or can_read_invited_addresses(scope, entry.owner_organisation_id) is None
    ):
        return entry
    entry.changes = _hide_addresses(entry.changes)
    entry.record_label = _hide_addresses(entry.record_label)
    entry.note = _hide_addresses(entry.note)
    if entry.actor_id is None:
        entry.actor_label = _hide_addresses(entry.actor_label)
    return entry


def _redacting(qs: QuerySet[AuditEntry], scope: Scope) -> QuerySet[AuditEntry]:
    """``qs``, whose entries are redacted for ``scope`` as they are read (kept through filter, order_by,
    select_related and slicing, so every list and page built on it reads the redacted entries)."""

    class RedactingIterable(ModelIterable):
        def __iter__(self):
            for entry in super().__iter__():
                yield _redacted(entry, scope)

    qs._iterable_class = RedactingIterable
    return qs


def entries_visible_to(user) -> QuerySet[AuditEntry]:
    """The journal list: everything for central roles; an organisation administrator reads their own
    organisations' entries (people, tokens, organisation changes) but not incident histories, which carry
    internal detail and are read through each incident's redacted timeline; everyone else reads none.
    Invited addresses in ``invitation.*`` entries are hidden from whoever may not see the organisation's
    invitations (the desk): see :func:`_redacted`."""
    scope = scope_for(user)
    qs = AuditEntry.objects.select_related("record_type")
    if can_read_journal(scope) is not None:
        return qs.none()
    if reads_everything(scope):
        return _redacting(qs, scope)
    hidden = Q()
    # Records whose history is read through their own redacted timeline, never through the journal list
    # (registered by their apps).
    for app_label, model in sorted(timeline_only_models()):
        hidden |= Q(record_type__app_label=app_label, record_type__model=model)
    return _redacting(qs.filter(owner_organisation_id__in=scope.admin_of).exclude(hidden), scope)


def timeline_for(obj: Model) -> QuerySet[AuditEntry]:
    """Every entry about ``obj``. The caller has already proved the viewer may see ``obj``."""
    return AuditEntry.objects.filter(
        record_type=ContentType.objects.get_for_model(obj, for_concrete_model=False), record_id=str(obj.pk)
    ).order_by("at", "id")

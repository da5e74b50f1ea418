"""Bulk actions on many incidents at once, from the desk's list: assign, change severity, add a note.

One design for all three (each one ``@action``, so one transaction):

- **Who**: ``permissions.can_act_in_bulk`` (the service desk); anyone else is refused the whole batch.
- **How many**: 1 to :data:`MAX_BULK` incidents per request (more is refused, naming ``incident``).
- **Each incident** goes through the single-incident action (``assign_incident``, ``triage_incident``,
  ``add_update``), which applies that incident's own permission and state checks and writes its journal
  entry, in a savepoint of the one transaction.
- **Skip and report**: an incident its action refuses (closed, cancelled, another severity scheme, …) is
  left unchanged and reported with the reason (:class:`BulkResult`); the others are changed. If every
  incident is refused nothing changes and the action raises, naming the first refused incident.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import transaction

from busbar.incidents import permissions
from busbar.incidents.actions._common import _scope
from busbar.incidents.actions.lifecycle import add_update, assign_incident, triage_incident
from busbar.incidents.models import Incident
from busbar.lib.actions import ActionError, Actor, action
from busbar.lib.limits import check_text
from busbar.parties.models import Organisation
from busbar.services.models import Severity

#: Incidents changed at most by one bulk request.
MAX_BULK = 1000


@dataclass
class BulkResult:
    """What a bulk action did: the references changed, and those refused with the reason."""

    done: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)


def _each(actor: Actor, incidents: Iterable[Incident], change: Callable[[Incident], object]) -> BulkResult:
    permissions.refuse(permissions.can_act_in_bulk(_scope(actor)), field="incident")
    batch = sorted(incidents, key=lambda i: i.reference)
    if not batch:
        raise ActionError("Tick the incidents to change", field="incident")
    if len(batch) > MAX_BULK:
        raise ActionError(
            f"{len(batch):,} incidents: at most {MAX_BULK:,} at once (narrow the filter)", field="incident"
        )
    result = BulkResult()
    for incident in batch:
        try:
            with transaction.atomic():
                change(incident)
        except ActionError as exc:
            result.refused.append((incident.reference, exc.message))
        else:
            result.done.append(incident.reference)
    if not result.done:
        reference, reason = result.refused[0]
        more = len(result.refused) - 1
        also = f" (and {more} more refused)" if more else ""
        raise ActionError(f"Nothing changed: {reference} was refused: {reason}{also}", field="incident")
    return result


@action
def bulk_assign(*, actor: Actor, incidents: Iterable[Incident], provider: Organisation) -> BulkResult:
    """Assign each incident to ``provider``."""
    return _each(actor, incidents, lambda i: assign_incident(actor=actor, incident=i, provider=provider))


@action
def bulk_set_severity(*, actor: Actor, incidents: Iterable[Incident], severity: Severity) -> BulkResult:
    """Set each incident's severity (incidents on another severity scheme are refused). A major severity is
    set one incident at a time: it opens a major incident, which deserves its own decision."""
    if severity.is_major:
        raise ActionError(
            "A major severity opens a major incident: set it on each incident's own page", field="severity"
        )
    return _each(actor, incidents, lambda i: triage_incident(actor=actor, incident=i, severity=severity))


@action
def bulk_add_note(
    *, actor: Actor, incidents: Iterable[Incident], body: str, internal: bool = True
) -> BulkResult:
    """Add the same note (internal by default) or public update to each incident."""
    if not body.strip():
        raise ActionError("Write the note", field="body")
    check_text(body, field="body")
    return _each(
        actor, incidents, lambda i: add_update(actor=actor, incident=i, body=body, internal=internal)
    )

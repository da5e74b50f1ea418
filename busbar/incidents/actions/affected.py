"""The "I'm affected too" button: a participant adds their organisation to a published major incident's
affected organisations (it then sees the incident's details and receives its bulletins), and the desk is
told."""

from __future__ import annotations

import dataclasses
import datetime as dt

from django.db import transaction
from django.utils import timezone

from busbar.audit.journal import record
from busbar.incidents import inbox, permissions, tasks
from busbar.incidents.actions._common import _affected_change, _lock, _scope
from busbar.incidents.models import Incident, MajorIncident
from busbar.lib.actions import Actor, Conflict, action
from busbar.parties.models import Organisation


@action
def join_affected(
    *,
    actor: Actor,
    incident: Incident,
    organisation: Organisation | None = None,
    now: dt.datetime | None = None,
) -> Organisation:
    """Add ``organisation`` (default: the first of the actor's participant organisations not yet affected)
    to ``incident``'s affected organisations. Only on a published major incident that is not closed (409
    otherwise); who may is :func:`permissions.can_join_affected`. Returns the organisation added."""
    now = now or timezone.now()
    incident = _lock(incident)
    major = MajorIncident.objects.filter(incident=incident).first()
    if not incident.is_published or major is None or major.state == MajorIncident.State.CLOSED:
        raise Conflict(
            f"{incident.reference} is not a published major incident in progress", field="incident"
        )
    scope = _scope(actor)
    permissions.refuse(permissions.can_join_affected(scope, incident, organisation))
    before = list(incident.affected.all())
    if organisation is None:
        already = {incident.organisation_id, *(o.pk for o in before)}
        chosen = next(pk for pk in permissions.participant_organisations(scope) if pk not in already)
        organisation = Organisation.objects.get(pk=chosen)
    incident.affected.add(organisation)
    acting = dataclasses.replace(actor, organisation=organisation)
    record(
        actor=acting,
        action="incident.affected_too",
        obj=incident,
        owner=incident.organisation,
        changes=_affected_change(before, [*before, organisation]),
        note=f"{organisation} reported it is affected too",
    )
    inbox.affected(actor, incident, organisation)
    event = tasks.event_data(
        incident, "affected", now=now, joined=str(organisation), joined_by=str(actor.user or actor.label)
    )
    transaction.on_commit(lambda: tasks.notify_affected.enqueue(incident.pk, event))
    return organisation

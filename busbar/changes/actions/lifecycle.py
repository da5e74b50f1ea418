"""Raising and moving a Change Notification through its life (the table in ``models.TRANSITIONS``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.utils import timezone

from busbar.changes import permissions, steps
from busbar.changes.models import ChangeNotification, ChangeRisk, ChangeType
from busbar.lib.actions import ActionError, Actor, action, refuse
from busbar.parties.models import Organisation
from busbar.parties.queries import scope_of
from busbar.records import steps as record_steps
from busbar.services.models import Service

__all__ = ["raise_change"]


@action
def raise_change(
    *,
    actor: Actor,
    provider: Organisation,
    title: str,
    change_type: str,
    services: Sequence[Service],
    planned_start: dt.datetime,
    planned_end: dt.datetime,
    is_outage: bool = False,
    description: str = "",
    expected_impact: str = "",
    backout_plan: str = "",
    risk: str = ChangeRisk.MEDIUM,
    team: str = "",
    emergency_reason: str = "",
    now: dt.datetime | None = None,
) -> ChangeNotification:
    """A draft Change Notification for ``provider`` (the desk records one on a provider's behalf)."""
    scope = scope_of(actor)
    refuse(permissions.can_raise(scope))
    refuse(permissions.can_raise_for(scope, provider))
    now = now or timezone.now()
    if change_type not in ChangeType.values:
        raise ActionError(f"Choose one of {', '.join(ChangeType.values)}", field="change_type")
    if risk not in ChangeRisk.values:
        raise ActionError(f"Choose one of {', '.join(ChangeRisk.values)}", field="risk")
    title = steps.clean_text(title, field="title", limit=steps.TITLE_MAX, what="The title", required=True)
    texts = {
        name: steps.clean_text(value, field=name)
        for name, value in (
            ("description", description),
            ("expected_impact", expected_impact),
            ("backout_plan", backout_plan),
            ("emergency_reason", emergency_reason),
        )
    }
    team = steps.clean_text(team, field="team", limit=steps.TEAM_MAX)
    steps.check_window(planned_start, planned_end)
    found = steps.check_services(provider, services)
    record = record_steps.new_record("change", created_at=now)
    change = ChangeNotification.objects.create(
        record=record,
        reference=record.reference,
        title=title,
        change_type=change_type,
        provider=provider,
        team=team,
        planned_start=planned_start,
        planned_end=planned_end,
        is_outage=bool(is_outage),
        risk=risk,
        raised_by=actor.user,
        recorded_by_desk=scope.is_desk and provider.pk not in scope.organisation_ids,
        created_at=now,
        updated_at=now,
        **texts,
    )
    steps.sync_services(change, found)
    steps.journal(actor, change, "raise", note=title)
    return change

"""Demand tolerances as data: operations managers set a service's tolerance from an effective date (a new
one, or replacing the one from that same date). Notices take the tolerance in force on their first day."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from busbar.audit.journal import record as journal
from busbar.demand import permissions
from busbar.demand import steps as s
from busbar.demand.models import DemandTolerance
from busbar.lib.actions import ActionError, Actor, action, refuse
from busbar.lib.limits import check_text
from busbar.parties.queries import scope_of


@action
def set_tolerance(
    *,
    actor: Actor,
    service: Any,
    effective_from: dt.date,
    tolerance_percent: int,
    max_daily_volume: int = 0,
    normal_daily_volume: int = 0,
    note: str = "",
    now: dt.datetime | None = None,
) -> DemandTolerance:
    """Create the service's tolerance from ``effective_from``, or replace the one from that date."""
    now = now or timezone.now()
    refuse(permissions.can_keep_tolerances(scope_of(actor)))
    service = s.find_service(actor.user, service, field="service")
    effective_from = s.check_day(effective_from, field="effective_from")
    day = s.today(now)
    if not day - s.TOLERANCE_SPAN <= effective_from <= day + s.TOLERANCE_SPAN:
        raise ActionError("Give a date within five years of today", field="effective_from")
    values = {
        "tolerance_percent": s.check_percent(tolerance_percent),
        "max_daily_volume": s.check_volume(max_daily_volume, field="max_daily_volume"),
        "normal_daily_volume": s.check_volume(normal_daily_volume, field="normal_daily_volume"),
        "note": check_text(str(note or "").strip(), field="note", limit=300),
    }
    existing = (
        DemandTolerance.objects.select_for_update()
        .filter(service=service, effective_from=effective_from)
        .first()
    )
    if existing is None:
        tolerance = DemandTolerance.objects.create(
            service=service, effective_from=effective_from, created_at=now, **values
        )
        changes = {k: [None, v] for k, v in values.items() if v not in ("", None)}
        changes["effective_from"] = [None, effective_from]
    else:
        changes = {k: [getattr(existing, k), v] for k, v in values.items() if getattr(existing, k) != v}
        if not changes:
            raise ActionError("That is the tolerance already set from that date", field="tolerance_percent")
        for k, v in values.items():
            setattr(existing, k, v)
        existing.save()
        tolerance = existing
    journal(
        actor=actor,
        action="demand.tolerance",
        obj=tolerance,
        owner=None,
        changes={"service": [None, service.name], **changes},
    )
    return tolerance

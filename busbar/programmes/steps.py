"""Building blocks shared by more than one area's actions; each runs inside the calling ``@action``
(its transaction, permission check and journal entry)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Max

from busbar.lib.actions import require_action
from busbar.programmes.models import Decision, DecisionCondition


def new_decision(
    *,
    programme_id: int,
    title: str,
    outcome: str,
    decided_on: dt.date,
    recorded_by=None,
    meeting=None,
    agenda_item=None,
    decided_by: str = "",
    document_title: str = "",
    document_version: str = "",
    summary: str = "",
    change_request=None,
    conditions: list[dict] | tuple = (),
    now: dt.datetime,
) -> Decision:
    """The programme's next decision (D1, D2, …) with its conditions (dicts of text, owner_organisation,
    due_date). Used by ``meetings.record_decision`` and by approving or rejecting a change request."""
    require_action("programmes.steps")
    number = (
        Decision.objects.select_for_update().filter(programme_id=programme_id).aggregate(n=Max("number"))["n"]
        or 0
    ) + 1
    decision = Decision.objects.create(
        programme_id=programme_id,
        number=number,
        meeting=meeting,
        agenda_item=agenda_item,
        title=title,
        outcome=outcome,
        decided_on=decided_on,
        decided_by=decided_by,
        document_title=document_title,
        document_version=document_version,
        summary=summary,
        change_request=change_request,
        recorded_by=recorded_by,
        created_at=now,
    )
    DecisionCondition.objects.bulk_create(
        [
            DecisionCondition(
                decision=decision,
                text=c["text"],
                owner_organisation=c.get("owner_organisation"),
                due_date=c.get("due_date"),
            )
            for c in conditions
        ]
    )
    return decision

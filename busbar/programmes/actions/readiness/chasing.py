"""Chasing the participants asked who have not submitted: at most once a (London) day each."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from busbar.lib.actions import ActionError, Actor, Conflict, action, refuse
from busbar.parties.models import Organisation
from busbar.programmes import heatmap, permissions
from busbar.programmes.actions.common import journal
from busbar.programmes.actions.readiness._common import _lock
from busbar.programmes.actions.readiness.notices import _notify
from busbar.programmes.models import Assessment, AssessmentStatus, Chase
from busbar.testing.access import access_of


@action
def chase(
    *,
    actor: Actor,
    assessment: Assessment,
    organisations: Iterable[Organisation] | None = None,
    now: dt.datetime | None = None,
) -> int:
    """Remind the participants asked who have not submitted (all of them, or ``organisations``): each is
    told in its people's inboxes and by email, at most once a (London) day. Returns how many organisations
    were chased."""
    assessment = _lock(assessment)
    refuse(permissions.can_manage_assessment(access_of(actor), assessment.programme_id))
    if assessment.status != AssessmentStatus.OPEN:
        raise Conflict(
            f"{assessment.code} is {assessment.get_status_display().lower()}: "
            "only an open assessment is chased",
            field="status",
        )
    now = now or timezone.now()
    pending = heatmap.non_responders(assessment)
    if organisations is not None:
        wanted = {o.pk for o in organisations}
        if not wanted:
            raise ActionError("Choose whom to chase", field="organisations")
        known = {o.pk for o in pending}
        strangers = wanted - known
        if strangers:
            names = ", ".join(sorted(str(n) for n in Organisation.objects.filter(pk__in=strangers)))
            raise ActionError(
                f"Not waiting for a response from: {names or 'unknown organisations'}"[:500],
                field="organisations",
            )
        pending = [o for o in pending if o.pk in wanted]
    if not pending:
        raise Conflict(
            f"Every participant asked has submitted its response to {assessment.code}", field="organisations"
        )
    already = heatmap.chased_today(assessment, now)
    due = [o for o in pending if o.pk not in already]
    if not due:
        raise Conflict(
            "Already chased today (at most once a day): " + ", ".join(o.name for o in pending)[:400],
            field="organisations",
        )
    Chase.objects.bulk_create(
        [Chase(assessment=assessment, organisation=o, at=now, by=actor.user) for o in due]
    )
    skipped = [o.name for o in pending if o.pk in already]
    journal(
        actor,
        assessment,
        "assessment_chase",
        changes={"chased": [None, ", ".join(o.name for o in due)[:1000]]},
        note=("Chased earlier today: " + ", ".join(skipped)) if skipped else "",
    )
    ids, assessment_id = [o.pk for o in due], assessment.pk
    transaction.on_commit(lambda: _notify.enqueue(assessment_id, ids, "chase", ""))
    return len(due)

"""Writing baselines: the only code that sets ``Milestone.baseline_date``. Both steps run inside an
``@action`` (the caller's transaction, journal entry and permission check): the programme office's first
baseline (``actions.plan.set_first_baseline``) and the approval of a change request
(``actions.changes.approve_cr``), which writes the next one. Every earlier baseline stays as it was."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from django.db.models import Max

from busbar.lib.actions import ActionError, require_action
from busbar.programmes.models import Baseline, BaselineDate, Milestone


def current(programme_id: int) -> Baseline | None:
    return Baseline.objects.filter(programme_id=programme_id).order_by("-number").first()


def write_baseline(
    *,
    programme_id: int,
    label: str,
    changes: Mapping[int, dt.date],
    approved_by,
    now: dt.datetime,
    change_request=None,
) -> Baseline:
    """The next baseline of the programme: the current baseline's dates with ``changes`` (milestone id →
    date) applied, and every milestone's ``baseline_date`` brought in line. The first baseline takes each
    milestone's date from ``changes``; milestones without a date stay unbaselined."""
    require_action("programmes.baselines")
    milestones = {m.pk: m for m in Milestone.objects.select_for_update().filter(programme_id=programme_id)}
    unknown = sorted(set(changes) - set(milestones))
    if unknown:
        raise ActionError("A milestone of another programme cannot be baselined here", field="milestones")
    previous = current(programme_id)
    dates: dict[int, dt.date] = {}
    if previous is not None:
        dates.update(previous.dates.values_list("milestone_id", "date"))
    dates.update(changes)
    number = (Baseline.objects.filter(programme_id=programme_id).aggregate(n=Max("number"))["n"] or 0) + 1
    baseline = Baseline.objects.create(
        programme_id=programme_id,
        number=number,
        label=label,
        change_request=change_request,
        approved_at=now,
        approved_by=approved_by,
    )
    BaselineDate.objects.bulk_create(
        [BaselineDate(baseline=baseline, milestone_id=mid, date=day) for mid, day in sorted(dates.items())]
    )
    for mid, milestone in milestones.items():
        new = dates.get(mid)
        if milestone.baseline_date != new:
            milestone.baseline_date = new
            milestone.updated_at = now
            milestone.save(update_fields=["baseline_date", "updated_at"])
    return baseline

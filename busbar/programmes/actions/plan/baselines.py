"""The plan's first baseline. Every later one is written by approving a change request
(``actions.changes.approve_cr`` through :func:`busbar.programmes.baselines.write_baseline`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from busbar.lib.actions import ActionError, Actor, Conflict, action, refuse
from busbar.programmes import permissions
from busbar.programmes.actions.common import check_date, clean_text, journal
from busbar.programmes.actions.plan._common import RE_BASELINE, _now, _same_programme
from busbar.programmes.baselines import write_baseline
from busbar.programmes.models import Baseline, Milestone
from busbar.testing.access import access_of
from busbar.testing.models import Programme

BASELINE_LABEL_MAX = Baseline._meta.get_field("label").max_length


def _lock_programme(programme: Programme) -> Programme:
    return Programme.objects.select_for_update().get(pk=programme.pk)


@action
def set_first_baseline(
    *,
    actor: Actor,
    programme: Programme,
    label: str,
    dates: Mapping[Milestone, dt.date] | None = None,
    now: dt.datetime | None = None,
) -> Baseline:
    """Baseline 1 of the plan: each milestone's date in ``dates`` (None: each milestone's forecast).
    Refused with a conflict (409) once the plan has a baseline: later ones come only from approving a
    change request."""
    refuse(permissions.can_set_first_baseline(access_of(actor), programme.pk))
    now = _now(now)
    label = clean_text(label, field="label", limit=BASELINE_LABEL_MAX, what="The label")
    _lock_programme(programme)
    if Baseline.objects.filter(programme_id=programme.pk).exists():
        raise Conflict(
            f"The plan already has a baseline. {RE_BASELINE}: raise a change request", field="baseline"
        )
    changes: dict[int, dt.date] = {}
    if dates is not None:
        for milestone, day in dates.items():
            if not isinstance(milestone, Milestone):
                raise ActionError("Baseline dates are given per milestone", field="dates")
            _same_programme(milestone, programme.pk, field="dates", what="Milestone")
            checked = check_date(day, field=f"dates.{milestone.code}", required=True)
            assert checked is not None
            changes[milestone.pk] = checked
    else:
        changes = {
            pk: day
            for pk, day in Milestone.objects.filter(
                programme_id=programme.pk, forecast_date__isnull=False
            ).values_list("pk", "forecast_date")
        }
    if not changes:
        raise ActionError("Give at least one milestone a date to baseline", field="dates")
    baseline = write_baseline(
        programme_id=programme.pk, label=label, changes=changes, approved_by=actor.user, now=now
    )
    journal(
        actor,
        baseline,
        "plan.baseline.first",
        changes={"milestones": [None, len(changes)]},
        note=f"Baseline {baseline.number}: {label}",
    )
    return baseline

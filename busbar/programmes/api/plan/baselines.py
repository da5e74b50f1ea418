"""Baselines: every one of the plan (each stays as approved), one with its dates, two compared; the first
set by the office (a second "first" one is a 409)."""

from typing import Any

from django.http import Http404, HttpRequest
from ninja import Query, Status
from ninja.pagination import paginate

from busbar.lib.pagination import Page
from busbar.programmes import plan_view
from busbar.programmes.actions import plan as actions
from busbar.programmes.api.plan import router
from busbar.programmes.api.plan._common import (
    NumberPath,
    ProgrammePath,
    _actor,
    _milestone_field,
    _programme,
)
from busbar.programmes.api.plan.schemas import (
    GovPlanBaselineDetail,
    GovPlanBaselineIn,
    GovPlanBaselineOut,
    GovPlanCompareOut,
    GovPlanCompareQuery,
)
from busbar.programmes.models import Baseline, BaselineDate
from busbar.testing.models import Programme


def _baseline_out(b: Baseline, current_number: int | None) -> dict[str, Any]:
    cr = b.change_request
    return {
        "number": b.number,
        "label": b.label,
        "change_request": cr.display_ref if cr else None,
        "change_request_reference": cr.reference if cr else None,
        "approved_at": b.approved_at,
        "current": b.number == current_number,
    }


def _baselines(programme: Programme) -> list[Baseline]:
    return list(
        Baseline.objects.filter(programme=programme).select_related("change_request").order_by("number")
    )


@router.get(
    "/programmes/{programme}/baselines",
    response=list[GovPlanBaselineOut],
    summary="Every baseline of the plan (each stays as approved)",
)
@paginate(Page)
def list_baselines(request: HttpRequest, programme: ProgrammePath) -> Any:
    the_programme = _programme(request, programme)
    found = _baselines(the_programme)
    current = found[-1].number if found else None
    return [_baseline_out(b, current) for b in found]


@router.post(
    "/programmes/{programme}/baselines",
    response={201: GovPlanBaselineDetail},
    summary="Set the first baseline (once; later baselines come from approved change requests)",
)
def create_first_baseline(
    request: HttpRequest, programme: ProgrammePath, payload: GovPlanBaselineIn
) -> Status:
    the_programme = _programme(request, programme)
    dates = {}
    for index, item in enumerate(payload.dates):
        milestone = _milestone_field(the_programme, item.milestone, f"dates[{index}].milestone")
        dates[milestone] = item.date
    baseline = actions.set_first_baseline(
        actor=_actor(request), programme=the_programme, label=payload.label, dates=dates or None
    )
    return Status(201, _baseline_detail(the_programme, baseline.number))


@router.get(
    "/programmes/{programme}/baselines/compare",
    response=GovPlanCompareOut,
    summary="Two baselines compared: each milestone's date in A and B, moved by N working days",
)
def compare_baselines(
    request: HttpRequest, programme: ProgrammePath, pair: Query[GovPlanCompareQuery]
) -> Any:
    a, b = pair.a, pair.b
    the_programme = _programme(request, programme)
    found = {x.number: x for x in _baselines(the_programme)}
    current = max(found) if found else None
    if a not in found or b not in found:
        raise Http404("No such baseline")
    comparison = plan_view.compare_baselines(the_programme, found[a], found[b])
    cr = comparison.written_by
    return {
        "a": _baseline_out(found[a], current),
        "b": _baseline_out(found[b], current),
        "rows": [
            {
                "milestone": r.milestone.code,
                "name": r.milestone.name,
                "date_a": r.date_a,
                "date_b": r.date_b,
                "moved_working_days": r.moved,
                "change_request": cr.display_ref if cr and (r.moved or r.date_a is None) else None,
            }
            for r in comparison.rows
        ],
    }


def _baseline_detail(programme: Programme, number: int) -> dict[str, Any]:
    found = _baselines(programme)
    baseline = next((b for b in found if b.number == number), None)
    if baseline is None:
        raise Http404("No such baseline")
    out = _baseline_out(baseline, found[-1].number)
    out["dates"] = [
        {"milestone": bd.milestone.code, "name": bd.milestone.name, "date": bd.date}
        for bd in BaselineDate.objects.filter(baseline=baseline)
        .select_related("milestone")
        .order_by("milestone__order", "milestone__code")
    ]
    return out


@router.get(
    "/programmes/{programme}/baselines/{number}",
    response=GovPlanBaselineDetail,
    summary="One baseline: every milestone's date in it",
)
def get_baseline(request: HttpRequest, programme: ProgrammePath, number: NumberPath) -> Any:
    return _baseline_detail(_programme(request, programme), number)

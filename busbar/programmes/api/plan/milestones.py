"""Milestones: baseline vs forecast, the delta in working days, warnings and participants' slips; changed
by the office (never the baseline date: 422)."""

from typing import Any

from django.http import Http404, HttpRequest
from ninja import Query, Status
from ninja.pagination import paginate

from busbar.lib.actions import ActionError
from busbar.lib.pagination import Page
from busbar.programmes import plan_view, queries
from busbar.programmes.actions import plan as actions
from busbar.programmes.api.plan import router
from busbar.programmes.api.plan._common import (
    MilestonePath,
    ProgrammePath,
    _actor,
    _milestone_field,
    _phase_field,
    _programme,
)
from busbar.programmes.api.plan.schemas import (
    GovPlanMilestoneIn,
    GovPlanMilestoneOut,
    GovPlanMilestonePatch,
    GovPlanMilestoneQuery,
)
from busbar.programmes.models import Milestone
from busbar.testing.access import access_for
from busbar.testing.models import Programme


def _milestone(request: HttpRequest, programme: Programme, code: str) -> Milestone:
    found = (
        queries.in_visible_programme(Milestone.objects.filter(programme=programme, code=code), request.user)
        .select_related("phase", "predecessor")
        .first()
    )
    if found is None:
        raise Http404("No such milestone")
    return found


def _row_out(row: plan_view.PlanRow, table: plan_view.PlanTable) -> dict[str, Any]:
    m = row.milestone
    return {
        "id": m.pk,
        "code": m.code,
        "name": m.name,
        "kind": m.kind,
        "phase": m.phase.code if m.phase else None,
        "predecessor": m.predecessor.code if m.predecessor else None,
        "regulatory": m.regulatory,
        "order": m.order,
        "baseline": table.compared.number if table.compared else None,
        "baseline_date": row.baseline_date,
        "current_baseline_date": row.current_baseline_date,
        "forecast_date": row.forecast_date,
        "actual_date": row.actual_date,
        "delta_working_days": row.delta,
        "rag": m.rag,
        "rationale": m.rationale,
        "warning": row.warning,
        "late_participants": row.late_participants,
        "slips": [
            {
                "organisation": s.organisation_id,
                "organisation_name": s.organisation or "",
                "milestone": s.name or "",
                "date": s.date,
                "working_days_after": s.working_days_after,
            }
            for s in row.slips
        ],
    }


def _milestone_out(request: HttpRequest, programme: Programme, milestone: Milestone) -> dict[str, Any]:
    table = plan_view.plan_table(programme, access_for(request.user))
    row = next(r for r in table.rows if r.milestone.pk == milestone.pk)
    return _row_out(row, table)


@router.get(
    "/programmes/{programme}/milestones",
    response=list[GovPlanMilestoneOut],
    summary="Milestones: baseline vs forecast, delta in working days, warnings, participants' slips",
)
@paginate(Page)
def list_milestones(
    request: HttpRequest, programme: ProgrammePath, filters: Query[GovPlanMilestoneQuery]
) -> Any:
    the_programme = _programme(request, programme)
    table = plan_view.plan_table(the_programme, access_for(request.user), baseline_number=filters.baseline)
    return [_row_out(r, table) for r in table.rows]


@router.post(
    "/programmes/{programme}/milestones",
    response={201: GovPlanMilestoneOut},
    summary="Add a milestone or control point (the programme office)",
)
def create_milestone(request: HttpRequest, programme: ProgrammePath, payload: GovPlanMilestoneIn) -> Status:
    the_programme = _programme(request, programme)
    milestone = actions.add_milestone(
        actor=_actor(request),
        programme=the_programme,
        code=payload.code,
        name=payload.name,
        kind=payload.kind,
        phase=_phase_field(the_programme, payload.phase),
        predecessor=_milestone_field(the_programme, payload.predecessor, "predecessor"),
        forecast_date=payload.forecast_date,
        rag=payload.rag,
        rationale=payload.rationale,
        regulatory=payload.regulatory,
        order=payload.order,
    )
    return Status(201, _milestone_out(request, the_programme, milestone))


@router.get(
    "/programmes/{programme}/milestones/{code}",
    response=GovPlanMilestoneOut,
    summary="One milestone: baseline vs forecast",
)
def get_milestone(request: HttpRequest, programme: ProgrammePath, code: MilestonePath) -> Any:
    the_programme = _programme(request, programme)
    return _milestone_out(request, the_programme, _milestone(request, the_programme, code))


@router.patch(
    "/programmes/{programme}/milestones/{code}",
    response=GovPlanMilestoneOut,
    summary="Update a milestone's forecast, actual, RAG, rationale… (never its baseline date)",
)
def update_milestone(
    request: HttpRequest, programme: ProgrammePath, code: MilestonePath, payload: GovPlanMilestonePatch
) -> Any:
    the_programme = _programme(request, programme)
    milestone = _milestone(request, the_programme, code)
    data = payload.dict(exclude_unset=True)
    if "phase" in data:
        data["phase"] = _phase_field(the_programme, data["phase"])
    if "predecessor" in data:
        data["predecessor"] = _milestone_field(the_programme, data["predecessor"], "predecessor")
    for key in ("name", "kind", "rag", "rationale", "regulatory", "order"):
        if key in data and data[key] is None:
            raise ActionError(f"{key} cannot be null", field=key)
    actions.update_milestone(actor=_actor(request), milestone=milestone, **data)
    return _milestone_out(request, the_programme, _milestone(request, the_programme, code))

"""Participants' subsidiary plans (GV-02) and their milestones, each checked against its programme
milestone (the office and assurers read all; a participant its own)."""

from typing import Any

from django.http import Http404, HttpRequest
from ninja import Status
from ninja.pagination import paginate

from busbar.lib.actions import ActionError
from busbar.lib.pagination import Page
from busbar.lib.schema import IdPath
from busbar.programmes import plan_view, queries
from busbar.programmes.actions import plan as actions
from busbar.programmes.api.plan import router
from busbar.programmes.api.plan._common import (
    ProgrammePath,
    _actor,
    _milestone_field,
    _org,
    _organisation,
    _programme,
    _Rendered,
)
from busbar.programmes.api.plan.schemas import (
    GovPlanPartyMilestoneIn,
    GovPlanPartyMilestoneOut,
    GovPlanPartyMilestonePatch,
    GovPlanSubsidiaryDetail,
    GovPlanSubsidiaryIn,
    GovPlanSubsidiaryOut,
)
from busbar.programmes.models import PartyMilestone, SubsidiaryPlan
from busbar.testing.models import Programme


def _subsidiary(request: HttpRequest, programme: Programme, organisation: int) -> SubsidiaryPlan:
    found = (
        queries.subsidiary_plans_visible_to(request.user)
        .filter(programme=programme, organisation_id=organisation)
        .select_related("organisation")
        .first()
    )
    if found is None:
        raise Http404("No such plan")
    return found


def _subsidiary_out(plan: SubsidiaryPlan, late: dict[int, int]) -> dict[str, Any]:
    return {
        "id": plan.pk,
        "organisation": _org(plan.organisation),
        "name": plan.name,
        "updated_at": plan.updated_at,
        "late": late.get(plan.pk, 0),
    }


def _subsidiary_detail(plan: SubsidiaryPlan) -> dict[str, Any]:
    party = plan_view.party_plan(plan)
    out = _subsidiary_out(plan, {plan.pk: len(party.warnings)})
    out["milestones"] = [_party_out(r) for r in party.rows]
    return out


def _party_out(r: plan_view.PartyRow) -> dict[str, Any]:
    pm = r.milestone
    return {
        "id": pm.pk,
        "name": pm.name,
        "programme_milestone": r.linked.code if r.linked else None,
        "planned_date": pm.planned_date,
        "forecast_date": pm.forecast_date,
        "actual_date": pm.actual_date,
        "rag": pm.rag,
        "notes": pm.notes,
        "order": pm.order,
        "delta_working_days": r.delta,
        "working_days_after_programme": r.after_programme,
        "warning": r.warning,
    }


def _party_row(plan: SubsidiaryPlan, pk: int) -> dict[str, Any]:
    party = plan_view.party_plan(plan)
    return _party_out(next(r for r in party.rows if r.milestone.pk == pk))


@router.get(
    "/programmes/{programme}/subsidiary-plans",
    response=list[GovPlanSubsidiaryOut],
    summary="Participants' plans you may read (the office and assurers: all; a participant: its own)",
)
@paginate(Page)
def list_subsidiary_plans(request: HttpRequest, programme: ProgrammePath) -> Any:
    the_programme = _programme(request, programme)
    late = plan_view.late_counts(the_programme.pk)
    qs = (
        queries.subsidiary_plans_visible_to(request.user)
        .filter(programme=the_programme)
        .select_related("organisation")
        .order_by("organisation__name", "pk")
    )
    return _Rendered(qs, lambda p: _subsidiary_out(p, late))


@router.post(
    "/programmes/{programme}/subsidiary-plans",
    response={201: GovPlanSubsidiaryDetail},
    summary="Start a subsidiary plan (a participant for itself, or the office)",
)
def create_subsidiary_plan(
    request: HttpRequest, programme: ProgrammePath, payload: GovPlanSubsidiaryIn
) -> Status:
    the_programme = _programme(request, programme)
    organisation = _organisation(payload.organisation, "organisation")
    plan = actions.create_subsidiary_plan(
        actor=_actor(request), programme=the_programme, organisation=organisation, name=payload.name
    )
    return Status(201, _subsidiary_detail(_subsidiary(request, the_programme, plan.organisation_id)))


@router.get(
    "/programmes/{programme}/subsidiary-plans/{organisation}",
    response=GovPlanSubsidiaryDetail,
    summary="A participant's plan, each milestone checked against its programme milestone",
)
def get_subsidiary_plan(request: HttpRequest, programme: ProgrammePath, organisation: IdPath) -> Any:
    the_programme = _programme(request, programme)
    return _subsidiary_detail(_subsidiary(request, the_programme, organisation))


def _party_fields(programme: Programme, data: dict[str, Any]) -> dict[str, Any]:
    if "programme_milestone" in data:
        data["programme_milestone"] = _milestone_field(
            programme, data["programme_milestone"], "programme_milestone"
        )
    return data


@router.post(
    "/programmes/{programme}/subsidiary-plans/{organisation}/milestones",
    response={201: GovPlanPartyMilestoneOut},
    summary="Add a milestone to a participant's plan",
)
def create_party_milestone(
    request: HttpRequest, programme: ProgrammePath, organisation: IdPath, payload: GovPlanPartyMilestoneIn
) -> Status:
    the_programme = _programme(request, programme)
    plan = _subsidiary(request, the_programme, organisation)
    milestone = actions.add_party_milestone(
        actor=_actor(request), plan=plan, **_party_fields(the_programme, payload.dict())
    )
    return Status(201, _party_row(plan, milestone.pk))


def _party_milestone(plan: SubsidiaryPlan, pk: int) -> PartyMilestone:
    found = PartyMilestone.objects.filter(plan=plan, pk=pk).select_related("plan").first()
    if found is None:
        raise Http404("No such milestone")
    return found


@router.patch(
    "/programmes/{programme}/subsidiary-plans/{organisation}/milestones/{milestone_id}",
    response=GovPlanPartyMilestoneOut,
    summary="Change a participant's milestone",
)
def update_party_milestone(
    request: HttpRequest,
    programme: ProgrammePath,
    organisation: IdPath,
    milestone_id: IdPath,
    payload: GovPlanPartyMilestonePatch,
) -> Any:
    the_programme = _programme(request, programme)
    plan = _subsidiary(request, the_programme, organisation)
    found = _party_milestone(plan, milestone_id)
    data = payload.dict(exclude_unset=True)
    for key in ("name", "planned_date", "rag", "order"):
        if key in data and data[key] is None:
            raise ActionError(f"{key} cannot be null", field=key)
    if "notes" in data and data["notes"] is None:
        data["notes"] = ""
    actions.update_party_milestone(
        actor=_actor(request), milestone=found, **_party_fields(the_programme, data)
    )
    return _party_row(plan, found.pk)


@router.delete(
    "/programmes/{programme}/subsidiary-plans/{organisation}/milestones/{milestone_id}",
    response={204: None},
    summary="Remove a participant's milestone",
)
def delete_party_milestone(
    request: HttpRequest, programme: ProgrammePath, organisation: IdPath, milestone_id: IdPath
) -> Status:
    the_programme = _programme(request, programme)
    plan = _subsidiary(request, the_programme, organisation)
    actions.remove_party_milestone(actor=_actor(request), milestone=_party_milestone(plan, milestone_id))
    return Status(204, None)

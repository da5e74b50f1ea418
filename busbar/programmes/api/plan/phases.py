"""The plan's phases with their RAG and the test phase each is."""

from typing import Any

from django.http import Http404, HttpRequest
from ninja import Status
from ninja.pagination import paginate

from busbar.lib.actions import ActionError
from busbar.lib.pagination import Page
from busbar.programmes.actions import plan as actions
from busbar.programmes.api.plan import router
from busbar.programmes.api.plan._common import PhasePath, ProgrammePath, _actor, _programme
from busbar.programmes.api.plan.schemas import GovPlanPhaseIn, GovPlanPhaseOut, GovPlanPhasePatch
from busbar.programmes.models import PlanPhase
from busbar.testing.models import Phase, Programme


def _phase_out(p: PlanPhase) -> dict[str, Any]:
    return {
        "id": p.pk,
        "code": p.code,
        "name": p.name,
        "order": p.order,
        "start": p.start,
        "end": p.end,
        "rag": p.rag,
        "rag_reason": p.rag_reason,
        "test_phase": p.test_phase.code if p.test_phase else None,
    }


def _test_phase(programme: Programme, code: str | None) -> Phase | None:
    if code is None:
        return None
    found = Phase.objects.filter(programme=programme, code=code).first()
    if found is None:
        raise ActionError(f"The programme has no test phase {code}", field="test_phase")
    return found


@router.get("/programmes/{programme}/phases", response=list[GovPlanPhaseOut], summary="The plan's phases")
@paginate(Page)
def list_phases(request: HttpRequest, programme: ProgrammePath) -> Any:
    the_programme = _programme(request, programme)
    return [
        _phase_out(p)
        for p in PlanPhase.objects.filter(programme=the_programme).select_related("test_phase")[:1000]
    ]


@router.post(
    "/programmes/{programme}/phases", response={201: GovPlanPhaseOut}, summary="Add a phase (the office)"
)
def create_phase(request: HttpRequest, programme: ProgrammePath, payload: GovPlanPhaseIn) -> Status:
    the_programme = _programme(request, programme)
    data = payload.dict()
    data["test_phase"] = _test_phase(the_programme, data["test_phase"])
    phase = actions.add_phase(actor=_actor(request), programme=the_programme, **data)
    return Status(201, _phase_out(phase))


@router.patch("/programmes/{programme}/phases/{code}", response=GovPlanPhaseOut, summary="Change a phase")
def update_phase(
    request: HttpRequest, programme: ProgrammePath, code: PhasePath, payload: GovPlanPhasePatch
) -> Any:
    the_programme = _programme(request, programme)
    phase = PlanPhase.objects.filter(programme=the_programme, code=code).first()
    if phase is None:
        raise Http404("No such phase")
    data = payload.dict(exclude_unset=True)
    if "test_phase" in data:
        data["test_phase"] = _test_phase(the_programme, data["test_phase"])
    for key in ("name", "order", "rag"):
        if key in data and data[key] is None:
            raise ActionError(f"{key} cannot be null", field=key)
    if "rag_reason" in data and data["rag_reason"] is None:
        data["rag_reason"] = ""
    return _phase_out(actions.update_phase(actor=_actor(request), phase=phase, **data))

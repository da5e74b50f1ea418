"""Programmes, their parties, roles and environments; phases, their status and cohorts."""

from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Status
from ninja.pagination import paginate

from busbar.lib.actions import ActionError
from busbar.lib.pagination import Page
from busbar.lib.schema import IdPath
from busbar.testing import queries
from busbar.testing.actions import setup as actions
from busbar.testing.api.setup import router
from busbar.testing.api.setup._common import (
    _actor,
    _cohorts,
    _environments,
    _in_phase,
    _organisation,
    _phase,
    _phase_change,
    _programme,
)
from busbar.testing.api.setup.schemas import (
    CloseIn,
    CodePath,
    CohortIn,
    CohortOut,
    EnvironmentIn,
    EnvironmentOut,
    PartyIn,
    PhaseChangeIn,
    PhaseDetail,
    PhaseIn,
    PhaseStartIn,
    PhaseSummary,
    ProgrammeDetail,
    ProgrammeIn,
    ProgrammeSummary,
    RoleIn,
    RoleOut,
)
from busbar.testing.models import (
    Phase,
    Programme,
    ProgrammeFunction,
)

# -- programmes -------------------------------------------------------------------------------------------


@router.get("/testing/programmes", response=list[ProgrammeSummary], summary="Test programmes you may see")
@paginate(Page)
def list_programmes(request: HttpRequest) -> Any:
    return queries.programmes_visible_to(request.user).order_by("name", "id")


@router.post(
    "/testing/programmes",
    response={201: ProgrammeDetail},
    summary="Create a test programme (platform administrators)",
)
def create_programme(request: HttpRequest, payload: ProgrammeIn) -> Status:
    programme = actions.create_programme(
        actor=_actor(request), code=payload.code, name=payload.name, description=payload.description
    )
    return Status(201, _programme(request, programme.code))


@router.get(
    "/testing/programmes/{code}",
    response=ProgrammeDetail,
    summary="A programme: phases, parties, roles, environments",
)
def get_programme(request: HttpRequest, code: CodePath) -> Programme:
    return _programme(request, code)


@router.post(
    "/testing/programmes/{code}/parties",
    response={201: ProgrammeDetail},
    summary="Name an organisation's function in a programme (platform administrators)",
)
def name_party(request: HttpRequest, code: CodePath, payload: PartyIn) -> Status:
    programme = _programme(request, code)
    actions.name_party(
        actor=_actor(request),
        programme=programme,
        organisation=_organisation(request, payload.organisation, "organisation"),
        function=payload.function,
        label=payload.label,
    )
    return Status(201, _programme(request, code))


@router.delete(
    "/testing/programmes/{code}/parties/{party_id}",
    response=ProgrammeDetail,
    summary="Remove an organisation's function in a programme (platform administrators)",
)
def remove_party(request: HttpRequest, code: CodePath, party_id: IdPath) -> Programme:
    programme = _programme(request, code)
    party = get_object_or_404(programme.parties.all(), pk=party_id)
    actions.remove_party(actor=_actor(request), party=party)
    return _programme(request, code)


@router.post(
    "/testing/programmes/{code}/roles",
    response={201: RoleOut},
    summary="Add a participant role and its minimum per cohort (the SI)",
)
def add_role(request: HttpRequest, code: CodePath, payload: RoleIn) -> Status:
    programme = _programme(request, code)
    role = actions.add_participant_role(actor=_actor(request), programme=programme, **payload.dict())
    return Status(201, role)


@router.post(
    "/testing/programmes/{code}/environments",
    response={201: EnvironmentOut},
    summary="Add a test environment (the SI)",
)
def add_environment(request: HttpRequest, code: CodePath, payload: EnvironmentIn) -> Status:
    programme = _programme(request, code)
    environment = actions.add_environment(
        actor=_actor(request), programme=programme, name=payload.name, description=payload.description
    )
    return Status(201, environment)


# -- phases -----------------------------------------------------------------------------------------------


@router.get("/testing/programmes/{code}/phases", response=list[PhaseSummary], summary="A programme's phases")
@paginate(Page)
def list_phases(request: HttpRequest, code: CodePath) -> Any:
    programme = _programme(request, code)
    return (
        queries.phases_visible_to(request.user)
        .filter(programme=programme)
        .order_by("order", "planned_start", "id")
    )


@router.post("/testing/programmes/{code}/phases", response={201: PhaseDetail}, summary="Add a phase (the SI)")
def create_phase(request: HttpRequest, code: CodePath, payload: PhaseIn) -> Status:
    programme = _programme(request, code)
    if payload.owner is not None:
        owner = _organisation(request, payload.owner, "owner")
    else:
        party = programme.parties.filter(function=ProgrammeFunction.SI).select_related("organisation").first()
        if party is None:
            raise ActionError("Name the owner: the programme has no systems integrator", field="owner")
        owner = party.organisation
    phase = actions.create_phase(
        actor=_actor(request),
        programme=programme,
        code=payload.code,
        name=payload.name,
        kind=payload.kind,
        planned_start=payload.planned_start,
        planned_end=payload.planned_end,
        owner=owner,
        environments=_environments(programme, payload.environments),
        exit_rule=payload.exit_rule,
        grace_days=payload.grace_days,
        pass_threshold=payload.pass_threshold,
        order=payload.order,
        description=payload.description,
    )
    return Status(201, _phase(request, phase.pk))


@router.get(
    "/testing/phases/{phase_id}",
    response=PhaseDetail,
    summary="A phase: window, status, cohorts and their rule check",
)
def get_phase(request: HttpRequest, phase_id: IdPath) -> Phase:
    return _phase(request, phase_id)


@router.patch("/testing/phases/{phase_id}", response=PhaseDetail, summary="Change a phase's plan (the SI)")
def update_phase(request: HttpRequest, phase_id: IdPath, payload: PhaseChangeIn) -> Phase:
    phase = _phase(request, phase_id)
    data = payload.dict(exclude_unset=True)
    if "owner" in data:
        data["owner"] = _organisation(request, data["owner"], "owner") if data["owner"] else None
    if "environments" in data:
        data["environments"] = (
            _environments(phase.programme, data["environments"]) if data["environments"] is not None else None
        )
    actions.update_phase(actor=_actor(request), phase=phase, **data)
    return _phase(request, phase_id)


@router.post(
    "/testing/phases/{phase_id}/start",
    response=PhaseDetail,
    summary="Start the phase (refused while a cohort breaks the rule)",
)
def start_phase(request: HttpRequest, phase_id: IdPath, payload: PhaseStartIn) -> Any:
    phase = _phase(request, phase_id)
    not_ready = [_in_phase(request, phase, pk, f"not_ready[{i}]") for i, pk in enumerate(payload.not_ready)]
    return _phase_change(request, phase, actions.start_phase, on=payload.on, not_ready=not_ready)


@router.post("/testing/phases/{phase_id}/close", response=PhaseDetail, summary="Close the phase")
def close_phase(request: HttpRequest, phase_id: IdPath, payload: CloseIn) -> Any:
    phase = _phase(request, phase_id)
    return _phase_change(request, phase, actions.close_phase, on=payload.on, note=payload.note)


@router.get(
    "/testing/phases/{phase_id}/cohorts",
    response=list[CohortOut],
    summary="Cohorts and what each lacks under the rule",
)
def list_cohorts(request: HttpRequest, phase_id: IdPath) -> Any:
    return _cohorts(request, _phase(request, phase_id))


@router.post("/testing/phases/{phase_id}/cohorts", response={201: CohortOut}, summary="Add a cohort (the SI)")
def create_cohort(request: HttpRequest, phase_id: IdPath, payload: CohortIn) -> Status:
    phase = _phase(request, phase_id)
    cohort = actions.create_cohort(actor=_actor(request), phase=phase, name=payload.name, order=payload.order)
    return Status(201, next(c for c in _cohorts(request, phase) if c["id"] == cohort.pk))

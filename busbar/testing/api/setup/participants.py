"""Participations (entry, withdrawal, cohort moves) and supplier–agent pairings with their history."""

from typing import Any

from django.http import HttpRequest
from ninja import Query, Status
from ninja.pagination import paginate

from busbar.lib.actions import ActionError
from busbar.lib.pagination import Page
from busbar.lib.schema import IdPath
from busbar.testing import queries
from busbar.testing import setup_queries as reads
from busbar.testing.actions import setup as actions
from busbar.testing.api.setup import router
from busbar.testing.api.setup._common import (
    _actor,
    _cohort,
    _in_phase,
    _organisation,
    _pairing,
    _participation,
    _phase,
)
from busbar.testing.api.setup.schemas import (
    EnterIn,
    MandatoryIn,
    MoveIn,
    PairIn,
    PairingFilters,
    PairingOut,
    ParticipationIn,
    ParticipationOut,
    RearrangeIn,
    SetupReasonIn,
)
from busbar.testing.models import (
    Pairing,
    ParticipantRole,
    Participation,
)

# -- participations ----------------------------------------------------------------------------------------


@router.get(
    "/testing/phases/{phase_id}/participations",
    response=list[ParticipationOut],
    summary="Who takes part, in which cohort",
)
@paginate(Page)
def list_participations(request: HttpRequest, phase_id: IdPath) -> Any:
    phase = _phase(request, phase_id)
    return (
        queries.participations_visible_to(request.user)
        .filter(phase=phase)
        .order_by("cohort__order", "role__order", "organisation__name", "id")
    )


@router.post(
    "/testing/phases/{phase_id}/participations",
    response={201: ParticipationOut},
    summary="Add a participant (the SI)",
)
def add_participation(request: HttpRequest, phase_id: IdPath, payload: ParticipationIn) -> Status:
    phase = _phase(request, phase_id)
    role = ParticipantRole.objects.filter(programme_id=phase.programme_id, code=payload.role).first()
    if role is None:
        raise ActionError(f"{phase.programme} has no participant role {payload.role}", field="role")
    participation = actions.add_participation(
        actor=_actor(request),
        phase=phase,
        organisation=_organisation(request, payload.organisation, "organisation"),
        role=role,
        cohort=_cohort(phase, payload.cohort),
        mandatory=payload.mandatory,
        notes=payload.notes,
    )
    return Status(201, _participation(request, participation.pk))


@router.get(
    "/testing/participations/{participation_id}", response=ParticipationOut, summary="One participation"
)
def get_participation(request: HttpRequest, participation_id: IdPath) -> Participation:
    return _participation(request, participation_id)


def _participation_change(request: HttpRequest, pk: int, func: Any, **kwargs: Any) -> Any:
    participation = _participation(request, pk)
    if "cohort" in kwargs:
        kwargs["cohort"] = _cohort(participation.phase, kwargs["cohort"])
    func(actor=_actor(request), participation=participation, **kwargs)
    return _participation(request, pk)


@router.post(
    "/testing/participations/{participation_id}/move",
    response=ParticipationOut,
    summary="Move to another cohort",
)
def move_participation(request: HttpRequest, participation_id: IdPath, payload: MoveIn) -> Any:
    return _participation_change(request, participation_id, actions.move_to_cohort, cohort=payload.cohort)


@router.post(
    "/testing/participations/{participation_id}/enter",
    response=ParticipationOut,
    summary="Enter a started phase (within the grace period)",
)
def enter_participation(request: HttpRequest, participation_id: IdPath, payload: EnterIn) -> Any:
    return _participation_change(request, participation_id, actions.enter_phase, on=payload.on)


@router.post(
    "/testing/participations/{participation_id}/withdraw",
    response=ParticipationOut,
    summary="Withdraw from the phase",
)
def withdraw_participation(request: HttpRequest, participation_id: IdPath, payload: SetupReasonIn) -> Any:
    return _participation_change(request, participation_id, actions.withdraw, reason=payload.reason)


@router.post(
    "/testing/participations/{participation_id}/mandatory",
    response=ParticipationOut,
    summary="Mandatory or voluntary (TA-14)",
)
def set_mandatory(request: HttpRequest, participation_id: IdPath, payload: MandatoryIn) -> Any:
    return _participation_change(
        request, participation_id, actions.set_mandatory, mandatory=payload.mandatory
    )


# -- pairings ---------------------------------------------------------------------------------------------


@router.get(
    "/testing/phases/{phase_id}/pairings",
    response=list[PairingOut],
    summary="Supplier–agent pairings and their history",
)
@paginate(Page)
def list_pairings(request: HttpRequest, phase_id: IdPath, filters: Query[PairingFilters]) -> Any:
    qs = reads.pairings_of(_phase(request, phase_id))
    if filters.current is not None:
        qs = qs.filter(ended_at__isnull=filters.current)
    return qs


@router.post(
    "/testing/phases/{phase_id}/pairings",
    response={201: PairingOut},
    summary="Pair a supplier with an agent (the SI)",
)
def create_pairing(request: HttpRequest, phase_id: IdPath, payload: PairIn) -> Status:
    phase = _phase(request, phase_id)
    pairing = actions.pair(
        actor=_actor(request),
        phase=phase,
        supplier=_in_phase(request, phase, payload.supplier, "supplier"),
        agent=_in_phase(request, phase, payload.agent, "agent"),
        reason=payload.reason,
    )
    return Status(201, _pairing(request, pairing.pk))


@router.get("/testing/pairings/{pairing_id}", response=PairingOut, summary="One pairing")
def get_pairing(request: HttpRequest, pairing_id: IdPath) -> Pairing:
    return _pairing(request, pairing_id)


@router.post(
    "/testing/pairings/{pairing_id}/rearrange",
    response={201: PairingOut},
    summary="Re-arrange: end this pairing (kept) and pair the supplier with another agent",
)
def rearrange_pairing(request: HttpRequest, pairing_id: IdPath, payload: RearrangeIn) -> Status:
    pairing = _pairing(request, pairing_id)
    new = actions.rearrange_pairing(
        actor=_actor(request),
        pairing=pairing,
        agent=_in_phase(request, pairing.phase, payload.agent, "agent"),
        reason=payload.reason,
    )
    return Status(201, _pairing(request, new.pk))


@router.post(
    "/testing/pairings/{pairing_id}/end", response=PairingOut, summary="End a pairing (kept in the history)"
)
def end_pairing(request: HttpRequest, pairing_id: IdPath, payload: SetupReasonIn) -> Any:
    pairing = _pairing(request, pairing_id)
    actions.end_pairing(actor=_actor(request), pairing=pairing, reason=payload.reason)
    return _pairing(request, pairing_id)

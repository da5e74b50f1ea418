"""What the set-up endpoints share: finding what the caller may see (404 otherwise) and the objects
named in a body (422 otherwise)."""

from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from busbar.lib.actions import ActionError, Actor, IllegalTransition
from busbar.lib.problems import transition_refused
from busbar.parties.queries import organisations_visible_to
from busbar.testing import queries
from busbar.testing import setup_queries as reads
from busbar.testing.models import (
    PHASE_TRANSITIONS,
    Cohort,
    Environment,
    Pairing,
    Participation,
    Phase,
    Programme,
    Scenario,
)

# -- helpers ----------------------------------------------------------------------------------------------


def _actor(request: HttpRequest) -> Actor:
    return Actor.from_request(request, channel="api")


def _programme(request: HttpRequest, code: str) -> Programme:
    return get_object_or_404(queries.programmes_visible_to(request.user), code=code)


def _phase(request: HttpRequest, pk: int) -> Phase:
    return get_object_or_404(queries.phases_visible_to(request.user).prefetch_related("environments"), pk=pk)


def _participation(request: HttpRequest, pk: int) -> Participation:
    return get_object_or_404(queries.participations_visible_to(request.user), pk=pk)


def _pairing(request: HttpRequest, pk: int) -> Pairing:
    phases = queries.phases_visible_to(request.user)
    qs = Pairing.objects.filter(phase__in=phases).select_related(
        "supplier__organisation", "agent__organisation"
    )
    return get_object_or_404(qs, pk=pk)


def _scenario(request: HttpRequest, pk: int) -> Scenario:
    return get_object_or_404(
        queries.scenarios_visible_to(request.user).prefetch_related("requirements", "roles"), pk=pk
    )


def _organisation(request: HttpRequest, pk: int, field: str) -> Any:
    org = organisations_visible_to(request.user).filter(pk=pk).first()
    if org is None:
        raise ActionError(f"No organisation {pk}", field=field)
    return org


def _in_phase(request: HttpRequest, phase: Phase, pk: int, field: str) -> Participation:
    found = queries.participations_visible_to(request.user).filter(phase=phase, pk=pk).first()
    if found is None:
        raise ActionError(f"No participation {pk} in {phase.name}", field=field)
    return found


def _cohort(phase: Phase, pk: int | None, field: str = "cohort") -> Cohort | None:
    if pk is None:
        return None
    cohort = Cohort.objects.filter(phase=phase, pk=pk).first()
    if cohort is None:
        raise ActionError(f"No cohort {pk} in {phase.name}", field=field)
    return cohort


def _environments(programme: Programme, ids: list[int]) -> list[Environment]:
    found = {e.pk: e for e in Environment.objects.filter(programme=programme, pk__in=ids)}
    for index, pk in enumerate(ids):
        if pk not in found:
            raise ActionError(f"No environment {pk} in {programme}", field=f"environments[{index}]")
    return [found[pk] for pk in dict.fromkeys(ids)]


def _cohorts(request: HttpRequest, phase: Phase) -> list[dict]:
    participations = reads.phase_participations(request.user, phase)
    return [
        {
            "id": v.cohort.pk,
            "name": v.cohort.name,
            "order": v.cohort.order,
            "completed_at": v.cohort.completed_at,
            "members": v.active,
            "composition_problems": v.problems,
        }
        for v in reads.cohort_views(phase, participations)
        if v.cohort is not None
    ]


def _phase_change(request: HttpRequest, phase: Phase, func: Any, **kwargs: Any) -> Any:
    try:
        func(actor=_actor(request), phase=phase, **kwargs)
    except IllegalTransition as exc:
        current = Phase.objects.filter(pk=phase.pk).values_list("status", flat=True).get()
        return transition_refused(request, exc, current=current, allowed=PHASE_TRANSITIONS.get(current, ()))
    return _phase(request, phase.pk)

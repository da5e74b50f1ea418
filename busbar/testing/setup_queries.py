"""Read helpers of the set-up pages and API, built only on :mod:`busbar.testing.queries` (visibility) and
:mod:`busbar.testing.permissions` (what is offered). No writes."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, F, Prefetch, Q, QuerySet

from busbar.testing import cohorts as rules
from busbar.testing import permissions, queries
from busbar.testing.access import Access, access_for
from busbar.testing.models import (
    PHASE_TRANSITIONS,
    Cohort,
    EntryStatus,
    Pairing,
    ParticipantRole,
    Participation,
    Phase,
    PhaseStatus,
    Programme,
    ProgrammeFunction,
    ProgrammeParty,
    Scenario,
)


def programme_offers(access: Access, programme: Programme) -> list[str]:
    """What ``access`` may do on a programme: manage (phases, roles, environments), specify (requirements,
    scenarios), parties (name who holds which function)."""
    offers = []
    if permissions.can_manage_programme(access, programme) is None:
        offers.append("manage")
    if permissions.can_specify(access, programme) is None:
        offers.append("specify")
    if permissions.can_name_parties(access, programme) is None:
        offers.append("parties")
    return offers


def phase_offers(access: Access, phase: Phase) -> list[str]:
    """What ``access`` may do on a phase now: manage (cohorts, participations, pairings), start, close,
    specify (scenarios and scripts)."""
    offers = []
    if permissions.can_manage_phase(access, phase) is None:
        offers.append("manage")
        allowed = PHASE_TRANSITIONS.get(phase.status, set())
        if PhaseStatus.IN_PROGRESS in allowed:
            offers.append("start")
        if PhaseStatus.CLOSED in allowed:
            offers.append("close")
    if phase.status != PhaseStatus.CLOSED and permissions.can_specify(access, phase.programme) is None:
        offers.append("specify")
    return offers


def my_roles(
    access: Access, programme: Programme, participations: list[Participation] | None = None
) -> list[str]:
    """How the person stands in the programme, as people say it: "Systems integrator", "Participant
    (Supplier) in SIT Functional", "Service desk (read-only)"."""
    shown = [ProgrammeFunction(f).label for f in sorted(access.functions.get(programme.pk, ()))]
    for p in participations or []:
        if access.is_member(p.organisation_id):
            shown.append(f"Participant ({p.role.label}) in {p.phase.name}")
    if not shown and access.is_central:
        shown.append("Service desk (read-only)")
    return shown


def home_programmes(user) -> list[dict]:
    """The programmes ``user`` sees, each with its phases and the person's role in it: three queries."""
    access = access_for(user)
    programmes = list(
        queries.programmes_visible_to(user)
        .order_by("name")
        .prefetch_related(
            Prefetch(
                "phases",
                queryset=Phase.objects.select_related("owner").order_by("order", "planned_start", "id"),
            )
        )
    )
    mine = list(
        Participation.objects.filter(
            organisation_id__in=access.organisation_ids, phase__programme__in=programmes
        ).select_related("role", "phase")
    )
    return [
        {
            "programme": p,
            "phases": list(p.phases.all()),
            "roles": my_roles(access, p, [m for m in mine if m.phase.programme_id == p.pk]),
        }
        for p in programmes
    ]


def programme_for(user, code: str) -> Programme | None:
    return queries.programmes_visible_to(user).filter(code=code).first()


def phase_for(user, programme_code: str, phase_code: str) -> Phase | None:
    return (
        queries.phases_visible_to(user)
        .filter(programme__code=programme_code, code=phase_code)
        .prefetch_related("environments")
        .first()
    )


def pairings_of(phase: Phase) -> QuerySet[Pairing]:
    """Every pairing of a phase the caller sees (the caller has seen the phase): current first, then the
    history, newest first."""
    return (
        Pairing.objects.filter(phase=phase)
        .select_related(
            "supplier__organisation", "agent__organisation", "created_by", "supplier__role", "agent__role"
        )
        .order_by(F("ended_at").asc(nulls_first=True), "-started_at", "-id")
    )


@dataclass
class CohortView:
    cohort: Cohort | None
    members: list[Participation] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def active(self) -> int:
        return sum(1 for m in self.members if m.status != EntryStatus.WITHDRAWN)


def cohort_views(phase: Phase, participations: list[Participation]) -> list[CohortView]:
    """The phase's cohorts with their members and composition problems, then (cohort None) the participants
    in no cohort: two queries besides the participations given."""
    cohorts = list(Cohort.objects.filter(phase=phase))
    composition = rules.phase_composition(phase, participations=participations, cohorts=cohorts)
    views = [CohortView(cohort=c, problems=composition[c.pk]) for c in cohorts]
    by_id = {v.cohort.pk: v for v in views}
    rest = CohortView(cohort=None)
    for p in participations:
        by_id.get(p.cohort_id, rest).members.append(p)
    return views + ([rest] if rest.members else [])


def phase_participations(user, phase: Phase) -> list[Participation]:
    return list(
        queries.participations_visible_to(user)
        .filter(phase=phase)
        .order_by("cohort__order", "cohort__name", "role__order", "organisation__name")
    )


def roles_of(programme: Programme) -> list[ParticipantRole]:
    return list(ParticipantRole.objects.filter(programme=programme))


def parties_of(programme: Programme) -> list[ProgrammeParty]:
    return list(ProgrammeParty.objects.filter(programme=programme).select_related("organisation"))


def scenarios_of(
    user, phase: Phase, *, interface: str = "", mandatory: str = "", q: str = ""
) -> QuerySet[Scenario]:
    """The phase's scenarios as filtered (``mandatory``: "yes"/"no"/""), with their links prefetched."""
    qs = (
        queries.scenarios_visible_to(user)
        .filter(phase=phase)
        .prefetch_related("requirements", "roles")
        .annotate(n_versions=Count("versions", distinct=True))
        .order_by("code", "id")
    )
    if interface:
        qs = qs.filter(interface=interface)
    if mandatory in ("yes", "no"):
        qs = qs.filter(mandatory=mandatory == "yes")
    if q:
        qs = qs.filter(Q(code__icontains=q) | Q(title__icontains=q))
    return qs


def interfaces_of(user, phase: Phase) -> list[str]:
    return list(
        queries.scenarios_visible_to(user)
        .filter(phase=phase)
        .exclude(interface="")
        .values_list("interface", flat=True)
        .distinct()
        .order_by("interface")
    )

"""The cohort-composition rule (TA-13): every cohort of a phase holds at least ``min_per_cohort``
participants of each of the programme's participant roles (the MHHS minimum viable cohort: a registration
service, 2 suppliers, 2 advanced agents, 2 unmetered agents and the DTN).

Who counts: a cohort's participations that have not withdrawn, plus the phase's **central parties** — a
participation of a mandatory role (TA-14: DIP, DTN, registration service…) placed in no cohort serves every
cohort, so it counts in each of them.

Read helpers only (no writes): the pages and the API show :func:`composition_problems` for every cohort; the
set-up actions refuse to start a phase (and refuse a withdrawal or a move in a started phase) when it would
leave a cohort with problems.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from busbar.testing.models import Cohort, EntryStatus, ParticipantRole, Participation, Phase


def _counts(members: Iterable[Participation]) -> Counter[int]:
    return Counter(p.role_id for p in members if p.status != EntryStatus.WITHDRAWN)


def problems_for(roles: Iterable[ParticipantRole], counts: Counter[int]) -> list[str]:
    """What a group with ``counts`` ({role id: members}) lacks under ``roles``' minimums."""
    found = []
    for role in roles:
        has = counts.get(role.pk, 0)
        if has < role.min_per_cohort:
            missing = role.min_per_cohort - has
            found.append(f"needs {missing} more {role.label} (has {has}, needs {role.min_per_cohort})")
    return found


def _central(participations: Iterable[Participation]) -> list[Participation]:
    return [p for p in participations if p.cohort_id is None and p.role.mandatory]


def phase_composition(
    phase: Phase, *, participations: list[Participation] | None = None, cohorts: list[Cohort] | None = None
) -> dict[int, list[str]]:
    """{cohort id: problems} for every cohort of ``phase``, in three queries at most (fewer when the caller
    passes what it already read). ``participations`` must be all the phase's, with their roles."""
    roles = list(ParticipantRole.objects.filter(programme_id=phase.programme_id, min_per_cohort__gt=0))
    if cohorts is None:
        cohorts = list(Cohort.objects.filter(phase=phase))
    if participations is None:
        participations = list(Participation.objects.filter(phase=phase).select_related("role"))
    central = _counts(_central(participations))
    result = {}
    for cohort in cohorts:
        counts = _counts(p for p in participations if p.cohort_id == cohort.pk) + central
        result[cohort.pk] = problems_for(roles, counts)
    return result


def composition_problems(cohort: Cohort) -> list[str]:
    """What ``cohort`` lacks under its programme's rule, e.g. "needs 1 more Advanced agent (has 1, needs 2)";
    empty when it is complete."""
    return phase_composition(cohort.phase, cohorts=[cohort]).get(cohort.pk, [])


def problems_after(phase: Phase, change) -> dict[Cohort, list[str]]:
    """The cohorts that would have problems after ``change(participations)`` (a function that alters the
    in-memory participations: a move or a withdrawal) and did not have those problems before."""
    participations = list(Participation.objects.filter(phase=phase).select_related("role"))
    cohorts = list(Cohort.objects.filter(phase=phase))
    before = phase_composition(phase, participations=participations, cohorts=cohorts)
    change(participations)
    after = phase_composition(phase, participations=participations, cohorts=cohorts)
    return {c: after[c.pk] for c in cohorts if set(after[c.pk]) - set(before[c.pk])}

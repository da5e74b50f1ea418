"""How far each participant, cohort and phase has got: the figures the gates, the reports and the pages share.

Read from :class:`~busbar.testing.models.LatestResult` (one row per scenario and participation), in a fixed
number of queries whatever the size of the phase. A participant's **applicable** scenarios are the phase's
active mandatory scenarios for its role (a scenario naming no roles applies to every participant). A member
is **complete** when it has passed at least the phase's threshold of them (TA-09: SIT exits when one cohort
completes, not all).

These functions take what the caller may see: pass the participations from
:func:`busbar.testing.queries.participations_visible_to` (or the phase's, inside an action).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, F, Q

from busbar.testing.models import (
    OPEN_ISSUE_STATUSES,
    Cohort,
    EntryStatus,
    ExitRule,
    LatestResult,
    Participation,
    Phase,
    Result,
    Scenario,
    TestingIssue,
)


@dataclass
class MemberProgress:
    participation: Participation
    applicable: int = 0
    passed: int = 0
    failed: int = 0
    blocked: int = 0
    not_run: int = 0  # applicable scenarios without a result, or recorded as not run

    @property
    def executed(self) -> int:
        return self.passed + self.failed + self.blocked

    @property
    def pct_passed(self) -> Decimal:
        if not self.applicable:
            return Decimal(0)
        return (Decimal(self.passed) * 100 / self.applicable).quantize(Decimal("0.1"))

    def complete(self, threshold: Decimal) -> bool:
        return self.applicable > 0 and self.pct_passed >= Decimal(threshold)


@dataclass
class CohortProgress:
    cohort: Cohort | None
    members: list[MemberProgress] = field(default_factory=list)
    threshold: Decimal = Decimal(95)

    @property
    def complete(self) -> bool:
        active = [m for m in self.members if m.participation.status != EntryStatus.WITHDRAWN]
        return bool(active) and all(m.complete(self.threshold) for m in active)

    @property
    def incomplete_members(self) -> list[MemberProgress]:
        return [
            m
            for m in self.members
            if m.participation.status != EntryStatus.WITHDRAWN and not m.complete(self.threshold)
        ]


def applicable_counts(phase: Phase) -> tuple[int, dict[int, int]]:
    """(scenarios for every role, {role id: scenarios for that role only}) among the phase's active
    mandatory scenarios: one query."""
    for_all = 0
    per_role: dict[int, int] = defaultdict(int)
    rows = Scenario.objects.filter(phase=phase, mandatory=True, is_active=True).values_list("id", "roles")
    seen_all: set[int] = set()
    for scenario_id, role_id in rows:
        if role_id is None:
            if scenario_id not in seen_all:
                seen_all.add(scenario_id)
                for_all += 1
        else:
            per_role[role_id] += 1
    return for_all, dict(per_role)


def member_progress(phase: Phase, participations: Iterable[Participation]) -> list[MemberProgress]:
    """Each participation's progress on its applicable scenarios: three queries in all."""
    members = {p.pk: MemberProgress(participation=p) for p in participations}
    if not members:
        return []
    for_all, per_role = applicable_counts(phase)
    for member in members.values():
        member.applicable = for_all + per_role.get(member.participation.role_id, 0)
    applicable = Q(scenario__roles__isnull=True) | Q(scenario__roles=F("participation__role"))
    rows = (
        LatestResult.objects.filter(
            phase=phase,
            participation_id__in=list(members),
            scenario__mandatory=True,
            scenario__is_active=True,
        )
        .filter(applicable)
        .values("participation_id", "result")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in rows:
        member = members[row["participation_id"]]
        if row["result"] == Result.PASSED:
            member.passed += row["n"]
        elif row["result"] == Result.FAILED:
            member.failed += row["n"]
        elif row["result"] == Result.BLOCKED:
            member.blocked += row["n"]
    for member in members.values():
        member.not_run = max(member.applicable - member.executed, 0)
    return list(members.values())


def cohort_progress(
    phase: Phase, participations: Iterable[Participation] | None = None
) -> list[CohortProgress]:
    """The phase's cohorts (and those in none, as a last group with ``cohort`` None), each with its members'
    progress and whether it is complete."""
    if participations is None:
        participations = Participation.objects.filter(phase=phase).select_related(
            "organisation", "role", "cohort"
        )
    members = member_progress(phase, participations)
    threshold = Decimal(phase.pass_threshold)
    groups: dict[int | None, CohortProgress] = {
        c.pk: CohortProgress(cohort=c, threshold=threshold) for c in Cohort.objects.filter(phase=phase)
    }
    for member in members:
        cohort_id = member.participation.cohort_id
        if cohort_id not in groups:
            groups[cohort_id] = CohortProgress(cohort=None, threshold=threshold)
        groups[cohort_id].members.append(member)
    return sorted(groups.values(), key=lambda g: (g.cohort is None, g.cohort.order if g.cohort else 0))


def exit_rule_met(phase: Phase, own_organisations: Iterable[int] | None = None) -> tuple[bool, str]:
    """Whether the phase's exit rule holds (TA-09), and a sentence saying why.

    ``own_organisations``: the sentence is for someone who does not read the whole programme (a
    participant): the other participants are counted, not named, and only these organisations' figures
    are given. None: the full sentence, naming who is still to finish.
    """
    groups = cohort_progress(phase)
    cohorts = [g for g in groups if g.cohort is not None]
    threshold = f"{Decimal(phase.pass_threshold).normalize():f}%"
    redact = own_organisations is not None
    own_ids = frozenset(own_organisations or ())

    def active(members: list[MemberProgress]) -> list[MemberProgress]:
        return [m for m in members if m.participation.status != EntryStatus.WITHDRAWN]

    def yours() -> str:
        own = [
            f"{m.participation.organisation}: {m.pct_passed}%"
            for g in groups
            for m in active(g.members)
            if m.participation.organisation_id in own_ids
        ]
        return "".join(f"; {figure}" for figure in own)

    if phase.exit_rule == ExitRule.ALL_PARTICIPANTS:
        members = [m for g in groups for m in active(g.members)]
        behind = [m for m in members if not m.complete(Decimal(phase.pass_threshold))]
        if members and not behind:
            return True, f"Every participant has passed at least {threshold} of its mandatory scenarios"
        if redact and members:
            return False, (
                f"Not yet complete: {len(behind)} of {len(members)} participants below {threshold}{yours()}"
            )
        names = ", ".join(str(m.participation.organisation) for m in behind[:5]) or "no participants"
        return False, f"Not yet complete: {names}"
    if not cohorts:
        return False, "The phase has no cohorts"
    done = [g for g in cohorts if g.complete]
    if phase.exit_rule == ExitRule.ONE_COHORT and done:
        return True, f"{done[0].cohort.name} is complete: every member passed at least {threshold}"
    if phase.exit_rule == ExitRule.ALL_COHORTS and len(done) == len(cohorts):
        return True, f"Every cohort is complete (each member passed at least {threshold})"
    closest = max(cohorts, key=lambda g: sum(m.complete(g.threshold) for m in g.members))
    if redact:
        left, size = len(closest.incomplete_members), len(active(closest.members))
        return False, (
            f"No cohort complete yet; closest is {closest.cohort.name} "
            f"({left} of {size} members still to finish){yours()}"
        )
    behind = ", ".join(str(m.participation.organisation) for m in closest.incomplete_members[:5])
    return False, f"No cohort complete yet; closest is {closest.cohort.name} (still to finish: {behind})"


def open_issue_counts(issues) -> dict[int | None, int]:
    """{category (None: not yet triaged): open issues} for the issues given (a visible queryset)."""
    rows = issues.filter(status__in=OPEN_ISSUE_STATUSES).values("category").annotate(n=Count("id")).order_by()
    return {row["category"]: row["n"] for row in rows}


def open_issues_of_phase(phase: Phase):
    return TestingIssue.objects.filter(phase=phase, status__in=OPEN_ISSUE_STATUSES)

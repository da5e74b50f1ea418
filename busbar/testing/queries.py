"""Who sees what of test assurance: the only visibility rules of the testing app.

* The service desk and platform administrators (central roles) read every programme.
* An organisation holding a function in a programme (SI, assurer, programme manager, design authority,
  board) reads all of it: every participant's executions, evidence, issues and reports.
* A participant (an organisation taking part in a phase) reads the programme's set-up (phases, cohorts,
  participations and pairings, requirements, scenarios and scripts, gates) and **only its own**
  executions, runs, evidence, latest results and participation reports; testing issues it raised, owns or
  that were raised from its executions.
* Anyone else sees nothing.

Every list, detail, export, report, filter and API field reads through these functions.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from busbar.testing.access import READ_ALL_FUNCTIONS, Access, access_for
from busbar.testing.models import (
    CompletionReport,
    Criterion,
    Evidence,
    Execution,
    Gate,
    GateCondition,
    LatestResult,
    Participation,
    Phase,
    Programme,
    ProgrammeFunction,
    ProgrammeParty,
    Requirement,
    Run,
    Scenario,
    ScriptVersion,
    TestingIssue,
)


def _access(user_or_access) -> Access:
    return user_or_access if isinstance(user_or_access, Access) else access_for(user_or_access)


def _programme_scope(access: Access) -> tuple[QuerySet | None, QuerySet | None]:
    """(ids of the programmes the person sees, ids of those read in full) as subqueries, so that building
    a visible queryset runs no query; (None, None): every programme (the desk, the system)."""
    if not access.is_authenticated:
        none = Programme.objects.none().values("pk")
        return none, none
    if access.is_system or access.is_central:
        return None, None
    orgs = sorted(access.organisation_ids)
    parties = ProgrammeParty.objects.filter(organisation_id__in=orgs)
    full = parties.filter(function__in=READ_ALL_FUNCTIONS).values("programme_id")
    taking_part = Participation.objects.filter(organisation_id__in=orgs).values("phase__programme_id")
    seen = Programme.objects.filter(Q(pk__in=parties.values("programme_id")) | Q(pk__in=taking_part))
    return seen.values("pk"), full


def programme_ids_visible(user_or_access) -> list[int] | None:
    """The ids of the programmes the person may see (one query); None: every programme."""
    seen, _ = _programme_scope(_access(user_or_access))
    return None if seen is None else sorted(seen.values_list("pk", flat=True))


def _in_programmes(qs: QuerySet, ids, path: str) -> QuerySet:
    return qs if ids is None else qs.filter(**{f"{path}__in": ids})


def _visible_programmes(user) -> QuerySet | None:
    return _programme_scope(_access(user))[0]


def _own_or_all(access: Access, programme_path: str, org_path: str) -> Q | None:
    """Rows of programmes read in full, or rows whose ``org_path`` is one of the person's organisations
    (in a programme they see); None: every row (the desk)."""
    seen, full = _programme_scope(access)
    if seen is None:
        return None
    return Q(**{f"{programme_path}__in": full}) | Q(
        **{f"{org_path}__in": sorted(access.organisation_ids)}, **{f"{programme_path}__in": seen}
    )


def programmes_visible_to(user) -> QuerySet[Programme]:
    return _in_programmes(Programme.objects.all(), _visible_programmes(user), "pk")


def phases_visible_to(user) -> QuerySet[Phase]:
    qs = Phase.objects.select_related("programme", "owner")
    return _in_programmes(qs, _visible_programmes(user), "programme_id")


def participations_visible_to(user) -> QuerySet[Participation]:
    qs = Participation.objects.select_related("organisation", "role", "cohort", "phase", "phase__programme")
    return _in_programmes(qs, _visible_programmes(user), "phase__programme_id")


def requirements_visible_to(user) -> QuerySet[Requirement]:
    return _in_programmes(Requirement.objects.all(), _visible_programmes(user), "programme_id")


def scenarios_visible_to(user) -> QuerySet[Scenario]:
    qs = Scenario.objects.select_related("phase", "phase__programme", "current_version")
    return _in_programmes(qs, _visible_programmes(user), "phase__programme_id")


def script_versions_visible_to(user) -> QuerySet[ScriptVersion]:
    qs = ScriptVersion.objects.select_related("scenario", "created_by")
    return _in_programmes(qs, _visible_programmes(user), "scenario__phase__programme_id")


def gates_visible_to(user) -> QuerySet[Gate]:
    qs = Gate.objects.select_related("phase", "phase__programme", "board")
    return _in_programmes(qs, _visible_programmes(user), "phase__programme_id")


def criteria_visible_to(user) -> QuerySet[Criterion]:
    return _in_programmes(Criterion.objects.all(), _visible_programmes(user), "gate__phase__programme_id")


def conditions_visible_to(user) -> QuerySet[GateCondition]:
    qs = GateCondition.objects.select_related("owner", "gate")
    return _in_programmes(qs, _visible_programmes(user), "gate__phase__programme_id")


def executions_visible_to(user) -> QuerySet[Execution]:
    access = _access(user)
    qs = Execution.objects.select_related(
        "scenario", "script_version", "participation__organisation", "participation__role", "environment"
    )
    rule = _own_or_all(access, "phase__programme_id", "participation__organisation_id")
    return qs if rule is None else qs.filter(rule)


def runs_visible_to(user) -> QuerySet[Run]:
    access = _access(user)
    qs = Run.objects.select_related("participation__organisation", "environment", "phase")
    rule = _own_or_all(access, "phase__programme_id", "participation__organisation_id")
    return qs if rule is None else qs.filter(rule)


def latest_results_visible_to(user) -> QuerySet[LatestResult]:
    access = _access(user)
    rule = _own_or_all(access, "phase__programme_id", "participation__organisation_id")
    qs = LatestResult.objects.all()
    return qs if rule is None else qs.filter(rule)


def evidence_visible_to(user) -> QuerySet[Evidence]:
    """Execution evidence through the execution's visibility; criterion evidence to the programme."""
    access = _access(user)
    seen, _ = _programme_scope(access)
    if seen is None:
        return Evidence.objects.all()
    rule = _own_or_all(access, "execution__phase__programme_id", "execution__participation__organisation_id")
    return Evidence.objects.filter(rule | Q(criterion__gate__phase__programme_id__in=seen))


def issues_visible_to(user) -> QuerySet[TestingIssue]:
    access = _access(user)
    qs = TestingIssue.objects.select_related(
        "record", "programme", "phase", "owner", "raised_by_organisation", "participation__organisation"
    )
    seen, full = _programme_scope(access)
    if seen is None:
        return qs
    orgs = sorted(access.organisation_ids)
    return qs.filter(
        Q(programme_id__in=full)
        | Q(raised_by_organisation_id__in=orgs)
        | Q(owner_id__in=orgs)
        | Q(participation__organisation_id__in=orgs)
    )


def reports_visible_to(user) -> QuerySet[CompletionReport]:
    """Phase reports to those who read the programme in full; a participation's report to it too."""
    access = _access(user)
    qs = CompletionReport.objects.select_related("phase", "phase__programme", "participation__organisation")
    rule = _own_or_all(access, "phase__programme_id", "participation__organisation_id")
    return qs if rule is None else qs.filter(rule)


# -- the record kernel's hooks for testing issues ------------------------------------------------------


def visible_to(user) -> QuerySet[TestingIssue]:
    """The record type's visibility rule (busbar.records.registry)."""
    return issues_visible_to(user)


def works_on(user, issue: TestingIssue) -> bool:
    """Who reads internal notes and the whole timeline: those who read the programme in full (the SI,
    assurers, programme manager, design authority, board, the desk) and the organisation that fixes it."""
    access = _access(user)
    return access.reads_all(issue.programme_id) or access.is_member(issue.owner_id)


def mention_parties(issue: TestingIssue) -> frozenset[int]:
    """Organisations whose people may be @mentioned on an issue besides the desk and one's own."""
    from busbar.testing.models import ProgrammeParty

    orgs = set(
        ProgrammeParty.objects.filter(programme_id=issue.programme_id).values_list(
            "organisation_id", flat=True
        )
    )
    for org_id in (issue.owner_id, issue.raised_by_organisation_id):
        if org_id:
            orgs.add(org_id)
    if issue.participation_id:
        orgs.add(issue.participation.organisation_id)
    return frozenset(orgs)


#: How an issue's history reads to those who do not work it (records.queries.redact_timeline).
TIMELINE = {
    "link_actions": frozenset({"testing_issue.link", "testing_issue.raise"}),
    "private_actions": frozenset({"testing_issue.note"}),
    "private_changes": frozenset(),
    "public_notes": frozenset(
        {
            "testing_issue.triage",
            "testing_issue.escalate",
            "testing_issue.determine",
            "testing_issue.exclude",
            "testing_issue.accept",
            "testing_issue.withdraw",
            "testing_issue.reopen",
        }
    ),
}


#: Functions whose holders may be given work (own a fix, own a gate condition). Assurers never are: they
#: are independent of the parties they assure (GV-57).
WORKING_FUNCTIONS = frozenset(
    {
        ProgrammeFunction.SI,
        ProgrammeFunction.PROGRAMME_MANAGER,
        ProgrammeFunction.DESIGN_AUTHORITY,
        ProgrammeFunction.BOARD,
    }
)


def work_owners(programme_id: int) -> QuerySet:
    """The active organisations that may own work in a programme (a testing issue's fix, a gate
    condition): those taking part in its phases and those holding a working function — never an assurer
    only."""
    from busbar.parties.models import Organisation

    parties = ProgrammeParty.objects.filter(programme_id=programme_id, function__in=WORKING_FUNCTIONS)
    taking_part = Participation.objects.filter(phase__programme_id=programme_id)
    return Organisation.objects.filter(is_active=True).filter(
        Q(pk__in=parties.values("organisation_id")) | Q(pk__in=taking_part.values("organisation_id"))
    )

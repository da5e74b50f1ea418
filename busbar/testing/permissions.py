"""Who may do what in test assurance: the only place these rules live (digest §6, §5.9, §9).

``can_<verb>(access, record) -> None`` when allowed, else the reason. ``access`` is a
:class:`busbar.testing.access.Access` (``access_for(user)``, or ``access_of(actor)`` in an action). The
actions refuse with these functions; the pages and the API offer only what they allow.

* The **SI** of a programme runs it: phases, cohorts, participations, pairings, requirements, scenarios and
  scripts; records executions for any participant; triages testing issues and escalates them to the
  programme manager; assesses gate criteria; generates phase completion reports; approves participants'
  completion reports (TA-22).
* A **participant** records its own executions with evidence, imports its own JUnit results, raises testing
  issues from its executions, works the issues it owns, and writes its own completion report (TA-21).
* The **programme manager** determines issues escalated to it or escalates them to the design authority;
  the **design authority** determines what reaches it (TA-31…TA-33).
* A **board** decides the gates it is named on and approves phase completion reports (TA-06, TA-11).
* **Assurers** and the **service desk** read everything and change nothing.
* Platform administrators create programmes and name who holds which function in them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from busbar.testing.models import (
    ESCALATED_STATUSES,
    EntryStatus,
    IssueStatus,
    PhaseStatus,
    ProgrammeFunction,
)

if TYPE_CHECKING:
    from busbar.testing.access import Access
    from busbar.testing.models import (
        CompletionReport,
        Criterion,
        Execution,
        Gate,
        GateCondition,
        Participation,
        Phase,
        Programme,
        Run,
        TestingIssue,
    )

F = ProgrammeFunction
READ_ONLY = "Assurers and the service desk read test assurance; they do not change it"


def _read_only_reason(access: Access, programme_id: int) -> str:
    if access.is_central or access.is_assurer(programme_id):
        return READ_ONLY
    return "Only the programme's systems integrator can do that"


# -- programmes and their set-up -----------------------------------------------------------------------


def can_create_programme(access: Access) -> str | None:
    return None if access.is_platform_admin else "Only platform administrators create test programmes"


def can_name_parties(access: Access, programme: Programme) -> str | None:
    """Say which organisations are the programme's SI, assurers, programme manager, DA and boards."""
    return None if access.is_platform_admin else "Only platform administrators name a programme's parties"


def can_manage_programme(access: Access, programme: Programme) -> str | None:
    """Phases, environments, participant roles and the cohort rule, glide-path plans."""
    if access.is_si(programme.pk) or access.is_platform_admin:
        return None
    return _read_only_reason(access, programme.pk)


def can_manage_phase(access: Access, phase: Phase) -> str | None:
    """Cohorts, participations, entry and grace period, pairings, gates and criteria of a phase."""
    if phase.status == PhaseStatus.CLOSED:
        return f"{phase.name} is closed"
    if access.is_si(phase.programme_id) or access.is_platform_admin:
        return None
    return _read_only_reason(access, phase.programme_id)


def can_specify(access: Access, programme: Programme) -> str | None:
    """Requirements (and their import), scenarios and script versions (TA-22: the SI specifies them)."""
    if access.is_si(programme.pk):
        return None
    return _read_only_reason(access, programme.pk)


# -- executions, runs and evidence ---------------------------------------------------------------------


def can_record(access: Access, participation: Participation) -> str | None:
    """Record an execution (or a run, or a JUnit import) for ``participation``: its own people or the SI."""
    phase = participation.phase
    if phase.status == PhaseStatus.CLOSED:
        return f"{phase.name} is closed: no more results are recorded"
    if participation.status == EntryStatus.WITHDRAWN:
        return f"{participation.organisation} has withdrawn from {phase.name}"
    if access.is_si(phase.programme_id) or access.is_member(participation.organisation_id):
        return None
    if access.is_central or access.is_assurer(phase.programme_id):
        return READ_ONLY
    return "You can record results only for your own organisation"


def can_record_run(access: Access, run: Run) -> str | None:
    return can_record(access, run.participation)


def can_add_evidence(access: Access, execution: Execution) -> str | None:
    return can_record(access, execution.participation)


# -- testing issues ------------------------------------------------------------------------------------


def can_raise_issue(access: Access, phase: Phase, participation: Participation | None = None) -> str | None:
    """A participant raises from its own executions; the SI raises any."""
    if phase.status == PhaseStatus.CLOSED:
        return f"{phase.name} is closed"
    if access.is_si(phase.programme_id):
        return None
    if participation is not None and access.is_member(participation.organisation_id):
        return None
    if access.is_central or access.is_assurer(phase.programme_id):
        return READ_ONLY
    return "You can raise testing issues only from your own organisation's executions"


def is_issue_worker(access: Access, issue: TestingIssue) -> bool:
    """Those who work an issue: the SI, the programme manager, the design authority and the owner."""
    return access.holds(
        issue.programme_id, F.SI, F.PROGRAMME_MANAGER, F.DESIGN_AUTHORITY
    ) or access.is_member(issue.owner_id)


def can_comment_issue(access: Access, issue: TestingIssue) -> str | None:
    """Add an update (or attachments): its workers and the participant that raised it."""
    if issue.status == IssueStatus.WITHDRAWN:
        return f"{issue.reference} is withdrawn"
    if is_issue_worker(access, issue) or access.is_member(issue.raised_by_organisation_id):
        return None
    if issue.participation_id and access.is_member(issue.participation.organisation_id):
        return None
    if access.is_central or access.is_assurer(issue.programme_id):
        return READ_ONLY
    return "Only those working the issue and its raiser can add to it"


def can_note_issue(access: Access, issue: TestingIssue) -> str | None:
    """Internal notes: its workers only."""
    if is_issue_worker(access, issue):
        return None
    return "Only the SI, the programme manager, the design authority and the owner write internal notes"


def can_triage(access: Access, issue: TestingIssue) -> str | None:
    """Set the category, root cause and owner; move it between triaged and in fix (the SI, TA-22)."""
    if access.is_si(issue.programme_id):
        return None
    return _read_only_reason(access, issue.programme_id)


def can_escalate(access: Access, issue: TestingIssue) -> str | None:
    """The next rung of the ladder: the SI to the programme manager, the programme manager to the DA."""
    if issue.status == IssueStatus.ESCALATED_PM:
        if access.holds(issue.programme_id, F.PROGRAMME_MANAGER):
            return None
        return "Only the programme manager escalates to the design authority"
    if access.is_si(issue.programme_id):
        return None
    return "Only the SI escalates a testing issue to the programme manager"


def can_determine(access: Access, issue: TestingIssue) -> str | None:
    """Decide an escalated issue: the programme manager what it holds, the design authority what it holds."""
    if issue.status == IssueStatus.ESCALATED_PM:
        if access.holds(issue.programme_id, F.PROGRAMME_MANAGER):
            return None
        return "Only the programme manager determines issues escalated to it"
    if issue.status == IssueStatus.ESCALATED_DA:
        if access.holds(issue.programme_id, F.DESIGN_AUTHORITY):
            return None
        return "Only the design authority determines issues escalated to it"
    return "The issue is not escalated"


def can_set_outcome(access: Access, issue: TestingIssue) -> str | None:
    """Exclude it, or accept it with a workaround (TA-37): the SI, or the rung that holds it."""
    if issue.status in ESCALATED_STATUSES:
        return can_determine(access, issue)
    return can_triage(access, issue)


def can_fix(access: Access, issue: TestingIssue) -> str | None:
    """Say the fix is in and the issue is ready for retest: the owner or the SI."""
    if access.is_si(issue.programme_id) or access.is_member(issue.owner_id):
        return None
    return "Only the owner of the fix or the SI marks an issue ready for retest"


def can_retest(access: Access, issue: TestingIssue) -> str | None:
    """Link the retest execution that proves (or disproves) the fix: the SI or the raising participant."""
    if access.is_si(issue.programme_id):
        return None
    if issue.participation_id and access.is_member(issue.participation.organisation_id):
        return None
    return "Only the raising participant or the SI records the retest"


def can_withdraw(access: Access, issue: TestingIssue) -> str | None:
    if access.is_si(issue.programme_id) or access.is_member(issue.raised_by_organisation_id):
        return None
    return "Only the raiser or the SI withdraws a testing issue"


def can_reopen(access: Access, issue: TestingIssue) -> str | None:
    return can_triage(access, issue)


# -- gates ---------------------------------------------------------------------------------------------


def can_assess(access: Access, criterion: Criterion) -> str | None:
    """Assess a manual criterion, attach its evidence, waive an automatic one: the SI only (TA-22)."""
    phase = criterion.gate.phase
    if phase.status == PhaseStatus.CLOSED:
        return f"{phase.name} is closed"
    if access.is_si(phase.programme_id):
        return None
    return _read_only_reason(access, phase.programme_id)


def can_decide_gate(access: Access, gate: Gate) -> str | None:
    """Record the gate decision: the people of the board named on it (TA-06)."""
    if access.is_member(gate.board_id) or access.is_system:
        return None
    return f"Only {gate.board_label or gate.board} decides this gate"


def can_close_condition(access: Access, condition: GateCondition) -> str | None:
    gate = condition.gate
    if access.is_member(condition.owner_id) or access.is_si(gate.phase.programme_id):
        return None
    if access.is_member(gate.board_id):
        return None
    return "Only the condition's owner, the SI or the board closes a condition"


# -- completion reports --------------------------------------------------------------------------------


def can_write_report(access: Access, phase: Phase, participation: Participation | None = None) -> str | None:
    """Generate, edit and submit a completion report: the SI for the phase, a participant for its own."""
    if participation is None:
        if access.is_si(phase.programme_id):
            return None
        return "Only the SI writes a phase's completion report"
    if access.is_member(participation.organisation_id):
        return None
    # The SI approves a participant's report (it assures the results, TA-22), so it does not write one.
    return "A participant writes its own completion report; the SI approves it"


def can_decide_report(access: Access, report: CompletionReport) -> str | None:
    """Approve or reject a submitted report: a board of the programme for a phase report (TA-11), the SI
    for a participant's report (it assures PIT results, TA-22)."""
    programme_id = report.phase.programme_id
    if report.participation_id is None:
        if access.holds(programme_id, F.BOARD):
            return None
        return "Only the programme's approval board approves a phase completion report"
    if access.is_si(programme_id):
        return None
    return "Only the SI approves a participant's completion report"


def available_on_issue(access: Access, issue: TestingIssue) -> list[str]:
    """What ``access`` is offered on ``issue`` now: these rules, in the states the transition table allows."""
    from busbar.testing.models import ISSUE_TRANSITIONS, OPEN_ISSUE_STATUSES

    S = IssueStatus
    allowed = ISSUE_TRANSITIONS.get(issue.status, set())
    offers = [
        ("triage", S.TRIAGED in allowed and issue.status not in ESCALATED_STATUSES, can_triage),
        ("start-fix", issue.status == S.TRIAGED, can_fix),
        ("ready-for-retest", S.READY_FOR_RETEST in allowed, can_fix),
        ("retest", issue.status == S.READY_FOR_RETEST, can_retest),
        ("escalate", bool(allowed & ESCALATED_STATUSES), can_escalate),
        ("determine", issue.status in ESCALATED_STATUSES, can_determine),
        ("exclude", S.EXCLUDED in allowed, can_set_outcome),
        ("accept", S.ACCEPTED in allowed, can_set_outcome),
        ("withdraw", S.WITHDRAWN in allowed, can_withdraw),
        ("reopen", issue.status in (S.CLOSED, S.EXCLUDED, S.ACCEPTED), can_reopen),
        ("update", issue.status != S.WITHDRAWN, can_comment_issue),
        ("note", issue.status in OPEN_ISSUE_STATUSES, can_note_issue),
    ]
    return [verb for verb, state_allows, check in offers if state_allows and check(access, issue) is None]

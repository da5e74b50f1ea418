"""Every change to testing issues (digest §6.5, TA-30…TA-38): raising one from a failed execution, triage by
the SI, the fix and its retest, the escalation ladder SI → programme manager → design authority, the
outcomes "excluded" and "accepted with workaround", withdrawing and reopening, and the conversation.

Each is one transaction, refused by :mod:`busbar.testing.permissions`, with status changes through
``ISSUE_TRANSITIONS`` (409). Every triage decision — category, root cause, owner or status changed, an
escalation, a determination, an outcome — writes a :class:`TriageDecision` with its reason **and** a journal
entry (``testing_issue.<verb>``), so assurers can check no party is given precedence (GV-57). People are told
through :mod:`busbar.testing.issue_notify` (inbox now, email on commit).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.utils import timezone

from busbar.audit.journal import record as journal
from busbar.lib.actions import ActionError, Actor, IllegalTransition, action, check_transition, refuse
from busbar.lib.limits import SHORT_TEXT, check_text
from busbar.parties.models import Organisation
from busbar.records import steps
from busbar.records.models import Entry
from busbar.testing import issue_notify, permissions
from busbar.testing.access import access_of
from busbar.testing.models import (
    ESCALATED_STATUSES,
    ISSUE_TRANSITIONS,
    EscalationImpact,
    Execution,
    IssueCategory,
    IssueStatus,
    Participation,
    Phase,
    Result,
    RootCause,
    Scenario,
    TestingIssue,
    TriageDecision,
)
from busbar.testing.triage import programme_organisation_ids, ready_since

S = IssueStatus
#: Results an issue may be raised from.
RAISABLE_RESULTS = frozenset({Result.FAILED, Result.BLOCKED})
#: Outcomes the rung holding an escalated issue may determine.
OUTCOMES = {
    "triaged": S.TRIAGED,
    "in_fix": S.IN_FIX,
    "excluded": S.EXCLUDED,
    "accepted": S.ACCEPTED,
}
RESOLVED = frozenset({S.CLOSED, S.EXCLUDED, S.ACCEPTED})


def _lock(issue: TestingIssue) -> TestingIssue:
    return (
        TestingIssue.objects.select_for_update(of=("self",))
        .select_related("record", "programme", "phase", "owner", "participation", "raised_by")
        .get(pk=issue.pk)
    )


def _owner_of(issue: TestingIssue) -> Organisation | None:
    return issue.owner or issue.raised_by_organisation


def _journal(
    actor: Actor, issue: TestingIssue, verb: str, changes: dict | None = None, note: str = ""
) -> None:
    journal(
        actor=actor,
        action=f"testing_issue.{verb}",
        obj=issue,
        owner=_owner_of(issue),
        changes=changes,
        note=note[:500],
    )


def _decide(
    actor: Actor, issue: TestingIssue, kind: str, changes: dict, reason: str, now: dt.datetime
) -> TriageDecision:
    """One triage decision: the :class:`TriageDecision` row and its journal entry."""
    decision = TriageDecision.objects.create(
        issue=issue,
        decided_at=now,
        decided_by=actor.user,
        decided_by_organisation=actor.organisation,
        kind=kind,
        changes={k: [_plain(a), _plain(b)] for k, (a, b) in changes.items()},
        reason=reason,
    )
    _journal(actor, issue, kind, changes, note=reason)
    return decision


def _plain(value: Any) -> Any:
    if isinstance(value, Organisation):
        return value.name
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return value


def _status(issue: TestingIssue, target: str, now: dt.datetime) -> dict:
    current = issue.status
    check_transition(ISSUE_TRANSITIONS, current, target, what=f"Testing issue {issue.reference}")
    issue.status = target
    if target in RESOLVED:
        issue.resolved_at = now
    elif current in RESOLVED:
        issue.resolved_at = None
    return {"status": [str(current), str(target)]}


def _not_escalated(issue: TestingIssue) -> None:
    """An escalated issue is the rung's to determine (409): not triaged or fixed meanwhile."""
    if issue.status in ESCALATED_STATUSES:
        raise IllegalTransition(
            f"{issue.reference} is {issue.get_status_display().lower()}: it is determined there first",
            field="status",
        )


def _save(issue: TestingIssue, fields: Sequence[str], now: dt.datetime) -> None:
    issue.updated_at = now
    issue.save(update_fields=sorted({*fields, "updated_at", "resolved_at"}))


def _text(value: str, *, field: str, required: str = "", limit: int | None = None) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ActionError(required, field=field)
    if value:
        if limit is None:
            check_text(value, field=field)
        else:
            check_text(value, field=field, limit=limit)
    return value


# -- raising -------------------------------------------------------------------------------------------


@action
def raise_issue(
    *,
    actor: Actor,
    phase: Phase,
    summary: str,
    description: str,
    execution: Execution | None = None,
    participation: Participation | None = None,
    scenario: Scenario | None = None,
    attachments: Sequence[tuple[str, str, bytes]] = (),
    now: dt.datetime | None = None,
) -> TestingIssue:
    """A testing issue in ``phase``: from a failed (or blocked) ``execution`` by its participant or the SI
    (its participation and scenario copied), or by the SI without one."""
    now = now or timezone.now()
    access = access_of(actor)
    if execution is not None:
        if execution.phase_id != phase.pk:
            raise ActionError(f"Execution {execution.pk} is not of {phase.name}", field="execution")
        if participation is not None and participation.pk != execution.participation_id:
            raise ActionError("The participation is not the execution's", field="participation")
        if scenario is not None and scenario.pk != execution.scenario_id:
            raise ActionError("The scenario is not the execution's", field="scenario")
        participation, scenario = execution.participation, execution.scenario
        refuse(permissions.can_raise_issue(access, phase, participation))
        if execution.result not in RAISABLE_RESULTS:
            raise ActionError(
                f"Execution {execution.pk} {execution.get_result_display().lower()}: a testing issue is "
                "raised from a failed or blocked execution",
                field="execution",
            )
    else:
        # Without an execution only the SI raises (a participant raises from its own executions).
        refuse(permissions.can_raise_issue(access, phase, None))
        if participation is not None and participation.phase_id != phase.pk:
            raise ActionError(f"{participation} does not take part in {phase.name}", field="participation")
        if scenario is not None and scenario.phase_id != phase.pk:
            raise ActionError(f"{scenario.code} is not a scenario of {phase.name}", field="scenario")
    summary = _text(summary, field="summary", required="Give the issue a summary", limit=SHORT_TEXT)
    description = _text(description, field="description", required="Describe the issue")
    if participation is not None:
        actor = actor.acting_for(participation.organisation_id)
    kernel = steps.new_record("testing_issue", created_at=now)
    issue = TestingIssue.objects.create(
        record=kernel,
        reference=kernel.reference,
        programme_id=phase.programme_id,
        phase=phase,
        summary=summary,
        description=description,
        execution=execution,
        participation=participation,
        scenario=scenario,
        raised_by=actor.user,
        raised_by_organisation=actor.organisation,
        created_at=now,
        updated_at=now,
    )
    if attachments:
        steps.add_attachments(kernel, None, list(attachments), actor=actor, internal=False)
    changes: dict[str, list] = {"summary": [None, summary], "phase": [None, phase.name]}
    if execution is not None:
        changes["execution"] = [None, f"{scenario.code} #{execution.pk} ({execution.result})"]
    if participation is not None:
        changes["participation"] = [None, str(participation.organisation)]
    if attachments:
        changes["attachments"] = [None, len(attachments)]
    _journal(actor, issue, "raise", changes)
    issue = _lock(issue)
    issue_notify.tell(actor, issue, "raised")
    return issue


# -- triage --------------------------------------------------------------------------------------------


@action
def triage(
    *,
    actor: Actor,
    issue: TestingIssue,
    category: int,
    root_cause: str,
    owner: Organisation | None,
    reason: str = "",
    now: dt.datetime | None = None,
) -> TestingIssue:
    """The SI sets the severity category (TA-34), root-cause category (TA-30) and owner organisation; a new
    (or in-fix, or excluded) issue becomes triaged, a triaged one is re-triaged."""
    now = now or timezone.now()
    issue = _lock(issue)
    refuse(permissions.can_triage(access_of(actor), issue))
    _not_escalated(issue)
    if category not in IssueCategory.values:
        raise ActionError("Choose a category from 1 (critical) to 4 (low)", field="category")
    if root_cause not in RootCause.values:
        raise ActionError(f"Unknown root-cause category {root_cause!r}", field="root_cause")
    if owner is None:
        raise ActionError("Name the organisation that fixes it", field="owner")
    if owner.pk not in programme_organisation_ids(issue.programme_id):
        raise ActionError(
            f"{owner} neither takes part in {issue.programme} nor holds a function in it", field="owner"
        )
    reason = _text(reason, field="reason")
    changes: dict[str, list] = {}
    if issue.category != category:
        changes["category"] = [issue.category, category]
    if issue.root_cause != root_cause:
        changes["root_cause"] = [issue.root_cause or None, root_cause or None]
    owner_changed = issue.owner_id != owner.pk
    if owner_changed:
        changes["owner"] = [issue.owner.name if issue.owner_id else None, owner.name]
    status_changed = issue.status != S.TRIAGED
    if status_changed:
        changes.update(_status(issue, S.TRIAGED, now))
    if not changes:
        raise ActionError("Nothing to change: the issue is already triaged so", field="category")
    issue.category, issue.root_cause, issue.owner = category, root_cause, owner
    if issue.triaged_at is None:
        issue.triaged_at = now
    _save(issue, ["category", "root_cause", "owner", "status", "triaged_at"], now)
    _decide(actor, issue, "triage", changes, reason, now)
    if owner_changed:
        issue_notify.tell(actor, issue, "assigned", note=reason)
    if status_changed:
        issue_notify.tell(actor, issue, "status", note=reason)
    return issue


def _move(
    actor: Actor,
    issue: TestingIssue,
    target: str,
    kind: str,
    reason: str,
    now: dt.datetime,
    *,
    fields: Sequence[str] = (),
    extra: dict | None = None,
) -> TestingIssue:
    """A status change as a triage decision, and the raiser (and watchers) told."""
    changes = _status(issue, target, now)
    changes.update(extra or {})
    _save(issue, ["status", *fields], now)
    _decide(actor, issue, kind, changes, reason, now)
    issue_notify.tell(actor, issue, "status", note=reason)
    return issue


@action
def start_fix(
    *, actor: Actor, issue: TestingIssue, note: str = "", now: dt.datetime | None = None
) -> TestingIssue:
    """The owner (or the SI) starts fixing a triaged issue."""
    now = now or timezone.now()
    issue = _lock(issue)
    refuse(permissions.can_fix(access_of(actor), issue))
    _not_escalated(issue)
    if issue.status != S.TRIAGED:
        # Closed, excluded or accepted issues come back only through reopen (the SI, with a reason).
        raise IllegalTransition(
            f"{issue.reference} is {issue.get_status_display().lower()}: a fix starts "
            "only on a triaged issue",
            field="status",
        )
    return _move(actor, issue, S.IN_FIX, "start_fix", _text(note, field="note"), now)


@action
def ready_for_retest(
    *, actor: Actor, issue: TestingIssue, note: str = "", now: dt.datetime | None = None
) -> TestingIssue:
    """The owner or the SI says the fix is in: the raising participant (or the SI) retests."""
    now = now or timezone.now()
    issue = _lock(issue)
    refuse(permissions.can_fix(access_of(actor), issue))
    return _move(actor, issue, S.READY_FOR_RETEST, "ready_for_retest", _text(note, field="note"), now)


@action
def record_retest(
    *, actor: Actor, issue: TestingIssue, execution: Execution, now: dt.datetime | None = None
) -> TestingIssue:
    """Link the new execution that retests the fix: passed → closed (the execution kept as its proof);
    failed or blocked → back in fix. It must be of the same scenario and participation, recorded after the
    issue became ready for retest."""
    now = now or timezone.now()
    issue = _lock(issue)
    refuse(permissions.can_retest(access_of(actor), issue))
    if issue.status != S.READY_FOR_RETEST:
        raise IllegalTransition(
            f"{issue.reference} is {issue.get_status_display().lower()}: only an issue "
            "ready for retest is retested",
            field="status",
        )
    if execution.phase_id != issue.phase_id:
        raise ActionError(f"Execution {execution.pk} is not of {issue.phase.name}", field="execution")
    if issue.scenario_id and execution.scenario_id != issue.scenario_id:
        raise ActionError(f"Execution {execution.pk} is not of the issue's scenario", field="execution")
    if issue.participation_id and execution.participation_id != issue.participation_id:
        raise ActionError(f"Execution {execution.pk} is not the issue's participant's", field="execution")
    if execution.pk == issue.execution_id:
        raise ActionError(
            "The retest must be a new execution, not the one the issue was raised from", field="execution"
        )
    since = ready_since(issue)
    if since is not None and (execution.created_at < since or execution.executed_at < since):
        raise ActionError(
            f"Execution {execution.pk} was recorded before {issue.reference} became ready for retest",
            field="execution",
        )
    if execution.result == Result.PASSED:
        target, fields = S.CLOSED, ["retest_execution"]
        issue.retest_execution = execution
    elif execution.result in RAISABLE_RESULTS:
        target, fields = S.IN_FIX, []
    else:
        raise ActionError(f"Execution {execution.pk} was not run: it retests nothing", field="execution")
    extra = {"retest": [None, f"#{execution.pk} {execution.result}"]}
    return _move(
        actor,
        issue,
        target,
        "retest",
        f"Retest {execution.get_result_display().lower()}",
        now,
        fields=fields,
        extra=extra,
    )


# -- the escalation ladder and its outcomes ------------------------------------------------------------


@action
def escalate(
    *, actor: Actor, issue: TestingIssue, reason: str, impact: str = "", now: dt.datetime | None = None
) -> TestingIssue:
    """One rung up (TA-31…TA-33): the SI to the programme manager; the programme manager to the design
    authority, when the design baseline or the programme's timeline is hit (``impact``)."""
    now = now or timezone.now()
    issue = _lock(issue)
    refuse(permissions.can_escalate(access_of(actor), issue))
    target = S.ESCALATED_DA if issue.status == S.ESCALATED_PM else S.ESCALATED_PM
    check_transition(ISSUE_TRANSITIONS, issue.status, target, what=f"Testing issue {issue.reference}")
    reason = _text(reason, field="reason", required="Say why it is escalated")
    impact = (impact or "").strip()
    if impact not in EscalationImpact.values:
        raise ActionError(f"Unknown impact {impact!r}", field="impact")
    if target == S.ESCALATED_DA and not impact:
        raise ActionError(
            "The design authority takes issues that hit the design baseline or the programme's timeline: "
            "say which",
            field="impact",
        )
    changes = _status(issue, target, now)
    if impact != issue.escalation_impact:
        changes["escalation_impact"] = [issue.escalation_impact or None, impact or None]
    issue.escalation_impact, issue.escalation_reason = impact, reason
    _save(issue, ["status", "escalation_impact", "escalation_reason"], now)
    _decide(actor, issue, "escalate", changes, reason, now)
    issue_notify.tell(actor, issue, "escalated", note=reason)
    issue_notify.tell(actor, issue, "status", note=reason)
    return issue


def _outcome(
    actor: Actor, issue: TestingIssue, target: str, kind: str, reason: str, workaround: str, now: dt.datetime
) -> TestingIssue:
    fields: list[str] = []
    extra: dict = {}
    if target == S.ACCEPTED:
        workaround = _text(
            workaround, field="workaround", required="Describe the workaround it is accepted with"
        )
        extra["workaround"] = [issue.workaround[:200] or None, workaround[:200]]
        issue.workaround = workaround
        fields.append("workaround")
    if target == S.EXCLUDED:
        issue.exclusion_reason = reason
        fields.append("exclusion_reason")
    return _move(actor, issue, target, kind, reason, now, fields=fields, extra=extra)


@action
def determine(
    *,
    actor: Actor,
    issue: TestingIssue,
    outcome: str,
    reason: str,
    workaround: str = "",
    now: dt.datetime | None = None,
) -> TestingIssue:
    """The rung holding an escalated issue decides it: back to triaged or in fix, excluded, or accepted with
    a workaround (TA-37)."""
    now = now or timezone.now()
    issue = _lock(issue)
    refuse(permissions.can_determine(access_of(actor), issue))
    if outcome not in OUTCOMES:
        raise ActionError(f"Choose an outcome: {', '.join(OUTCOMES)}", field="outcome")
    reason = _text(reason, field="reason", required="Give the reason for the determination")
    check_transition(
        ISSUE_TRANSITIONS, issue.status, OUTCOMES[outcome], what=f"Testing issue {issue.reference}"
    )
    return _outcome(actor, issue, OUTCOMES[outcome], "determine", reason, workaround, now)


@action
def exclude(
    *, actor: Actor, issue: TestingIssue, reason: str, now: dt.datetime | None = None
) -> TestingIssue:
    """Excluded from the phase's results (TA-37): the SI, or the rung holding an escalated issue."""
    now = now or timezone.now()
    issue = _lock(issue)
    refuse(permissions.can_set_outcome(access_of(actor), issue))
    reason = _text(reason, field="reason", required="Say why it is excluded")
    check_transition(ISSUE_TRANSITIONS, issue.status, S.EXCLUDED, what=f"Testing issue {issue.reference}")
    return _outcome(actor, issue, S.EXCLUDED, "exclude", reason, "", now)


@action
def accept_with_workaround(
    *, actor: Actor, issue: TestingIssue, workaround: str, reason: str, now: dt.datetime | None = None
) -> TestingIssue:
    """Accepted with a workaround (TA-37): the SI, or the rung holding an escalated issue."""
    now = now or timezone.now()
    issue = _lock(issue)
    refuse(permissions.can_set_outcome(access_of(actor), issue))
    reason = _text(reason, field="reason", required="Say why it is accepted")
    check_transition(ISSUE_TRANSITIONS, issue.status, S.ACCEPTED, what=f"Testing issue {issue.reference}")
    return _outcome(actor, issue, S.ACCEPTED, "accept", reason, workaround, now)


@action
def withdraw(
    *, actor: Actor, issue: TestingIssue, reason: str, now: dt.datetime | None = None
) -> TestingIssue:
    """The raiser (or the SI) withdraws an issue raised in error."""
    now = now or timezone.now()
    issue = _lock(issue)
    refuse(permissions.can_withdraw(access_of(actor), issue))
    reason = _text(reason, field="reason", required="Say why it is withdrawn")
    return _move(actor, issue, S.WITHDRAWN, "withdraw", reason, now)


#: Where a reopened issue goes back to.
REOPEN_TO = {S.CLOSED: S.IN_FIX, S.ACCEPTED: S.IN_FIX, S.EXCLUDED: S.TRIAGED}


@action
def reopen(*, actor: Actor, issue: TestingIssue, reason: str, now: dt.datetime | None = None) -> TestingIssue:
    """The SI reopens a closed, accepted or excluded issue."""
    now = now or timezone.now()
    issue = _lock(issue)
    refuse(permissions.can_reopen(access_of(actor), issue))
    reason = _text(reason, field="reason", required="Say why it is reopened")
    target = REOPEN_TO.get(issue.status, S.IN_FIX)
    return _move(actor, issue, target, "reopen", reason, now)


# -- the conversation ----------------------------------------------------------------------------------


@action
def add_update(
    *,
    actor: Actor,
    issue: TestingIssue,
    body: str,
    internal: bool = False,
    attachments: Sequence[tuple[str, str, bytes]] = (),
    now: dt.datetime | None = None,
) -> Entry:
    """A public update (its workers and raiser) or an internal note (its workers only), with files."""
    now = now or timezone.now()
    issue = _lock(issue)
    access = access_of(actor)
    refuse(
        permissions.can_note_issue(access, issue)
        if internal
        else permissions.can_comment_issue(access, issue)
    )
    entry = steps.add_entry(issue.record, actor=actor, body=body, internal=internal, now=now)
    if attachments:
        steps.add_attachments(issue.record, entry, list(attachments), actor=actor, internal=internal)
    _save(issue, [], now)
    _journal(
        actor,
        issue,
        "note" if internal else "update",
        {"update": [None, "internal note" if internal else "public update"]},
    )
    if not internal:
        issue_notify.tell(actor, issue, "updated")
    return entry

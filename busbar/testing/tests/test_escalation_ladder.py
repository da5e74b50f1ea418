"""The escalation ladder (TA-31…TA-33): the SI escalates to the programme manager, the programme manager to
the design authority when the design baseline or timeline is hit; each rung determines what it holds. Every
step is a transition with a recorded reason, and the rung's people are told."""

from __future__ import annotations

import pytest

from busbar.lib.actions import ActionError, IllegalTransition, NotPermitted
from busbar.records.models import Notification
from busbar.testing.access import access_for
from busbar.testing.actions import issues as actions
from busbar.testing.models import IssueStatus, TriageDecision
from busbar.testing.permissions import available_on_issue
from busbar.testing.tests.conftest import actor_for
from busbar.testing.tests.issue_fixtures import raised, triaged

S = IssueStatus


def test_si_to_programme_manager_to_design_authority_and_determined(prog):
    issue = triaged(prog)
    actions.escalate(actor=actor_for(prog.si), issue=issue, reason="Alpha disputes the data fix")
    issue.refresh_from_db()
    assert issue.status == S.ESCALATED_PM and issue.escalation_reason == "Alpha disputes the data fix"
    assert Notification.objects.filter(recipient=prog.pm, record=issue.record, kind="assignment").exists()
    assert "determine" in available_on_issue(access_for(prog.pm), issue)
    assert "escalate" in available_on_issue(access_for(prog.pm), issue)
    assert "determine" not in available_on_issue(access_for(prog.si), issue)

    actions.escalate(
        actor=actor_for(prog.pm), issue=issue, reason="Needs a design change", impact="design_baseline"
    )
    issue.refresh_from_db()
    assert issue.status == S.ESCALATED_DA and issue.escalation_impact == "design_baseline"
    assert Notification.objects.filter(recipient=prog.da, record=issue.record, kind="assignment").exists()
    with pytest.raises(NotPermitted):  # the PM no longer holds it
        actions.determine(actor=actor_for(prog.pm), issue=issue, outcome="in_fix", reason="x")

    actions.determine(
        actor=actor_for(prog.da), issue=issue, outcome="in_fix", reason="Fix in the design, release 3"
    )
    issue.refresh_from_db()
    assert issue.status == S.IN_FIX
    kinds = list(TriageDecision.objects.filter(issue=issue).order_by("id").values_list("kind", "reason"))
    assert kinds[1:] == [
        ("escalate", "Alpha disputes the data fix"),
        ("escalate", "Needs a design change"),
        ("determine", "Fix in the design, release 3"),
    ]


def test_design_authority_needs_an_impact(prog):
    issue = triaged(prog)
    actions.escalate(actor=actor_for(prog.si), issue=issue, reason="Dispute")
    with pytest.raises(ActionError) as refused:
        actions.escalate(actor=actor_for(prog.pm), issue=issue, reason="Too big for us")
    assert refused.value.field == "impact" and refused.value.status == 422
    with pytest.raises(ActionError) as unknown:
        actions.escalate(actor=actor_for(prog.pm), issue=issue, reason="x", impact="vibes")
    assert unknown.value.field == "impact"
    issue.refresh_from_db()
    assert issue.status == S.ESCALATED_PM


def test_escalation_needs_a_reason_and_the_right_rung(prog):
    issue = triaged(prog)
    with pytest.raises(ActionError) as no_reason:
        actions.escalate(actor=actor_for(prog.si), issue=issue, reason="  ")
    assert no_reason.value.field == "reason"
    for user in (prog.world.user_a, prog.assurer, prog.world.analyst, prog.pm, prog.da):
        with pytest.raises(NotPermitted):
            actions.escalate(actor=actor_for(user), issue=issue, reason="x")
    with pytest.raises(IllegalTransition):  # an untriaged issue is triaged first
        actions.escalate(actor=actor_for(prog.si), issue=raised(prog, summary="Other"), reason="x")


def test_programme_manager_determines_accepted_with_workaround(prog):
    issue = triaged(prog)
    actions.escalate(actor=actor_for(prog.si), issue=issue, reason="Dispute")
    with pytest.raises(ActionError) as no_workaround:
        actions.determine(actor=actor_for(prog.pm), issue=issue, outcome="accepted", reason="Minor")
    assert no_workaround.value.field == "workaround"
    with pytest.raises(ActionError) as bad_outcome:
        actions.determine(actor=actor_for(prog.pm), issue=issue, outcome="closed", reason="x")
    assert bad_outcome.value.field == "outcome"
    actions.determine(
        actor=actor_for(prog.pm),
        issue=issue,
        outcome="accepted",
        reason="Minor",
        workaround="Resend manually",
    )
    issue.refresh_from_db()
    assert issue.status == S.ACCEPTED and issue.workaround == "Resend manually" and issue.resolved_at


def test_escalated_issue_is_not_triaged_or_fixed_meanwhile(prog):
    issue = triaged(prog)
    actions.escalate(actor=actor_for(prog.si), issue=issue, reason="Dispute")
    with pytest.raises(IllegalTransition):
        actions.triage(
            actor=actor_for(prog.si), issue=issue, category=1, root_cause="", owner=prog.world.org_a
        )
    with pytest.raises(IllegalTransition):
        actions.start_fix(actor=actor_for(prog.si), issue=issue)

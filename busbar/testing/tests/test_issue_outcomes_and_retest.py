"""Outcomes (TA-37): excluded, accepted with a workaround; the fix proven by a NEW execution of the same
scenario and participant recorded after the issue became ready for retest (pass closes it, fail sends it
back to fix); withdrawing and reopening."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from busbar.lib.actions import ActionError, IllegalTransition, NotPermitted
from busbar.records.models import Entry
from busbar.testing.actions import issues as actions
from busbar.testing.models import IssueStatus, Result, TriageDecision
from busbar.testing.tests.conftest import actor_for
from busbar.testing.tests.issue_fixtures import execution, raised, triaged

S = IssueStatus


def _ready(prog):
    issue = triaged(prog)
    actions.start_fix(actor=actor_for(prog.world.user_a), issue=issue)
    return actions.ready_for_retest(actor=actor_for(prog.world.user_a), issue=issue, note="Data reloaded")


def test_passing_retest_closes_failing_sends_back_to_fix(prog):
    issue = _ready(prog)
    failing = execution(prog, prog.part_a, Result.FAILED)
    actions.record_retest(actor=actor_for(prog.world.user_a), issue=issue, execution=failing)
    issue.refresh_from_db()
    assert issue.status == S.IN_FIX and issue.retest_execution is None
    actions.ready_for_retest(actor=actor_for(prog.si), issue=issue)
    passing = execution(prog, prog.part_a, Result.PASSED)
    actions.record_retest(actor=actor_for(prog.si), issue=issue, execution=passing)
    issue.refresh_from_db()
    assert issue.status == S.CLOSED and issue.retest_execution == passing and issue.resolved_at
    assert TriageDecision.objects.filter(issue=issue, kind="retest").count() == 2


def test_retest_must_be_new_same_scenario_and_participant(prog):
    issue = _ready(prog)
    earlier = timezone.now() - dt.timedelta(hours=1)
    cases = [
        (issue.execution, "the one the issue was raised from"),
        (execution(prog, prog.part_a, Result.PASSED, at=earlier), "before"),
        (execution(prog, prog.part_a, Result.PASSED, scenario=1), "scenario"),
        (execution(prog, prog.part_b, Result.PASSED), "participant"),
        (execution(prog, prog.part_a, Result.NOT_RUN), "not run"),
    ]
    for made, words in cases:
        with pytest.raises(ActionError) as refused:
            actions.record_retest(actor=actor_for(prog.si), issue=issue, execution=made)
        assert refused.value.field == "execution" and refused.value.status == 422, words
        assert words in refused.value.message
    issue.refresh_from_db()
    assert issue.status == S.READY_FOR_RETEST


def test_who_records_the_retest(prog):
    issue = _ready(prog)
    passing = execution(prog, prog.part_a, Result.PASSED)
    for user in (prog.world.user_b, prog.assurer, prog.world.analyst, prog.pm):
        with pytest.raises(NotPermitted):
            actions.record_retest(actor=actor_for(user), issue=issue, execution=passing)
    with pytest.raises(IllegalTransition):
        actions.record_retest(
            actor=actor_for(prog.si), issue=triaged(prog, raised(prog, summary="b")), execution=passing
        )


def test_exclude_accept_and_reopen(prog):
    issue = triaged(prog)
    with pytest.raises(ActionError) as no_reason:
        actions.exclude(actor=actor_for(prog.si), issue=issue, reason="")
    assert no_reason.value.field == "reason"
    actions.exclude(actor=actor_for(prog.si), issue=issue, reason="Out of the phase's scope")
    issue.refresh_from_db()
    assert (
        issue.status == S.EXCLUDED
        and issue.exclusion_reason == "Out of the phase's scope"
        and issue.resolved_at
    )
    actions.reopen(actor=actor_for(prog.si), issue=issue, reason="Back in scope")
    issue.refresh_from_db()
    assert issue.status == S.TRIAGED and issue.resolved_at is None
    with pytest.raises(ActionError) as no_workaround:
        actions.accept_with_workaround(actor=actor_for(prog.si), issue=issue, workaround=" ", reason="Minor")
    assert no_workaround.value.field == "workaround"
    actions.accept_with_workaround(actor=actor_for(prog.si), issue=issue, workaround="Resend", reason="Minor")
    issue.refresh_from_db()
    assert issue.status == S.ACCEPTED
    for user in (prog.world.user_a, prog.assurer, prog.world.analyst):
        with pytest.raises(NotPermitted):
            actions.reopen(actor=actor_for(user), issue=issue, reason="x")
    kinds = list(TriageDecision.objects.filter(issue=issue).order_by("id").values_list("kind", flat=True))
    assert kinds == ["triage", "exclude", "reopen", "accept"]


def test_withdraw_by_the_raiser_only(prog):
    issue = raised(prog)
    for user in (prog.world.user_b, prog.assurer, prog.world.analyst, prog.pm):
        with pytest.raises(NotPermitted):
            actions.withdraw(actor=actor_for(user), issue=issue, reason="x")
    actions.withdraw(actor=actor_for(prog.world.user_a), issue=issue, reason="Our mistake")
    issue.refresh_from_db()
    assert issue.status == S.WITHDRAWN
    with pytest.raises(IllegalTransition):
        actions.reopen(actor=actor_for(prog.si), issue=issue, reason="x")


def test_updates_and_internal_notes(prog):
    issue = triaged(prog, owner=prog.agent_org)
    actions.add_update(actor=actor_for(prog.world.user_a), issue=issue, body="Still failing for us")
    actions.add_update(
        actor=actor_for(prog.agent), issue=issue, body="Root cause in our adapter", internal=True
    )
    with pytest.raises(NotPermitted):  # the raiser is no worker: no internal notes
        actions.add_update(actor=actor_for(prog.world.user_a), issue=issue, body="x", internal=True)
    for user in (prog.world.user_b, prog.assurer, prog.world.analyst):
        with pytest.raises(NotPermitted):
            actions.add_update(actor=actor_for(user), issue=issue, body="x")
    assert list(Entry.objects.filter(record=issue.record).values_list("is_internal", flat=True)) == [
        False,
        True,
    ]

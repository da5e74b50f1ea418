"""Automatic criteria are computed from the data when asked, say what blocks them, and a whole gate
evaluates in a constant number of queries."""

from __future__ import annotations

from busbar.testing import criteria
from busbar.testing.models import (
    AutoRule,
    CompletionReport,
    CriterionStatus,
    EntryStatus,
    ReportStatus,
    Result,
)
from busbar.testing.tests.gates_fixtures import auto, gate, issue, pass_all, result


def _state(prog, rule, **kwargs):
    the_gate = gate(prog)
    criterion = auto(prog, the_gate, rule, **kwargs)
    return criteria.evaluate(criterion)


def test_no_open_category_1_issues_names_them(prog):
    first, second = issue(prog, 1), issue(prog, 1, status="in_fix")
    issue(prog, 1, status="closed")
    issue(prog, 2)
    state = _state(prog, AutoRule.NO_OPEN_CAT1)
    assert state.status == CriterionStatus.NOT_MET and state.blocking and state.automatic
    assert state.detail == f"2 open category 1 issues: {first.reference}, {second.reference}"
    both = _state(prog, AutoRule.NO_OPEN_CAT1_2)
    assert both.detail.startswith("3 open category 1 or 2 issues")


def test_no_open_category_1_issues_met(prog):
    issue(prog, 2)
    state = _state(prog, AutoRule.NO_OPEN_CAT1)
    assert state.status == CriterionStatus.MET and not state.blocking
    assert state.detail == "No open category 1 issues"


def test_mandatory_pass_rate_names_who_is_behind(prog):
    pass_all(prog, prog.part_a)
    pass_all(prog, prog.part_agent)
    result(prog, prog.part_b, prog.scenarios[0], Result.PASSED)
    result(prog, prog.part_b, prog.scenarios[1], Result.PASSED)
    result(prog, prog.part_b, prog.scenarios[2], Result.FAILED)
    state = _state(prog, AutoRule.MANDATORY_PASS_RATE)
    assert state.blocking
    assert state.detail == f"Cohort 1: {prog.world.org_b} at 66.7% of 95%"
    lower = _state(prog, AutoRule.MANDATORY_PASS_RATE, threshold=60)
    assert lower.status == CriterionStatus.MET
    assert "passed at least 60%" in lower.detail


def test_withdrawn_members_do_not_hold_the_pass_rate(prog):
    pass_all(prog, prog.part_a)
    pass_all(prog, prog.part_agent)
    prog.part_b.status = EntryStatus.WITHDRAWN
    prog.part_b.save()
    assert _state(prog, AutoRule.MANDATORY_PASS_RATE).status == CriterionStatus.MET


def test_report_approved_reads_the_named_phase(prog):
    the_gate = gate(prog)
    criterion = auto(prog, the_gate, AutoRule.REPORT_APPROVED, rule_phase=prog.phase)
    state = criteria.evaluate(criterion)
    assert state.blocking and state.detail == f"No approved completion report of {prog.phase.name} yet"
    CompletionReport.objects.create(phase=prog.phase, title="SIT completion", status=ReportStatus.SUBMITTED)
    assert criteria.evaluate(criterion).blocking
    CompletionReport.objects.create(
        phase=prog.phase, version=2, title="SIT completion", status=ReportStatus.APPROVED
    )
    met = criteria.evaluate(criterion)
    assert met.status == CriterionStatus.MET and met.detail.startswith("SIT completion v2 approved")


def test_all_entered_names_the_mandatory_participants_not_entered(prog):
    prog.part_agent.mandatory, prog.part_agent.status = True, EntryStatus.PLANNED
    prog.part_agent.save()
    state = _state(prog, AutoRule.ALL_ENTERED)
    assert state.detail == f"1 mandatory participant has not entered: {prog.agent_org}"
    prog.part_agent.status = EntryStatus.GRACE
    prog.part_agent.save()
    assert _state(prog, AutoRule.ALL_ENTERED).status == CriterionStatus.MET


def test_a_waived_automatic_criterion_does_not_block(prog):
    from busbar.testing.actions import gates as gate_actions
    from busbar.testing.tests.conftest import actor_for

    issue(prog, 1)
    the_gate = gate(prog)
    criterion = auto(prog, the_gate, AutoRule.NO_OPEN_CAT1)
    criterion = gate_actions.assess_criterion(
        actor=actor_for(prog.si),
        criterion=criterion,
        status="waived",
        evidence_note="Board accepted TIS risk",
    )
    state = criteria.evaluate(criterion)
    assert state.status == CriterionStatus.WAIVED and not state.blocking
    assert state.detail.startswith("Waived: Board accepted TIS risk (computed: 1 open category 1 issue")


def test_a_gate_evaluates_in_constant_queries(prog, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    the_gate = gate(prog, "sit_exit")
    for rule in (AutoRule.NO_OPEN_CAT1_2, AutoRule.ALL_ENTERED, AutoRule.MANDATORY_PASS_RATE):
        auto(prog, the_gate, rule)
    auto(prog, the_gate, AutoRule.REPORT_APPROVED, rule_phase=prog.phase)
    pass_all(prog, prog.part_a)
    issue(prog, 1)
    with CaptureQueriesContext(connection) as few:
        states = criteria.evaluate_gate(the_gate)
    assert len(states) == the_gate.criteria.count()
    for _ in range(10):
        auto(prog, the_gate, AutoRule.NO_OPEN_CAT1)
        auto(prog, the_gate, AutoRule.MANDATORY_PASS_RATE, threshold=50)
    for _ in range(8):
        issue(prog, 1)
    pass_all(prog, prog.part_b)
    with django_assert_max_num_queries(len(few) + 2):  # counting the issues past the five named (cat 1, 1-2)
        states = criteria.evaluate_gate(the_gate)
    assert len(states) == the_gate.criteria.count()
    assert len(few) <= 14

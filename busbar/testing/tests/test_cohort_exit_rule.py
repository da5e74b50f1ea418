"""TA-09: SIT exits when ONE cohort completes, not all of them; the exit gate's go moves the phase to
exited (journalled), marks the completed cohort, and the gate page says who continues post-SIT."""

from __future__ import annotations

import datetime as dt

import pytest

from busbar.audit.models import AuditEntry
from busbar.conftest import make_org
from busbar.lib.actions import IllegalTransition
from busbar.parties.models import IndustryRole
from busbar.testing import criteria
from busbar.testing.actions import gates as gate_actions
from busbar.testing.models import AutoRule, Cohort, GateKind, GateStatus, Participation, PhaseStatus
from busbar.testing.tests.conftest import actor_for
from busbar.testing.tests.gates_fixtures import gate, manual, meet, pass_all


def _second_cohort(prog):
    cohort = Cohort.objects.create(phase=prog.phase, name="Cohort 2", order=2)
    late = Participation.objects.create(
        phase=prog.phase,
        organisation=make_org("Charlie Power", [IndustryRole.ENERGY_SUPPLIER]),
        role=prog.supplier_role,
        cohort=cohort,
        status="entered",
        entered_on=dt.date(2026, 9, 7),
    )
    return cohort, late


def _exit_gate(prog):
    the_gate = gate(prog, "sit_exit")
    for state in criteria.evaluate_gate(the_gate):
        if not state.automatic:
            meet(prog, state.criterion)
    return the_gate


def test_one_complete_cohort_meets_the_exit_rule(prog):
    cohort2, late = _second_cohort(prog)
    the_gate = _exit_gate(prog)
    rule = the_gate.criteria.get(auto_rule=AutoRule.COHORT_COMPLETE)
    state = criteria.evaluate(rule)
    assert state.blocking and state.detail.startswith("No cohort complete yet")
    for participation in (prog.part_a, prog.part_b, prog.part_agent):
        pass_all(prog, participation)
    state = criteria.evaluate(rule)
    assert state.status == "met" and state.detail.startswith("Cohort 1 is complete")
    # Cohort 2 has not passed anything: the every-member pass rate is advisory under this rule.
    rate = criteria.evaluate(the_gate.criteria.get(auto_rule=AutoRule.MANDATORY_PASS_RATE))
    assert rate.status == "not_met" and not rate.blocking
    assert f"Cohort 2: {late.organisation} at 0.0% of 95%" in rate.detail

    gate_actions.decide_gate(actor=actor_for(prog.pm), gate=the_gate, outcome=GateStatus.GO)
    prog.phase.refresh_from_db()
    assert prog.phase.status == PhaseStatus.EXITED and prog.phase.actual_end is not None
    prog.cohort.refresh_from_db()
    cohort2.refresh_from_db()
    assert prog.cohort.completed_at is not None and cohort2.completed_at is None
    assert [p.pk for p in criteria.post_phase_participants(prog.phase)] == [late.pk]
    entry = AuditEntry.objects.get(action="testing.phase_exit", record_id=str(prog.phase.pk))
    assert entry.changes["status"] == ["in_progress", "exited"]
    assert entry.changes["post_phase"] == [None, str(late.organisation)]

    page = prog.client(prog.world.user_a).get(f"/testing/gates/{the_gate.pk}/")
    assert page.status_code == 200
    assert b"Continuing post-SIT Functional" in page.content
    assert str(late.organisation).encode() in page.content


def test_an_exit_go_on_a_planned_phase_is_an_illegal_transition(prog):
    for participation in (prog.part_a, prog.part_b, prog.part_agent):
        pass_all(prog, participation)
    the_gate = _exit_gate(prog)
    prog.phase.status = PhaseStatus.PLANNED
    prog.phase.save()
    with pytest.raises(IllegalTransition):
        gate_actions.decide_gate(actor=actor_for(prog.pm), gate=the_gate, outcome=GateStatus.GO)
    the_gate.refresh_from_db()
    assert the_gate.status == GateStatus.PENDING


def test_an_entry_gate_go_does_not_exit_the_phase(prog):
    the_gate = gate(prog, kind=GateKind.ENTRY, name="SIT entry")
    meet(prog, manual(prog, the_gate))
    gate_actions.decide_gate(actor=actor_for(prog.pm), gate=the_gate, outcome=GateStatus.GO)
    prog.phase.refresh_from_db()
    assert prog.phase.status == PhaseStatus.IN_PROGRESS

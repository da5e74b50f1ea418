"""Gates start from standard checklists kept as data (TA-05…TA-08): each line becomes a criterion, the
automatic ones with their rule; the operational-readiness list is TA-07's nine items."""

from __future__ import annotations

import pytest

from busbar.lib.actions import ActionError, NotPermitted
from busbar.testing import criteria
from busbar.testing.actions import gates as gate_actions
from busbar.testing.models import AutoRule, ExitRule, GateKind, Phase, PhaseKind
from busbar.testing.tests.conftest import actor_for
from busbar.testing.tests.gates_fixtures import gate


def test_the_standard_checklists_are_data():
    assert {"pit_exit", "sit_entry", "sit_exit", "operational_readiness"} <= set(criteria.CHECKLISTS)
    readiness = [i.text.lower() for i in criteria.CHECKLISTS["operational_readiness"].items]
    assert len(readiness) == 9
    for words in (
        "back-up, restore and recovery (including rollback)",
        "performance, reliability and stability",
        "security",
        "disaster recovery (including failover) and business continuity",
        "data centre",
        "resource skills and experience",
        "training and knowledge transfer",
        "lines of communication",
        "financial budgets",
    ):
        assert any(words in text for text in readiness), words
    entry = [i.text.lower() for i in criteria.CHECKLISTS["sit_entry"].items]
    for words in ("resources", "test cases", "environments", "network connectivity", "security", "tools"):
        assert any(words in text for text in entry), words
    rules = {i.auto_rule for i in criteria.CHECKLISTS["sit_exit"].items}
    assert {AutoRule.NO_OPEN_CAT1, AutoRule.MANDATORY_PASS_RATE, AutoRule.COHORT_COMPLETE} <= rules


def test_a_gate_from_the_sit_entry_checklist_names_the_pit_phase(prog):
    pit = Phase.objects.create(
        programme=prog.programme,
        code="pit",
        name="PIT",
        kind=PhaseKind.PIT,
        planned_start=prog.phase.planned_start,
        planned_end=prog.phase.planned_end,
        owner=prog.si_org,
    )
    entry = gate(prog, "sit_entry", kind=GateKind.ENTRY, name="SIT entry")
    made = list(entry.criteria.order_by("order"))
    assert [c.text for c in made] == [i.text for i in criteria.CHECKLISTS["sit_entry"].items]
    report_rule = next(c for c in made if c.auto_rule == AutoRule.REPORT_APPROVED)
    assert report_rule.rule_phase == pit
    assert any(c.auto_rule == AutoRule.ALL_ENTERED for c in made)


def test_under_the_one_cohort_rule_the_pass_rate_of_every_member_is_advisory(prog):
    assert prog.phase.exit_rule == ExitRule.ONE_COHORT
    exit_gate = gate(prog, "sit_exit")
    rate = exit_gate.criteria.get(auto_rule=AutoRule.MANDATORY_PASS_RATE)
    assert rate.mandatory is False
    assert exit_gate.criteria.get(auto_rule=AutoRule.COHORT_COMPLETE).mandatory is True


def test_creating_gates_and_criteria_is_the_sis_and_checked(prog):
    w = prog.world
    for user in (w.user_a, prog.assurer, w.analyst, prog.pm):
        with pytest.raises(NotPermitted):
            gate(prog.__class__(**{**prog.__dict__, "si": user}), "sit_exit")
    with pytest.raises(ActionError) as refused:
        gate(prog, "no_such_list")
    assert refused.value.field == "checklist"
    with pytest.raises(ActionError) as refused:
        gate_actions.create_gate(
            actor=actor_for(prog.si), phase=prog.phase, kind="exit", name="X", board=prog.si_org
        )
    assert refused.value.field == "board"
    the_gate = gate(prog)
    with pytest.raises(ActionError) as refused:
        gate_actions.add_criterion(
            actor=actor_for(prog.si), gate=the_gate, text="PIT approved", auto_rule=AutoRule.REPORT_APPROVED
        )
    assert refused.value.field == "rule_phase"
    with pytest.raises(ActionError) as refused:
        gate_actions.add_criterion(
            actor=actor_for(prog.si),
            gate=the_gate,
            text="Pass",
            auto_rule="mandatory_pass_rate",
            threshold=120,
        )
    assert refused.value.field == "threshold"
    with pytest.raises(ActionError) as refused:
        gate_actions.add_criterion(actor=actor_for(prog.si), gate=the_gate, text="  ")
    assert refused.value.field == "text"
    with pytest.raises(NotPermitted):
        gate_actions.add_criterion(actor=actor_for(prog.assurer), gate=the_gate, text="Anything")

"""The board's decision: only the named board decides; refused naming the criterion while a mandatory
criterion has no evidence; a go only when every mandatory criterion is met or waived; a go with conditions
needs conditions; a no-go a reason; the criteria are kept as they stood."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from busbar.audit.models import AuditEntry
from busbar.lib.actions import ActionError, IllegalTransition, NotPermitted
from busbar.records.models import Notification
from busbar.testing.actions import gates as gate_actions
from busbar.testing.models import AutoRule, GateStatus
from busbar.testing.tests.conftest import actor_for
from busbar.testing.tests.gates_fixtures import auto, gate, issue, manual, meet


def _decide(prog, the_gate, outcome, user=None, **kwargs):
    return gate_actions.decide_gate(
        actor=actor_for(user or prog.pm), gate=the_gate, outcome=outcome, **kwargs
    )


def test_only_the_named_board_decides(prog):
    the_gate = gate(prog)
    meet(prog, manual(prog, the_gate))
    w = prog.world
    for user in (prog.si, prog.assurer, w.analyst, w.user_a, w.user_b, prog.da):
        with pytest.raises(NotPermitted):
            _decide(prog, the_gate, GateStatus.GO, user=user)
    assert _decide(prog, the_gate, GateStatus.GO).outcome == GateStatus.GO


def test_refused_naming_the_mandatory_criterion_without_evidence(prog):
    the_gate = gate(prog)
    manual(prog, the_gate, "SIT Test Stage Completion Report approved")
    manual(prog, the_gate, "Nice to have", mandatory=False)
    for outcome, kwargs in (
        (GateStatus.GO, {}),
        (GateStatus.NO_GO, {"note": "Not ready"}),
    ):
        with pytest.raises(ActionError) as refused:
            _decide(prog, the_gate, outcome, **kwargs)
        assert refused.value.status == 422 and refused.value.field == "criteria"
        assert "'SIT Test Stage Completion Report approved'" in refused.value.message
        assert "Nice to have" not in refused.value.message
    the_gate.refresh_from_db()
    assert the_gate.status == GateStatus.PENDING and not the_gate.decisions.exists()


def test_a_go_needs_every_mandatory_criterion_met_or_waived(prog):
    the_gate = gate(prog)
    first = issue(prog, 1)
    criterion = manual(prog, the_gate)
    gate_actions.assess_criterion(
        actor=actor_for(prog.si), criterion=criterion, status="not_met", evidence_note="Report rejected"
    )
    auto(prog, the_gate, AutoRule.NO_OPEN_CAT1)
    with pytest.raises(ActionError) as refused:
        _decide(prog, the_gate, GateStatus.GO)
    assert refused.value.field == "criteria"
    assert "'Test report approved'" in refused.value.message
    assert f"1 open category 1 issue: {first.reference}" in refused.value.message
    meet(prog, criterion)
    first.status = "closed"
    first.save()
    decision = _decide(prog, the_gate, GateStatus.GO, note="All clear")
    assert [c["status"] for c in decision.criteria] == ["met", "met"]
    assert decision.criteria[1]["detail"] == "No open category 1 issues"


def test_go_with_conditions_needs_owned_dated_conditions(prog):
    the_gate = gate(prog)
    meet(prog, manual(prog, the_gate))
    with pytest.raises(ActionError) as refused:
        _decide(prog, the_gate, GateStatus.GO_WITH_CONDITIONS)
    assert refused.value.field == "conditions"
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    with pytest.raises(ActionError) as refused:
        _decide(
            prog,
            the_gate,
            GateStatus.GO_WITH_CONDITIONS,
            conditions=[{"text": "Retest IF-041", "owner": prog.world.org_b, "due_on": yesterday}],
        )
    assert refused.value.field == "conditions[0].due_on"
    with pytest.raises(ActionError) as refused:
        _decide(prog, the_gate, GateStatus.GO, conditions=[{"text": "x", "owner": prog.world.org_b}])
    assert refused.value.field == "conditions"


def test_no_go_needs_a_reason_and_may_be_decided_again(prog):
    the_gate = gate(prog)
    criterion = manual(prog, the_gate)
    gate_actions.assess_criterion(
        actor=actor_for(prog.si), criterion=criterion, status="not_met", evidence_note="Pack section 3"
    )
    with pytest.raises(ActionError) as refused:
        _decide(prog, the_gate, GateStatus.NO_GO)
    assert refused.value.field == "note"
    _decide(prog, the_gate, GateStatus.NO_GO, note="Report not approved yet")
    meet(prog, criterion)
    _decide(prog, the_gate, GateStatus.GO)
    with pytest.raises(IllegalTransition):
        _decide(prog, the_gate, GateStatus.NO_GO, note="Changed our minds")
    assert list(the_gate.decisions.values_list("outcome", flat=True)) == ["go", "no_go"]
    entries = AuditEntry.objects.filter(action="testing.gate_decide", record_id=str(the_gate.pk))
    assert entries.count() == 2


def test_a_decided_gates_criteria_no_longer_change(prog):
    the_gate = gate(prog)
    criterion = meet(prog, manual(prog, the_gate))
    _decide(prog, the_gate, GateStatus.GO)
    with pytest.raises(ActionError) as refused:
        gate_actions.assess_criterion(actor=actor_for(prog.si), criterion=criterion, status="not_met")
    assert refused.value.status == 409


def test_the_si_and_condition_owners_are_told(prog, django_capture_on_commit_callbacks):
    the_gate = gate(prog)
    meet(prog, manual(prog, the_gate))
    due = timezone.localdate() + dt.timedelta(days=14)
    with django_capture_on_commit_callbacks(execute=True):
        _decide(
            prog,
            the_gate,
            GateStatus.GO_WITH_CONDITIONS,
            conditions=[{"text": "Close TIS for IF-041", "owner": prog.world.org_b, "due_on": due}],
        )
    told = {n.recipient_id: n.kind for n in Notification.objects.filter(url=f"/testing/gates/{the_gate.pk}/")}
    assert told[prog.si.pk] == Notification.Kind.BULLETIN
    assert told[prog.world.user_b.pk] == Notification.Kind.ASSIGNMENT
    assert prog.world.user_a.pk not in told
    assert all(len(m.to) == 1 for m in mail.outbox)
    assert {prog.si.email, prog.world.user_b.email} <= {m.to[0] for m in mail.outbox}

"""Conditions of a go with conditions are tracked to closure: closed with a note by their owner, the SI or
the board; shown on the gate's page and the phase's gates list while open."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from busbar.audit.models import AuditEntry
from busbar.lib.actions import ActionError, NotPermitted
from busbar.testing.actions import gates as gate_actions
from busbar.testing.models import ConditionStatus, GateStatus
from busbar.testing.tests.conftest import actor_for
from busbar.testing.tests.gates_fixtures import gate, manual, meet


def _conditional(prog):
    the_gate = gate(prog)
    meet(prog, manual(prog, the_gate))
    due = timezone.localdate() + dt.timedelta(days=7)
    decision = gate_actions.decide_gate(
        actor=actor_for(prog.pm),
        gate=the_gate,
        outcome=GateStatus.GO_WITH_CONDITIONS,
        conditions=[{"text": "Bravo retests IF-041 in SIT-A", "owner": prog.world.org_b, "due_on": due}],
    )
    return the_gate, decision.conditions.get()


def test_a_condition_is_closed_with_a_note_by_its_owner(prog):
    the_gate, condition = _conditional(prog)
    w = prog.world
    for user in (w.user_a, prog.assurer, w.analyst, prog.agent):
        with pytest.raises(NotPermitted):
            gate_actions.close_condition(actor=actor_for(user), condition=condition, note="Done")
    with pytest.raises(ActionError) as refused:
        gate_actions.close_condition(actor=actor_for(w.user_b), condition=condition, note="  ")
    assert refused.value.field == "note"
    gate_actions.close_condition(actor=actor_for(w.user_b), condition=condition, note="Retest passed")
    condition.refresh_from_db()
    assert condition.status == ConditionStatus.CLOSED and condition.closed_by == w.user_b
    assert AuditEntry.objects.filter(action="testing.condition_close", record_id=str(condition.pk)).exists()
    with pytest.raises(ActionError) as again:
        gate_actions.close_condition(actor=actor_for(prog.si), condition=condition, note="Again")
    assert again.value.status == 409


def test_open_conditions_show_on_the_gate_and_the_gates_list(prog):
    the_gate, condition = _conditional(prog)
    si = prog.client(prog.si)
    listing = si.get(f"/testing/{prog.programme.code}/{prog.phase.code}/gates/")
    assert b"Bravo retests IF-041 in SIT-A" in listing.content and b"1 open" in listing.content
    page = si.get(f"/testing/gates/{the_gate.pk}/")
    assert b"Open conditions" in page.content and b"Close the condition" in page.content
    closed = prog.client(prog.world.user_b).post(
        f"/testing/gates/{the_gate.pk}/conditions/{condition.pk}/close/",
        {f"k{condition.pk}-note": "Retested"},
    )
    assert closed.status_code == 302
    page = si.get(f"/testing/gates/{the_gate.pk}/")
    assert b"Open conditions" not in page.content and b"Retested" in page.content
    refused = prog.client(prog.world.user_a).post(
        f"/testing/gates/{the_gate.pk}/conditions/{condition.pk}/close/", {f"k{condition.pk}-note": "x"}
    )
    assert refused.status_code == 403


def test_the_board_decides_with_conditions_on_the_page(prog):
    the_gate = gate(prog)
    criterion = manual(prog, the_gate)
    si = prog.client(prog.si)
    files = [
        SimpleUploadedFile("connectivity.txt", b"DIP ping OK 12ms", content_type="text/plain"),
        SimpleUploadedFile("report.csv", b"scenario,result\nSIT-F-001,passed\n", content_type="text/csv"),
    ]
    uploaded = si.post(
        f"/testing/gates/{the_gate.pk}/criteria/{criterion.pk}/assess/",
        {f"c{criterion.pk}-status": "met", f"c{criterion.pk}-files": files},
    )
    assert uploaded.status_code == 302
    assert criterion.evidence.count() == 2
    board = prog.client(prog.pm)
    past = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    form = {
        "decide-outcome": "go_with_conditions",
        "decide-condition_1_text": "Bravo retests IF-041",
        "decide-condition_1_owner": prog.world.org_b.pk,
        "decide-condition_1_due": past,
    }
    refused = board.post(f"/testing/gates/{the_gate.pk}/decide/", form)
    assert refused.status_code == 422 and b"is in the past" in refused.content
    future = (timezone.localdate() + dt.timedelta(days=10)).isoformat()
    done = board.post(f"/testing/gates/{the_gate.pk}/decide/", {**form, "decide-condition_1_due": future})
    assert done.status_code == 302
    the_gate.refresh_from_db()
    assert the_gate.status == GateStatus.GO_WITH_CONDITIONS
    assert the_gate.conditions.get().owner == prog.world.org_b
    page = board.get(f"/testing/gates/{the_gate.pk}/")
    assert b"Decision history" in page.content and b"The criteria as they stood (1)" in page.content


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }

"""A completion report is submitted, then approved or not through a recorded decision by whom the rules
name (a board for a phase report, the SI for a participant's); decided reports never change."""

from __future__ import annotations

import pytest

from busbar.audit.models import AuditEntry
from busbar.lib.actions import ActionError, IllegalTransition, NotPermitted
from busbar.testing.actions.reports import decide_report, generate_report, submit_report
from busbar.testing.tests.conftest import actor_for

pytestmark = pytest.mark.django_db


def test_board_approves_a_submitted_phase_report_and_it_is_journalled(prog):
    report = generate_report(actor=actor_for(prog.si), phase=prog.phase)
    with pytest.raises(IllegalTransition):
        decide_report(actor=actor_for(prog.pm), report=report, approve=True)  # still a draft
    submit_report(actor=actor_for(prog.si), report=report)
    for who in (prog.si, prog.assurer, prog.world.analyst, prog.world.user_a, prog.da):
        with pytest.raises(NotPermitted):
            decide_report(actor=actor_for(who), report=report, approve=True)
    decided = decide_report(actor=actor_for(prog.pm), report=report, approve=True, note="Board of 3 Feb")
    assert decided.status == "approved" and decided.decided_by == prog.pm
    assert decided.decided_by_organisation == prog.pm_org and decided.decision_note == "Board of 3 Feb"
    entry = AuditEntry.objects.get(action="testing.report.approve", record_id=str(report.pk))
    assert entry.changes == {"status": ["submitted", "approved"]} and entry.note == "Board of 3 Feb"
    # Approved: immutable.
    with pytest.raises(IllegalTransition):
        submit_report(actor=actor_for(prog.si), report=decided)
    with pytest.raises(IllegalTransition):
        decide_report(actor=actor_for(prog.pm), report=decided, approve=False, note="changed my mind")


def test_rejection_needs_a_note_and_is_final(prog):
    report = generate_report(actor=actor_for(prog.si), phase=prog.phase)
    submit_report(actor=actor_for(prog.si), report=report)
    with pytest.raises(ActionError) as caught:
        decide_report(actor=actor_for(prog.pm), report=report, approve=False, note="  ")
    assert caught.value.field == "note"
    rejected = decide_report(actor=actor_for(prog.pm), report=report, approve=False, note="Cohort 2 missing")
    assert rejected.status == "rejected"
    assert AuditEntry.objects.filter(action="testing.report.reject", record_id=str(report.pk)).exists()
    with pytest.raises(IllegalTransition):
        decide_report(actor=actor_for(prog.pm), report=rejected, approve=True)


def test_participants_report_is_approved_by_the_si(prog):
    report = generate_report(actor=actor_for(prog.world.user_a), phase=prog.phase, participation=prog.part_a)
    with pytest.raises(NotPermitted):
        submit_report(actor=actor_for(prog.world.user_b), report=report)
    submit_report(actor=actor_for(prog.world.user_a), report=report)
    for who in (prog.world.user_a, prog.pm, prog.assurer):
        with pytest.raises(NotPermitted):
            decide_report(actor=actor_for(who), report=report, approve=True)
    assert decide_report(actor=actor_for(prog.si), report=report, approve=True).status == "approved"

"""A participant writes its own completion report and the SI approves it (TA-21, TA-22): the SI does not
write a participant's report, so no one approves what it wrote itself; a phase report is written by the SI
and approved by a board."""

from __future__ import annotations

import pytest

from busbar.lib.actions import NotPermitted
from busbar.testing.actions import reports
from busbar.testing.models import ReportStatus
from busbar.testing.tests.conftest import actor_for


def test_the_si_does_not_write_a_participants_report(prog):
    with pytest.raises(NotPermitted, match="writes its own"):
        reports.generate_report(actor=actor_for(prog.si), phase=prog.phase, participation=prog.part_a)
    response = prog.client(prog.si).post(
        f"/api/v1/testing/phases/{prog.phase.pk}/reports",
        {"participation": prog.part_a.pk},
        content_type="application/json",
    )
    assert response.status_code == 403


def test_the_participant_writes_and_the_si_approves(prog):
    alpha = actor_for(prog.world.user_a)
    report = reports.generate_report(actor=alpha, phase=prog.phase, participation=prog.part_a)
    report = reports.submit_report(actor=alpha, report=report)
    with pytest.raises(NotPermitted):
        reports.decide_report(actor=alpha, report=report, approve=True)
    report = reports.decide_report(
        actor=actor_for(prog.si), report=report, approve=True, note="Evidence sound"
    )
    assert report.status == ReportStatus.APPROVED

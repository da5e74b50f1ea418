"""A testing issue is raised from a failed (or blocked) execution by its participant or the SI, copying the
execution's participation and scenario; the SI may also raise one without an execution. Nothing else."""

from __future__ import annotations

import pytest
from django.core import mail

from busbar.lib.actions import ActionError, NotPermitted
from busbar.records.models import Attachment, Notification
from busbar.testing import models
from busbar.testing.actions import issues as actions
from busbar.testing.models import IssueStatus, Result
from busbar.testing.tests.conftest import actor_for
from busbar.testing.tests.issue_fixtures import execution, raised


def test_participant_raises_from_its_failed_execution(prog, django_capture_on_commit_callbacks):
    failed = execution(prog, prog.part_a)
    with django_capture_on_commit_callbacks(execute=True):
        issue = actions.raise_issue(
            actor=actor_for(prog.world.user_a),
            phase=prog.phase,
            summary="Registration update rejected",
            description="Schema error E042",
            execution=failed,
            attachments=[("dip.log", "text/plain", b"E042 rejected\n")],
        )
    assert issue.reference.startswith("TIS")
    assert issue.status == IssueStatus.NEW
    assert (issue.participation, issue.scenario, issue.execution) == (prog.part_a, failed.scenario, failed)
    assert issue.raised_by_organisation == prog.world.org_a and issue.programme == prog.programme
    assert Attachment.objects.filter(record=issue.record, filename="dip.log").count() == 1
    # The SI is told: in the inbox and by email, one message per recipient.
    assert Notification.objects.filter(recipient=prog.si, record=issue.record).count() == 1
    assert [m.to for m in mail.outbox] == [[prog.si.email]]
    assert issue.reference in mail.outbox[0].subject


def test_blocked_counts_and_the_si_raises_for_anyone(prog):
    blocked = execution(prog, prog.part_b, Result.BLOCKED)
    issue = raised(prog, prog.si, execution=blocked)
    assert issue.participation == prog.part_b and issue.raised_by == prog.si


def test_si_raises_without_an_execution(prog):
    issue = actions.raise_issue(
        actor=actor_for(prog.si),
        phase=prog.phase,
        summary="SIT-A environment DNS failures",
        description="Intermittent",
        scenario=prog.scenarios[1],
    )
    assert issue.execution is None and issue.scenario == prog.scenarios[1]


@pytest.mark.parametrize("result", [Result.PASSED, Result.NOT_RUN])
def test_raising_from_a_passed_or_unrun_execution_is_refused(prog, result):
    ok = execution(prog, prog.part_a, result)
    with pytest.raises(ActionError) as refused:
        raised(prog, execution=ok)
    assert refused.value.status == 422 and refused.value.field == "execution"
    assert not models.TestingIssue.objects.exists()


def test_who_may_not_raise(prog):
    w = prog.world
    theirs = execution(prog, prog.part_b)
    for user in (w.user_a, prog.assurer, w.analyst):
        with pytest.raises(NotPermitted):
            raised(prog, user, execution=theirs)
    with pytest.raises(NotPermitted):  # a participant raises only from an execution
        actions.raise_issue(actor=actor_for(w.user_a), phase=prog.phase, summary="x", description="y")
    assert not models.TestingIssue.objects.exists()


def test_bad_input_names_the_field_and_writes_nothing(prog):
    with pytest.raises(ActionError) as empty:
        raised(prog, summary="  ")
    assert empty.value.field == "summary"
    with pytest.raises(ActionError) as mismatch:
        raised(prog, participation=prog.part_a, scenario=prog.scenarios[2])
    assert mismatch.value.field == "scenario"
    with pytest.raises(ActionError) as bad_file:
        raised(prog, attachments=[("evil.pdf", "application/pdf", b"not a pdf")])
    assert bad_file.value.field == "attachments[0]"
    assert not models.TestingIssue.objects.exists()

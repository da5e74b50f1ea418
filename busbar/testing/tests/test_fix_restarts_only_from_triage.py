"""A fix starts only on a triaged issue, and only an issue ready for retest is retested: a closed, excluded or
accepted issue comes back only through the SI's reopen, with a reason (review finding: the owner could undo
an "accepted with workaround" determination through "start fix" or a retest)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from busbar.lib.actions import IllegalTransition
from busbar.testing import permissions
from busbar.testing.access import access_for
from busbar.testing.actions import issues as actions
from busbar.testing.models import IssueStatus, Result
from busbar.testing.tests.conftest import actor_for
from busbar.testing.tests.issue_fixtures import execution, triaged


def _accepted(prog):
    issue = triaged(prog, owner=prog.world.org_b)
    return actions.accept_with_workaround(
        actor=actor_for(prog.si), issue=issue, workaround="Resend after 5 minutes", reason="Minor"
    )


def test_the_owner_cannot_restart_an_accepted_issue(prog):
    issue = _accepted(prog)
    assert "start-fix" not in permissions.available_on_issue(access_for(prog.world.user_b), issue)
    with pytest.raises(IllegalTransition, match="only on a triaged issue"):
        actions.start_fix(actor=actor_for(prog.world.user_b), issue=issue)
    response = prog.client(prog.world.user_b).post(
        f"/api/v1/testing/issues/{issue.reference}/start-fix", {}, content_type="application/json"
    )
    assert response.status_code == 409
    issue.refresh_from_db()
    assert issue.status == IssueStatus.ACCEPTED


def test_only_an_issue_ready_for_retest_is_retested(prog):
    issue = _accepted(prog)
    older = execution(prog, prog.part_a, Result.FAILED, at=timezone.now() - dt.timedelta(days=3))
    with pytest.raises(IllegalTransition, match="only an issue ready for retest"):
        actions.record_retest(actor=actor_for(prog.world.user_a), issue=issue, execution=older)
    issue.refresh_from_db()
    assert issue.status == IssueStatus.ACCEPTED


def test_the_retest_form_on_the_issue_page_links_the_new_execution(prog):
    issue = triaged(prog)
    issue = actions.start_fix(actor=actor_for(prog.world.user_a), issue=issue)
    issue = actions.ready_for_retest(actor=actor_for(prog.world.user_a), issue=issue, note="Data fixed")
    retest = execution(prog, prog.part_a, Result.PASSED, at=timezone.now() + dt.timedelta(seconds=1))
    client = prog.client(prog.world.user_a)
    page = client.get(f"/testing/issues/{issue.reference}/")
    assert f'value="{retest.pk}"' in page.content.decode()
    response = client.post(f"/testing/issues/{issue.reference}/retest/", {"retest-execution": retest.pk})
    assert response.status_code == 302, response.content[:500]
    issue.refresh_from_db()
    assert issue.status == IssueStatus.CLOSED and issue.retest_execution == retest

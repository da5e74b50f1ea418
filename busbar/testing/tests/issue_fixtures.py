"""Helpers of the testing-issue tests: executions made as rows (the executions actions are another area's),
issues raised and moved along through the issue actions."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from busbar.testing.actions import issues as actions
from busbar.testing.models import Execution, LatestResult, Result, TestingIssue
from busbar.testing.tests.conftest import actor_for


def execution(
    prog, participation, result=Result.FAILED, *, scenario=0, at: dt.datetime | None = None
) -> Execution:
    """An execution of ``prog.scenarios[scenario]`` by ``participation`` (and its latest result)."""
    chosen = prog.scenarios[scenario]
    at = at or timezone.now()
    made = Execution.objects.create(
        phase=prog.phase,
        scenario=chosen,
        script_version=chosen.current_version,
        participation=participation,
        result=result,
        executed_at=at,
        created_at=at,
        week=(at - dt.timedelta(days=at.weekday())).date(),
        is_first=not Execution.objects.filter(scenario=chosen, participation=participation).exists(),
    )
    LatestResult.objects.update_or_create(
        scenario=chosen,
        participation=participation,
        defaults={"phase": prog.phase, "execution": made, "result": result, "executed_at": at},
    )
    return made


def raised(
    prog, user=None, *, summary="Registration update rejected by the DIP", participation=None, **kw
) -> TestingIssue:
    """An issue raised by ``user`` (Alpha's test lead by default) from a failed execution of its own."""
    user = user or prog.world.user_a
    participation = participation or prog.part_a
    failed = kw.pop("execution", None) or execution(prog, participation)
    return actions.raise_issue(
        actor=actor_for(user),
        phase=prog.phase,
        summary=summary,
        description="IF-021 message rejected with schema error E042.",
        execution=failed,
        **kw,
    )


def triaged(prog, issue=None, *, category=2, root_cause="test_data", owner=None) -> TestingIssue:
    issue = issue or raised(prog)
    return actions.triage(
        actor=actor_for(prog.si),
        issue=issue,
        category=category,
        root_cause=root_cause,
        owner=owner or prog.world.org_a,
        reason="Alpha's test data has the wrong MPAN",
    )

"""The desk links recurring incidents to a problem, marks it known, and closes it only after the fix."""

import pytest

from busbar.lib.actions import Conflict, IllegalTransition, NotPermitted
from busbar.problems import actions
from busbar.problems.models import Status
from busbar.problems.tests.conftest import actor_for, problem_for, raise_for
from busbar.records.models import Link

pytestmark = pytest.mark.django_db


def test_three_incidents_known_fixed_resolved_closed(world, catalogue) -> None:
    incidents = [raise_for(world, catalogue, summary=f"Upload timed out #{n}") for n in range(3)]
    desk = actor_for(world.analyst)
    problem = problem_for(world, catalogue, incidents=tuple(incidents[:2]))
    assert problem.reference.startswith("PRB") and problem.owner == world.provider
    assert actions.link_incidents(actor=desk, problem=problem, incidents=[incidents[2].reference]) == [
        incidents[2].reference
    ]
    assert Link.objects.filter(target=problem.record, kind="caused_by").count() == 3
    actions.mark_known(actor=desk, problem=problem, workaround="Upload at most 400 rows per file.")
    problem.refresh_from_db()
    assert problem.status == Status.KNOWN_PROBLEM and problem.is_known and problem.known_since
    with pytest.raises(Conflict, match="no implemented fix"):
        actions.resolve_problem(actor=desk, problem=problem)
    with pytest.raises(IllegalTransition):
        actions.close_problem(actor=desk, problem=problem)  # still open: no fix → refused before the table
    actions.record_fix(
        actor=actor_for(world.resolver), problem=problem, fix="Chunked validation", implemented=False
    )
    problem.refresh_from_db()
    assert problem.status == Status.FIX_IN_CHANGE and problem.fix_implemented_at is None
    actions.record_fix(
        actor=actor_for(world.resolver), problem=problem, fix="Chunked validation", implemented=True
    )
    actions.resolve_problem(actor=actor_for(world.resolver), problem=problem, note="Release 4.12.1 live")
    actions.close_problem(actor=desk, problem=problem)
    problem.refresh_from_db()
    assert problem.status == Status.CLOSED and problem.closed_at and not problem.shows_workaround


def test_only_the_desk_and_the_owner_work_it(world, catalogue) -> None:
    problem = problem_for(world, catalogue)
    with pytest.raises(NotPermitted):
        actions.mark_known(actor=actor_for(world.user_a), problem=problem, workaround="x")
    with pytest.raises(NotPermitted):
        problem_for(world, catalogue, user=world.user_a)
    actions.record_fix(actor=actor_for(world.resolver), problem=problem, fix="f", implemented=True)
    actions.resolve_problem(actor=actor_for(world.resolver), problem=problem)
    with pytest.raises(NotPermitted, match="closes problems"):
        actions.close_problem(actor=actor_for(world.resolver), problem=problem)
    # The provider records a problem it owns.
    own = problem_for(world, catalogue, user=world.resolver, summary="Ours")
    assert own.owner == world.provider and own.raised_by == world.resolver


def test_incidents_the_actor_cannot_see_are_refused_as_not_found(world, catalogue) -> None:
    theirs = raise_for(world, catalogue, user=world.user_b)
    from busbar.lib.actions import ActionError

    with pytest.raises(ActionError, match="No incident") as refused:
        problem_for(world, catalogue, user=world.resolver, incidents=(theirs,))  # not assigned to them
    assert refused.value.field == "incidents[0]"
    from busbar.problems.models import Problem

    assert not Problem.objects.exists()  # nothing half-written


def test_a_fix_cannot_be_implemented_in_the_future(world, catalogue) -> None:
    import datetime as dt

    from busbar.lib.actions import ActionError

    problem = problem_for(world, catalogue)
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    with pytest.raises(ActionError) as refused:
        actions.record_fix(
            actor=actor_for(world.analyst), problem=problem, fix="f", implemented=True, implemented_at=later
        )
    assert refused.value.field == "implemented_at"

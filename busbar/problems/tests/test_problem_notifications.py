"""The raisers of linked incidents are told the workaround, then that normal service resumed (PM-04);
one recipient per message, and only people who may see the problem."""

import pytest
from django.core import mail

from busbar.problems import actions
from busbar.problems.tests.conftest import actor_for, problem_for, raise_for

pytestmark = pytest.mark.django_db


def test_workaround_then_resumed(world, catalogue, django_capture_on_commit_callbacks) -> None:
    mine = raise_for(world, catalogue)
    problem = problem_for(world, catalogue, incidents=(mine,))
    desk = actor_for(world.analyst)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        actions.mark_known(actor=desk, problem=problem, workaround="Use files of 400 rows")
    to_a = [m for m in mail.outbox if m.to == [world.user_a.email]]
    assert len(to_a) == 1 and "Use files of 400 rows" in to_a[0].body and problem.reference in to_a[0].subject
    assert not [m for m in mail.outbox if m.to == [world.user_b.email]]
    assert all(len(m.to) == 1 for m in mail.outbox)
    mail.outbox.clear()
    actions.record_fix(actor=desk, problem=problem, fix="f", implemented=True)
    with django_capture_on_commit_callbacks(execute=True):
        actions.resolve_problem(actor=desk, problem=problem)
    assert [m.subject for m in mail.outbox if m.to == [world.user_a.email]][0].endswith(
        f"Normal service resumed: {problem.summary}"
    )


def test_the_desk_and_owner_hear_of_a_new_problem(
    world, catalogue, django_capture_on_commit_callbacks
) -> None:
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        problem = problem_for(world, catalogue)
    told = sorted(m.to[0] for m in mail.outbox if problem.reference in m.subject)
    assert world.resolver.email in told and world.analyst.email in told and world.user_a.email not in told

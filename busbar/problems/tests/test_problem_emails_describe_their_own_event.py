"""A problem's emails describe their own event as it was, even when the worker sends them after the
problem has moved on: an update's email names the status at the time of the update."""

import pytest
from django.core import mail

from busbar.problems import actions
from busbar.problems.tests.conftest import actor_for, problem_for
from busbar.records import actions as record_actions

pytestmark = pytest.mark.django_db


def test_an_update_sent_after_the_investigation_started_says_new(
    world, catalogue, django_capture_on_commit_callbacks
) -> None:
    problem = problem_for(world, catalogue)
    record_actions.watch(actor=actor_for(world.resolver), obj=problem)
    desk = actor_for(world.analyst)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        actions.add_update(actor=desk, problem=problem, body="Collecting logs from the adapter.")
        actions.start_investigation(actor=desk, problem=problem)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        for callback in queued:  # the worker catches up only now
            callback()
    updates = [m for m in mail.outbox if m.to == [world.resolver.email] and "Update on" in m.subject]
    assert len(updates) == 1
    assert f"{problem.reference} (New) has a new update." in updates[0].body
    assert "Investigating" not in updates[0].body

"""Whoever raises an incident is told its reference at once, with the known problems and the articles
they may read that may answer it: the "shown at once" of the raise form, for raising through the API."""

import pytest
from django.core import mail

from busbar.incidents.tests.conftest import actor_for, raise_for
from busbar.knowledge.models import Audience
from busbar.knowledge.tests.conftest import article_for
from busbar.problems import actions as problem_actions
from busbar.problems.tests.conftest import problem_for

pytestmark = pytest.mark.django_db


def test_the_raiser_is_told_what_may_answer_it(world, catalogue, django_capture_on_commit_callbacks) -> None:
    article = article_for(world, catalogue, title="Bulk uploads time out: split the file")
    hidden = article_for(world, catalogue, title="Bulk uploads runbook for the desk", audience=Audience.STAFF)
    known = problem_for(world, catalogue, summary="Bulk uploads over 500 rows time out")
    problem_actions.mark_known(actor=actor_for(world.analyst), problem=known, workaround="Files of 400 rows")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = world.client(world.user_a).post(
            "/api/v1/incidents",
            {"service": catalogue.service.pk, "summary": "Bulk uploads time out", "description": "Since 9am"},
            content_type="application/json",
        )
    assert response.status_code == 201, response.content
    reference = response.json()["reference"]
    to_raiser = [m for m in mail.outbox if m.to == [world.user_a.email]]
    assert len(to_raiser) == 1 and reference in to_raiser[0].subject
    body = to_raiser[0].body
    assert known.reference in body and "Files of 400 rows" in body
    assert article.reference in body and hidden.reference not in body
    assert all(len(m.to) == 1 for m in mail.outbox)
    assert not [m for m in mail.outbox if m.to == [world.user_b.email]]


def test_the_desk_raising_for_a_caller_sends_no_acknowledgement(
    world, catalogue, django_capture_on_commit_callbacks
) -> None:
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        raise_for(world, catalogue, user=world.analyst, organisation=world.org_a, channel="phone")
    assert not [m for m in mail.outbox if "Received:" in m.subject]

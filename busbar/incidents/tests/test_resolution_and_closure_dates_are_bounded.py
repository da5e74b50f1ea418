"""An incident's resolution and closure times are bounded: not before it was raised (a closure not before
its resolution), not in the future beyond a few minutes of clock skew. Nothing is written when refused."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from busbar.incidents import actions
from busbar.incidents.models import Incident, Status
from busbar.incidents.tests.conftest import actor_for, raise_for
from busbar.lib.actions import ActionError

pytestmark = pytest.mark.django_db


def test_a_resolution_dated_2020_is_refused(world, catalogue) -> None:
    incident = raise_for(world, catalogue)
    desk = actor_for(world.analyst)
    for when in (dt.datetime(2020, 1, 1, tzinfo=dt.UTC), timezone.now() + dt.timedelta(days=1)):
        with pytest.raises(ActionError) as refused:
            actions.resolve_incident(actor=desk, incident=incident, resolution="Fixed", now=when)
        assert refused.value.field == "resolved_at" and refused.value.status == 422
    incident = Incident.objects.get(pk=incident.pk)
    assert incident.status == Status.NEW and incident.resolved_at is None


def test_a_closure_before_the_resolution_is_refused(world, catalogue) -> None:
    raised = timezone.now() - dt.timedelta(hours=5)
    incident = raise_for(world, catalogue, now=raised)
    desk = actor_for(world.analyst)
    actions.resolve_incident(
        actor=desk, incident=incident, resolution="Fixed", now=raised + dt.timedelta(hours=2)
    )
    with pytest.raises(ActionError) as refused:
        actions.close_incident(actor=desk, incident=incident, now=raised + dt.timedelta(hours=1))
    assert refused.value.field == "closed_at"
    with pytest.raises(ActionError):
        actions.close_incident(actor=desk, incident=incident, now=dt.datetime(2020, 6, 1, tzinfo=dt.UTC))
    assert Incident.objects.get(pk=incident.pk).status == Status.RESOLVED
    # Within the bounds (a little clock skew allowed) it closes.
    actions.close_incident(actor=desk, incident=incident, now=timezone.now() + dt.timedelta(minutes=2))
    assert Incident.objects.get(pk=incident.pk).status == Status.CLOSED


def test_the_api_closes_at_the_time_of_the_request(world, catalogue) -> None:
    incident = raise_for(world, catalogue)
    actions.resolve_incident(actor=actor_for(world.analyst), incident=incident, resolution="Fixed")
    response = world.client(world.user_b).post(
        f"/api/v1/incidents/{incident.reference}/close", {}, content_type="application/json"
    )
    assert response.status_code == 404
    response = world.client(world.user_a).post(
        f"/api/v1/incidents/{incident.reference}/close", {}, content_type="application/json"
    )
    assert response.status_code == 200
    closed = Incident.objects.get(pk=incident.pk)
    assert closed.resolved_at <= closed.closed_at <= timezone.now()

"""An incident's SLA clocks through the API: target, elapsed, remaining, percent, due, breach, pause."""

import datetime as dt

import pytest
from django.utils import timezone

from busbar.conftest import World
from busbar.incidents import actions
from busbar.incidents.tests.conftest import actor_for, raise_for

pytestmark = pytest.mark.django_db


def test_running_clocks(world: World, catalogue) -> None:
    started = (timezone.now() - dt.timedelta(minutes=6)).replace(microsecond=0)
    incident = raise_for(world, catalogue, severity="2", now=started)  # response 20 min, resolution 24 h
    body = world.client(world.user_a).get(f"/api/v1/incidents/{incident.reference}/sla").json()
    response, resolution = body["response"], body["resolution"]
    assert response["name"] == "response" and response["target"] == "20 minutes"
    assert response["calendar"] == "24x7" and response["target_seconds"] == 1200
    assert 360 <= response["elapsed_seconds"] < 420
    assert abs(response["remaining_seconds"] + response["elapsed_seconds"] - 1200) <= 1  # whole seconds
    assert 30 <= response["percent"] <= 35
    assert (
        response["status"] == "running" and response["breached"] is False and response["breached_at"] is None
    )
    assert dt.datetime.fromisoformat(response["due_at"]) == started + dt.timedelta(minutes=20)
    assert resolution["target"] == "24 hours" and resolution["status"] == "running"
    assert body["as_at"]


def test_breached_warning_and_met(world: World, catalogue) -> None:
    started = (timezone.now() - dt.timedelta(minutes=30)).replace(microsecond=0)
    incident = raise_for(world, catalogue, severity="2", now=started)
    body = world.client(world.analyst).get(f"/api/v1/incidents/{incident.reference}/sla").json()
    response = body["response"]
    assert response["status"] == "breached" and response["breached"] is True
    assert dt.datetime.fromisoformat(response["breached_at"]) == started + dt.timedelta(minutes=20)
    assert response["remaining_seconds"] < 0 and response["percent"] > 100
    assert response["warned_at"] is not None
    actions.resolve_incident(actor=actor_for(world.analyst), incident=incident, resolution="fixed")
    body = world.client(world.analyst).get(f"/api/v1/incidents/{incident.reference}/sla").json()
    assert body["resolution"]["status"] == "met" and body["resolution"]["stopped"] is True
    assert body["resolution"]["due_at"] is None and body["response"]["status"] == "breached"


def test_paused_while_awaiting_the_participant(world: World, catalogue) -> None:
    incident = raise_for(world, catalogue)
    actions.set_pending(
        actor=actor_for(world.analyst), incident=incident, awaiting="participant", note="Logs?"
    )
    body = world.client(world.user_a).get(f"/api/v1/incidents/{incident.reference}/sla").json()
    assert body["resolution"]["status"] == "paused" and body["resolution"]["paused"] is True
    assert body["resolution"]["due_at"] is None
    assert body["response"]["status"] == "met"  # the desk's request for logs was the response


def test_sla_of_an_invisible_incident_is_404(world: World, catalogue) -> None:
    incident = raise_for(world, catalogue)
    assert world.client(world.user_b).get(f"/api/v1/incidents/{incident.reference}/sla").status_code == 404

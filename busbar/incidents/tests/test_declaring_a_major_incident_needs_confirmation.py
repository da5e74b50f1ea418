"""Declaring a major incident publishes it to every participant, so it is confirmed first: the page shows
who will be told and a confirm button; the API needs ``confirm: true`` (a 422 naming ``confirm`` says who
would be told)."""

from __future__ import annotations

import pytest

from busbar.incidents import actions
from busbar.incidents.models import Incident, MajorIncident
from busbar.incidents.tests.conftest import actor_for, raise_for

pytestmark = pytest.mark.django_db


def declare(client, incident: Incident, **fields: str):
    data = {f"major-declare-{k}": v for k, v in fields.items()}
    return client.post(f"/incidents/{incident.reference}/major-declare/", data)


def test_the_page_shows_who_will_be_told_before_declaring(world, catalogue) -> None:
    incident = raise_for(world, catalogue)
    desk = world.client(world.analyst)
    response = declare(desk, incident, trigger="bcdr")
    assert response.status_code == 200
    page = response.content.decode()
    assert f"Declare {incident.reference} a major incident?" in page
    assert "published to every participant" in page and "Alpha Energy" in page
    assert 'name="major-declare-confirm" value="True"' in page and 'value="bcdr"' in page
    assert "Confirm: declare and publish to every participant" in page
    assert not MajorIncident.objects.exists()
    incident.refresh_from_db()
    assert not incident.is_published
    # The confirm button declares it.
    response = declare(desk, incident, trigger="bcdr", confirm="True")
    assert response.status_code == 302
    major = MajorIncident.objects.get()
    assert major.trigger == "bcdr" and Incident.objects.get(pk=incident.pk).is_published


def test_others_get_no_confirmation_page(world, catalogue) -> None:
    incident = raise_for(world, catalogue)
    actions.assign_incident(actor=actor_for(world.analyst), incident=incident, provider=world.provider)
    assert declare(world.client(world.user_a), incident, trigger="desk").status_code == 403
    assert declare(world.client(world.resolver), incident, trigger="desk").status_code == 403
    assert declare(world.client(world.user_b), incident, trigger="desk").status_code == 404
    assert not MajorIncident.objects.exists()


def test_the_api_needs_confirm_true(world, catalogue) -> None:
    incident = raise_for(world, catalogue)
    path = f"/api/v1/incidents/{incident.reference}/major"
    desk = world.client(world.analyst)
    response = desk.post(path, {"trigger": "desk"}, content_type="application/json")
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["field"] == "confirm" and "every participant" in error["message"]
    assert "Alpha Energy" in error["message"] and "confirm: true" in error["message"]
    assert not MajorIncident.objects.exists()
    response = desk.post(path, {"trigger": "desk", "confirm": True}, content_type="application/json")
    assert response.status_code == 201 and response.json()["incident"]["is_published"] is True
    # Declaring again is the conflict it always was, confirmed or not.
    again = desk.post(path, {"trigger": "desk"}, content_type="application/json")
    assert again.status_code == 409 and again.json()["errors"][0]["field"] == "incident"


def test_the_api_refuses_others_before_asking_to_confirm(world, catalogue) -> None:
    incident = raise_for(world, catalogue)
    actions.assign_incident(actor=actor_for(world.analyst), incident=incident, provider=world.provider)
    path = f"/api/v1/incidents/{incident.reference}/major"
    for user, status in ((world.user_a, 403), (world.resolver, 403), (world.user_b, 404), (None, 401)):
        response = world.client(user).post(path, {"confirm": True}, content_type="application/json")
        assert response.status_code == status
    assert not MajorIncident.objects.exists()

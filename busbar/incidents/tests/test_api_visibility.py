"""The incidents API shows each party exactly what the visibility rule allows: list, detail and sub-resources.

A sees its own and published incidents; B does not see A's; the provider sees what is assigned to it; the
desk sees everything. An incident outside the rule is a 404, never a 403.
"""

from dataclasses import dataclass

import pytest

from busbar.conftest import World
from busbar.incidents import actions
from busbar.incidents.models import Incident
from busbar.incidents.tests.conftest import actor_for, raise_for

pytestmark = pytest.mark.django_db


@dataclass
class Spread:
    own_a: Incident  # raised by A, private
    own_b: Incident  # raised by B, private
    published_b: Incident  # raised by B, published to every participant
    assigned_b: Incident  # raised by B, assigned to the provider


@pytest.fixture
def spread(world: World, catalogue) -> Spread:
    desk = actor_for(world.analyst)
    own_a = raise_for(world, catalogue, summary="A private")
    own_b = raise_for(world, catalogue, user=world.user_b, summary="B private")
    published_b = raise_for(world, catalogue, user=world.user_b, summary="B published")
    actions.triage_incident(actor=desk, incident=published_b, is_published=True)
    assigned_b = raise_for(world, catalogue, user=world.user_b, summary="B assigned")
    actions.assign_incident(actor=desk, incident=assigned_b)
    return Spread(own_a, own_b, published_b, assigned_b)


EXPECTED = {
    "user_a": {"own_a", "published_b"},
    "user_b": {"own_b", "published_b", "assigned_b"},
    "resolver": {"assigned_b", "published_b"},  # published incidents are shown to everyone signed in
    "analyst": {"own_a", "own_b", "published_b", "assigned_b"},
    "platform_admin": {"own_a", "own_b", "published_b", "assigned_b"},
}


@pytest.mark.parametrize("who", EXPECTED)
def test_list_shows_exactly_the_visible_incidents(world: World, spread: Spread, who: str) -> None:
    body = world.client(getattr(world, who)).get("/api/v1/incidents").json()
    expected = {getattr(spread, name).reference for name in EXPECTED[who]}
    assert {item["reference"] for item in body["items"]} == expected
    assert body["count"] == len(expected)


@pytest.mark.parametrize("who", EXPECTED)
def test_detail_is_200_when_visible_and_404_otherwise(world: World, spread: Spread, who: str) -> None:
    client = world.client(getattr(world, who))
    for name in ("own_a", "own_b", "published_b", "assigned_b"):
        response = client.get(f"/api/v1/incidents/{getattr(spread, name).reference}")
        if name in EXPECTED[who]:
            assert response.status_code == 200, (who, name)
            assert response.json()["reference"] == getattr(spread, name).reference
        else:
            assert response.status_code == 404, (who, name)
            assert response["Content-Type"] == "application/problem+json"


SUB_RESOURCES = ["", "/sla", "/timeline", "/updates"]


@pytest.mark.parametrize("suffix", SUB_RESOURCES)
def test_sub_resources_of_an_invisible_incident_are_404(world: World, spread: Spread, suffix: str) -> None:
    path = f"/api/v1/incidents/{spread.own_a.reference}{suffix}"
    assert world.client(world.user_b).get(path).status_code == 404
    assert world.client(world.resolver).get(path).status_code == 404
    assert world.client(world.user_a).get(path).status_code == 200


def test_an_affected_organisation_sees_the_incident(world: World, catalogue) -> None:
    incident = raise_for(
        world, catalogue, user=world.analyst, organisation=world.org_b, affected=[world.org_a]
    )
    assert world.client(world.user_a).get(f"/api/v1/incidents/{incident.reference}").status_code == 200
    listed = world.client(world.user_a).get("/api/v1/incidents").json()["items"]
    assert [i["reference"] for i in listed] == [incident.reference]


def test_unknown_reference_is_404(world: World) -> None:
    assert world.client(world.analyst).get("/api/v1/incidents/INC9999999").status_code == 404


def test_reference_is_case_insensitive(world: World, spread: Spread) -> None:
    response = world.client(world.user_a).get(f"/api/v1/incidents/{spread.own_a.reference.lower()}")
    assert response.status_code == 200


def test_people_behind_the_scenes_are_hidden_from_other_participants(world: World, spread: Spread) -> None:
    actions.assign_incident(
        actor=actor_for(world.analyst), incident=spread.published_b, assignee=world.resolver
    )
    path = f"/api/v1/incidents/{spread.published_b.reference}"
    as_a = world.client(world.user_a).get(path).json()
    assert as_a["assignee"] is None and as_a["raised_by"] is None
    as_b = world.client(world.user_b).get(path).json()
    assert as_b["assignee"] is None and as_b["raised_by"] == {"id": world.user_b.pk, "name": "user"}
    for who in (world.analyst, world.resolver):
        body = world.client(who).get(path).json()
        assert body["assignee"] == {"id": world.resolver.pk, "name": "resolver"}
        assert body["raised_by"]["id"] == world.user_b.pk

"""Linking incidents through the API (desk only); links show both ways, only to incidents you can see."""

import pytest

from busbar.conftest import World
from busbar.incidents import actions
from busbar.incidents.tests.conftest import actor_for, raise_for
from busbar.records.models import Link

pytestmark = pytest.mark.django_db


def _link(world: World, user, source: str, target: str, kind: str = "duplicate_of"):
    return world.client(user).post(
        f"/api/v1/incidents/{source}/links", {"target": target, "kind": kind}, content_type="application/json"
    )


def test_desk_links_and_both_ends_show_it(world: World, catalogue) -> None:
    first = raise_for(world, catalogue, summary="Original")
    second = raise_for(world, catalogue, summary="Same again")
    response = _link(world, world.analyst, second.reference, first.reference.lower())
    assert response.status_code == 201
    assert response.json() == {
        "direction": "out",
        "kind": "duplicate_of",
        "label": "Duplicate of",
        "type": "incident",
        "reference": first.reference,
        "summary": "Original",
        "status": "new",
    }
    out = world.client(world.user_a).get(f"/api/v1/incidents/{second.reference}").json()["links"]
    assert [(x["direction"], x["reference"]) for x in out] == [("out", first.reference)]
    into = world.client(world.user_a).get(f"/api/v1/incidents/{first.reference}").json()["links"]
    assert [(x["direction"], x["kind"], x["reference"]) for x in into] == [
        ("in", "duplicate_of", second.reference)
    ]


def test_participant_cannot_link(world: World, catalogue) -> None:
    first, second = raise_for(world, catalogue), raise_for(world, catalogue)
    assert _link(world, world.user_a, second.reference, first.reference).status_code == 403
    assert not Link.objects.exists()


def test_link_target_must_be_visible_and_valid(world: World, catalogue) -> None:
    incident = raise_for(world, catalogue)
    missing = _link(world, world.analyst, incident.reference, "INC9999999")
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "target"
    itself = _link(world, world.analyst, incident.reference, incident.reference)
    assert itself.status_code == 422 and itself.json()["errors"][0]["field"] == "target"
    kind = _link(world, world.analyst, incident.reference, incident.reference, kind="sibling_of")
    assert kind.status_code == 422 and kind.json()["errors"][0]["field"] == "kind"


def test_a_link_does_not_reveal_an_incident_you_cannot_see(world: World, catalogue) -> None:
    private_b = raise_for(world, catalogue, user=world.user_b, summary="B secret")
    mine = raise_for(world, catalogue)
    actions.link_incidents(actor=actor_for(world.analyst), source=mine, target=private_b, kind="related_to")
    assert world.client(world.user_a).get(f"/api/v1/incidents/{mine.reference}").json()["links"] == []
    desk = world.client(world.analyst).get(f"/api/v1/incidents/{mine.reference}").json()["links"]
    assert [x["reference"] for x in desk] == [private_b.reference]

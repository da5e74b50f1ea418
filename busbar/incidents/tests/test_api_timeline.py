"""An incident's history through the API: the audit journal, with internal notes kept internal."""

import pytest

from busbar.conftest import World
from busbar.incidents import actions
from busbar.incidents.tests.conftest import actor_for, raise_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def incident(world: World, catalogue):
    incident = raise_for(world, catalogue)
    actions.assign_incident(actor=actor_for(world.analyst), incident=incident, assignee=world.resolver)
    actions.add_update(actor=actor_for(world.resolver), incident=incident, body="secret", internal=True)
    actions.set_pending(
        actor=actor_for(world.resolver), incident=incident, awaiting="provider", note="Waiting on the vendor"
    )
    return incident


def _timeline(world: World, user, incident) -> list[dict]:
    response = world.client(user).get(f"/api/v1/incidents/{incident.reference}/timeline")
    assert response.status_code == 200
    return response.json()["items"]


def test_desk_and_provider_see_everything(world: World, incident) -> None:
    for user in (world.analyst, world.resolver):
        entries = _timeline(world, user, incident)
        actions_seen = [e["action"] for e in entries]
        assert actions_seen == [
            "incident.raise",
            "incident.assign",
            "incident.note",
            "incident.pending_provider",
        ]
        assert entries[1]["changes"]["assignee"] == [None, "resolver"]
        # The text of a note kept internal is not copied into the journal (participants can read the journal);
        # the desk and provider read it as an internal note on the incident itself.
        assert entries[3]["note"] == ""


def test_participant_sees_the_history_without_internal_detail(world: World, incident) -> None:
    entries = _timeline(world, world.user_a, incident)
    assert [e["action"] for e in entries] == [
        "incident.raise",
        "incident.assign",
        "incident.pending_provider",
    ]
    assert "assignee" not in entries[1]["changes"] and entries[1]["changes"]["status"] == ["new", "assigned"]
    assert entries[2]["note"] == ""
    assert all(e["at"] and e["actor_label"] and e["channel"] for e in entries)


def test_timeline_is_paginated(world: World, incident) -> None:
    body = world.client(world.analyst).get(f"/api/v1/incidents/{incident.reference}/timeline?limit=2").json()
    assert body["count"] == 4 and len(body["items"]) == 2


def test_timeline_of_an_invisible_incident_is_404(world: World, incident) -> None:
    assert (
        world.client(world.user_b).get(f"/api/v1/incidents/{incident.reference}/timeline").status_code == 404
    )

"""A word said only in a major-incident bulletin finds the incident, for everyone who sees it (bulletins
are shown on the incident page), and never for anyone who does not."""

import pytest

from busbar.incidents import actions, search
from busbar.incidents.tests.conftest import actor_for, raise_for

pytestmark = pytest.mark.django_db


def _refs(client, query: str) -> list[str]:
    response = client.get(f"/api/v1/incidents?{query}")
    assert response.status_code == 200, response.content
    return [i["reference"] for i in response.json()["items"]]


@pytest.fixture
def major(world, catalogue):
    desk = actor_for(world.analyst)
    incident = raise_for(world, catalogue, summary="Registrations failing")
    major = actions.declare_major_incident(actor=desk, incident=incident)
    actions.send_communication(
        actor=desk, major=major, subject="Workaround available", body="Resubmit through the zebrafish queue."
    )
    return incident


def test_bulletin_words_find_the_incident(world, major) -> None:
    assert _refs(world.client(world.analyst), "q=zebrafish") == [major.reference]
    assert _refs(world.client(world.user_a), "q=workaround") == [major.reference]
    search.index_all()  # the bulk rebuild reads the bulletins too
    assert _refs(world.client(world.user_a), "q=zebrafish") == [major.reference]


def test_bulletin_words_do_not_find_an_incident_the_viewer_cannot_see(world, major) -> None:
    # Published by the declaration, B sees it and finds it; once withdrawn from publication, not.
    assert _refs(world.client(world.user_b), "q=zebrafish") == [major.reference]
    actions.triage_incident(actor=actor_for(world.analyst), incident=major, is_published=False)
    assert _refs(world.client(world.user_b), "q=zebrafish") == []
    assert _refs(world.client(world.user_a), "q=zebrafish") == [major.reference]


def test_the_participant_finds_it_by_a_reply(world, major) -> None:
    actions.add_update(actor=actor_for(world.analyst), incident=major, body="The kingfisher patch is live.")
    assert _refs(world.client(world.user_a), "q=kingfisher") == [major.reference]
    response = world.client(world.user_a).get("/incidents/", {"queue": "all", "q": "kingfisher"})
    assert [i.reference for i, _ in response.context["page"].object_list] == [major.reference]

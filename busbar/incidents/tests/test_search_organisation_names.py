"""Organisation names find incidents (the raiser, the affected organisations, the provider), but only
where the viewer may see that field (``queries.FIELD_AUDIENCE``): a participant who sees a published
incident cannot learn who raised it by searching for the name."""

import pytest

from busbar.incidents import actions, queries
from busbar.incidents.tests.conftest import actor_for, raise_for

pytestmark = pytest.mark.django_db


def _refs(client, query: str) -> list[str]:
    response = client.get(f"/api/v1/incidents?{query}")
    assert response.status_code == 200, response.content
    return [i["reference"] for i in response.json()["items"]]


@pytest.fixture
def made(world, catalogue):
    desk = actor_for(world.analyst)
    raised = raise_for(world, catalogue, summary="Registrations stalled")
    actions.assign_incident(actor=desk, incident=raised, provider=world.provider)
    actions.triage_incident(actor=desk, incident=raised, is_published=True)
    affecting = raise_for(world, catalogue, summary="Meter reads late", affected=[world.org_b])
    return {"raised": raised.reference, "affecting": affecting.reference}


def test_the_desk_finds_by_raiser_affected_and_provider_names(world, made) -> None:
    client = world.client(world.analyst)
    assert set(_refs(client, "q=Alpha+Energy")) == {made["raised"], made["affecting"]}
    assert _refs(client, "q=bravo") == [made["affecting"]]
    assert _refs(client, "q=css+provider") == [made["raised"]]


def test_the_provider_finds_its_own_incidents_by_name(world, made) -> None:
    client = world.client(world.resolver)
    assert _refs(client, "q=alpha") == [made["raised"]]


def test_the_raiser_finds_by_its_own_name(world, made) -> None:
    assert set(_refs(world.client(world.user_a), "q=alpha")) == {made["raised"], made["affecting"]}


def test_a_participant_never_learns_a_hidden_party_by_searching(world, made) -> None:
    client = world.client(world.user_b)
    # B sees the published incident and the one listing it as affected...
    assert made["raised"] in _refs(client, "q=registrations")
    assert made["affecting"] in _refs(client, "q=meter")
    # ...but the raiser's name is not shown to B, so it does not find them; the provider's name finds
    # them exactly when the one rule (queries.FIELD_AUDIENCE) shows B the provider.
    assert _refs(client, "q=alpha") == []
    provider_shown = "provider" not in queries.FIELD_AUDIENCE
    assert _refs(client, "q=css+provider") == ([made["raised"]] if provider_shown else [])
    page = client.get("/incidents/", {"queue": "all", "q": "alpha"}).context["page"]
    assert list(page.object_list) == []


def test_anonymous_finds_nothing(world, made) -> None:
    assert world.client(None).get("/api/v1/incidents?q=alpha").status_code == 401

"""A partial reference finds the incident: ``13``, ``inc13``, ``0000013`` and ``INC0000013`` all find
INC0000013, first in the ranking, on the desk queue and in the API; never one the viewer cannot see."""

import pytest

from busbar.incidents.tests.conftest import raise_for

pytestmark = pytest.mark.django_db


def _refs(client, query: str) -> list[str]:
    response = client.get(f"/api/v1/incidents?{query}")
    assert response.status_code == 200, response.content
    return [i["reference"] for i in response.json()["items"]]


def test_every_spelling_of_a_reference_finds_it_first(world, catalogue) -> None:
    incident = raise_for(world, catalogue, summary="Gateway stalled")
    raise_for(world, catalogue, summary="Another one")
    number = int(incident.reference[3:])
    client = world.client(world.analyst)
    for typed in (
        str(number),
        f"inc{number}",
        f"{number:07d}",
        incident.reference,
        incident.reference.lower(),
    ):
        assert _refs(client, f"q={typed}")[0] == incident.reference, typed
        page = client.get("/incidents/", {"queue": "all", "q": typed}).context["page"]
        assert incident.reference in {i.reference for i, _ in page.object_list}, typed


def test_a_number_in_the_text_is_found_too_after_the_reference(world, catalogue) -> None:
    first = raise_for(world, catalogue, summary="Gateway stalled")
    number = int(first.reference[3:])
    mentions = raise_for(world, catalogue, summary=f"Error code {number} on every switch")
    refs = _refs(world.client(world.analyst), f"q={number}")
    assert refs[:2] == [first.reference, mentions.reference]


def test_a_reference_the_viewer_cannot_see_finds_nothing(world, catalogue) -> None:
    incident = raise_for(world, catalogue, summary="Alpha only")
    number = int(incident.reference[3:])
    assert _refs(world.client(world.user_b), f"q={number}") == []
    assert _refs(world.client(world.user_b), f"q=INC{number}") == []
    assert _refs(world.client(world.user_a), f"q={number}") == [incident.reference]


def test_zero_and_overlong_numbers_are_just_words(world, catalogue) -> None:
    raise_for(world, catalogue, summary="Gateway stalled")
    client = world.client(world.analyst)
    assert _refs(client, "q=0") == []
    assert _refs(client, "q=INC0000000") == []
    assert _refs(client, "q=123456789012") == []

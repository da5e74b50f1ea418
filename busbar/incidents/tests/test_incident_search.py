"""Incident search finds the summary, the description and the updates (stemmed), ranked by relevance;
an internal note's words find the incident only for those who work it; ranked pages walk by cursor; the
search reads a stored index kept by the actions (the same on SQLite and PostgreSQL)."""

import pytest

from busbar.incidents import actions, search
from busbar.incidents.tests.conftest import actor_for, raise_for

pytestmark = pytest.mark.django_db


def _refs(client, query: str) -> list[str]:
    response = client.get(f"/api/v1/incidents?{query}")
    assert response.status_code == 200, response.content
    return [i["reference"] for i in response.json()["items"]]


@pytest.fixture
def made(world, catalogue):
    desk = actor_for(world.analyst)
    in_summary = raise_for(world, catalogue, summary="Gateway certificate expired", description="Since noon.")
    in_description = raise_for(
        world, catalogue, summary="Switches failing", description="The gateway certificate rotation failed."
    )
    in_update = raise_for(world, catalogue, summary="Slow responses", description="Timeouts at peak.")
    actions.add_update(
        actor=desk, incident=in_update, body="Traced to an expired certificate on the gateway."
    )
    in_note = raise_for(world, catalogue, summary="Registration backlog", description="Queue growing.")
    actions.assign_incident(actor=desk, incident=in_note, provider=world.provider)
    actions.add_update(actor=desk, incident=in_note, body="Vendor hotfix pending", internal=True)
    unrelated = raise_for(world, catalogue, summary="Portal login loop", description="Cookies.")
    return {
        "summary": in_summary.reference,
        "description": in_description.reference,
        "update": in_update.reference,
        "note": in_note.reference,
        "unrelated": unrelated.reference,
    }


def test_summary_description_and_updates_are_found_ranked(world, made) -> None:
    refs = _refs(world.client(world.analyst), "q=gateway+certificate")
    assert refs == [made["summary"], made["description"], made["update"]]
    assert _refs(world.client(world.analyst), "q=certificates+expiring") == [made["summary"], made["update"]]


def test_newest_first_when_asked(world, made) -> None:
    refs = _refs(world.client(world.analyst), "q=certificate&ordering=-created")
    assert refs == [made["update"], made["description"], made["summary"]]


def test_an_internal_note_finds_the_incident_only_for_those_who_work_it(world, made) -> None:
    assert _refs(world.client(world.analyst), "q=hotfix") == [made["note"]]
    assert _refs(world.client(world.resolver), "q=hotfix") == [made["note"]]
    # The raiser sees the incident, but not its internal note: the note's word does not find it.
    assert made["note"] in _refs(world.client(world.user_a), "q=registration")
    assert _refs(world.client(world.user_a), "q=hotfix") == []
    assert _refs(world.client(world.user_b), "q=registration") == []


def test_the_desk_queue_search_reads_the_same_index(world, made) -> None:
    page = world.client(world.analyst).get("/incidents/?queue=all&q=certificate").context["page"]
    assert {i.reference for i, _ in page.object_list} == {
        made["summary"],
        made["description"],
        made["update"],
    }
    page = world.client(world.user_a).get("/incidents/?queue=all&q=hotfix").context["page"]
    assert list(page.object_list) == []


def test_ranked_pages_walk_by_cursor_and_say_when_more_matched(world, made, monkeypatch) -> None:
    client = world.client(world.analyst)
    first = client.get("/api/v1/incidents?q=certificate&limit=2").json()
    assert first["count"] == 3 and first["count_is_estimate"] is False and first["has_more"] is True
    second = client.get(first["next"]).json()
    assert [i["reference"] for i in first["items"] + second["items"]] == [
        made["summary"],
        made["description"],
        made["update"],
    ]
    assert second["has_more"] is False and second["next"] is None
    monkeypatch.setattr(search, "CAP", 2)
    monkeypatch.setattr(search.ranked_hits, "__kwdefaults__", {"cap": 2})
    capped = client.get("/api/v1/incidents?q=certificate").json()
    assert capped["count"] == 2 and capped["count_is_estimate"] is True


def test_relevance_needs_words_and_bad_input_is_named(world, made) -> None:
    client = world.client(world.analyst)
    response = client.get("/api/v1/incidents?ordering=relevance")
    assert response.status_code == 422 and "ordering" in response.content.decode()
    assert _refs(client, "q=%21%21%21") == []  # no words: nothing, and no syntax error
    assert _refs(client, "q=" + "+".join(["word"] * 40)) == []
    assert _refs(client, "q=gateway*)(%22certificate:") == [
        made["summary"],
        made["description"],
        made["update"],
    ]
    assert _refs(client, f"q={made['note'].lower()}") == [made["note"]]


def test_the_index_follows_the_actions_and_can_be_rebuilt(world, made, catalogue) -> None:
    client = world.client(world.analyst)
    assert _refs(client, "q=aardvark") == []
    incident = raise_for(world, catalogue, summary="Aardvark feed stalled")
    assert _refs(client, "q=aardvark") == [incident.reference]
    search.index_all()  # the bulk rebuild gives the same answers
    assert _refs(client, "q=aardvark") == [incident.reference]
    assert _refs(client, "q=hotfix") == [made["note"]]

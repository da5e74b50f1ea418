"""A participant asking for an internal note (``is_internal``/``internal``, JSON, multipart or the page) is
refused naming the field, never quietly posted as a public update; the desk's internal note still works."""

from __future__ import annotations

import pytest

from busbar.incidents.tests.conftest import raise_for

pytestmark = pytest.mark.django_db


def updates(world, incident, user, data: dict, **kw: object):
    return world.client(user).post(f"/api/v1/incidents/{incident.reference}/updates", data, **kw)


def test_is_internal_in_json_is_refused_naming_it(world, catalogue) -> None:
    incident = raise_for(world, catalogue)
    response = updates(
        world,
        incident,
        world.user_a,
        {"body": "Secret?", "is_internal": True},
        content_type="application/json",
    )
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "is_internal"
    assert not incident.record.entries.exists()


def test_is_internal_in_multipart_is_refused_naming_it(world, catalogue) -> None:
    incident = raise_for(world, catalogue)
    response = updates(world, incident, world.user_a, {"body": "Secret?", "is_internal": "true"})
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["is_internal"]
    assert not incident.record.entries.exists()


def test_internal_from_a_participant_is_not_permitted(world, catalogue) -> None:
    incident = raise_for(world, catalogue)
    response = updates(world, incident, world.user_a, {"body": "Secret?", "internal": "true"})
    assert response.status_code == 403 and response.json()["errors"][0]["field"] == "internal"
    assert not incident.record.entries.exists()


def test_the_page_refuses_a_participants_internal_flag(world, catalogue) -> None:
    incident = raise_for(world, catalogue)
    client = world.client(world.user_a)
    page = client.get(f"/incidents/{incident.reference}/").content.decode()
    assert 'name="reply-internal"' not in page  # not offered to a participant
    response = client.post(
        f"/incidents/{incident.reference}/reply/", {"reply-body": "Secret?", "reply-internal": "on"}
    )
    assert response.status_code == 403
    assert "Only the desk and the provider can write internal notes" in response.content.decode()
    assert not incident.record.entries.exists()
    # Without the flag the same participant's reply is posted, in public.
    response = client.post(f"/incidents/{incident.reference}/reply/", {"reply-body": "Still failing"})
    assert response.status_code == 302
    assert list(incident.record.entries.values_list("is_internal", flat=True)) == [False]


def test_the_desk_still_writes_internal_notes(world, catalogue) -> None:
    incident = raise_for(world, catalogue)
    response = updates(world, incident, world.analyst, {"body": "Checking logs", "internal": "true"})
    assert response.status_code == 201 and response.json()["is_internal"] is True
    response = world.client(world.analyst).post(
        f"/incidents/{incident.reference}/reply/", {"reply-body": "Provider paged", "reply-internal": "on"}
    )
    assert response.status_code == 302
    assert list(incident.record.entries.order_by("id").values_list("is_internal", flat=True)) == [True, True]

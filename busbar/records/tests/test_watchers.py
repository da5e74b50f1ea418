"""Anyone who may see a record may follow it (page and API) and is told of its public changes."""

import pytest
from django.core import mail

from busbar.incidents import actions
from busbar.incidents.tests.conftest import actor_for, raise_for
from busbar.records.models import Watcher

pytestmark = pytest.mark.django_db


def _watch_page(client, reference: str, watch: str = "1"):
    return client.post(f"/records/{reference}/watch/", {"watch": watch})


def test_a_participant_who_sees_it_watches_and_stops_from_the_page(world, catalogue) -> None:
    incident = raise_for(world, catalogue)
    client = world.client(world.user_a)
    response = _watch_page(client, incident.reference)
    assert response.status_code == 302 and response["Location"] == f"/incidents/{incident.reference}/"
    assert Watcher.objects.filter(record=incident.record, user=world.user_a).exists()
    page = client.get(f"/incidents/{incident.reference}/").content.decode()
    assert "Stop watching" in page
    assert _watch_page(client, incident.reference, "0").status_code == 302
    assert not Watcher.objects.filter(record=incident.record).exists()


def test_someone_who_cannot_see_it_cannot_watch_it(world, catalogue) -> None:
    incident = raise_for(world, catalogue)  # A's, not published
    assert _watch_page(world.client(world.user_b), incident.reference).status_code == 404
    assert _watch_page(world.client(world.user_b), "INC9999999").status_code == 404
    assert _watch_page(world.client(None), incident.reference).status_code == 302  # to sign in
    assert world.client(world.user_a).get(f"/records/{incident.reference}/watch/").status_code == 405
    assert not Watcher.objects.exists()


def test_the_api_follows_and_unfollows(world, catalogue) -> None:
    incident = raise_for(world, catalogue)
    client = world.client(world.user_a)
    url = f"/api/v1/records/{incident.reference.lower()}/watch"
    first = client.post(url)
    assert first.status_code == 201 and first.json()["watching"] is True
    assert first.json()["type"] == "incident" and first.json()["reference"] == incident.reference
    assert first.json()["url"] == f"/incidents/{incident.reference}/"
    assert client.post(url).status_code == 409
    assert client.get(f"/api/v1/records/{incident.reference}").json()["watching"] is True
    assert client.delete(url).status_code == 204
    assert client.delete(url).status_code == 409


def test_the_api_hides_what_the_caller_may_not_see(world, catalogue) -> None:
    incident = raise_for(world, catalogue)
    b = world.client(world.user_b)
    assert b.post(f"/api/v1/records/{incident.reference}/watch").status_code == 404
    assert b.get(f"/api/v1/records/{incident.reference}").status_code == 404
    assert world.client(None).post(f"/api/v1/records/{incident.reference}/watch").status_code == 401
    bad = b.get("/api/v1/records/not-a-reference!")
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "reference"


def test_watchers_are_told_of_updates_while_they_may_see(
    world,
    catalogue,
    django_capture_on_commit_callbacks,
):
    incident = raise_for(world, catalogue)
    actions.assign_incident(actor=actor_for(world.analyst), incident=incident)
    from busbar.records.actions import watch

    watch(actor=actor_for(world.ops), obj=incident)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        actions.add_update(actor=actor_for(world.resolver), incident=incident, body="Found the cause")
    to_ops = [m for m in mail.outbox if m.to == [world.ops.email]]
    assert len(to_ops) == 1 and "Found the cause" in to_ops[0].body
    assert all(len(m.to) == 1 for m in mail.outbox)  # one recipient per message
    # An internal note tells no watcher.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        actions.add_update(actor=actor_for(world.resolver), incident=incident, body="psst", internal=True)
    assert not [m for m in mail.outbox if "psst" in m.body]

"""Updates and internal notes through the API: notes are for the desk and the provider only."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from busbar.conftest import World
from busbar.incidents import actions
from busbar.incidents.models import Incident
from busbar.incidents.tests.conftest import actor_for, raise_for
from busbar.records.models import Entry as Update

pytestmark = pytest.mark.django_db


@pytest.fixture
def incident(world: World, catalogue, settings, tmp_path) -> Incident:
    settings.MEDIA_ROOT = tmp_path
    incident = raise_for(world, catalogue)
    actions.assign_incident(actor=actor_for(world.analyst), incident=incident)
    actions.add_update(actor=actor_for(world.analyst), incident=incident, body="We are on it")
    actions.add_update(
        actor=actor_for(world.resolver),
        incident=incident,
        body="Suspect the gas queue",
        internal=True,
        attachments=[("trace.txt", "text/plain", b"internal trace")],
    )
    return incident


def _bodies(response) -> list[str]:
    assert response.status_code == 200, response.content
    items = response.json()["items"] if "items" in response.json() else response.json()["updates"]
    return [u["body"] for u in items]


@pytest.mark.parametrize(("who", "sees_note"), [("user_a", False), ("analyst", True), ("resolver", True)])
def test_internal_notes_only_for_desk_and_provider(
    world: World, incident: Incident, who: str, sees_note: bool
) -> None:
    client = world.client(getattr(world, who))
    expected = ["We are on it", "Suspect the gas queue"] if sees_note else ["We are on it"]
    assert _bodies(client.get(f"/api/v1/incidents/{incident.reference}/updates")) == expected
    detail = client.get(f"/api/v1/incidents/{incident.reference}")
    assert _bodies(detail) == expected
    filenames = [a["filename"] for a in detail.json()["attachments"]]
    assert filenames == (["trace.txt"] if sees_note else [])


def test_participant_cannot_download_an_internal_attachment(world: World, incident: Incident) -> None:
    url = (
        world.client(world.analyst)
        .get(f"/api/v1/incidents/{incident.reference}")
        .json()["attachments"][0]["download_url"]
    )
    assert world.client(world.user_a).get(url).status_code == 404
    assert world.client(world.user_b).get(url).status_code == 404
    download = world.client(world.resolver).get(url)
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"internal trace"
    assert download["Content-Disposition"].startswith("attachment")


def test_participant_adds_a_public_update(world: World, incident: Incident) -> None:
    response = world.client(world.user_a).post(
        f"/api/v1/incidents/{incident.reference}/updates",
        {"body": "Still failing"},
        content_type="application/json",
    )
    assert response.status_code == 201
    body = response.json()
    assert body["body"] == "Still failing" and body["is_internal"] is False
    assert body["author_organisation"]["id"] == world.org_a.pk and body["channel"] == "api"


def test_participant_cannot_write_an_internal_note(world: World, incident: Incident) -> None:
    response = world.client(world.user_a).post(
        f"/api/v1/incidents/{incident.reference}/updates",
        {"body": "psst", "internal": True},
        content_type="application/json",
    )
    assert response.status_code == 403 and response.json()["errors"][0]["field"] == "internal"
    assert not Update.objects.filter(body="psst").exists()


def test_other_participant_cannot_update_even_a_published_incident(world: World, incident: Incident) -> None:
    path = f"/api/v1/incidents/{incident.reference}/updates"
    assert (
        world.client(world.user_b).post(path, {"body": "hi"}, content_type="application/json").status_code
        == 404
    )
    actions.triage_incident(actor=actor_for(world.analyst), incident=incident, is_published=True)
    assert (
        world.client(world.user_b).post(path, {"body": "hi"}, content_type="application/json").status_code
        == 403
    )


def test_empty_body_is_422(world: World, incident: Incident) -> None:
    path = f"/api/v1/incidents/{incident.reference}/updates"
    for body in ({}, {"body": ""}, {"body": "  "}):
        response = world.client(world.analyst).post(path, body, content_type="application/json")
        assert response.status_code == 422 and response.json()["errors"][0]["field"] == "body"


def test_provider_writes_an_internal_note_with_a_file_by_multipart(world: World, incident: Incident) -> None:
    response = world.client(world.resolver).post(
        f"/api/v1/incidents/{incident.reference}/updates",
        {
            "body": "Heap dump attached",
            "internal": "true",
            "attachments": [SimpleUploadedFile("dump.json", b"{}", content_type="application/json")],
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["is_internal"] is True
    assert [(a["filename"], a["is_internal"]) for a in body["attachments"]] == [("dump.json", True)]
    assert "Heap dump attached" not in _bodies(
        world.client(world.user_a).get(f"/api/v1/incidents/{incident.reference}/updates")
    )


def test_participant_reply_resumes_a_paused_incident(world: World, incident: Incident) -> None:
    actions.set_pending(
        actor=actor_for(world.resolver), incident=incident, awaiting="participant", note="Logs?"
    )
    world.client(world.user_a).post(
        f"/api/v1/incidents/{incident.reference}/updates",
        {"body": "Logs attached"},
        content_type="application/json",
    )
    detail = world.client(world.user_a).get(f"/api/v1/incidents/{incident.reference}").json()
    assert detail["status"] == "in_progress" and detail["sla_paused"] is False

"""Hostile ids and files never crash the incident screens or API: a clean 404 or a 422 naming the field.

``"²".isdigit()`` is true yet ``int("²")`` fails, and a 20-digit number overflows a 64-bit key. Also here:
a download whose file has gone is a 404, and an upload over the limit is refused before it is read.
"""

import io
import json

import pytest
from django.core.files.uploadedfile import InMemoryUploadedFile

from busbar.conftest import World
from busbar.incidents.models import Incident
from busbar.incidents.tests.conftest import raise_for

pytestmark = pytest.mark.django_db

HUGE = str(2**70)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path},
        },
    }


@pytest.fixture
def incident(world: World, catalogue) -> Incident:
    return raise_for(world, catalogue)


def _post_json(world: World, user, path: str, body: dict):
    return world.client(user).post(f"/api/v1{path}", json.dumps(body), content_type="application/json")


def _fields(response) -> list:
    return [e["field"] for e in response.json()["errors"]]


def test_bulk_assign_ignores_ids_that_are_not_ids(world: World, incident: Incident) -> None:
    client = world.client(world.analyst)
    response = client.post(
        "/incidents/bulk-assign/", {"incident": ["²", HUGE, "-1"], "provider": world.provider.pk}, follow=True
    )
    assert response.status_code == 200 and b"Tick the incidents to assign." in response.content
    incident.refresh_from_db()
    assert incident.provider_id is None
    # A participant is still refused outright, whatever the ids.
    denied = world.client(world.user_a).post("/incidents/bulk-assign/", {"incident": ["²"]})
    assert denied.status_code == 403


@pytest.mark.parametrize("service", ["²", HUGE, 2**70, 0])
def test_raising_with_a_bad_service_id_is_422(world: World, catalogue, service) -> None:
    body = {"service": service, "summary": "x", "description": "y"}
    response = _post_json(world, world.user_a, "/incidents", body)
    assert response.status_code == 422 and _fields(response) == ["service"]
    assert not Incident.objects.exists()


def test_bad_organisation_and_person_ids_are_422(world: World, catalogue, incident: Incident) -> None:
    body = {"service": catalogue.service.pk, "summary": "x", "description": "y", "organisation": 2**70}
    response = _post_json(world, world.analyst, "/incidents", body)
    assert response.status_code == 422 and _fields(response) == ["organisation"]
    response = _post_json(
        world, world.analyst, f"/incidents/{incident.reference}/assign", {"assignee": 2**70}
    )
    assert response.status_code == 422 and _fields(response) == ["assignee"]


@pytest.mark.parametrize(
    ("query", "field"),
    [("service=²", "service"), (f"service={HUGE}", "service"), (f"provider={HUGE}", "provider")],
)
def test_list_filter_with_a_bad_id_is_422(world: World, incident: Incident, query: str, field: str) -> None:
    response = world.client(world.analyst).get(f"/api/v1/incidents?{query}")
    assert response.status_code == 422 and _fields(response) == [field]
    assert response["Content-Type"] == "application/problem+json"


def test_a_huge_path_id_is_422_naming_it(world: World, incident: Incident) -> None:
    client = world.client(world.analyst)
    response = client.get(f"/api/v1/major-incidents/{HUGE}")
    assert response.status_code == 422 and _fields(response) == ["major_id"]
    response = client.get(f"/api/v1/incidents/{incident.reference}/attachments/{HUGE}")
    assert response.status_code == 422 and _fields(response) == ["attachment_id"]
    # Within range but no such record: 404.
    assert client.get("/api/v1/major-incidents/999999").status_code == 404


def test_api_download_of_a_missing_file_is_404(world: World, catalogue) -> None:
    incident = raise_for(world, catalogue, attachments=[("errors.csv", "text/csv", b"mpan,code\n")])
    attachment = incident.record.attachments.get()
    attachment.file.delete(save=False)
    path = f"/api/v1/incidents/{incident.reference}/attachments/{attachment.pk}"
    response = world.client(world.user_a).get(path)
    assert response.status_code == 404 and response["Content-Type"] == "application/problem+json"
    # Another participant cannot tell a missing file from an invisible incident.
    assert world.client(world.user_b).get(path).status_code == 404


class _Upload(io.BytesIO):
    """A file for the test client to send (a plain stream, so patching the server's upload class is safe)."""

    name = "big.csv"


def _refuse_read(self, *args):
    raise AssertionError("the upload was read before its size was checked")


def test_an_oversized_upload_is_refused_before_it_is_read(
    world: World, incident: Incident, settings, monkeypatch
) -> None:
    settings.BUSBAR_ATTACHMENT_MAX_BYTES = 1024
    monkeypatch.setattr(InMemoryUploadedFile, "read", _refuse_read)
    big = _Upload(b"x" * 2048)
    api = world.client(world.user_a).post(
        f"/api/v1/incidents/{incident.reference}/updates", {"body": "see file", "attachments": [big]}
    )
    assert api.status_code == 422 and _fields(api) == ["attachments[0]"]
    assert "the limit is 1,024" in api.json()["detail"]
    big.seek(0)
    web = world.client(world.user_a).post(
        f"/incidents/{incident.reference}/reply/", {"reply-body": "see file", "reply-attachments": [big]}
    )
    assert web.status_code == 422 and b"the limit is 1,024" in web.content
    assert not incident.record.entries.exists() and not incident.record.attachments.exists()


def test_the_incidents_api_422_has_the_shared_shape(world: World, incident: Incident) -> None:
    client = world.client(world.user_a)
    ours = client.post(
        f"/api/v1/incidents/{incident.reference}/updates", b"[1]", content_type="application/json"
    )
    ninjas = client.get("/api/v1/incidents?limit=0")
    assert ours.status_code == ninjas.status_code == 422
    assert set(ours.json()) == set(ninjas.json()) >= {"type", "title", "status", "detail", "errors"}
    assert ours.json()["type"] == ninjas.json()["type"] and ours.json()["title"] == ninjas.json()["title"]

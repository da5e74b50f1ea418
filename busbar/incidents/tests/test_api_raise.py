"""Raising incidents through the API: participants for themselves, the desk for anyone (by phone)."""

import pytest

from busbar.conftest import World
from busbar.incidents.models import Incident
from busbar.records.models import Attachment

pytestmark = pytest.mark.django_db

BODY = {"service": "css", "summary": "Switches failing", "description": "E0001 on every switch since 09:00"}


def _raise(world: World, user, body: dict):
    return world.client(user).post("/api/v1/incidents", body, content_type="application/json")


def test_participant_raises_for_own_organisation(world: World, catalogue) -> None:
    response = _raise(world, world.user_a, {**BODY, "severity": "2", "impact": "several"})
    assert response.status_code == 201
    body = response.json()
    assert body["reference"].startswith("INC") and body["status"] == "new"
    assert body["organisation"]["id"] == world.org_a.pk and body["channel"] == "api"
    assert body["severity"]["code"] == "2" and body["impact"] == "several"
    assert body["sla"]["response"]["target"] == "20 minutes"
    incident = Incident.objects.get(reference=body["reference"])
    assert incident.raised_by == world.user_a
    # B cannot see it.
    assert world.client(world.user_b).get(f"/api/v1/incidents/{body['reference']}").status_code == 404


def test_service_by_id_and_default_severity(world: World, catalogue) -> None:
    response = _raise(world, world.user_a, {**BODY, "service": catalogue.service.pk})
    assert response.status_code == 201 and response.json()["severity"]["code"] == "4"


def test_participant_cannot_raise_for_another_organisation(world: World, catalogue) -> None:
    response = _raise(world, world.user_a, {**BODY, "organisation": world.org_b.pk})
    assert response.status_code == 403 and response.json()["errors"][0]["field"] == "organisation"
    assert not Incident.objects.exists()


def test_desk_raises_by_phone_for_a_participant(world: World, catalogue) -> None:
    response = _raise(
        world,
        world.analyst,
        {
            **BODY,
            "organisation": world.org_b.pk,
            "contact_name": "Bea at Bravo",
            "affected": [world.org_a.pk],
        },
    )
    assert response.status_code == 201
    body = response.json()
    assert body["organisation"]["id"] == world.org_b.pk and body["channel"] == "phone"
    assert body["contact_name"] == "Bea at Bravo"
    assert [o["id"] for o in body["affected"]] == [world.org_a.pk]
    assert world.client(world.user_b).get(f"/api/v1/incidents/{body['reference']}").status_code == 200


def test_major_severity_opens_a_major_incident(world: World, catalogue) -> None:
    suggested = _raise(world, world.user_a, {**BODY, "severity": "1"}).json()
    assert (
        suggested["is_major"] is False and suggested["is_published"] is False
    )  # a participant only suggests
    body = _raise(
        world, world.analyst, {**BODY, "severity": "1", "organisation": world.org_a.pk, "confirm": True}
    ).json()
    assert body["is_major"] is True and body["is_published"] is True
    assert body["major"]["state"] == "active" and body["major"]["trigger"] == "severity"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"severity": "9"}, "severity"),
        ({"service": "no-such-service"}, "service"),
        ({"summary": ""}, "summary"),
        ({"summary": "   "}, "summary"),
        ({"impact": "galactic"}, "impact"),
        ({"affected": [999999]}, "affected"),
        ({"organisation": 999999}, "organisation"),
    ],
)
def test_bad_input_is_422_naming_the_field(world: World, catalogue, change: dict, field: str) -> None:
    response = _raise(world, world.analyst, {**BODY, **change})
    assert response.status_code == 422, response.content
    assert [e["field"] for e in response.json()["errors"]] == [field]
    assert not Incident.objects.exists()


def test_missing_fields_are_named(world: World, catalogue) -> None:
    response = _raise(world, world.user_a, {"service": "css"})
    assert response.status_code == 422
    assert sorted(e["field"] for e in response.json()["errors"]) == ["description", "summary"]


def test_multipart_with_attachments(world: World, catalogue, settings, tmp_path) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    files = [
        SimpleUploadedFile("error.log", b"E0001 rejected\n", content_type="text/plain"),
        SimpleUploadedFile("screen.png", b"\x89PNG fake", content_type="image/png"),
    ]
    response = world.client(world.user_a).post(
        "/api/v1/incidents", {**BODY, "severity": "3", "attachments": files}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert [(a["filename"], a["content_type"], a["size"]) for a in body["attachments"]] == [
        ("error.log", "text/plain", 15),
        ("screen.png", "image/png", 9),
    ]
    assert body["affected"] == []  # only the desk names affected organisations
    download = world.client(world.user_a).get(body["attachments"][0]["download_url"])
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"E0001 rejected\n"


def test_multipart_refuses_a_forbidden_file_type(world: World, catalogue, settings, tmp_path) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    evil = SimpleUploadedFile("run.exe", b"MZ", content_type="application/x-msdownload")
    response = world.client(world.user_a).post("/api/v1/incidents", {**BODY, "attachments": [evil]})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "attachments[0]"
    assert not Incident.objects.exists() and not Attachment.objects.exists()

"""The OpenAPI document describes the incidents API: per-action transitions, both body kinds, problems."""

import pytest

from busbar.conftest import World

pytestmark = pytest.mark.django_db


def test_openapi_documents_the_incidents_api(world: World) -> None:
    doc = world.client(world.user_a).get("/api/v1/openapi.json").json()
    paths = doc["paths"]
    for action in ("triage", "assign", "start", "pend", "resolve", "close", "reopen", "cancel"):
        operation = paths[f"/api/v1/incidents/{{reference}}/{action}"]["post"]
        assert "Incident transitions" in operation["tags"]
        assert {"200", "403", "404", "409", "422"} <= set(operation["responses"])
    raise_body = paths["/api/v1/incidents"]["post"]["requestBody"]["content"]
    assert set(raise_body) == {"application/json", "multipart/form-data"}
    assert "attachments" in raise_body["multipart/form-data"]["schema"]["properties"]
    assert set(raise_body["application/json"]["schema"]["required"]) == {"service", "summary", "description"}
    assert "message/rfc822" in paths["/api/v1/email/inbound"]["post"]["requestBody"]["content"]
    listing = {p["name"] for p in paths["/api/v1/incidents"]["get"]["parameters"]}
    assert {
        "status",
        "severity",
        "service",
        "provider",
        "organisation",
        "q",
        "breached",
        "breaching_within_minutes",
        "major",
        "published",
        "created_after",
        "created_before",
        "ordering",
        "limit",
        "offset",
    } <= listing

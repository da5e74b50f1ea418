"""Refusals from the incidents API are RFC 9457 problem details that say what is wrong."""

import pytest

from busbar.conftest import World
from busbar.incidents.models import Incident
from busbar.incidents.tests.conftest import raise_for

pytestmark = pytest.mark.django_db
PROBLEM = "application/problem+json"


@pytest.fixture
def incident(world: World, catalogue) -> Incident:
    return raise_for(world, catalogue)


def _post(client, path: str, body: object, content_type: str = "application/json"):
    return client.post(path, body, content_type=content_type)


def test_illegal_transition_is_409_naming_current_and_allowed(world: World, incident: Incident) -> None:
    path = f"/api/v1/incidents/{incident.reference}/close"
    response = _post(world.client(world.analyst), path, {})
    assert response.status_code == 409 and response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["type"].endswith("/illegaltransition")
    assert body["title"] == "That status change is not allowed"
    assert body["status"] == 409 and body["instance"] == path
    assert "'new'" in body["detail"] and "in_progress" in body["detail"]
    assert body["errors"] == [{"field": "status", "message": body["detail"]}]
    assert body["current_status"] == "new"
    assert body["allowed_statuses"] == [
        "assigned",
        "cancelled",
        "in_progress",
        "pending_participant",
        "resolved",
    ]


def test_missing_field_is_422_naming_it(world: World, incident: Incident) -> None:
    response = _post(world.client(world.analyst), f"/api/v1/incidents/{incident.reference}/resolve", {})
    assert response.status_code == 422 and response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["type"].endswith("/invalid")
    assert [e["field"] for e in body["errors"]] == ["resolution"]


def test_bad_choice_is_422_naming_the_field(world: World, incident: Incident) -> None:
    response = _post(
        world.client(world.analyst), f"/api/v1/incidents/{incident.reference}/pend", {"awaiting": "nobody"}
    )
    assert response.status_code == 422 and [e["field"] for e in response.json()["errors"]] == ["awaiting"]


def test_refused_by_the_rules_is_422_naming_the_field(world: World, incident: Incident) -> None:
    response = _post(
        world.client(world.analyst), f"/api/v1/incidents/{incident.reference}/resolve", {"resolution": " "}
    )
    assert response.status_code == 422 and response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["type"].endswith("/action") and body["title"] == "The change was refused"
    assert (
        body["errors"][0]["field"] == "resolution" and body["detail"] == "Say how the incident was resolved"
    )


def test_not_permitted_is_403_problem(world: World, incident: Incident) -> None:
    response = _post(
        world.client(world.user_a), f"/api/v1/incidents/{incident.reference}/resolve", {"resolution": "done"}
    )
    assert response.status_code == 403 and response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["type"].endswith("/notpermitted") and "service desk" in body["detail"]


def test_invisible_is_404_problem_not_403(world: World, incident: Incident) -> None:
    response = _post(
        world.client(world.user_b), f"/api/v1/incidents/{incident.reference}/resolve", {"resolution": "done"}
    )
    assert response.status_code == 404 and response["Content-Type"] == PROBLEM
    assert response.json()["title"] == "Not found"


def test_unreadable_json_is_422(world: World) -> None:
    response = _post(world.client(world.user_a), "/api/v1/incidents", "{not json")
    assert response.status_code == 422 and response["Content-Type"] == PROBLEM
    response = _post(world.client(world.user_a), "/api/v1/incidents", "[1, 2]")
    assert response.status_code == 422


def test_unsupported_media_type_is_415(world: World) -> None:
    response = _post(world.client(world.user_a), "/api/v1/incidents", "<incident/>", "application/xml")
    assert response.status_code == 415 and response["Content-Type"] == PROBLEM


def test_oversized_body_is_413_not_a_crash(world: World, settings) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    body = {"service": "css", "summary": "x", "description": "y" * 5000}
    response = _post(world.client(world.user_a), "/api/v1/incidents", body)
    assert response.status_code == 413 and response["Content-Type"] == PROBLEM

"""Major incidents through the API: declare, list, bulletins, manager and interval, review — desk only."""

import pytest

from busbar.conftest import World
from busbar.incidents import actions
from busbar.incidents.models import MajorIncident
from busbar.incidents.tests.conftest import actor_for, raise_for

pytestmark = pytest.mark.django_db


def _json(client, method: str, path: str, body: dict | None = None):
    return getattr(client, method)(path, body or {}, content_type="application/json")


@pytest.fixture
def major(world: World, catalogue) -> MajorIncident:
    incident = raise_for(world, catalogue, severity="1")
    return incident.major


def test_desk_declares_a_major_incident(world: World, catalogue) -> None:
    incident = raise_for(world, catalogue)
    path = f"/api/v1/incidents/{incident.reference}/major"
    assert _json(world.client(world.user_a), "post", path).status_code == 403
    assert _json(world.client(world.user_b), "post", path).status_code == 404
    response = _json(world.client(world.analyst), "post", path, {"trigger": "bcdr", "confirm": True})
    assert response.status_code == 201
    body = response.json()
    assert body["trigger"] == "bcdr" and body["state"] == "active"
    assert body["manager"]["id"] == world.analyst.pk and body["incident"]["reference"] == incident.reference
    assert body["incident"]["is_published"] is True and body["communications"] == []
    again = _json(world.client(world.analyst), "post", path)
    assert again.status_code == 409 and again.json()["errors"][0]["field"] == "incident"


def test_everyone_sees_a_published_major_incident(world: World, major: MajorIncident) -> None:
    for user in (world.user_a, world.user_b, world.resolver, world.analyst):
        listing = world.client(user).get("/api/v1/major-incidents").json()
        assert [m["id"] for m in listing["items"]] == [major.pk]
        assert world.client(user).get(f"/api/v1/major-incidents/{major.pk}").status_code == 200
    assert world.client(world.analyst).get("/api/v1/major-incidents?state=closed").json()["items"] == []


def test_an_unpublished_major_follows_the_incident_visibility(world: World, major: MajorIncident) -> None:
    actions.triage_incident(actor=actor_for(world.analyst), incident=major.incident, is_published=False)
    assert world.client(world.user_b).get(f"/api/v1/major-incidents/{major.pk}").status_code == 404
    assert world.client(world.user_b).get("/api/v1/major-incidents").json()["items"] == []
    assert world.client(world.user_a).get(f"/api/v1/major-incidents/{major.pk}").status_code == 200


def test_desk_sends_a_bulletin(world: World, major: MajorIncident) -> None:
    path = f"/api/v1/major-incidents/{major.pk}/communications"
    bulletin = {"subject": "Switching degraded", "body": "We are restarting the gas queue."}
    assert _json(world.client(world.user_a), "post", path, bulletin).status_code == 403
    response = _json(world.client(world.analyst), "post", path, bulletin)
    assert response.status_code == 201
    assert response.json()["subject"] == "Switching degraded" and response.json()["recipient_count"] >= 1
    detail = world.client(world.user_b).get(f"/api/v1/major-incidents/{major.pk}").json()
    assert [c["subject"] for c in detail["communications"]] == ["Switching degraded"]
    assert detail["next_update_due_at"] is not None


def test_bulletin_needs_subject_and_body(world: World, major: MajorIncident) -> None:
    path = f"/api/v1/major-incidents/{major.pk}/communications"
    missing = _json(world.client(world.analyst), "post", path, {"subject": "x"})
    assert missing.status_code == 422 and [e["field"] for e in missing.json()["errors"]] == ["body"]
    blank = _json(world.client(world.analyst), "post", path, {"subject": " ", "body": "x"})
    assert blank.status_code == 422 and blank.json()["errors"][0]["field"] == "subject"


def test_desk_changes_manager_and_interval(world: World, major: MajorIncident) -> None:
    path = f"/api/v1/major-incidents/{major.pk}"
    assert (
        _json(world.client(world.user_a), "patch", path, {"update_interval_minutes": 30}).status_code == 403
    )
    response = _json(
        world.client(world.analyst), "patch", path, {"manager": world.ops.pk, "update_interval_minutes": 30}
    )
    assert response.status_code == 200
    assert (
        response.json()["manager"]["id"] == world.ops.pk and response.json()["update_interval_minutes"] == 30
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"update_interval_minutes": 2}, "update_interval_minutes"),
        ({"manager": "participant"}, "manager"),
        ({"manager": 999999}, "manager"),
    ],
)
def test_bad_manager_or_interval_is_422(world: World, major: MajorIncident, body: dict, field: str) -> None:
    if body.get("manager") == "participant":
        body = {"manager": world.user_a.pk}
    response = _json(world.client(world.analyst), "patch", f"/api/v1/major-incidents/{major.pk}", body)
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == field
    major.refresh_from_db()
    assert major.manager is None or major.manager == world.analyst


def test_review_then_close(world: World, major: MajorIncident) -> None:
    path = f"/api/v1/major-incidents/{major.pk}/review"
    review = {"cause": "Disk full", "actions": "Alerting added", "lessons": "Watch the disk"}
    early = _json(world.client(world.analyst), "post", path, review)
    assert early.status_code == 409 and early.json()["errors"][0]["field"] == "status"
    actions.resolve_incident(
        actor=actor_for(world.analyst), incident=major.incident, resolution="Disk cleared"
    )
    ref = major.incident.reference
    blocked = _json(world.client(world.analyst), "post", f"/api/v1/incidents/{ref}/close")
    assert blocked.status_code == 422 and blocked.json()["errors"][0]["field"] == "review"
    assert _json(world.client(world.user_a), "post", path, review).status_code == 403
    response = _json(world.client(world.analyst), "post", path, review)
    assert response.status_code == 200
    assert response.json()["state"] == "review" and response.json()["review"]["cause"] == "Disk full"
    closed = _json(world.client(world.user_a), "post", f"/api/v1/incidents/{ref}/close")
    assert closed.status_code == 200 and closed.json()["major"]["state"] == "closed"


def test_unknown_major_is_404(world: World) -> None:
    assert world.client(world.analyst).get("/api/v1/major-incidents/999999").status_code == 404

"""Starting work on a resolved, closed or cancelled incident is refused by the action and its transition
table alone, so the page and the API agree: 409 (a problem in the API, the refusal on the page)."""

from __future__ import annotations

import pytest

from busbar.incidents import actions
from busbar.incidents.models import Incident, Status
from busbar.incidents.tests.conftest import actor_for, raise_for

pytestmark = pytest.mark.django_db


def finished(world, catalogue, how: str) -> Incident:
    incident = raise_for(world, catalogue)
    desk = actor_for(world.analyst)
    if how == "cancelled":
        return actions.cancel_incident(actor=desk, incident=incident, reason="Raised in error")
    actions.resolve_incident(actor=desk, incident=incident, resolution="Fixed")
    if how == "closed":
        actions.close_incident(actor=desk, incident=incident)
    return Incident.objects.get(pk=incident.pk)


@pytest.mark.parametrize("how", ["resolved", "closed", "cancelled"])
def test_the_page_and_the_api_both_answer_409(world, catalogue, how: str) -> None:
    incident = finished(world, catalogue, how)
    desk = world.client(world.analyst)
    page = desk.post(f"/incidents/{incident.reference}/start/", {"start-note": "On it"})
    assert page.status_code == 409
    api = desk.post(
        f"/api/v1/incidents/{incident.reference}/start", {"note": "On it"}, content_type="application/json"
    )
    assert api.status_code == 409
    problem = api.json()
    assert problem["errors"][0]["field"] == "status" and problem["current_status"] == how
    if how != "cancelled":
        assert "reopen it instead" in page.content.decode() and "reopen it instead" in problem["detail"]
    incident.refresh_from_db()
    assert incident.status == Status(how) and not incident.record.entries.exists()


def test_others_are_refused_before_the_state_is_looked_at(world, catalogue) -> None:
    incident = finished(world, catalogue, "resolved")
    for user, status in ((world.user_a, 403), (world.user_b, 404)):
        assert world.client(user).post(f"/incidents/{incident.reference}/start/").status_code == status
        response = world.client(user).post(
            f"/api/v1/incidents/{incident.reference}/start", {}, content_type="application/json"
        )
        assert response.status_code == status


def test_an_open_incident_still_starts(world, catalogue) -> None:
    incident = raise_for(world, catalogue)
    response = world.client(world.analyst).post(f"/incidents/{incident.reference}/start/", {"start-note": ""})
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.status == Status.IN_PROGRESS

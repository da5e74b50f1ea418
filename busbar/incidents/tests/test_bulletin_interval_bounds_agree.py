"""The bulletin interval's bounds come from one place (UPDATE_INTERVAL_MIN/MAX): the page's field and help,
the API's schema and the action say and enforce the same 5–1440 minutes."""

from __future__ import annotations

import pytest

from busbar.incidents import actions
from busbar.incidents.models import UPDATE_INTERVAL_HELP, UPDATE_INTERVAL_MAX, UPDATE_INTERVAL_MIN
from busbar.incidents.tests.conftest import actor_for, raise_for
from busbar.lib.actions import ActionError

pytestmark = pytest.mark.django_db


def test_the_bounds_are_5_to_1440() -> None:
    assert (UPDATE_INTERVAL_MIN, UPDATE_INTERVAL_MAX) == (5, 1440)
    assert "5 minutes" in UPDATE_INTERVAL_HELP and "24 hours" in UPDATE_INTERVAL_HELP


def test_the_page_offers_the_same_bounds_and_help(world, catalogue) -> None:
    incident = raise_for(world, catalogue, severity="1")
    page = world.client(world.analyst).get(f"/incidents/{incident.reference}/").content.decode()
    assert 'name="major-interval-minutes"' in page
    assert 'min="5"' in page and 'max="1440"' in page and UPDATE_INTERVAL_HELP in page
    assert "≥ 1" not in page and 'min="1"' not in page
    for minutes, status in ((4, 422), (1441, 422), (5, 302), (1440, 302)):
        response = world.client(world.analyst).post(
            f"/incidents/{incident.reference}/major-interval/", {"major-interval-minutes": minutes}
        )
        assert response.status_code == status, minutes
    # A participant is not offered it and is refused.
    assert (
        'name="major-interval-minutes"'
        not in world.client(world.user_a).get(f"/incidents/{incident.reference}/").content.decode()
    )
    response = world.client(world.user_a).post(
        f"/incidents/{incident.reference}/major-interval/", {"major-interval-minutes": 30}
    )
    assert response.status_code == 403


def test_the_api_schema_and_the_action_agree(world, catalogue) -> None:
    schema = world.client(world.analyst).get("/api/v1/openapi.json").json()
    patch = schema["components"]["schemas"]["MajorPatch"]["properties"]["update_interval_minutes"]
    bounded = next(option for option in patch.get("anyOf", [patch]) if option.get("type") == "integer")
    assert (bounded["minimum"], bounded["maximum"]) == (UPDATE_INTERVAL_MIN, UPDATE_INTERVAL_MAX)
    incident = raise_for(world, catalogue, severity="1")
    major = incident.major
    path = f"/api/v1/major-incidents/{major.pk}"
    for minutes in (4, 1441):
        response = world.client(world.analyst).patch(
            path, {"update_interval_minutes": minutes}, content_type="application/json"
        )
        assert (
            response.status_code == 422 and response.json()["errors"][0]["field"] == "update_interval_minutes"
        )
        with pytest.raises(ActionError) as refused:
            actions.set_update_interval(actor=actor_for(world.analyst), major=major, minutes=minutes)
        assert refused.value.field == "minutes" and UPDATE_INTERVAL_HELP.lower() in refused.value.message

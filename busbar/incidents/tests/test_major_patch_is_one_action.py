"""Changing a major incident's manager and bulletin interval together is one action: both are journalled
in one transaction, or neither is written."""

from __future__ import annotations

import pytest

from busbar.audit.models import AuditEntry
from busbar.incidents import actions
from busbar.incidents.actions import major as major_actions
from busbar.incidents.models import MajorIncident
from busbar.incidents.tests.conftest import actor_for, raise_for
from busbar.lib.actions import ActionError

pytestmark = pytest.mark.django_db


@pytest.fixture
def major(world, catalogue) -> MajorIncident:
    return raise_for(world, catalogue, severity="1").major


def patch(world, user, major: MajorIncident, body: dict):
    return world.client(user).patch(
        f"/api/v1/major-incidents/{major.pk}", body, content_type="application/json"
    )


def test_both_changes_are_journalled_together(world, major: MajorIncident) -> None:
    response = patch(world, world.analyst, major, {"manager": world.ops.pk, "update_interval_minutes": 30})
    assert response.status_code == 200
    assert (
        response.json()["manager"]["id"] == world.ops.pk and response.json()["update_interval_minutes"] == 30
    )
    entries = AuditEntry.objects.filter(
        record_id=str(major.pk), action__in=["major_incident.manager", "major_incident.interval"]
    )
    assert sorted(e.action for e in entries) == ["major_incident.interval", "major_incident.manager"]


def test_a_refused_second_change_undoes_the_first(world, major: MajorIncident, monkeypatch) -> None:
    def refuse(**kwargs: object) -> None:
        raise ActionError("Refused for the test", field="update_interval_minutes")

    monkeypatch.setattr(major_actions, "set_update_interval", refuse)
    response = patch(world, world.analyst, major, {"manager": world.ops.pk, "update_interval_minutes": 30})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "update_interval_minutes"
    major.refresh_from_db()
    assert major.manager == world.analyst  # unchanged: the manager change was rolled back with it
    assert not AuditEntry.objects.filter(action="major_incident.manager").exists()


def test_the_action_refuses_an_interval_out_of_bounds_naming_the_patch_field(world, major) -> None:
    with pytest.raises(ActionError) as refused:
        actions.update_major(
            actor=actor_for(world.analyst), major=major, manager=world.ops, update_interval_minutes=3
        )
    assert refused.value.field == "update_interval_minutes"
    major.refresh_from_db()
    assert major.manager == world.analyst and major.update_interval_minutes == 60


def test_an_empty_patch_changes_nothing_and_says_so(world, major: MajorIncident) -> None:
    response = patch(world, world.analyst, major, {})
    assert response.status_code == 422 and "Nothing to change" in response.json()["detail"]


def test_only_the_desk_may_patch(world, major: MajorIncident) -> None:
    assert patch(world, world.user_a, major, {"update_interval_minutes": 30}).status_code == 403
    assert patch(world, world.resolver, major, {"update_interval_minutes": 30}).status_code == 403
    assert patch(world, None, major, {"update_interval_minutes": 30}).status_code == 401
    major.refresh_from_db()
    assert major.update_interval_minutes == 60

"""A PATCH of an organisation (details and whether it is active) or of a membership (role and whether it is
active) is one action: every part is journalled in one transaction, or nothing is written."""

from __future__ import annotations

import pytest

from busbar.audit.models import AuditEntry
from busbar.conftest import World
from busbar.lib.actions import ActionError, Actor
from busbar.parties import actions

pytestmark = pytest.mark.django_db
JSON = "application/json"


def refuse(**kwargs: object) -> None:
    raise ActionError("Refused for the test", field="is_active")


def test_an_organisation_patch_is_all_or_nothing(world: World, monkeypatch) -> None:
    c = world.client(world.platform_admin)
    path = f"/api/v1/organisations/{world.org_b.pk}"
    monkeypatch.setattr(actions, "set_organisation_active", refuse)
    response = c.patch(path, {"name": "Bravo Energy Ltd", "is_active": False}, content_type=JSON)
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "is_active"
    world.org_b.refresh_from_db()
    assert world.org_b.name == "Bravo Energy" and world.org_b.is_active
    assert not AuditEntry.objects.filter(action="organisation.update", record_id=str(world.org_b.pk)).exists()
    monkeypatch.undo()
    response = c.patch(path, {"name": "Bravo Energy Ltd", "is_active": False}, content_type=JSON)
    assert response.status_code == 200
    done = AuditEntry.objects.filter(record_id=str(world.org_b.pk), action__startswith="organisation.")
    assert {"organisation.update", "organisation.deactivate"} <= set(done.values_list("action", flat=True))


def test_a_membership_patch_is_all_or_nothing(world: World, monkeypatch) -> None:
    c = world.client(world.admin_a)
    membership = world.user_a.memberships.get()
    path = f"/api/v1/memberships/{membership.pk}"
    monkeypatch.setattr(actions, "set_membership_active", refuse)
    response = c.patch(path, {"role": "resolver", "is_active": False}, content_type=JSON)
    assert response.status_code == 422
    membership.refresh_from_db()
    assert membership.role == "participant" and membership.is_active
    assert not AuditEntry.objects.filter(action="membership.role").exists()
    monkeypatch.undo()
    response = c.patch(path, {"role": "resolver", "is_active": False}, content_type=JSON)
    assert response.status_code == 200 and response.json()["role"] == "resolver"
    assert response.json()["is_active"] is False


def test_a_patch_that_changes_nothing_writes_nothing(world: World) -> None:
    membership = world.user_a.memberships.get()
    response = world.client(world.admin_a).patch(
        f"/api/v1/memberships/{membership.pk}", {"role": membership.role}, content_type=JSON
    )
    assert response.status_code == 200 and not AuditEntry.objects.filter(action="membership.role").exists()
    response = world.client(world.platform_admin).patch(
        f"/api/v1/organisations/{world.org_a.pk}", {"is_active": True}, content_type=JSON
    )
    assert response.status_code == 200
    assert not AuditEntry.objects.filter(
        record_id=str(world.org_a.pk), action="organisation.activate"
    ).exists()


def test_the_composite_actions_refuse_others(world: World) -> None:
    def actor_for(user) -> Actor:
        return Actor(user=user, organisation=world.org_a)

    with pytest.raises(ActionError) as refused:
        actions.change_organisation(actor=actor_for(world.admin_a), organisation=world.org_a, name="Mine now")
    assert refused.value.status == 403
    membership = world.user_b.memberships.get()
    with pytest.raises(ActionError) as refused:
        actions.change_membership(actor=actor_for(world.admin_a), membership=membership, is_active=False)
    assert refused.value.status == 403
    membership.refresh_from_db()
    assert membership.is_active

"""An account switched off (no active membership left) loses its API tokens and its sessions in the same
action, journalled, so neither comes back to life when the account is switched on again by accepting an
invitation."""

import pytest
from django.test import Client

from busbar.accounts.actions import create_api_token
from busbar.accounts.models import ApiToken
from busbar.audit.models import AuditEntry
from busbar.conftest import PASSWORD, World, bearer
from busbar.lib.actions import Actor
from busbar.parties import actions
from busbar.parties.tests.invitations import invite

pytestmark = pytest.mark.django_db


def _token(world: World, user) -> str:
    _, raw = create_api_token(actor=Actor(user=user), user=user, name="sync")
    return raw


def test_old_token_and_session_stay_dead_after_reactivation(
    world: World, django_capture_on_commit_callbacks
) -> None:
    raw = _token(world, world.user_b)
    browser = Client()
    assert (
        browser.post("/accounts/login/", {"login": world.user_b.email, "password": PASSWORD}).status_code
        == 302
    )
    assert browser.get("/api/v1/me").status_code == 200

    response = world.client(world.platform_admin).patch(
        f"/api/v1/memberships/{world.user_b.memberships.get().pk}",
        {"is_active": False},
        content_type="application/json",
    )
    assert response.status_code == 200
    token = ApiToken.objects.get(user=world.user_b)
    assert token.revoked_at is not None
    entry = AuditEntry.objects.get(action="api_token.revoke", record_id=str(token.pk))
    assert entry.actor == world.platform_admin and entry.owner_organisation == world.org_b
    assert "switched off" in entry.note
    assert "1 session ended" in AuditEntry.objects.get(action="user.deactivate").note

    _, link = invite(django_capture_on_commit_callbacks, world.org_a, world.user_b.email, by=world.admin_a)
    accepted = Client().post(f"/invitations/{link}/", {"decision": "accept", "password": PASSWORD})
    assert accepted.status_code == 302
    world.user_b.refresh_from_db()
    assert world.user_b.is_active

    assert Client().get("/api/v1/me", **bearer(raw)).status_code == 401
    assert browser.get("/api/v1/me").status_code == 401  # the old session was ended, not revived
    # A new sign-in and a new token work as usual.
    assert (
        Client().post("/accounts/login/", {"login": world.user_b.email, "password": PASSWORD}).status_code
        == 302
    )
    assert Client().get("/api/v1/me", **bearer(_token(world, world.user_b))).status_code == 200


def test_an_account_still_active_elsewhere_keeps_its_token_and_session(world: World) -> None:
    raw = _token(world, world.user_b)
    from busbar.conftest import make_user

    person = make_user(world.org_a, world.user_b.email, "participant")  # a second organisation for them
    browser = world.client(person)
    actions.set_membership_active(
        actor=Actor(user=world.platform_admin),
        membership=world.user_b.memberships.get(organisation=world.org_b),
        active=False,
    )
    assert Client().get("/api/v1/me", **bearer(raw)).status_code == 200
    assert browser.get("/api/v1/me").status_code == 200
    assert not AuditEntry.objects.filter(action="api_token.revoke").exists()

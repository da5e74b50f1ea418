"""Only an organisation's administrators (and platform administrators) invite, list and revoke.

Each persona is tried against the web pages and the API: the allowed ones succeed, the rest are refused.
"""

import pytest
from django.test import Client

from busbar.conftest import World, make_user
from busbar.lib.actions import Actor, NotPermitted
from busbar.parties import actions
from busbar.parties.models import Invitation, MembershipRole
from busbar.parties.tests.invitations import invite

pytestmark = pytest.mark.django_db

DENIED = ["user_a", "user_b", "resolver", "analyst", "ops", "admin_b"]


def _who(world: World, name: str):
    if name == "admin_b":
        return make_user(world.org_b, "admin@bravo.example", MembershipRole.ORG_ADMIN, mfa=True)
    return getattr(world, name)


@pytest.mark.parametrize("name", DENIED)
def test_others_cannot_invite(world: World, name: str) -> None:
    c = world.client(_who(world, name))
    web = c.post(
        f"/organisations/{world.org_a.pk}/invite/", {"email": "x@charlie.example", "role": "participant"}
    )
    assert web.status_code == 403
    api = c.post(
        f"/api/v1/organisations/{world.org_a.pk}/invitations",
        {"email": "x@charlie.example", "role": "participant"},
        content_type="application/json",
    )
    assert api.status_code == 403 and api["Content-Type"] == "application/problem+json"
    assert b"Invite a person" not in c.get(f"/organisations/{world.org_a.pk}/").content
    assert not Invitation.objects.exists()


@pytest.mark.parametrize("name", DENIED)
def test_others_cannot_list_or_revoke(world: World, name: str, django_capture_on_commit_callbacks) -> None:
    invitation, _ = invite(
        django_capture_on_commit_callbacks, world.org_a, "x@charlie.example", by=world.admin_a
    )
    c = world.client(_who(world, name))
    listed = c.get(f"/api/v1/organisations/{world.org_a.pk}/invitations")
    assert listed.status_code == 403
    page = c.get(f"/organisations/{world.org_a.pk}/")
    assert b"Pending invitations" not in page.content and b"x@charlie.example" not in page.content
    assert (
        c.post(f"/api/v1/organisations/{world.org_a.pk}/invitations/{invitation.pk}/revoke").status_code
        == 404
    )
    assert c.post(f"/invitations/{invitation.pk}/revoke/").status_code == 404
    invitation.refresh_from_db()
    assert invitation.status == "pending"
    with pytest.raises(NotPermitted):
        actions.revoke_invitation(actor=Actor(user=_who(world, "user_a")), invitation=invitation)


@pytest.mark.parametrize("name", ["admin_a", "platform_admin"])
def test_administrators_invite_list_and_revoke(world: World, name: str) -> None:
    c = world.client(getattr(world, name))
    sent = c.post(
        f"/api/v1/organisations/{world.org_a.pk}/invitations",
        {"email": "x@charlie.example", "role": "participant"},
        content_type="application/json",
    )
    assert sent.status_code == 202
    listed = c.get(f"/api/v1/organisations/{world.org_a.pk}/invitations").json()
    assert listed["count"] == 1 and listed["items"][0]["status"] == "pending"
    assert b"Pending invitations" in c.get(f"/organisations/{world.org_a.pk}/").content
    revoked = c.post(f"/invitations/{sent.json()['id']}/revoke/")
    assert revoked.status_code == 302
    assert Invitation.objects.get().status == "revoked"


def test_anonymous_is_asked_to_sign_in(world: World) -> None:
    anonymous = Client()
    assert anonymous.get(f"/api/v1/organisations/{world.org_a.pk}/invitations").status_code == 401
    assert anonymous.get("/api/v1/invitations/mine").status_code == 401
    assert anonymous.post(f"/organisations/{world.org_a.pk}/invite/", {}).status_code == 302


def test_only_a_platform_admin_offers_the_platform_admin_role(world: World) -> None:
    ops_admin = make_user(world.operator, "orgadmin@operator.example", MembershipRole.ORG_ADMIN, mfa=True)
    response = world.client(ops_admin).post(
        f"/api/v1/organisations/{world.operator.pk}/invitations",
        {"email": "x@operator.example", "role": "platform_admin"},
        content_type="application/json",
    )
    assert response.status_code == 403 and response.json()["errors"][0]["field"] == "role"
    allowed = world.client(world.platform_admin).post(
        f"/api/v1/organisations/{world.operator.pk}/invitations",
        {"email": "x@operator.example", "role": "platform_admin"},
        content_type="application/json",
    )
    assert allowed.status_code == 202


def test_central_roles_cannot_be_offered_in_a_supplier(world: World) -> None:
    response = world.client(world.admin_a).post(
        f"/api/v1/organisations/{world.org_a.pk}/invitations",
        {"email": "x@alpha.example", "role": "analyst"},
        content_type="application/json",
    )
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "role"

"""Desk, operations and administrator roles cannot reach their pages until MFA is set up."""

import pytest
from allauth.mfa.models import Authenticator

from busbar.conftest import PASSWORD, World, make_user
from busbar.parties.models import MembershipRole

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "role", [MembershipRole.ANALYST, MembershipRole.OPERATIONS, MembershipRole.PLATFORM_ADMIN]
)
def test_staff_without_mfa_are_sent_to_set_it_up(world: World, role: str) -> None:
    from django.test import Client

    staff = make_user(world.operator, f"{role}@new.example", role, mfa=False)
    c = Client()
    assert c.post("/accounts/login/", {"login": staff.email, "password": PASSWORD}).status_code == 302
    for path in ("/", "/organisations/", "/profile/", "/audit/"):
        response = c.get(path)
        assert response.status_code == 302 and response["Location"] == "/mfa-required/", path
    page = c.get("/mfa-required/")
    assert page.status_code == 200 and b"Set up an authenticator app" in page.content
    # allauth asks for the password again before adding a factor; that page must be reachable too.
    first = c.get("/accounts/2fa/totp/activate/")
    assert first.status_code == 302 and first["Location"].startswith("/accounts/reauthenticate/")
    assert c.post(first["Location"], {"password": PASSWORD}).status_code == 302
    assert c.get("/accounts/2fa/totp/activate/").status_code == 200
    api = c.get("/api/v1/me")
    assert api.status_code == 403 and api.json()["type"].endswith("mfa-required")


def test_org_admin_without_mfa_is_blocked(world: World) -> None:
    admin = make_user(world.org_b, "admin@bravo.example", MembershipRole.ORG_ADMIN, mfa=False)
    assert world.client(admin).get("/").status_code == 302


def test_participants_may_skip_mfa(world: World) -> None:
    assert not Authenticator.objects.filter(user=world.user_a).exists()
    assert world.client(world.user_a).get("/").status_code == 200
    assert world.client(world.user_a).get("/api/v1/me").status_code == 200


def test_staff_with_mfa_reach_their_home(world: World) -> None:
    response = world.client(world.analyst).get("/")
    assert response.status_code == 200 and b"Service desk" in response.content
    assert world.client(world.analyst).get("/mfa-required/").status_code == 302


def test_staff_cannot_remove_their_only_authenticator(world: World) -> None:
    from busbar.accounts.adapter import MFAAdapter

    totp = Authenticator.objects.get(user=world.analyst, type=Authenticator.Type.TOTP)
    assert MFAAdapter().can_delete_authenticator(totp) is False
    participant_totp = Authenticator.objects.create(user=world.user_a, type=Authenticator.Type.TOTP, data={})
    assert MFAAdapter().can_delete_authenticator(participant_totp) is True


def test_home_page_per_role(world: World) -> None:
    assert b"Welcome" in world.client(world.user_a).get("/").content
    assert b"Provider workspace" in world.client(world.resolver).get("/").content
    assert b"Administration" in world.client(world.admin_a).get("/").content
    assert b"Service desk" in world.client(world.ops).get("/").content

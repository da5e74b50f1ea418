"""Expired, revoked and declined invitations cannot be accepted, and say so."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from busbar.conftest import PASSWORD, World
from busbar.lib.actions import Actor, IllegalTransition
from busbar.parties import actions
from busbar.parties.models import Invitation, Membership
from busbar.parties.tests.invitations import invite

pytestmark = pytest.mark.django_db


def _close(world: World, invitation: Invitation, how: str) -> None:
    if how == "expired":
        Invitation.objects.filter(pk=invitation.pk).update(
            expires_at=timezone.now() - dt.timedelta(seconds=1)
        )
    elif how == "revoked":
        actions.revoke_invitation(actor=Actor(user=world.admin_a), invitation=invitation)
    elif how == "declined":
        actions.decline_invitation(actor=Actor(user=world.user_b), invitation=invitation)


@pytest.mark.parametrize(
    ("how", "says"),
    [("expired", b"has expired"), ("revoked", b"was withdrawn"), ("declined", b"was declined")],
)
def test_closed_invitation_cannot_be_accepted(
    world: World,
    django_capture_on_commit_callbacks,
    how: str,
    says: bytes,
) -> None:
    invitation, token = invite(
        django_capture_on_commit_callbacks, world.org_a, world.user_b.email, by=world.admin_a
    )
    _close(world, invitation, how)
    c = world.client(world.user_b)
    page = c.get(f"/invitations/{token}/")
    assert page.status_code == 200 and says in page.content and b"Accept invitation" not in page.content
    assert c.post(f"/invitations/{token}/", {"decision": "accept"}).status_code == 409
    api = c.post(f"/api/v1/invitations/{invitation.pk}/accept")
    assert api.status_code == 409 and api["Content-Type"] == "application/problem+json"
    assert api.json()["errors"][0]["field"] == "status"
    assert c.post(f"/invitations/{invitation.pk}/accept/").status_code == 302
    assert not Membership.objects.filter(user=world.user_b, organisation=world.org_a).exists()
    with pytest.raises(IllegalTransition):
        actions.accept_invitation(actor=Actor(user=world.user_b), invitation=invitation)


def test_expired_invitation_shows_as_expired_everywhere(
    world: World, django_capture_on_commit_callbacks
) -> None:
    invitation, token = invite(
        django_capture_on_commit_callbacks, world.org_a, "late@charlie.example", by=world.admin_a
    )
    _close(world, invitation, "expired")
    anonymous = Client()
    page = anonymous.get(f"/invitations/{token}/")
    assert b"Expired" in page.content and b"Choose a password" not in page.content
    late = anonymous.post(
        f"/invitations/{token}/",
        {"decision": "accept", "full_name": "Late", "password": PASSWORD, "password_again": PASSWORD},
    )
    assert late.status_code == 409
    admin = world.client(world.admin_a)
    listed = admin.get(f"/api/v1/organisations/{world.org_a.pk}/invitations").json()["items"]
    assert [i["status"] for i in listed] == ["expired"]
    assert (
        admin.get(f"/api/v1/organisations/{world.org_a.pk}/invitations?status=pending").json()["count"] == 0
    )
    assert b"late@charlie.example" not in admin.get(f"/organisations/{world.org_a.pk}/").content
    assert not Membership.objects.filter(user__email="late@charlie.example").exists()


def test_expiry_follows_the_setting(world: World, django_capture_on_commit_callbacks, settings) -> None:
    settings.BUSBAR_INVITATION_DAYS = 3
    invitation, _ = invite(
        django_capture_on_commit_callbacks, world.org_a, "soon@charlie.example", by=world.admin_a
    )
    assert invitation.expires_at - invitation.created_at == dt.timedelta(days=3)


def test_a_revoked_invitation_cannot_be_revoked_again(
    world: World, django_capture_on_commit_callbacks
) -> None:
    invitation, _ = invite(
        django_capture_on_commit_callbacks, world.org_a, "twice@charlie.example", by=world.admin_a
    )
    c = world.client(world.admin_a)
    url = f"/api/v1/organisations/{world.org_a.pk}/invitations/{invitation.pk}/revoke"
    assert c.post(url).status_code == 200
    again = c.post(url)
    assert again.status_code == 409 and again.json()["errors"][0]["field"] == "status"

"""The right person accepting an invitation becomes a member with the invited role, and it is journalled."""

import pytest
from django.test import Client

from busbar.audit.models import AuditEntry
from busbar.conftest import PASSWORD, World
from busbar.parties.models import Membership
from busbar.parties.tests.invitations import invite

pytestmark = pytest.mark.django_db


def test_signed_in_invitee_accepts_from_the_emailed_link(
    world: World, django_capture_on_commit_callbacks
) -> None:
    invitation, token = invite(
        django_capture_on_commit_callbacks, world.org_a, world.user_b.email, by=world.admin_a
    )
    c = world.client(world.user_b)
    page = c.get(f"/invitations/{token}/")
    assert page.status_code == 200 and b"Accept invitation" in page.content
    assert page["Cache-Control"] == "no-store" and page["Referrer-Policy"] == "same-origin"
    response = c.post(f"/invitations/{token}/", {"decision": "accept"})
    assert response.status_code == 302 and response["Location"] == f"/organisations/{world.org_a.pk}/"
    membership = Membership.objects.get(user=world.user_b, organisation=world.org_a)
    assert membership.role == "participant" and membership.is_active
    invitation.refresh_from_db()
    assert invitation.status == "accepted" and invitation.membership == membership and invitation.accepted_at
    accept = AuditEntry.objects.get(action="invitation.accept", record_id=str(invitation.pk))
    assert accept.actor == world.user_b and accept.owner_organisation == world.org_a
    assert AuditEntry.objects.filter(action="membership.create", record_id=str(membership.pk)).exists()
    # Now the administrator sees the new member, name and all, as for any member.
    members = world.client(world.admin_a).get(f"/api/v1/organisations/{world.org_a.pk}/memberships").json()
    assert world.user_b.email in [m["user_email"] for m in members["items"]]


def test_invitee_accepts_from_the_profile_page(world: World, django_capture_on_commit_callbacks) -> None:
    invitation, _ = invite(
        django_capture_on_commit_callbacks, world.org_a, world.resolver.email, "resolver", by=world.admin_a
    )
    c = world.client(world.resolver)
    profile = c.get("/profile/")
    assert b"Alpha Energy" in profile.content and b"Invitations for you" in profile.content
    response = c.post(f"/invitations/{invitation.pk}/accept/")
    assert response.status_code == 302
    assert Membership.objects.get(user=world.resolver, organisation=world.org_a).role == "resolver"
    assert b"No pending invitations" in c.get("/profile/").content


def test_invitee_accepts_by_api(world: World, django_capture_on_commit_callbacks) -> None:
    invitation, _ = invite(
        django_capture_on_commit_callbacks, world.org_a, world.user_b.email, by=world.admin_a
    )
    c = world.client(world.user_b)
    mine = c.get("/api/v1/invitations/mine").json()
    assert mine["count"] == 1 and mine["items"][0]["organisation_name"] == "Alpha Energy"
    response = c.post(f"/api/v1/invitations/{invitation.pk}/accept")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "accepted" and body["membership_id"]
    assert Membership.objects.get(pk=body["membership_id"]).user == world.user_b
    assert AuditEntry.objects.get(action="invitation.accept").channel == "api"
    assert c.get("/api/v1/invitations/mine").json()["count"] == 0


def test_a_new_person_creates_their_account_by_accepting(
    world: World, django_capture_on_commit_callbacks
) -> None:
    invitation, token = invite(
        django_capture_on_commit_callbacks,
        world.org_a,
        "New.Person@Charlie.example",
        by=world.admin_a,
        full_name="Nia Newcomer",
    )
    anonymous = Client()
    page = anonymous.get(f"/invitations/{token}/")
    assert b"Create your Busbar account" in page.content and b'value="Nia Newcomer"' in page.content
    weak = anonymous.post(
        f"/invitations/{token}/",
        {
            "decision": "accept",
            "full_name": "Nia Newcomer",
            "password": "password",
            "password_again": "password",
        },
    )
    assert weak.status_code == 422 and b"too common" in weak.content
    assert not Membership.objects.filter(user__email="new.person@charlie.example").exists()
    response = anonymous.post(
        f"/invitations/{token}/",
        {"decision": "accept", "full_name": "Nia N.", "password": PASSWORD, "password_again": PASSWORD},
    )
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    membership = Membership.objects.select_related("user").get(user__email="new.person@charlie.example")
    assert membership.organisation == world.org_a and membership.user.full_name == "Nia N."
    assert set(
        AuditEntry.objects.filter(owner_organisation=world.org_a, actor=membership.user).values_list(
            "action", flat=True
        )
    ) == {"user.create", "membership.create", "invitation.accept"}
    signed = Client().post("/accounts/login/", {"login": "new.person@charlie.example", "password": PASSWORD})
    assert signed.status_code == 302
    invitation.refresh_from_db()
    assert invitation.status == "accepted"


def test_an_existing_member_accepting_gets_no_second_membership(
    world: World, django_capture_on_commit_callbacks
) -> None:
    # The same role they hold (another role is refused: see test_invitation_member_other_role.py).
    invitation, token = invite(
        django_capture_on_commit_callbacks, world.org_a, world.user_a.email, "participant", by=world.admin_a
    )
    response = world.client(world.user_a).post(f"/invitations/{token}/", {"decision": "accept"})
    assert response.status_code == 302
    membership = Membership.objects.get(user=world.user_a, organisation=world.org_a)
    assert membership.role == "participant"
    invitation.refresh_from_db()
    assert invitation.status == "accepted" and invitation.membership == membership


def test_acceptance_is_refused_when_the_role_is_no_longer_allowed(
    world: World, django_capture_on_commit_callbacks
) -> None:
    from busbar.lib.actions import Actor
    from busbar.parties import actions

    invitation, token = invite(
        django_capture_on_commit_callbacks,
        world.operator,
        world.user_b.email,
        "analyst",
        by=world.platform_admin,
    )
    actions.update_organisation(actor=Actor.system(), organisation=world.operator, roles=["code_body"])
    response = world.client(world.user_b).post(f"/api/v1/invitations/{invitation.pk}/accept")
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "role"
    assert not Membership.objects.filter(user=world.user_b, organisation=world.operator).exists()

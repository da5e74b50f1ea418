"""Organisation administrators manage their own people: invite (by invitation), change role, deactivate."""

import pytest
from django.core import mail

from busbar.audit.models import AuditEntry
from busbar.conftest import World
from busbar.parties.models import Invitation, Membership

pytestmark = pytest.mark.django_db


def test_org_admin_invites_by_web_and_the_invitation_is_emailed(
    world: World, django_capture_on_commit_callbacks
) -> None:
    c = world.client(world.admin_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = c.post(
            f"/organisations/{world.org_a.pk}/invite/",
            {"email": "New.Person@Alpha.example", "full_name": "New Person", "role": "participant"},
        )
    assert response.status_code == 302
    # Nobody joins until the invitee accepts: an invitation is pending, no account or membership yet.
    assert not Membership.objects.filter(user__email="new.person@alpha.example").exists()
    invitation = Invitation.objects.get(email="new.person@alpha.example")
    assert invitation.organisation == world.org_a and invitation.role == "participant"
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["new.person@alpha.example"]
    assert "/invitations/" in mail.outbox[0].body
    entry = AuditEntry.objects.get(action="invitation.create", record_id=str(invitation.pk))
    assert entry.actor == world.admin_a and entry.owner_organisation == world.org_a


def test_org_admin_cannot_manage_another_organisation(world: World) -> None:
    c = world.client(world.admin_a)
    response = c.post(
        f"/organisations/{world.org_b.pk}/invite/",
        {"email": "x@bravo.example", "full_name": "X", "role": "participant"},
    )
    assert response.status_code == 403
    b_membership = world.user_b.memberships.get()
    assert c.post(f"/memberships/{b_membership.pk}/role/", {"role": "org_admin"}).status_code == 404
    api = c.patch(
        f"/api/v1/memberships/{b_membership.pk}", {"is_active": False}, content_type="application/json"
    )
    assert api.status_code == 404
    b_membership.refresh_from_db()
    assert b_membership.is_active and b_membership.role == "participant"


def test_participant_cannot_invite(world: World) -> None:
    response = world.client(world.user_a).post(
        f"/api/v1/organisations/{world.org_a.pk}/invitations",
        {"email": "x@alpha.example", "full_name": "X", "role": "participant"},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert not Invitation.objects.exists()


def test_central_roles_cannot_be_granted_in_a_supplier(world: World) -> None:
    response = world.client(world.admin_a).post(
        f"/api/v1/organisations/{world.org_a.pk}/invitations",
        {"email": "x@alpha.example", "full_name": "X", "role": "analyst"},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "role"


def test_change_role_and_deactivate_by_api(world: World) -> None:
    c = world.client(world.admin_a)
    membership = world.user_a.memberships.get()
    response = c.patch(
        f"/api/v1/memberships/{membership.pk}", {"role": "resolver"}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["role"] == "resolver"
    response = c.patch(
        f"/api/v1/memberships/{membership.pk}", {"is_active": False}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["is_active"] is False
    world.user_a.refresh_from_db()
    assert world.user_a.is_active is False  # no membership left: cannot sign in
    actions = list(
        AuditEntry.objects.filter(record_id__in=[str(membership.pk), str(world.user_a.pk)])
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions[-3:] == ["membership.role", "membership.deactivate", "user.deactivate"]


def test_admin_cannot_deactivate_self(world: World) -> None:
    own = world.admin_a.memberships.get()
    response = world.client(world.admin_a).post(
        f"/memberships/{own.pk}/active/", {"active": "0"}, follow=True
    )
    assert b"cannot deactivate yourself" in response.content
    own.refresh_from_db()
    assert own.is_active


def test_the_old_direct_add_endpoint_is_gone(world: World) -> None:
    # POST /organisations/{id}/memberships added an existing account at once; people are invited instead.
    response = world.client(world.admin_a).post(
        f"/api/v1/organisations/{world.org_a.pk}/memberships",
        {"email": "user@bravo.example", "role": "participant"},
        content_type="application/json",
    )
    assert response.status_code == 405
    assert not world.user_b.memberships.filter(organisation=world.org_a).exists()


def test_invalid_email_names_the_field(world: World) -> None:
    response = world.client(world.admin_a).post(
        f"/organisations/{world.org_a.pk}/invite/",
        {"email": "not-an-email", "full_name": "X", "role": "participant"},
    )
    assert response.status_code == 422
    assert b"Enter a valid email address" in response.content


def test_a_change_that_changes_nothing_is_still_refused_to_a_non_administrator(world: World) -> None:
    """Permission is checked before anything else: a participant's no-op PATCH is a 403, not a quiet 200."""
    membership = world.user_a.memberships.get()
    response = world.client(world.user_a).patch(
        f"/api/v1/memberships/{membership.pk}", {"role": membership.role}, content_type="application/json"
    )
    assert response.status_code == 403
    org = world.org_a
    response = world.client(world.admin_a).patch(
        f"/api/v1/organisations/{org.pk}", {"name": org.name}, content_type="application/json"
    )
    assert response.status_code == 403

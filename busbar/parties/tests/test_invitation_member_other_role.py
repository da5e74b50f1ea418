"""An invitation never changes an active member's role: accepting one for another role is refused with a
clear message (their administrator changes roles), and nothing is marked accepted. A platform-administrator
invitation refused at acceptance is closed, not left pending."""

import pytest

from busbar.audit.models import AuditEntry
from busbar.conftest import World, make_user
from busbar.parties.models import Invitation, Membership, MembershipRole
from busbar.parties.tests.invitations import invite

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("via", ["link", "profile", "api"])
def test_an_active_member_invited_to_another_role_is_refused(
    world: World, django_capture_on_commit_callbacks, via: str
) -> None:
    invitation, token = invite(
        django_capture_on_commit_callbacks, world.org_a, world.user_a.email, "org_admin", by=world.admin_a
    )
    c = world.client(world.user_a)
    if via == "link":
        response = c.post(f"/invitations/{token}/", {"decision": "accept"})
        assert response.status_code == 409
        text = response.content.decode()
    elif via == "profile":
        text = c.post(f"/invitations/{invitation.pk}/accept/", follow=True).content.decode()
    else:
        response = c.post(f"/api/v1/invitations/{invitation.pk}/accept")
        assert response.status_code == 409 and response.json()["errors"][0]["field"] == "role"
        text = response.json()["detail"]
    assert "already a member of Alpha Energy as Participant user" in text
    assert "ask an administrator of Alpha Energy to change it" in text
    assert Membership.objects.get(user=world.user_a, organisation=world.org_a).role == "participant"
    invitation.refresh_from_db()
    assert invitation.status == "pending" and invitation.membership is None
    assert not AuditEntry.objects.filter(action="invitation.accept").exists()
    # They may still decline it.
    assert c.post(f"/invitations/{invitation.pk}/decline/").status_code == 302
    invitation.refresh_from_db()
    assert invitation.status == "declined"


def test_a_former_member_is_given_the_invited_role(world: World, django_capture_on_commit_callbacks) -> None:
    """An inactive membership is restored with the role offered: the invitation is the new offer."""
    resolver_at_a = make_user(world.org_a, world.resolver.email, MembershipRole.PARTICIPANT)
    from busbar.lib.actions import Actor
    from busbar.parties import actions

    actions.set_membership_active(
        actor=Actor(user=world.admin_a),
        membership=resolver_at_a.memberships.get(organisation=world.org_a),
        active=False,
    )
    _, token = invite(
        django_capture_on_commit_callbacks, world.org_a, world.resolver.email, "resolver", by=world.admin_a
    )
    assert (
        world.client(resolver_at_a).post(f"/invitations/{token}/", {"decision": "accept"}).status_code == 302
    )
    membership = Membership.objects.get(user=resolver_at_a, organisation=world.org_a)
    assert membership.is_active and membership.role == "resolver"


def test_a_refused_platform_admin_invitation_is_closed(
    world: World, django_capture_on_commit_callbacks
) -> None:
    second_root = make_user(world.operator, "root2@operator.example", MembershipRole.PLATFORM_ADMIN, mfa=True)
    invitation, token = invite(
        django_capture_on_commit_callbacks,
        world.operator,
        world.user_b.email,
        "platform_admin",
        by=second_root,
    )
    # Demoted by a path that did not withdraw the invitation (the check at acceptance is the backstop).
    Membership.objects.filter(user=second_root).update(role=MembershipRole.ANALYST)
    response = world.client(world.user_b).post(f"/invitations/{token}/", {"decision": "accept"})
    assert (
        response.status_code == 409
        and b"may no longer invite people to Switching Operator" in response.content
    )
    invitation.refresh_from_db()
    assert invitation.status == "revoked"
    assert not Membership.objects.filter(user=world.user_b, organisation=world.operator).exists()
    assert not Invitation.objects.filter(status="pending").exists()


def test_an_invitation_for_a_role_the_organisation_may_no_longer_hold_is_closed(
    world: World, django_capture_on_commit_callbacks
) -> None:
    from busbar.lib.actions import Actor
    from busbar.parties import actions

    invitation, _ = invite(
        django_capture_on_commit_callbacks,
        world.operator,
        world.user_b.email,
        "analyst",
        by=world.platform_admin,
    )
    actions.update_organisation(actor=Actor.system(), organisation=world.operator, roles=["code_body"])
    response = world.client(world.user_b).post(f"/api/v1/invitations/{invitation.pk}/accept")
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "role"
    invitation.refresh_from_db()
    assert invitation.status == "revoked"

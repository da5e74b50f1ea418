"""An invitation grants its role only while whoever sent it may still invite to that organisation and offer
that role. Accepting one whose sender has lost the right is refused with a clear message, and the
invitation is withdrawn (journalled), not left pending."""

import pytest

from busbar.audit.models import AuditEntry
from busbar.conftest import World, make_user
from busbar.lib.actions import Actor
from busbar.parties import actions
from busbar.parties.models import Invitation, Membership, MembershipRole
from busbar.parties.tests.invitations import invite

pytestmark = pytest.mark.django_db


def _demote_behind_the_actions_back(user, role: str) -> None:
    """A change the membership actions did not make (so they did not withdraw the invitations): the check
    at acceptance is what stops the invitation then."""
    Membership.objects.filter(user=user).update(role=role)


def _assert_withdrawn(invitation: Invitation) -> None:
    invitation.refresh_from_db()
    assert invitation.status == "revoked" and invitation.closed_at is not None
    entry = AuditEntry.objects.get(action="invitation.revoke", record_id=str(invitation.pk))
    assert entry.actor is None and entry.channel == "system" and "may no longer invite" in entry.note


def test_a_demoted_administrators_invitation_is_refused_and_withdrawn(
    world: World, django_capture_on_commit_callbacks
) -> None:
    other_admin = make_user(world.org_a, "second.admin@alpha.example", MembershipRole.ORG_ADMIN, mfa=True)
    invitation, token = invite(
        django_capture_on_commit_callbacks, world.org_a, world.user_b.email, "org_admin", by=other_admin
    )
    _demote_behind_the_actions_back(other_admin, MembershipRole.PARTICIPANT)
    c = world.client(world.user_b)
    response = c.post(f"/invitations/{token}/", {"decision": "accept"})
    assert response.status_code == 409
    assert b"whoever sent it may no longer invite people to Alpha Energy" in response.content
    assert not Membership.objects.filter(user=world.user_b, organisation=world.org_a).exists()
    _assert_withdrawn(invitation)
    # Closed for good: the link now says so.
    assert b"was withdrawn" in c.get(f"/invitations/{token}/").content


def test_the_api_refuses_too_and_names_the_field(world: World, django_capture_on_commit_callbacks) -> None:
    other_admin = make_user(world.org_a, "second.admin@alpha.example", MembershipRole.ORG_ADMIN, mfa=True)
    invitation, _ = invite(
        django_capture_on_commit_callbacks, world.org_a, world.user_b.email, by=other_admin
    )
    _demote_behind_the_actions_back(other_admin, MembershipRole.PARTICIPANT)
    response = world.client(world.user_b).post(f"/api/v1/invitations/{invitation.pk}/accept")
    assert response.status_code == 409 and response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] == "invitation"
    _assert_withdrawn(invitation)


def test_an_inviter_whose_own_organisation_was_switched_off_no_longer_grants(
    world: World, django_capture_on_commit_callbacks
) -> None:
    """A platform administrator belongs to the operator; with the operator switched off, they are none."""
    invitation, token = invite(
        django_capture_on_commit_callbacks, world.org_a, world.user_b.email, by=world.platform_admin
    )
    actions.set_organisation_active(actor=Actor.system(), organisation=world.operator, active=False)
    response = world.client(world.user_b).post(f"/invitations/{invitation.pk}/accept/", follow=True)
    assert b"may no longer invite people to Alpha Energy" in response.content
    assert not Membership.objects.filter(user=world.user_b, organisation=world.org_a).exists()
    _assert_withdrawn(invitation)


def test_an_inviter_who_still_may_grant_is_honoured(world: World, django_capture_on_commit_callbacks) -> None:
    other_admin = make_user(world.org_a, "second.admin@alpha.example", MembershipRole.ORG_ADMIN, mfa=True)
    invitation, token = invite(
        django_capture_on_commit_callbacks, world.org_a, world.user_b.email, "org_admin", by=other_admin
    )
    # Another administrator's role changing does not matter; only the sender's does.
    actions.change_membership_role(
        actor=Actor(user=other_admin), membership=world.user_a.memberships.get(), role="resolver"
    )
    assert (
        world.client(world.user_b).post(f"/invitations/{token}/", {"decision": "accept"}).status_code == 302
    )
    assert Membership.objects.get(user=world.user_b, organisation=world.org_a).role == "org_admin"
    invitation.refresh_from_db()
    assert invitation.status == "accepted"

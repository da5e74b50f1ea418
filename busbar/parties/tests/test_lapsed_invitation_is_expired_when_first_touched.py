"""One status check (the transition table at the status people see) decides every answer and revocation.
A lapsed invitation is expired: it can be neither accepted, declined nor revoked, and the first time anyone
touches it, its expiry is recorded (status ``expired``, an ``invitation.expire`` entry by Busbar itself)."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from busbar.audit.models import AuditEntry
from busbar.conftest import World
from busbar.lib.actions import Actor, IllegalTransition
from busbar.parties import actions
from busbar.parties.models import INVITATION_CLOSED_MESSAGES, Invitation
from busbar.parties.tests.invitations import invite

pytestmark = pytest.mark.django_db


@pytest.fixture
def lapsed(world: World, django_capture_on_commit_callbacks):
    invitation, token = invite(
        django_capture_on_commit_callbacks, world.org_a, world.user_b.email, by=world.admin_a
    )
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    invitation.refresh_from_db()
    return invitation, token


def _expired_once(invitation: Invitation) -> None:
    invitation.refresh_from_db()
    assert invitation.status == "expired" and invitation.closed_at is not None
    (entry,) = AuditEntry.objects.filter(action="invitation.expire", record_id=str(invitation.pk))
    assert (
        entry.actor is None
        and entry.channel == "system"
        and entry.changes == {"status": ["pending", "expired"]}
    )


@pytest.mark.parametrize("via", ["web", "api"])
def test_a_lapsed_invitation_cannot_be_revoked_it_is_expired(world: World, lapsed, via: str) -> None:
    invitation, _ = lapsed
    c = world.client(world.admin_a)
    for _ in range(2):
        if via == "api":
            response = c.post(f"/api/v1/organisations/{world.org_a.pk}/invitations/{invitation.pk}/revoke")
            assert response.status_code == 409 and response.json()["errors"][0]["field"] == "status"
            assert "expired" in response.json()["detail"]
        else:
            response = c.post(f"/invitations/{invitation.pk}/revoke/", follow=True)
            assert b"is expired, so it cannot be revoked" in response.content
    _expired_once(invitation)
    assert not AuditEntry.objects.filter(action="invitation.revoke").exists()


@pytest.mark.parametrize("decision", ["accept", "decline"])
def test_answering_a_lapsed_invitation_records_its_expiry_once(world: World, lapsed, decision: str) -> None:
    invitation, token = lapsed
    c = world.client(world.user_b)
    for _ in range(2):
        response = c.post(f"/invitations/{token}/", {"decision": decision})
        assert response.status_code == 409
        assert INVITATION_CLOSED_MESSAGES["expired"].encode() in response.content
    api = c.post(f"/api/v1/invitations/{invitation.pk}/{decision}")
    assert api.status_code == 409 and api.json()["detail"] == INVITATION_CLOSED_MESSAGES["expired"]
    _expired_once(invitation)
    assert not world.user_b.memberships.filter(organisation=world.org_a).exists()


def test_the_profile_page_answer_records_the_expiry_too(world: World, lapsed) -> None:
    invitation, _ = lapsed
    response = world.client(world.user_b).post(f"/invitations/{invitation.pk}/accept/", follow=True)
    assert INVITATION_CLOSED_MESSAGES["expired"].encode() in response.content
    _expired_once(invitation)


def test_one_message_per_status_everywhere(world: World, django_capture_on_commit_callbacks) -> None:
    invitation, token = invite(
        django_capture_on_commit_callbacks, world.org_a, "x@charlie.example", by=world.admin_a
    )
    actions.revoke_invitation(actor=Actor(user=world.admin_a), invitation=invitation)
    message = INVITATION_CLOSED_MESSAGES["revoked"]
    assert message.encode() in Client().get(f"/invitations/{token}/").content
    with pytest.raises(IllegalTransition) as refusal:
        actions.decline_invitation(actor=Actor(user=None, channel="web"), invitation=invitation, token=token)
    assert refusal.value.message == message and refusal.value.field == "status"


def test_a_pending_invitation_is_not_closed_as_void(world: World, django_capture_on_commit_callbacks) -> None:
    invitation, _ = invite(
        django_capture_on_commit_callbacks, world.org_a, "x@charlie.example", by=world.admin_a
    )
    with pytest.raises(IllegalTransition):
        actions.close_void_invitation(actor=Actor.system(), invitation=invitation)
    invitation.refresh_from_db()
    assert invitation.status == "pending"

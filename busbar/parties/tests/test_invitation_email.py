"""The invitation email goes to the invited address only, carries a secret link stored only as a digest,
and tells its reader what to do (sign in, or create an account)."""

import hashlib

import pytest
from django.core import mail

from busbar.conftest import World
from busbar.parties.models import Invitation
from busbar.parties.tests.invitations import invite

pytestmark = pytest.mark.django_db


def test_one_message_to_the_invitee_only(world: World, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = world.client(world.admin_a).post(
            f"/organisations/{world.org_a.pk}/invite/",
            {"email": "Someone@Charlie.example", "full_name": "Sam One", "role": "participant"},
        )
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["someone@charlie.example"] and message.cc == [] and message.bcc == []
    assert world.admin_a.email not in message.recipients()
    assert "Alpha Energy" in message.subject and "/invitations/" in message.body
    assert "choose a password" in message.body and "admin" in message.body  # who invited them


def test_the_link_is_stored_only_as_a_digest(world: World, django_capture_on_commit_callbacks) -> None:
    invitation, token = invite(
        django_capture_on_commit_callbacks, world.org_a, "a@charlie.example", by=world.admin_a
    )
    stored = Invitation.objects.filter(pk=invitation.pk).values().get()
    assert token not in str(stored)
    assert stored["digest"] == hashlib.sha256(token.encode()).hexdigest()


def test_an_existing_account_is_asked_to_sign_in(world: World, django_capture_on_commit_callbacks) -> None:
    invite(django_capture_on_commit_callbacks, world.org_a, world.user_b.email, by=world.admin_a)
    (message,) = mail.outbox
    assert message.to == [world.user_b.email]
    assert "sign in with this email address" in message.body and "choose a password" not in message.body


def test_no_email_when_the_invitation_is_refused(world: World, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        world.client(world.admin_a).post(
            f"/api/v1/organisations/{world.org_a.pk}/invitations",
            {"email": "x@alpha.example", "role": "analyst"},
            content_type="application/json",
        )
    assert mail.outbox == []

"""Two requests creating an account for the same address at the same moment: the second is a 409 naming
the field, never a server error, and nothing half-made is left behind."""

import pytest
from django.test import Client

from busbar.accounts.models import User
from busbar.conftest import PASSWORD, World
from busbar.lib.actions import Actor, Conflict
from busbar.parties import actions
from busbar.parties.models import Membership
from busbar.parties.tests.invitations import invite

pytestmark = pytest.mark.django_db


@pytest.fixture
def racing(monkeypatch):
    """The account lookup finds nothing, and another request creates the account just after it."""
    real = actions._find_account

    def lookup(email: str):
        found = real(email)
        if found is None:
            User.objects.create_user(email=email, full_name="The other request")
        return None

    monkeypatch.setattr(actions, "_find_account", lookup)


def test_the_invitation_page_answers_409(world: World, django_capture_on_commit_callbacks, racing) -> None:
    invitation, token = invite(
        django_capture_on_commit_callbacks, world.org_a, "new@charlie.example", by=world.admin_a
    )
    response = Client().post(
        f"/invitations/{token}/",
        {"decision": "accept", "full_name": "Nia", "password": PASSWORD, "password_again": PASSWORD},
    )
    assert response.status_code == 409 and b"created at the same moment" in response.content
    invitation.refresh_from_db()
    assert invitation.status == "pending"
    assert not Membership.objects.filter(organisation=world.org_a, user__email="new@charlie.example").exists()


def test_the_action_names_the_field(world: World, django_capture_on_commit_callbacks, racing) -> None:
    invitation, token = invite(
        django_capture_on_commit_callbacks, world.org_a, "new@charlie.example", by=world.admin_a
    )
    with pytest.raises(Conflict) as refusal:
        actions.accept_invitation(
            actor=Actor(user=None, channel="web"),
            invitation=invitation,
            token=token,
            full_name="Nia",
            password=PASSWORD,
        )
    assert refusal.value.field == "email" and refusal.value.status == 409

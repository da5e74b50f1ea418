"""People cannot switch their sign-in address to someone else's (it would let them answer invitations
sent to that address); allauth's unverified address management is closed."""

import pytest
from django.test import Client

from busbar.conftest import World

pytestmark = pytest.mark.django_db


def test_adding_and_switching_addresses_is_refused(world: World) -> None:
    c = world.client(world.user_a)
    assert c.get("/accounts/email/").status_code == 403
    add = c.post("/accounts/email/", {"action_add": "", "email": "newhire@alpha.example"})
    primary = c.post("/accounts/email/", {"action_primary": "", "email": "newhire@alpha.example"})
    assert add.status_code == 403 and primary.status_code == 403
    world.user_a.refresh_from_db()
    assert world.user_a.email == "user@alpha.example"


def test_anonymous_is_sent_to_sign_in(db) -> None:
    response = Client().get("/accounts/email/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_an_invitation_cannot_be_taken_by_renaming_an_account(
    world: World,
    django_capture_on_commit_callbacks,
) -> None:
    from busbar.parties.tests.invitations import invite

    invitation, _ = invite(
        django_capture_on_commit_callbacks, world.org_a, "newhire@alpha.example", by=world.admin_a
    )
    c = world.client(world.user_b)
    c.post("/accounts/email/", {"action_add": "", "email": "newhire@alpha.example"})
    c.post("/accounts/email/", {"action_primary": "", "email": "newhire@alpha.example"})
    assert c.post(f"/api/v1/invitations/{invitation.pk}/accept").status_code == 404
    assert not world.user_b.memberships.filter(organisation=world.org_a).exists()

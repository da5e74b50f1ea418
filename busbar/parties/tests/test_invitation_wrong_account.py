"""Someone signed in as another account cannot accept an invitation, and is not told whose it is."""

import pytest

from busbar.conftest import World
from busbar.parties.models import Invitation, Membership
from busbar.parties.tests.invitations import deactivated_account, invite

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("kind", ["active", "deactivated", "new"])
def test_wrong_signed_in_user_is_refused_without_learning_whose_invitation_it_is(
    world: World,
    django_capture_on_commit_callbacks,
    kind: str,
) -> None:
    if kind == "active":
        world.user_b.full_name = "Beatrice Bravo"
        world.user_b.save(update_fields=["full_name"])
        email, name = world.user_b.email, "Beatrice Bravo"
    elif kind == "deactivated":
        gone = deactivated_account(world)
        email, name = gone.email, gone.full_name
    else:
        email, name = "fresh@charlie.example", "Fresh Person"
    invitation, token = invite(
        django_capture_on_commit_callbacks, world.org_a, email, by=world.admin_a, full_name=name
    )
    c = world.client(world.resolver)
    page = c.get(f"/invitations/{token}/")
    text = page.content.decode()
    assert "sent to a different email address" in text and "Sign out" in text
    assert name not in text and email not in text and "Alpha Energy" not in text
    for data in ({"decision": "accept"}, {"decision": "accept", "password": "x", "password_again": "x"}):
        response = c.post(f"/invitations/{token}/", data)
        assert response.status_code == 403
    assert c.post(f"/invitations/{token}/", {"decision": "decline"}).status_code == 403
    invitation.refresh_from_db()
    assert invitation.status == "pending"
    assert not Membership.objects.filter(organisation=world.org_a, user__email=email).exists()


def test_another_user_cannot_answer_by_api_or_profile(
    world: World, django_capture_on_commit_callbacks
) -> None:
    invitation, _ = invite(
        django_capture_on_commit_callbacks, world.org_a, world.user_b.email, by=world.admin_a
    )
    for who in (world.resolver, world.admin_a, world.platform_admin):
        c = world.client(who)
        assert c.get("/api/v1/invitations/mine").json()["count"] == 0
        assert c.post(f"/api/v1/invitations/{invitation.pk}/accept").status_code == 404
        assert c.post(f"/api/v1/invitations/{invitation.pk}/decline").status_code == 404
        assert c.post(f"/invitations/{invitation.pk}/accept/").status_code == 404
        assert c.post(f"/invitations/{invitation.pk}/decline/").status_code == 404
    assert Invitation.objects.get(pk=invitation.pk).status == "pending"


def test_the_action_refuses_a_signed_in_stranger_even_with_the_link(
    world: World,
    django_capture_on_commit_callbacks,
) -> None:
    from busbar.lib.actions import Actor, NotPermitted
    from busbar.parties import actions

    invitation, token = invite(
        django_capture_on_commit_callbacks, world.org_a, "fresh@charlie.example", by=world.admin_a
    )
    with pytest.raises(NotPermitted):
        actions.accept_invitation(
            actor=Actor(user=world.user_b),
            invitation=invitation,
            token=token,
            full_name="X",
            password="Zq8#long-pass",
        )
    with pytest.raises(NotPermitted):  # nobody signed in, and no link
        actions.decline_invitation(actor=Actor(user=None, channel="web"), invitation=invitation)

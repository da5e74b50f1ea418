"""Security finding 9: an organisation administrator cannot add someone else's account to their organisation.

Before the fix, inviting the address of another supplier's user made them a member of the inviter's
organisation at once and answered with their name. Now it only sends them an invitation.
"""

import pytest

from busbar.conftest import World
from busbar.parties.models import Invitation, Membership

pytestmark = pytest.mark.django_db


def test_org_admin_adding_an_existing_user_of_another_organisation_creates_no_membership_and_reveals_no_name(
    world: World,
) -> None:
    world.user_b.full_name = "Beatrice Bravo"
    world.user_b.save(update_fields=["full_name"])
    c = world.client(world.admin_a)

    web = c.post(
        f"/organisations/{world.org_a.pk}/invite/",
        {"email": world.user_b.email, "full_name": "", "role": "org_admin"},
        follow=True,
    )
    api = c.post(
        f"/api/v1/organisations/{world.org_a.pk}/invitations",
        {"email": world.user_b.email, "role": "participant"},
        content_type="application/json",
    )

    assert web.status_code == 200 and api.status_code == 202
    assert not Membership.objects.filter(user=world.user_b, organisation=world.org_a).exists()
    assert "Beatrice Bravo" not in web.content.decode() and "Beatrice Bravo" not in api.content.decode()
    assert "Invitation sent to user@bravo.example." in web.content.decode()
    # They still cannot be seen by A's administrator, through people or memberships.
    assert world.user_b.pk not in [u["id"] for u in c.get("/api/v1/users").json()["items"]]
    assert c.get(f"/api/v1/users/{world.user_b.pk}").status_code == 404
    assert Invitation.objects.get(organisation=world.org_a, status="pending").email == world.user_b.email


def test_a_deactivated_account_is_not_reactivated_by_inviting_it(world: World) -> None:
    from busbar.parties.tests.invitations import deactivated_account

    gone = deactivated_account(world)
    response = world.client(world.admin_a).post(
        f"/api/v1/organisations/{world.org_a.pk}/invitations",
        {"email": gone.email, "role": "participant"},
        content_type="application/json",
    )
    assert response.status_code == 202
    gone.refresh_from_db()
    assert not gone.is_active
    assert not gone.memberships.filter(organisation=world.org_a).exists()

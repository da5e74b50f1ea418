"""Busbar's mail is no way to reach strangers in bulk: each person sends a limited number of invitations
an hour (429), and an organisation has a limited number waiting for an answer (409), both naming the
field."""

import datetime as dt

import pytest
from django.utils import timezone

from busbar.conftest import World
from busbar.parties.models import Invitation

pytestmark = pytest.mark.django_db


def _send(client, org, email: str):
    return client.post(
        f"/api/v1/organisations/{org.pk}/invitations",
        {"email": email, "role": "participant"},
        content_type="application/json",
    )


def test_one_person_sends_at_most_so_many_an_hour(world: World, settings) -> None:
    settings.BUSBAR_INVITATIONS_PER_HOUR = 3
    c = world.client(world.admin_a)
    for n in range(3):
        assert _send(c, world.org_a, f"p{n}@charlie.example").status_code == 202
    refused = _send(c, world.org_a, "p3@charlie.example")
    assert refused.status_code == 429 and refused["Content-Type"] == "application/problem+json"
    assert refused.json()["errors"][0]["field"] == "email" and "in the last hour" in refused.json()["detail"]
    web = c.post(
        f"/organisations/{world.org_a.pk}/invite/", {"email": "p3@charlie.example", "role": "participant"}
    )
    assert web.status_code == 429 and b"in the last hour" in web.content
    assert not Invitation.objects.filter(email="p3@charlie.example").exists()
    # The allowance is each person's: another administrator may still invite.
    assert _send(world.client(world.platform_admin), world.org_a, "p3@charlie.example").status_code == 202
    # And it frees up as the hour passes.
    Invitation.objects.filter(invited_by=world.admin_a).update(
        created_at=timezone.now() - dt.timedelta(hours=2)
    )
    assert _send(c, world.org_a, "p4@charlie.example").status_code == 202


def test_an_organisation_has_at_most_so_many_pending(world: World, settings) -> None:
    settings.BUSBAR_PENDING_INVITATIONS_MAX = 2
    admin, root = world.client(world.admin_a), world.client(world.platform_admin)
    assert _send(admin, world.org_a, "a@charlie.example").status_code == 202
    assert _send(root, world.org_a, "b@charlie.example").status_code == 202
    refused = _send(root, world.org_a, "c@charlie.example")
    assert refused.status_code == 409 and refused.json()["errors"][0]["field"] == "email"
    assert "2 pending invitations" in refused.json()["detail"]
    # Sending again to an address already waiting replaces its invitation, so it is not refused.
    assert _send(admin, world.org_a, "a@charlie.example").status_code == 202
    # Other organisations are not affected.
    assert _send(root, world.org_b, "c@charlie.example").status_code == 202
    # Lapsed invitations do not count, nor withdrawn ones.
    Invitation.objects.filter(email="b@charlie.example").update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    assert _send(root, world.org_a, "c@charlie.example").status_code == 202
    third = Invitation.objects.get(email="c@charlie.example", organisation=world.org_a)
    revoked = admin.post(f"/invitations/{third.pk}/revoke/")
    assert revoked.status_code == 302
    assert _send(admin, world.org_a, "d@charlie.example").status_code == 202

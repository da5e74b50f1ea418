"""The invitee may decline, signed in or through the emailed link; nothing is joined, and it is journalled."""

import pytest
from django.test import Client

from busbar.audit.models import AuditEntry
from busbar.conftest import World
from busbar.parties.models import Membership
from busbar.parties.tests.invitations import invite

pytestmark = pytest.mark.django_db


def test_decline_through_the_link_without_signing_in(
    world: World, django_capture_on_commit_callbacks
) -> None:
    invitation, token = invite(
        django_capture_on_commit_callbacks, world.org_a, "no.thanks@charlie.example", by=world.admin_a
    )
    c = Client()
    response = c.post(f"/invitations/{token}/", {"decision": "decline"})
    assert response.status_code == 302
    assert b"was declined" in c.get(f"/invitations/{token}/").content
    invitation.refresh_from_db()
    assert invitation.status == "declined" and invitation.closed_at is not None
    entry = AuditEntry.objects.get(action="invitation.decline", record_id=str(invitation.pk))
    assert entry.actor is None and entry.actor_label == "no.thanks@charlie.example (invitee)"
    assert entry.owner_organisation == world.org_a
    assert not Membership.objects.filter(user__email="no.thanks@charlie.example").exists()


def test_decline_signed_in_from_profile_and_api(world: World, django_capture_on_commit_callbacks) -> None:
    first, _ = invite(django_capture_on_commit_callbacks, world.org_a, world.user_b.email, by=world.admin_a)
    second, _ = invite(
        django_capture_on_commit_callbacks, world.provider, world.user_b.email, by=world.platform_admin
    )
    c = world.client(world.user_b)
    assert c.post(f"/invitations/{first.pk}/decline/").status_code == 302
    api = c.post(f"/api/v1/invitations/{second.pk}/decline")
    assert api.status_code == 200 and api.json()["status"] == "declined"
    entries = AuditEntry.objects.filter(action="invitation.decline").order_by("id")
    # Declining is no consent to be named to the inviter: the entry names the address, not the account.
    assert [(e.actor, e.actor_label) for e in entries] == [(None, f"{world.user_b.email} (invitee)")] * 2
    # Only a signed-in account can decline through the API, so the channel is always recorded as the web:
    # the inviter reads this entry, and "api" would tell them the address has an account.
    assert [e.channel for e in entries] == ["web", "web"]
    assert not world.user_b.memberships.exclude(organisation=world.org_b).exists()


def test_the_administrator_sees_the_decline_but_no_name(
    world: World, django_capture_on_commit_callbacks
) -> None:
    world.user_b.full_name = "Beatrice Bravo"
    world.user_b.save(update_fields=["full_name"])
    invitation, _ = invite(
        django_capture_on_commit_callbacks, world.org_a, world.user_b.email, by=world.admin_a
    )
    world.client(world.user_b).post(f"/invitations/{invitation.pk}/decline/")
    listed = world.client(world.admin_a).get(f"/api/v1/organisations/{world.org_a.pk}/invitations")
    assert listed.json()["items"][0]["status"] == "declined" and b"Beatrice" not in listed.content
    journal = world.client(world.admin_a).get("/api/v1/audit?action=invitation.decline")
    assert b"Beatrice" not in journal.content

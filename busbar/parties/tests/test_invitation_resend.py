"""Inviting the same address again replaces the pending invitation: one pending, the old link dead."""

import pytest

from busbar.audit.models import AuditEntry
from busbar.conftest import World
from busbar.parties.models import Invitation
from busbar.parties.tests.invitations import invite

pytestmark = pytest.mark.django_db


def test_a_second_invitation_replaces_the_first(world: World, django_capture_on_commit_callbacks) -> None:
    first, old_token = invite(
        django_capture_on_commit_callbacks, world.org_a, world.user_b.email, by=world.admin_a
    )
    second, new_token = invite(
        django_capture_on_commit_callbacks,
        world.org_a,
        world.user_b.email.upper(),
        "resolver",
        by=world.admin_a,
    )
    assert old_token != new_token
    first.refresh_from_db()
    assert first.status == "revoked" and second.status == "pending" and second.role == "resolver"
    assert Invitation.objects.filter(organisation=world.org_a, status="pending").count() == 1
    note = AuditEntry.objects.get(action="invitation.revoke", record_id=str(first.pk)).note
    assert "Replaced" in note
    c = world.client(world.user_b)
    assert c.post(f"/invitations/{old_token}/", {"decision": "accept"}).status_code == 409
    assert c.post(f"/invitations/{new_token}/", {"decision": "accept"}).status_code == 302
    assert world.user_b.memberships.get(organisation=world.org_a).role == "resolver"


def test_a_lapsed_invitation_is_closed_as_expired_when_replaced(
    world: World, django_capture_on_commit_callbacks
) -> None:
    import datetime as dt

    from django.utils import timezone

    first, _ = invite(django_capture_on_commit_callbacks, world.org_a, "a@charlie.example", by=world.admin_a)
    Invitation.objects.filter(pk=first.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    invite(django_capture_on_commit_callbacks, world.org_a, "a@charlie.example", by=world.admin_a)
    first.refresh_from_db()
    assert first.status == "expired" and first.closed_at is not None


def test_the_same_address_may_be_invited_by_two_organisations(
    world: World, django_capture_on_commit_callbacks
) -> None:
    invite(django_capture_on_commit_callbacks, world.org_a, "a@charlie.example", by=world.admin_a)
    invite(django_capture_on_commit_callbacks, world.org_b, "a@charlie.example", by=world.platform_admin)
    assert Invitation.objects.filter(email="a@charlie.example", status="pending").count() == 2

"""A deactivated account is switched back on only when its owner accepts, proving it with its password."""

import pytest
from django.test import Client

from busbar.audit.models import AuditEntry
from busbar.conftest import PASSWORD, World
from busbar.parties.models import Membership
from busbar.parties.tests.invitations import deactivated_account, invite

pytestmark = pytest.mark.django_db


def test_wrong_password_leaves_it_off_and_the_right_one_reactivates(
    world: World,
    django_capture_on_commit_callbacks,
) -> None:
    gone = deactivated_account(world)
    invitation, token = invite(django_capture_on_commit_callbacks, world.org_a, gone.email, by=world.admin_a)
    c = Client()
    page = c.get(f"/invitations/{token}/")
    assert b"switched off" in page.content and b'name="password"' in page.content
    wrong = c.post(f"/invitations/{token}/", {"decision": "accept", "password": "not-the-password"})
    assert wrong.status_code == 422 and b"not the password" in wrong.content
    gone.refresh_from_db()
    assert not gone.is_active and not Membership.objects.filter(user=gone, organisation=world.org_a).exists()
    right = c.post(f"/invitations/{token}/", {"decision": "accept", "password": PASSWORD})
    assert right.status_code == 302
    gone.refresh_from_db()
    assert gone.is_active
    assert Membership.objects.get(user=gone, organisation=world.org_a).is_active
    assert not Membership.objects.get(user=gone, organisation=world.org_b).is_active  # B's stays off
    activate = AuditEntry.objects.get(action="user.activate", record_id=str(gone.pk))
    assert activate.actor == gone and "accepting an invitation" in activate.note
    assert Client().post("/accounts/login/", {"login": gone.email, "password": PASSWORD}).status_code == 302


def test_password_guessing_is_rate_limited(
    world: World, django_capture_on_commit_callbacks, settings
) -> None:
    gone = deactivated_account(world)
    _, token = invite(django_capture_on_commit_callbacks, world.org_a, gone.email, by=world.admin_a)
    c = Client()
    for _ in range(settings.LOGIN_ATTEMPTS_PER_5_MINUTES):
        assert (
            c.post(f"/invitations/{token}/", {"decision": "accept", "password": "guess"}).status_code == 422
        )
    blocked = c.post(f"/invitations/{token}/", {"decision": "accept", "password": PASSWORD})
    assert blocked.status_code == 429 and b"Too many attempts" in blocked.content
    gone.refresh_from_db()
    assert not gone.is_active


def test_a_deactivated_account_without_a_password_chooses_one(
    world: World,
    django_capture_on_commit_callbacks,
) -> None:
    gone = deactivated_account(world)
    gone.set_unusable_password()
    gone.save(update_fields=["password"])
    _, token = invite(django_capture_on_commit_callbacks, world.org_a, gone.email, by=world.admin_a)
    c = Client()
    assert b"has no password yet" in c.get(f"/invitations/{token}/").content
    response = c.post(
        f"/invitations/{token}/", {"decision": "accept", "password": PASSWORD, "password_again": PASSWORD}
    )
    assert response.status_code == 302
    gone.refresh_from_db()
    assert gone.is_active and gone.check_password(PASSWORD)


def test_an_active_account_must_sign_in_rather_than_use_a_password_on_the_page(
    world: World,
    django_capture_on_commit_callbacks,
) -> None:
    _, token = invite(django_capture_on_commit_callbacks, world.org_a, world.user_b.email, by=world.admin_a)
    c = Client()
    page = c.get(f"/invitations/{token}/")
    assert b"Sign in to accept" in page.content and b'name="password"' not in page.content
    assert f"/accounts/login/?next=%2Finvitations%2F{token}%2F".encode() in page.content
    refused = c.post(f"/invitations/{token}/", {"decision": "accept", "password": PASSWORD})
    assert refused.status_code == 403
    assert not Membership.objects.filter(user=world.user_b, organisation=world.org_a).exists()

"""Password guesses on the invitation page come out of the account's sign-in budget (allauth's lock-out,
keyed on the address), not a budget of each invitation: a new invitation does not reset it, and signing in
and accepting share it."""

import pytest
from django.test import Client

from busbar.conftest import PASSWORD, World
from busbar.parties.tests.invitations import deactivated_account, invite

pytestmark = pytest.mark.django_db


def _guess(client: Client, token: str, password: str = "not-the-password"):
    return client.post(f"/invitations/{token}/", {"decision": "accept", "password": password})


def _sign_in(address: str, password: str = "not-the-password"):
    # A new client each time, as a guesser switching browsers would: the budget is the account's.
    return Client().post("/accounts/login/", {"login": address, "password": password})


def test_a_new_invitation_does_not_reset_the_budget(
    world: World, django_capture_on_commit_callbacks, settings
) -> None:
    gone = deactivated_account(world)
    _, first = invite(django_capture_on_commit_callbacks, world.org_a, gone.email, by=world.admin_a)
    for _ in range(settings.LOGIN_ATTEMPTS_PER_5_MINUTES):
        assert _guess(Client(), first).status_code == 422
    _, second = invite(django_capture_on_commit_callbacks, world.org_a, gone.email, by=world.admin_a)
    assert second != first
    blocked = _guess(Client(), second, PASSWORD)
    assert blocked.status_code == 429 and b"Too many attempts" in blocked.content
    # Nor does another organisation's invitation to the same address.
    _, third = invite(django_capture_on_commit_callbacks, world.org_b, gone.email, by=world.platform_admin)
    assert _guess(Client(), third, PASSWORD).status_code == 429
    gone.refresh_from_db()
    assert not gone.is_active


def test_failed_sign_ins_count_against_the_invitation_page(
    world: World, django_capture_on_commit_callbacks, settings
) -> None:
    gone = deactivated_account(world)
    _, token = invite(django_capture_on_commit_callbacks, world.org_a, gone.email, by=world.admin_a)
    budget = settings.LOGIN_ATTEMPTS_PER_5_MINUTES
    for _ in range(budget - 1):
        _sign_in(gone.email.upper())
    assert _guess(Client(), token).status_code == 422  # the last try of the budget
    assert _guess(Client(), token, PASSWORD).status_code == 429
    gone.refresh_from_db()
    assert not gone.is_active


def test_failed_invitation_attempts_lock_signing_in(
    world: World, django_capture_on_commit_callbacks, settings
) -> None:
    gone = deactivated_account(world)
    _, token = invite(django_capture_on_commit_callbacks, world.org_a, gone.email, by=world.admin_a)
    for _ in range(settings.LOGIN_ATTEMPTS_PER_5_MINUTES):
        assert _guess(Client(), token).status_code == 422
    assert b"Too many failed login attempts" in _sign_in(gone.email, PASSWORD).content


def test_success_gives_its_attempt_back_as_signing_in_does(
    world: World, django_capture_on_commit_callbacks, settings
) -> None:
    gone = deactivated_account(world)
    _, token = invite(django_capture_on_commit_callbacks, world.org_a, gone.email, by=world.admin_a)
    for _ in range(settings.LOGIN_ATTEMPTS_PER_5_MINUTES - 1):
        assert _guess(Client(), token).status_code == 422
    assert _guess(Client(), token, PASSWORD).status_code == 302
    gone.refresh_from_db()
    assert gone.is_active
    # The successful acceptance used none of the budget: one sign-in attempt is still left, and works.
    assert _sign_in(gone.email, PASSWORD).status_code == 302

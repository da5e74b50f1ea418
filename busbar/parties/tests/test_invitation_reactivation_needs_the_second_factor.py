"""A switched-off account with a second factor is switched back on only with its password AND a current
authenticator code (or a recovery code), checked by allauth and limited by the same budget as signing in.
An account whose only second factor is a security key cannot do it on the page: it is told whom to ask."""

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP
from django.core import mail
from django.test import Client

from busbar.audit.models import AuditEntry
from busbar.conftest import PASSWORD, TOTP_SECRET, World, current_totp
from busbar.parties.models import Membership
from busbar.parties.tests.invitations import deactivated_account, invite

pytestmark = pytest.mark.django_db


def _accept(client: Client, token: str, **data: str):
    return client.post(f"/invitations/{token}/", {"decision": "accept", **data})


def test_a_totp_account_needs_a_current_code_as_well_as_its_password(
    world: World, django_capture_on_commit_callbacks
) -> None:
    gone = deactivated_account(world)
    TOTP.activate(gone, TOTP_SECRET)
    _, token = invite(django_capture_on_commit_callbacks, world.org_a, gone.email, by=world.admin_a)
    assert "a code from your authenticator app" in mail.outbox[-1].body
    c = Client()
    page = c.get(f"/invitations/{token}/")
    assert b'name="password"' in page.content and b'name="code"' in page.content
    password_only = _accept(c, token, password=PASSWORD)
    assert password_only.status_code == 422 and b"This field is required" in password_only.content
    wrong_code = _accept(c, token, password=PASSWORD, code="000000")
    assert wrong_code.status_code == 422 and b"That code is not right" in wrong_code.content
    wrong_password = _accept(c, token, password="not-the-password", code=current_totp())
    assert wrong_password.status_code == 422 and b"not the password" in wrong_password.content
    gone.refresh_from_db()
    assert not gone.is_active
    right = _accept(c, token, password=PASSWORD, code=current_totp())
    assert right.status_code == 302
    gone.refresh_from_db()
    assert gone.is_active and Membership.objects.get(user=gone, organisation=world.org_a).is_active
    assert AuditEntry.objects.filter(action="user.activate", record_id=str(gone.pk)).exists()


def test_a_recovery_code_will_do_and_is_used_up(world: World, django_capture_on_commit_callbacks) -> None:
    gone = deactivated_account(world)
    TOTP.activate(gone, TOTP_SECRET)
    code = RecoveryCodes.activate(gone).generate_codes()[0]
    _, token = invite(django_capture_on_commit_callbacks, world.org_a, gone.email, by=world.admin_a)
    assert _accept(Client(), token, password=PASSWORD, code=code).status_code == 302
    gone.refresh_from_db()
    assert gone.is_active
    recovery = Authenticator.objects.get(user=gone, type=Authenticator.Type.RECOVERY_CODES).wrap()
    assert code not in recovery.get_unused_codes()


def test_an_account_without_a_password_but_with_totp_needs_the_code_too(
    world: World, django_capture_on_commit_callbacks
) -> None:
    gone = deactivated_account(world)
    gone.set_unusable_password()
    gone.save(update_fields=["password"])
    TOTP.activate(gone, TOTP_SECRET)
    _, token = invite(django_capture_on_commit_callbacks, world.org_a, gone.email, by=world.admin_a)
    c = Client()
    no_code = _accept(c, token, password=PASSWORD, password_again=PASSWORD, code="123456")
    assert no_code.status_code == 422 and b"That code is not right" in no_code.content
    gone.refresh_from_db()
    assert not gone.is_active and not gone.has_usable_password()
    assert (
        _accept(c, token, password=PASSWORD, password_again=PASSWORD, code=current_totp()).status_code == 302
    )


def test_code_guesses_are_limited_by_the_sign_in_budget(
    world: World, django_capture_on_commit_callbacks, settings
) -> None:
    gone = deactivated_account(world)
    TOTP.activate(gone, TOTP_SECRET)
    _, token = invite(django_capture_on_commit_callbacks, world.org_a, gone.email, by=world.admin_a)
    for guess in range(settings.LOGIN_ATTEMPTS_PER_5_MINUTES):
        assert _accept(Client(), token, password=PASSWORD, code=f"{guess:06}").status_code == 422
    blocked = _accept(Client(), token, password=PASSWORD, code=current_totp())
    assert blocked.status_code == 429
    gone.refresh_from_db()
    assert not gone.is_active


def test_an_account_without_a_second_factor_needs_only_its_password(
    world: World, django_capture_on_commit_callbacks
) -> None:
    gone = deactivated_account(world)
    _, token = invite(django_capture_on_commit_callbacks, world.org_a, gone.email, by=world.admin_a)
    assert b'name="code"' not in Client().get(f"/invitations/{token}/").content
    assert _accept(Client(), token, password=PASSWORD).status_code == 302


def test_a_security_key_only_account_is_told_to_ask_an_administrator(
    world: World, django_capture_on_commit_callbacks
) -> None:
    gone = deactivated_account(world)
    Authenticator.objects.create(user=gone, type=Authenticator.Type.WEBAUTHN, data={"name": "Key"})
    invitation, token = invite(django_capture_on_commit_callbacks, world.org_a, gone.email, by=world.admin_a)
    assert "security key" in mail.outbox[-1].body
    c = Client()
    page = c.get(f"/invitations/{token}/")
    assert b"protected by a security key" in page.content and b"platform administrator" in page.content
    assert b'name="password"' not in page.content
    refused = _accept(c, token, password=PASSWORD)
    assert refused.status_code == 403 and b"Ask your organisation administrator" in refused.content
    gone.refresh_from_db()
    assert not gone.is_active and not Membership.objects.filter(user=gone, organisation=world.org_a).exists()
    # The action refuses as well, naming the field, whatever the page does.
    from busbar.lib.actions import Actor, NotPermitted
    from busbar.parties import actions

    with pytest.raises(NotPermitted) as refusal:
        actions.accept_invitation(
            actor=Actor(user=None, channel="web"), invitation=invitation, token=token, password=PASSWORD
        )
    assert refusal.value.field == "code"
    # Declining needs no proof beyond the link, and still works.
    assert c.post(f"/invitations/{token}/", {"decision": "decline"}).status_code == 302

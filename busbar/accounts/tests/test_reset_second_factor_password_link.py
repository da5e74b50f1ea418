"""Password reset assistance: the operator sends a person allauth's own password reset email (once the
change is committed, to that person only); its link lets them choose a new password and sign in.
Journalled; only the operator's operations managers and platform administrators, never for themselves."""

import re

import pytest
from django.core import mail
from django.test import Client

from busbar.accounts.actions import send_password_reset
from busbar.accounts.models import User
from busbar.audit.models import AuditEntry
from busbar.conftest import PASSWORD, World
from busbar.lib.actions import ActionError, Actor, NotPermitted
from busbar.parties.queries import scope_for

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-brand-new-password-4-alpha"


def _as(user: User) -> Actor:
    return Actor(user=user, organisation=scope_for(user).primary_organisation)


def test_the_link_is_emailed_on_commit_and_lets_them_choose_a_password(
    world: World, settings, django_capture_on_commit_callbacks
) -> None:
    settings.SITE_URL = "http://127.0.0.1:8077"
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        send_password_reset(actor=_as(world.ops), user=world.user_a)
        assert mail.outbox == []  # nothing before the commit
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [world.user_a.email] and not message.cc and not message.bcc
    assert "password" in message.subject.lower()
    link = re.search(r"http://127\.0\.0\.1:8077(/accounts/password/reset/key/\S+/)", message.body)
    assert link, message.body
    entry = AuditEntry.objects.get(action="user.password_reset_sent", record_id=str(world.user_a.pk))
    assert entry.actor == world.ops and entry.owner_organisation == world.org_a
    # The person follows the link, chooses a password, and signs in with it.
    c = Client()
    page = c.get(link.group(1), follow=True)
    assert page.status_code == 200
    form_url = page.redirect_chain[-1][0] if page.redirect_chain else link.group(1)
    done = c.post(form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert done.status_code == 302
    assert (
        Client().post("/accounts/login/", {"login": world.user_a.email, "password": PASSWORD}).status_code
        == 200
    )
    signed = Client().post("/accounts/login/", {"login": world.user_a.email, "password": NEW_PASSWORD})
    assert signed.status_code == 302


@pytest.mark.parametrize("who", ["user_a", "admin_a", "user_b", "resolver", "analyst"])
def test_refused_to_everyone_but_operations_and_platform_admins(
    world: World, who: str, django_capture_on_commit_callbacks
) -> None:
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(NotPermitted):
        send_password_reset(actor=_as(getattr(world, who)), user=world.user_b)
    assert mail.outbox == []
    assert not AuditEntry.objects.filter(action="user.password_reset_sent").exists()


def test_platform_admins_send_it_but_not_to_themselves(
    world: World, django_capture_on_commit_callbacks
) -> None:
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        send_password_reset(actor=_as(world.platform_admin), user=world.admin_a)
    assert [m.to for m in mail.outbox] == [[world.admin_a.email]]
    with pytest.raises(NotPermitted) as refused:
        send_password_reset(actor=_as(world.platform_admin), user=world.platform_admin)
    assert "Forgot your password" in refused.value.message


def test_a_switched_off_account_is_refused(world: World, django_capture_on_commit_callbacks) -> None:
    User.objects.filter(pk=world.user_b.pk).update(is_active=False)
    world.user_b.refresh_from_db()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ActionError) as refused:
        send_password_reset(actor=_as(world.ops), user=world.user_b)
    assert refused.value.field == "user" and "switched off" in refused.value.message
    assert mail.outbox == []

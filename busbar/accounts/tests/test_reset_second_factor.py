"""The operator resets a person's lost second factor: every authenticator goes, the person is signed out
and must enrol again before reaching any page; enrolling frees them. Journalled, never the secrets; only
the operator's operations managers and platform administrators, never on their own account."""

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP
from django.test import Client

from busbar.accounts.actions import reset_second_factor
from busbar.accounts.models import User
from busbar.audit.models import AuditEntry
from busbar.conftest import PASSWORD, TOTP_SECRET, World, current_totp
from busbar.lib.actions import ActionError, Actor, NotPermitted
from busbar.parties.queries import scope_for

pytestmark = pytest.mark.django_db


def _as(user: User) -> Actor:
    return Actor(user=user, organisation=scope_for(user).primary_organisation)


def _enrolled_participant(world: World) -> User:
    TOTP.activate(world.user_a, TOTP_SECRET)
    RecoveryCodes.activate(world.user_a)
    return world.user_a


def test_removes_every_authenticator_and_journals_without_secrets(world: World) -> None:
    person = _enrolled_participant(world)
    assert Authenticator.objects.filter(user=person).count() == 2
    removed = reset_second_factor(actor=_as(world.ops), user=person, reason="Lost phone (REQ0000001)")
    assert removed == 2
    assert not Authenticator.objects.filter(user=person).exists()
    person.refresh_from_db()
    assert person.mfa_enrol_required is True
    entry = AuditEntry.objects.get(action="user.mfa_reset", record_id=str(person.pk))
    assert entry.actor == world.ops and entry.owner_organisation == world.org_a
    assert "Lost phone (REQ0000001)" in entry.note and "2 authenticators removed" in entry.note
    assert entry.changes["mfa_enrol_required"] == [False, True]
    assert sorted(entry.changes["authenticators"][0]) == ["recovery_codes", "totp"]
    assert TOTP_SECRET not in str(entry.changes) and TOTP_SECRET not in entry.note


def test_a_person_without_authenticators_is_still_obliged_to_enrol(world: World) -> None:
    assert reset_second_factor(actor=Actor.system(), user=world.user_b, reason="Asked by phone") == 0
    world.user_b.refresh_from_db()
    assert world.user_b.mfa_enrol_required
    assert "0 authenticators removed" in AuditEntry.objects.get(action="user.mfa_reset").note


def test_the_person_is_signed_out_and_must_enrol_before_any_page(world: World) -> None:
    person = _enrolled_participant(world)
    signed_in = Client()
    assert (
        signed_in.post("/accounts/login/", {"login": person.email, "password": PASSWORD}).status_code == 302
    )
    # A participant with a factor signs in with it; before the reset they reach their home page.
    reset_second_factor(actor=_as(world.platform_admin), user=person, reason="Lost phone")
    # The session they had is gone.
    response = signed_in.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    # Signing in again (no second factor is asked: they have none) leads to the set-up, not the pages.
    again = Client()
    assert again.post("/accounts/login/", {"login": person.email, "password": PASSWORD}).status_code == 302
    home = again.get("/")
    assert home.status_code == 302 and home["Location"] == "/mfa-required/"
    assert again.get("/profile/")["Location"] == "/mfa-required/"
    assert b"Set up an authenticator app" in again.get("/mfa-required/").content


def test_enrolling_a_new_authenticator_clears_the_obligation(
    world: World, django_capture_on_commit_callbacks
) -> None:
    person = world.user_a
    reset_second_factor(actor=_as(world.ops), user=person, reason="Lost phone")
    c = Client()
    assert c.post("/accounts/login/", {"login": person.email, "password": PASSWORD}).status_code == 302
    first = c.get("/accounts/2fa/totp/activate/")
    if first.status_code == 302 and first["Location"].startswith("/accounts/reauthenticate/"):
        assert c.post(first["Location"], {"password": PASSWORD}).status_code == 302
    assert c.get("/accounts/2fa/totp/activate/").status_code == 200
    secret = c.session["mfa.totp.secret"]
    wrong = c.post("/accounts/2fa/totp/activate/", {"code": "000000"})
    assert wrong.status_code == 200
    person.refresh_from_db()
    assert person.mfa_enrol_required  # a wrong code enrols nothing
    with django_capture_on_commit_callbacks(execute=True):  # allauth signals once committed
        done = c.post("/accounts/2fa/totp/activate/", {"code": current_totp(secret)})
    assert done.status_code == 302
    person.refresh_from_db()
    assert person.mfa_enrol_required is False
    assert Authenticator.objects.filter(user=person, type=Authenticator.Type.TOTP).exists()
    assert c.get("/").status_code == 200


def test_staff_reset_keeps_them_out_until_they_enrol(world: World) -> None:
    analyst = world.analyst
    assert reset_second_factor(actor=_as(world.ops), user=analyst, reason="New phone") == 1
    c = Client()
    assert c.post("/accounts/login/", {"login": analyst.email, "password": PASSWORD}).status_code == 302
    assert c.get("/")["Location"] == "/mfa-required/"


@pytest.mark.parametrize("who", ["user_a", "admin_a", "user_b", "resolver", "analyst"])
def test_refused_to_everyone_but_operations_and_platform_admins(world: World, who: str) -> None:
    person = _enrolled_participant(world)
    with pytest.raises(NotPermitted) as refused:
        reset_second_factor(actor=_as(getattr(world, who)), user=person, reason="Please")
    assert "operations managers and platform administrators" in refused.value.message
    assert Authenticator.objects.filter(user=person).count() == 2
    assert not AuditEntry.objects.filter(action="user.mfa_reset").exists()


@pytest.mark.parametrize("who", ["ops", "platform_admin"])
def test_nobody_resets_their_own_second_factor_this_way(world: World, who: str) -> None:
    me = getattr(world, who)
    with pytest.raises(NotPermitted) as refused:
        reset_second_factor(actor=_as(me), user=me, reason="Mine")
    assert "your own second factor" in refused.value.message
    assert Authenticator.objects.filter(user=me).exists()
    me.refresh_from_db()
    assert not me.mfa_enrol_required


def test_a_reason_is_required_and_bounded(world: World) -> None:
    person = _enrolled_participant(world)
    for reason in ("", "   ", "x" * 501):
        with pytest.raises(ActionError) as refused:
            reset_second_factor(actor=_as(world.ops), user=person, reason=reason)
        assert refused.value.field == "reason"
    assert Authenticator.objects.filter(user=person).count() == 2

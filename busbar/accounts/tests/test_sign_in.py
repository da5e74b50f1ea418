"""Email + password sign-in, the TOTP step for staff, rate limiting, password reset by email."""

import pytest
from django.core import mail
from django.test import Client

from busbar.conftest import PASSWORD, World, current_totp

pytestmark = pytest.mark.django_db


def test_participant_signs_in_with_password(world: World) -> None:
    c = Client()
    response = c.post("/accounts/login/", {"login": "user@alpha.example", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"
    assert c.get("/").status_code == 200


def test_wrong_password_is_refused(world: World) -> None:
    c = Client()
    response = c.post("/accounts/login/", {"login": "user@alpha.example", "password": "wrong-password"})
    assert response.status_code == 200
    assert b"not correct" in response.content
    assert c.get("/").status_code == 302


def test_staff_sign_in_needs_totp_code(world: World) -> None:
    c = Client()
    response = c.post("/accounts/login/", {"login": "analyst@operator.example", "password": PASSWORD})
    assert response.status_code == 302 and "/accounts/2fa/authenticate/" in response["Location"]
    assert c.get("/").status_code == 302  # not signed in yet
    bad = c.post("/accounts/2fa/authenticate/", {"code": "000000"})
    assert bad.status_code == 200 and c.get("/").status_code == 302
    good = c.post("/accounts/2fa/authenticate/", {"code": current_totp()})
    assert good.status_code == 302
    assert c.get("/").status_code == 200


def test_repeated_failures_lock_out_with_a_message(world: World, settings) -> None:
    c = Client()
    for _ in range(settings.LOGIN_ATTEMPTS_PER_5_MINUTES):
        c.post("/accounts/login/", {"login": "user@alpha.example", "password": "wrong-password"})
    response = c.post("/accounts/login/", {"login": "user@alpha.example", "password": PASSWORD})
    assert b"Too many failed login attempts" in response.content
    assert c.get("/").status_code == 302


def test_password_reset_email_is_sent_through_the_queue(
    world: World, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post("/accounts/password/reset/", {"email": "user@alpha.example"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["user@alpha.example"]
    assert "/accounts/password/reset/key/" in mail.outbox[0].body


def test_self_sign_up_is_closed(db) -> None:
    response = Client().get("/accounts/signup/")
    assert b"Sign Up Closed" in response.content or response.status_code in (403, 404)

"""Sign-in in a real browser: Playwright drives Debian's Chromium against pytest-django's live server.

What is proved here and not in the Django-client tests: the login and TOTP forms work as rendered HTML
(labels, field names, the CSRF token, the submit buttons, the redirects a browser follows), and the
login form can be completed with the keyboard alone. Fixtures: busbar/core/tests/browser.py.
"""

from __future__ import annotations

import re

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time

from busbar.conftest import PASSWORD, TOTP_SECRET, current_totp

pytestmark = pytest.mark.xdist_group("browser")

try:
    from playwright import sync_api
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover - reported by the `browser` fixture (skip locally, fail on CI)
    sync_api = None

PARTICIPANT = "user@alpha.example"
ANALYST = "analyst@operator.example"


def path_of(pg: sync_api.Page) -> str:
    return re.sub(r"^https?://[^/]+", "", pg.url)


def submit_password(pg: sync_api.Page, email: str) -> None:
    pg.goto("/accounts/login/")
    pg.get_by_label("Email address").fill(email)
    pg.get_by_label("Password").fill(PASSWORD)
    pg.get_by_role("button", name="Sign in").click()


def wrong_totp() -> str:
    """A six-digit code that is valid for no counter in the accepted window right now."""
    valid = {format_hotp_value(hotp_value(TOTP_SECRET, c)) for c in yield_hotp_counters_from_time()}
    return next(code for code in ("000000", "111111", "123456", "999999") if code not in valid)


def test_participant_signs_in_through_the_login_form(page: sync_api.Page) -> None:
    submit_password(page, PARTICIPANT)
    page.wait_for_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Welcome, "))
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def test_analyst_signs_in_with_password_and_totp(page: sync_api.Page) -> None:
    submit_password(page, ANALYST)
    page.wait_for_url(re.compile(r"/accounts/2fa/authenticate/"))
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)  # not signed in yet
    page.locator("input[name=code]").fill(current_totp())
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Service desk")


def test_wrong_totp_code_keeps_the_analyst_out(page: sync_api.Page) -> None:
    submit_password(page, ANALYST)
    page.wait_for_url(re.compile(r"/accounts/2fa/authenticate/"))
    page.locator("input[name=code]").fill(wrong_totp())
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_load_state()
    assert path_of(page).startswith("/accounts/2fa/authenticate/")
    expect(page.get_by_text(re.compile("incorrect code", re.IGNORECASE))).to_be_visible()
    # Still no session: the home page sends the browser back into the sign-in flow, not to the desk.
    for protected in ("/", "/organisations/"):
        page.goto(protected)
        assert path_of(page).startswith(("/accounts/login/", "/accounts/2fa/authenticate/")), page.url
        expect(page.get_by_role("heading", name="Service desk")).to_have_count(0)
        expect(page.get_by_role("button", name="Sign out")).to_have_count(0)


def test_login_form_works_with_the_keyboard_alone(page: sync_api.Page) -> None:
    page.goto("/accounts/login/")
    email = page.get_by_label("Email address")
    password = page.get_by_label("Password")
    # Tab from the top of the page; the email field is reached after the skip link and the brand link.
    for _ in range(6):
        page.keyboard.press("Tab")
        if email.evaluate("el => el === document.activeElement"):
            break
    expect(email).to_be_focused()
    page.keyboard.type(PARTICIPANT)
    page.keyboard.press("Tab")
    expect(password).to_be_focused()
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Welcome, "))

"""A newcomer accepts an invitation in a real browser and signs in with the account it made. (The page
once sent ``Referrer-Policy: no-referrer``: Chromium then posts the form with ``Origin: null`` and the
CSRF check refused every acceptance; the test client, which sends no Origin, never saw it.)"""

from __future__ import annotations

import re

import pytest

from busbar.conftest import World
from busbar.parties.models import Invitation, Membership
from busbar.parties.tests.invitations import invite

pytestmark = pytest.mark.xdist_group("browser")


def test_a_newcomer_accepts_in_the_browser_and_signs_in(
    page, live_world: World, live_server, django_capture_on_commit_callbacks
) -> None:
    invitation, token = invite(
        django_capture_on_commit_callbacks,
        live_world.org_a,
        "newcomer@alpha.example",
        by=live_world.admin_a,
    )
    page.goto(f"{live_server.url}/invitations/{token}/")
    page.get_by_label("Your name").fill("Nia Newcomer")
    page.get_by_label("Choose a password").fill("Harbour-Lights-2031")
    page.get_by_label("Password again").fill("Harbour-Lights-2031")
    page.get_by_role("button", name="Accept invitation").first.click()
    page.wait_for_load_state()
    invitation.refresh_from_db()
    assert invitation.status == "accepted", page.content()[:500]
    assert Membership.objects.filter(
        user__email="newcomer@alpha.example", organisation=live_world.org_a
    ).exists()

    page.context.clear_cookies()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email address").fill("newcomer@alpha.example")
    page.get_by_label("Password").fill("Harbour-Lights-2031")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/$"))
    assert "Nia Newcomer" in page.locator(".who").inner_text()
    assert Invitation.objects.get(pk=invitation.pk).membership is not None

"""The incident list in a real browser: live filtering swaps only the rows (HTMX), and bulk assign works.

Uses the Chromium set-up of busbar/core/tests/test_browser.py (skipped where Chromium is not installed).
"""

from __future__ import annotations

import pytest

from busbar.conftest import World
from busbar.core.tests.browser import sign_in
from busbar.incidents.models import Incident
from busbar.incidents.tests.conftest import raise_for

pytestmark = pytest.mark.xdist_group("browser")


@pytest.fixture(autouse=True)
def _installation_defaults(transactional_db) -> None:
    """The default SLA policy the migrations install: an earlier transactional test's flush removes it."""
    import importlib

    from django.apps import apps

    importlib.import_module("busbar.services.migrations.0002_default_policy").forward(apps, None)


try:
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover - the `browser` fixture skips or fails with the reason
    expect = None


def test_live_filtering_and_bulk_assign(page, live_world: World, live_catalogue, live_server) -> None:
    gateway = raise_for(live_world, live_catalogue, summary="Gateway timeouts")
    other = raise_for(live_world, live_catalogue, summary="Registration mismatch")
    sign_in(page, live_world.analyst, live_server)
    page.goto("/incidents/?queue=unassigned")
    rows = page.locator("#rows tbody tr")
    expect(rows).to_have_count(2)
    page.evaluate("window.notReloaded = true")

    page.get_by_label("Status").select_option(label="Closed")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("No incidents match.")
    page.get_by_label("Status").select_option(label="Any open")
    expect(rows).to_have_count(2)
    page.get_by_label("Search").fill("timeouts")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(gateway.reference)
    assert page.evaluate("window.notReloaded") is True  # the rows were swapped, the page was not reloaded
    assert "q=timeouts" in page.url  # and the address can be shared or reloaded

    # Ticking a row straight after typing (the search box loses focus) must not reload the rows.
    page.get_by_label(f"Select {gateway.reference}").check()
    page.get_by_label("Assign to provider").select_option(label="CSS Provider")
    page.get_by_role("button", name="Assign ticked").click()
    expect(page.get_by_role("status")).to_contain_text(f"Assigned to CSS Provider: {gateway.reference}.")
    assert Incident.objects.get(pk=gateway.pk).provider_id == live_world.provider.pk
    assert Incident.objects.get(pk=other.pk).provider_id is None

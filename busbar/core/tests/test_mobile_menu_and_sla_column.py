"""At a phone's width (390 × 844) the navigation folds behind a menu button that works without JavaScript,
and the incident list keeps the SLA column on screen (less important columns fold away)."""

from __future__ import annotations

import pytest

from busbar.conftest import World
from busbar.core.tests.browser import sign_in
from busbar.incidents import actions
from busbar.incidents.tests.conftest import actor_for, raise_for

pytestmark = pytest.mark.xdist_group("browser")

try:
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover - the `browser` fixture skips or fails with the reason
    expect = None


@pytest.fixture(autouse=True)
def _installation_defaults(transactional_db) -> None:
    import importlib

    from django.apps import apps

    importlib.import_module("busbar.services.migrations.0002_default_policy").forward(apps, None)


@pytest.mark.parametrize("javascript", [True, False])
def test_menu_button_and_sla_column_at_390(
    browser, live_world: World, live_catalogue, live_server, javascript: bool
) -> None:
    for n in range(3):
        incident = raise_for(
            live_world, live_catalogue, summary=f"Gateway timeouts on the registration feed {n}"
        )
        actions.assign_incident(actor=actor_for(live_world.analyst), incident=incident)
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 390, "height": 844}, java_script_enabled=javascript
    )
    try:
        page = context.new_page()
        sign_in(page, live_world.analyst, live_server)
        page.goto("/incidents/")
        nav = page.get_by_role("navigation", name="Main")
        expect(nav).to_be_hidden()
        expect(page.locator("#inbox-bell")).to_be_visible()
        page.locator("label.menu-button").click()
        expect(nav).to_be_visible()
        expect(nav.get_by_role("link", name="Incidents", exact=True)).to_be_visible()
        page.locator("label.menu-button").click()
        expect(nav).to_be_hidden()

        sla = page.get_by_role("columnheader", name="SLA")
        expect(sla).to_be_visible()
        expect(page.get_by_role("columnheader", name="Service")).to_be_hidden()
        wrap = page.locator(".table-wrap").first
        assert wrap.evaluate("w => w.scrollWidth <= w.clientWidth"), "the list scrolls sideways"
        box = sla.bounding_box()
        assert box is not None and box["x"] + box["width"] <= 390
    finally:
        context.close()


def test_wide_screens_show_the_navigation_without_a_button(page, live_world: World, live_server) -> None:
    sign_in(page, live_world.user_a, live_server)
    page.goto("/")
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    expect(page.locator("label.menu-button")).to_be_hidden()

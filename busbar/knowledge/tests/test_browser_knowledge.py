"""In a real browser, under the Content-Security-Policy: a participant typing an incident's summary is
offered the matching article (HTMX, as they type); the desk runs a triage script one answer at a time
and records it on the incident.

Uses the Chromium set-up of busbar/core/tests/test_browser.py (skipped where Chromium is not installed).
"""

from __future__ import annotations

import pytest

from busbar.conftest import World
from busbar.core.tests.browser import sign_in
from busbar.incidents.tests.conftest import raise_for
from busbar.knowledge.tests.conftest import article_for
from busbar.records.models import Entry
from busbar.triage.tests.conftest import script_for

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


def test_typing_a_summary_offers_the_article(page, live_world: World, live_catalogue, live_server) -> None:
    article = article_for(live_world, live_catalogue, title="Bulk registration uploads time out")
    sign_in(page, live_world.user_a, live_server)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto("/incidents/new/")
    page.get_by_label("Service", exact=True).select_option(label=live_catalogue.service.name)
    page.get_by_label("Summary").press_sequentially("Bulk registration upl", delay=20)
    offered = page.locator("#suggestions")
    expect(offered).to_contain_text("Knowledge articles that may answer it")
    expect(offered).to_contain_text(article.reference)
    offered.get_by_role("link", name=article.reference).click()
    expect(page.locator("h1")).to_have_text("Bulk registration uploads time out")
    assert errors == []


def test_the_desk_runs_a_triage_script(page, live_world: World, live_catalogue, live_server) -> None:
    script = script_for(live_world, live_catalogue)
    incident = raise_for(live_world, live_catalogue, severity="4")
    sign_in(page, live_world.analyst, live_server)
    page.goto(f"/incidents/{incident.reference}/")
    page.get_by_role("link", name=script.name).click()
    page.evaluate("window.notReloaded = true")
    page.get_by_role("link", name="Yes").click()
    expect(page.locator("#runner")).to_contain_text("What do they see?")
    page.get_by_role("link", name="Upload timed out").click()
    expect(page.locator("#runner")).to_contain_text("Outcome")
    assert page.evaluate("window.notReloaded") is True  # answered in place (HTMX)
    assert "path=" in page.url  # and the address holds the answers so far
    page.get_by_role("button", name=f"Record on {incident.reference}").click()
    expect(page.locator(".messages")).to_contain_text(f"Triage recorded on {incident.reference}")
    note = Entry.objects.get(record__reference=incident.reference, is_internal=True)
    assert "What do they see? → Upload timed out" in note.body

"""Every kind of page works under the strict Content-Security-Policy: no inline script or style is blocked.

The `page` fixture fails a test on any CSP violation the browser reports; this test walks the pages of
each role (and the API explorer) so each template is loaded at least once, and uses the live filters.
"""

from __future__ import annotations

import pytest

from busbar.conftest import World
from busbar.core.tests.browser import sign_in
from busbar.incidents.tests.conftest import raise_for

pytestmark = pytest.mark.xdist_group("browser")

try:
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover - the `browser` fixture skips or fails with the reason
    expect = None


def test_desk_pages_raise_no_csp_violation(page, live_world: World, live_catalogue, live_server) -> None:
    from busbar.knowledge.tests.conftest import article_for
    from busbar.triage.tests.conftest import script_for

    incident = raise_for(live_world, live_catalogue, summary="Gateway timeouts")
    article = article_for(live_world, live_catalogue, title="Gateway timeouts: retry")
    script = script_for(live_world, live_catalogue, article=article)
    question = script.questions.first()
    sign_in(page, live_world.analyst, live_server)
    for path in (
        "/knowledge/",
        "/knowledge/?q=gateway",
        "/knowledge/new/",
        f"/knowledge/{article.reference}/",
        f"/knowledge/{article.reference}/edit/",
        f"/knowledge/{article.reference}/versions/",
        "/triage/",
        f"/triage/{script.pk}/",
        f"/triage/{script.pk}/questions/{question.pk}/",
        f"/triage/{script.pk}/try/",
        f"/incidents/{incident.reference}/triage/{script.pk}/",
        "/",
        "/incidents/",
        f"/incidents/{incident.reference}/",
        "/status/",
        "/services/",
        "/organisations/",
        f"/organisations/{live_world.org_a.pk}/",
        "/audit/",
        "/profile/",
    ):
        response = page.goto(path)
        assert response is not None and response.status == 200, path
        assert response.headers["content-security-policy"].startswith("default-src 'self'")
    page.goto("/incidents/")
    page.get_by_label("Search").fill("timeouts")  # HTMX swaps the rows: no eval, no inline styles
    expect(page.locator("#rows tbody tr")).to_have_count(1)


def test_participant_pages_raise_no_csp_violation(
    page,
    live_world: World,
    live_catalogue,
    live_server,
) -> None:
    from busbar.knowledge.tests.conftest import article_for

    raise_for(live_world, live_catalogue)
    article = article_for(live_world, live_catalogue)
    sign_in(page, live_world.user_a, live_server)
    for path in (
        "/",
        "/incidents/",
        "/incidents/new/",
        "/status/",
        "/knowledge/",
        f"/knowledge/{article.reference}/",
    ):
        response = page.goto(path)
        assert response is not None and response.status == 200, path


def test_api_explorer_runs_under_the_policy(page, live_world: World, live_server) -> None:
    sign_in(page, live_world.user_a, live_server)
    page.goto("/api/v1/docs")
    # The whole API's OpenAPI document (over 1 MB) is parsed in the page: allow for a loaded machine.
    expect(page.get_by_text("Busbar API").first).to_be_visible(timeout=30_000)
    expect(page.locator(".opblock").first).to_be_visible(timeout=30_000)

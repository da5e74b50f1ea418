"""The status board: a status set by hand, and its note, reach the service's components (same status) and
the services that depend on it or that it is part of (at least degraded, with the reason) — on the board,
the service page and ``GET /api/v1/status`` — in a fixed number of queries whatever the catalogue's size."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from busbar.conftest import World
from busbar.lib.actions import Actor
from busbar.services import actions
from busbar.services.status import passed_on, severity_status, worst
from busbar.services.tests.conftest import Catalogue

pytestmark = pytest.mark.django_db


def _row(html: str, slug: str) -> str:
    start = html.index(f'id="status-{slug}"')
    return html[start : html.index("</tr>", start)]


def test_the_one_mapping() -> None:
    assert (
        severity_status(1) == "outage"
        and severity_status(2) == "degraded"
        and severity_status(4) == "degraded"
    )
    assert worst("operational", "maintenance", "degraded") == "degraded"
    assert worst("degraded", "outage") == "outage" and worst() == "operational"
    assert passed_on("outage") == "degraded" and passed_on("maintenance") == "maintenance"


def test_manual_outage_reaches_components_and_dependants_with_the_note(
    world: World, catalogue: Catalogue
) -> None:
    actions.set_service_status(
        actor=Actor.system(), service=catalogue.css, status="outage", note="Gateway cluster down since 08:40"
    )
    html = world.client(world.user_a).get("/status/").content.decode()
    css, portal, uk_link = (
        _row(html, s) for s in ("css-registration-service", "switching-portal", "uk-link")
    )
    assert 'data-status="outage"' in css and "Gateway cluster down since 08:40" in css
    assert (
        'data-status="outage"' in portal
        and "is part of CSS registration service, which has an outage" in portal
    )
    assert 'data-status="degraded"' in uk_link
    assert "Degraded because it depends on CSS registration service, which has an outage" in uk_link
    assert "3 services not fully operational" in html

    page = world.client(world.user_a).get("/services/uk-link/").content.decode()
    assert (
        '<span class="badge warn">Degraded</span>' in page and "depends on CSS registration service" in page
    )
    css_page = world.client(world.user_a).get("/services/css-registration-service/").content.decode()
    assert "Gateway cluster down since 08:40" in css_page


def test_a_component_outage_degrades_its_service_only(world: World, catalogue: Catalogue) -> None:
    actions.set_service_status(actor=Actor.system(), service=catalogue.portal, status="outage", note="")
    body = world.client(world.user_b).get("/api/v1/status").json()
    shown = {e["service"]["slug"]: e for e in body["services"]}
    assert shown["switching-portal"]["status"] == "outage"
    css = shown["css-registration-service"]
    assert css["status"] == "degraded" and css["manual_status"] == "operational"
    assert css["reasons"][0]["via"] == "part" and css["reasons"][0]["service"]["slug"] == "switching-portal"
    assert css["reasons"][0]["text"] == "contains Switching portal, which has an outage"
    # UK Link depends on CSS, which is degraded because of its component.
    assert shown["uk-link"]["status"] == "degraded"
    assert shown["uk-link"]["reasons"][0]["text"] == (
        "depends on CSS registration service, affected by Switching portal, which has an outage"
    )
    assert body["affected"] == 3


def test_maintenance_passes_on_as_maintenance_and_the_api_shows_the_note(
    world: World, catalogue: Catalogue
) -> None:
    actions.set_service_status(
        actor=Actor.system(), service=catalogue.css, status="maintenance", note="Release 4.2 until 06:00"
    )
    body = world.client(world.resolver).get("/api/v1/status").json()
    shown = {e["service"]["slug"]: e for e in body["services"]}
    assert shown["css-registration-service"]["note"] == "Release 4.2 until 06:00"
    assert shown["css-registration-service"]["status_changed_at"] is not None
    assert (
        shown["uk-link"]["status"] == "maintenance" and shown["switching-portal"]["status"] == "maintenance"
    )
    detail = world.client(world.user_a).get(f"/api/v1/services/{catalogue.css.pk}").json()
    assert detail["status_note"] == "Release 4.2 until 06:00"


def test_setting_the_same_status_with_a_new_note_keeps_the_status(world: World, catalogue: Catalogue) -> None:
    actions.set_service_status(actor=Actor.system(), service=catalogue.css, status="degraded", note="Slow")
    actions.set_service_status(
        actor=Actor.system(), service=catalogue.css, status="degraded", note="Recovering"
    )
    catalogue.css.refresh_from_db()
    assert catalogue.css.status == "degraded" and catalogue.css.status_note == "Recovering"
    too_long = world.client(world.ops).post(
        f"/api/v1/services/{catalogue.css.pk}/status",
        {"status": "outage", "note": "x" * 2001},
        content_type="application/json",
    )
    assert too_long.status_code == 422


def test_status_api_needs_sign_in(client) -> None:
    assert client.get("/api/v1/status").status_code == 401


def test_board_queries_do_not_grow_with_the_catalogue(world: World, catalogue: Catalogue) -> None:
    actions.set_service_status(actor=Actor.system(), service=catalogue.css, status="outage", note="Down")
    c = world.client(world.user_a)
    c.get("/status/")  # the session and scope are read once
    with CaptureQueriesContext(connection) as small:
        assert c.get("/status/").status_code == 200
    with CaptureQueriesContext(connection) as small_api:
        assert c.get("/api/v1/status").status_code == 200
    parent = catalogue.css
    for n in range(12):
        parent = actions.create_service(
            actor=Actor.system(),
            name=f"Extra service {n}",
            provider=world.provider,
            calendar=catalogue.always,
            parent=parent if n < 4 else None,  # a chain of components four deep under CSS
            depends_on=[catalogue.uk_link, catalogue.css],
        )
    with CaptureQueriesContext(connection) as large:
        html = c.get("/status/").content.decode()
    with CaptureQueriesContext(connection) as large_api:
        assert c.get("/api/v1/status").status_code == 200
    assert "Extra service 11" in html and "(component of Extra service 2)" in html
    # The outage reaches the bottom of the chain.
    assert 'data-status="outage"' in _row(html, "extra-service-3")
    assert len(large) == len(small) and len(large_api) == len(small_api)

"""The status board derives each service's status from its live published major incidents (severity 1:
outage; other major severities: degraded), passes it to its components and dependants, and links the
incidents only for those who may open them."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from busbar.incidents import actions
from busbar.incidents.models import Incident
from busbar.incidents.tests.conftest import Catalogue, actor_for, raise_for
from busbar.lib.actions import Actor
from busbar.services import actions as catalogue_actions
from busbar.services.models import Service

pytestmark = pytest.mark.django_db


@pytest.fixture
def graph(world, catalogue: Catalogue) -> dict[str, Service]:
    system = Actor.system()
    common = {"provider": world.provider, "calendar": catalogue.calendar}
    return {
        "portal": catalogue_actions.create_service(
            actor=system, name="Switching portal", parent=catalogue.service, **common
        ),
        "uk-link": catalogue_actions.create_service(
            actor=system, name="UK Link", depends_on=[catalogue.service], **common
        ),
        "des": catalogue_actions.create_service(actor=system, name="DES", **common),
    }


def _major(world, catalogue: Catalogue, severity: str = "1", *, published: bool = True) -> Incident:
    incident = raise_for(world, catalogue, severity=severity, summary="Switch requests failing for all")
    if severity != "1":
        actions.declare_major_incident(actor=actor_for(world.analyst), incident=incident)
    Incident.objects.filter(pk=incident.pk).update(is_published=published)
    return incident


def _row(html: str, slug: str) -> str:
    start = html.index(f'id="status-{slug}"')
    return html[start : html.index("</tr>", start)]


def test_live_sev1_major_is_an_outage_on_the_service_its_components_and_dependants(
    world,
    catalogue: Catalogue,
    graph: dict[str, Service],
) -> None:
    incident = _major(world, catalogue)
    url = f'href="/incidents/{incident.reference}/"'
    html = world.client(world.user_b).get("/status/").content.decode()  # B neither raised nor is affected
    css = _row(html, "css")
    assert 'data-status="outage"' in css and url in css and "Switch requests failing for all" in css
    portal = _row(html, "switching-portal")
    assert 'data-status="outage"' in portal and url in portal
    uk_link = _row(html, "uk-link")
    assert 'data-status="degraded"' in uk_link and url in uk_link
    assert "depends on Central Switching Service, which has an outage" in uk_link
    assert 'data-status="operational"' in _row(html, "des")

    body = world.client(world.user_b).get("/api/v1/status").json()
    shown = {e["service"]["slug"]: e for e in body["services"]}
    assert shown["css"]["status"] == "outage" and shown["css"]["manual_status"] == "operational"
    assert shown["css"]["incidents"][0]["reference"] == incident.reference
    assert shown["css"]["incidents"][0]["url"] == f"/incidents/{incident.reference}/"
    assert shown["switching-portal"]["status"] == "outage"
    assert shown["uk-link"]["status"] == "degraded"
    assert shown["uk-link"]["reasons"][0]["incidents"][0]["reference"] == incident.reference
    assert shown["des"]["status"] == "operational" and body["affected"] == 3

    service_page = world.client(world.user_b).get("/services/uk-link/").content.decode()
    assert '<span class="badge warn">Degraded</span>' in service_page and url in service_page


def test_sev2_major_degrades(world, catalogue: Catalogue, graph: dict[str, Service]) -> None:
    _major(world, catalogue, "2")
    shown = {
        e["service"]["slug"]: e for e in world.client(world.user_a).get("/api/v1/status").json()["services"]
    }
    assert shown["css"]["status"] == "degraded" and shown["switching-portal"]["status"] == "degraded"
    assert shown["uk-link"]["status"] == "degraded"


def test_resolved_major_no_longer_counts(world, catalogue: Catalogue, graph: dict[str, Service]) -> None:
    incident = _major(world, catalogue)
    actions.resolve_incident(actor=actor_for(world.analyst), incident=incident, resolution="Failed over.")
    html = world.client(world.user_a).get("/status/").content.decode()
    assert "All services are operational" in html and incident.reference not in html


def test_unpublished_major_is_linked_only_for_those_who_may_open_it(
    world,
    catalogue: Catalogue,
    graph: dict[str, Service],
) -> None:
    incident = _major(world, catalogue, published=False)
    participant = world.client(world.user_b).get("/status/").content.decode()
    assert incident.reference not in participant and "All services are operational" in participant
    api = world.client(world.user_b).get("/api/v1/status").json()
    assert all(not e["incidents"] and e["status"] == "operational" for e in api["services"])
    # The desk sees the link, marked as not on the board; the status stays as everyone sees it.
    desk = world.client(world.analyst).get("/status/").content.decode()
    css = _row(desk, "css")
    assert f"/incidents/{incident.reference}/" in css and "not published" in css
    assert 'data-status="operational"' in css


def test_board_queries_do_not_grow_with_services_or_incidents(
    world,
    catalogue: Catalogue,
    graph: dict[str, Service],
) -> None:
    _major(world, catalogue)
    c = world.client(world.user_b)
    c.get("/status/")
    with CaptureQueriesContext(connection) as small:
        c.get("/status/")
    for n in range(5):
        service = catalogue_actions.create_service(
            actor=Actor.system(),
            name=f"Extra {n}",
            provider=world.provider,
            calendar=catalogue.calendar,
            depends_on=[graph["uk-link"]],
        )
        extra = raise_for(world, catalogue, severity="1", service=service, summary=f"Extra {n} down")
        Incident.objects.filter(pk=extra.pk).update(is_published=True)
    with CaptureQueriesContext(connection) as large:
        html = c.get("/status/").content.decode()
    assert html.count('data-status="outage"') >= 7
    assert len(large) == len(small)

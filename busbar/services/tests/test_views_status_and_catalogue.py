"""Web: the service status page for everyone signed in, the catalogue list and service pages."""

import pytest

from busbar.audit.models import AuditEntry
from busbar.conftest import World
from busbar.lib.actions import Actor
from busbar.services import actions
from busbar.services.models import Service
from busbar.services.tests.conftest import Catalogue

pytestmark = pytest.mark.django_db


def test_status_page_for_a_participant(world: World, catalogue: Catalogue) -> None:
    actions.set_service_status(actor=Actor.system(), service=catalogue.portal, status="outage")
    actions.update_service(actor=Actor.system(), service=catalogue.uk_link, is_active=False)
    response = world.client(world.user_a).get("/status/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "CSS registration service" in html and "CSS Provider" in html
    assert "Switching portal" in html and "component of CSS registration service" in html
    assert '<span class="badge bad">Outage</span>' in html
    # A component's outage degrades the service it is part of.
    assert (
        "2 services not fully operational: CSS registration service (degraded), Switching portal (outage)"
        in html
    )
    assert "UK Link" not in html  # inactive services are not published


def test_status_page_partial_for_htmx_and_login_required(world: World, catalogue: Catalogue, client) -> None:
    partial = world.client(world.user_b).get("/status/", HTTP_HX_REQUEST="true")
    assert (
        partial.status_code == 200
        and b"<html" not in partial.content
        and b"All services are operational" in partial.content
    )
    anonymous = client.get("/status/")
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]


def test_catalogue_list_filters(world: World, catalogue: Catalogue) -> None:
    c = world.client(world.user_a)
    page = c.get("/services/").content.decode()
    assert "UK Link" in page and "Switching portal" in page and "New service" not in page
    assert "UK Link" not in c.get("/services/?q=portal").content.decode()
    only = c.get(f"/services/?provider={catalogue.xoserve.pk}", HTTP_HX_REQUEST="true").content.decode()
    assert "UK Link" in only and "CSS registration service</a>" not in only
    assert "No services match" in c.get("/services/?status=outage").content.decode()
    assert "New service" in world.client(world.ops).get("/services/").content.decode()


def test_service_detail_shows_dependencies_both_ways_and_targets(world: World, catalogue: Catalogue) -> None:
    c = world.client(world.user_a)
    css = c.get("/services/css-registration-service/").content.decode()
    assert "Switching portal" in css  # component
    assert "UK Link" in css  # needed by
    assert "10 minutes" in css and "1 working day <" in css  # REC default targets
    assert "Set status" not in css and "History" not in css  # no editing, no journal for participants
    uk = c.get("/services/uk-link/").content.decode()
    assert 'href="/services/css-registration-service/"' in uk  # depends on
    staff = world.client(world.ops).get("/services/css-registration-service/").content.decode()
    assert "Set status" in staff and "History" in staff


def test_inactive_service_is_404_for_participants(world: World, catalogue: Catalogue) -> None:
    actions.update_service(actor=Actor.system(), service=catalogue.uk_link, is_active=False)
    assert world.client(world.user_a).get("/services/uk-link/").status_code == 404
    assert world.client(world.analyst).get("/services/uk-link/").status_code == 200
    assert world.client(world.user_a).get("/services/nope/").status_code == 404


def test_create_and_edit_service_through_the_forms(world: World, catalogue: Catalogue) -> None:
    c = world.client(world.ops)
    assert c.get("/services/new/").status_code == 200
    response = c.post(
        "/services/new/",
        {
            "name": "ECOES",
            "description": "Electricity enquiry",
            "provider": world.provider.pk,
            "calendar": catalogue.working.pk,
            "depends_on": [catalogue.css.pk],
        },
    )
    assert response.status_code == 302 and response["Location"] == "/services/ecoes/"
    ecoes = Service.objects.get(slug="ecoes")
    assert ecoes.sla_policy == catalogue.default and list(ecoes.depends_on.all()) == [catalogue.css]
    assert c.get("/services/ecoes/edit/").status_code == 200
    edit = {
        "name": "ECOES",
        "slug": "ecoes",
        "provider": world.provider.pk,
        "calendar": catalogue.working.pk,
        "parent": catalogue.css.pk,
        "is_active": "on",
    }
    assert c.post("/services/ecoes/edit/", edit).status_code == 302
    ecoes.refresh_from_db()
    assert ecoes.parent == catalogue.css and not ecoes.depends_on.exists()
    assert AuditEntry.objects.filter(action="service.update", record_id=str(ecoes.pk), channel="web").exists()


def test_form_errors_land_on_the_field(world: World, catalogue: Catalogue) -> None:
    c = world.client(world.platform_admin)
    loop = c.post(
        "/services/css-registration-service/edit/",
        {
            "name": "CSS registration service",
            "provider": world.provider.pk,
            "calendar": catalogue.always.pk,
            "depends_on": [catalogue.uk_link.pk],
            "is_active": "on",
        },
    )
    assert loop.status_code == 422
    assert "dependency would make a loop" in loop.context["form"].errors["depends_on"][0]
    clash = c.post(
        "/services/new/", {"name": "UK Link", "provider": world.provider.pk, "calendar": catalogue.always.pk}
    )
    assert clash.status_code == 422 and "already exists" in clash.context["form"].errors["name"][0]


@pytest.mark.parametrize("who", ["user_a", "admin_a", "analyst", "resolver"])
def test_editing_is_refused_to_others(world: World, catalogue: Catalogue, who: str) -> None:
    c = world.client(getattr(world, who))
    assert c.get("/services/new/").status_code == 403
    assert c.post("/services/new/", {"name": "X"}).status_code == 403
    assert c.get("/services/uk-link/edit/").status_code == 403
    assert c.post("/services/uk-link/status/", {"status": "outage"}).status_code == 403
    catalogue.uk_link.refresh_from_db()
    assert catalogue.uk_link.status == "operational" and not Service.objects.filter(name="X").exists()


def test_set_status_from_the_page(world: World, catalogue: Catalogue) -> None:
    c = world.client(world.ops)
    response = c.post(
        "/services/uk-link/status/", {"status": "maintenance", "note": "Release 4.2"}, follow=True
    )
    assert b"UK Link is now planned maintenance." in response.content
    assert AuditEntry.objects.get(action="service.status").note == "Release 4.2"
    again = c.post("/services/uk-link/status/", {"status": "maintenance", "note": "Release 4.2"}, follow=True)
    assert b"already planned maintenance" in again.content
    assert c.get("/services/uk-link/status/").status_code == 405

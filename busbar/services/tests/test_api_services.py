"""API: services — read by everyone signed in, changed by catalogue managers; filters; problem details."""

import pytest

from busbar.audit.models import AuditEntry
from busbar.conftest import World
from busbar.lib.actions import Actor
from busbar.services import actions
from busbar.services.models import Service
from busbar.services.tests.conftest import Catalogue

pytestmark = pytest.mark.django_db


def _names(body: dict) -> list[str]:
    return [s["name"] for s in body["items"]]


def test_anonymous_gets_401(catalogue: Catalogue, client) -> None:
    for path in ("/api/v1/services", f"/api/v1/services/{catalogue.css.pk}"):
        response = client.get(path)
        assert response.status_code == 401
        assert response["Content-Type"] == "application/problem+json"
    assert client.post("/api/v1/services", {}, content_type="application/json").status_code == 401


def test_participant_reads_active_services_only(world: World, catalogue: Catalogue) -> None:
    actions.update_service(actor=Actor.system(), service=catalogue.uk_link, is_active=False)
    c = world.client(world.user_a)
    body = c.get("/api/v1/services").json()
    assert _names(body) == ["CSS registration service", "Switching portal"]
    assert c.get(f"/api/v1/services/{catalogue.uk_link.pk}").status_code == 404  # invisible, not forbidden
    detail = c.get(f"/api/v1/services/{catalogue.css.pk}").json()
    assert detail["provider"]["name"] == "CSS Provider"
    assert [s["name"] for s in detail["components"]] == ["Switching portal"]
    assert detail["dependants"] == []  # UK Link depends on CSS, but the participant cannot see UK Link
    assert detail["sla_policy"]["name"] == "REC default" and detail["status"] == "operational"
    # The desk sees the inactive service and both directions of the dependency.
    desk = world.client(world.analyst)
    assert "UK Link" in _names(desk.get("/api/v1/services").json())
    detail = desk.get(f"/api/v1/services/{catalogue.css.pk}").json()
    assert [s["name"] for s in detail["dependants"]] == ["UK Link"]
    uk = desk.get(f"/api/v1/services/{catalogue.uk_link.pk}").json()
    assert [s["slug"] for s in uk["depends_on"]] == ["css-registration-service"]


def test_filters(world: World, catalogue: Catalogue) -> None:
    actions.set_service_status(actor=Actor.system(), service=catalogue.portal, status="outage")
    c = world.client(world.user_b)
    assert _names(c.get("/api/v1/services?q=portal").json()) == ["Switching portal"]
    assert _names(c.get(f"/api/v1/services?provider={catalogue.xoserve.pk}").json()) == ["UK Link"]
    assert _names(c.get("/api/v1/services?status=outage").json()) == ["Switching portal"]
    assert _names(c.get(f"/api/v1/services?parent={catalogue.css.pk}").json()) == ["Switching portal"]
    assert _names(c.get("/api/v1/services?top_level=true").json()) == ["CSS registration service", "UK Link"]
    bad = c.get("/api/v1/services?status=sideways")
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "status"


def _payload(world: World, catalogue: Catalogue, **extra) -> dict:
    return {
        "name": "ECOES",
        "description": "Electricity enquiry",
        "provider": world.provider.pk,
        "calendar": catalogue.working.pk,
        "depends_on": [catalogue.css.pk],
        **extra,
    }


@pytest.mark.parametrize("who", ["ops", "platform_admin"])
def test_catalogue_managers_create_patch_and_set_status(world: World, catalogue: Catalogue, who: str) -> None:
    c = world.client(getattr(world, who))
    response = c.post("/api/v1/services", _payload(world, catalogue), content_type="application/json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["slug"] == "ecoes" and body["sla_policy"]["name"] == "REC default"
    assert [s["name"] for s in body["depends_on"]] == ["CSS registration service"]
    sid = body["id"]
    patched = c.patch(
        f"/api/v1/services/{sid}",
        {"parent": catalogue.css.pk, "depends_on": []},
        content_type="application/json",
    ).json()
    assert patched["parent"]["name"] == "CSS registration service" and patched["depends_on"] == []
    top = c.patch(f"/api/v1/services/{sid}", {"parent": None}, content_type="application/json").json()
    assert top["parent"] is None
    status = c.post(
        f"/api/v1/services/{sid}/status",
        {"status": "degraded", "note": "Slow"},
        content_type="application/json",
    )
    assert status.status_code == 200 and status.json()["status"] == "degraded"
    entries = AuditEntry.objects.filter(record_id=str(sid), action__startswith="service.").order_by("id")
    assert [e.channel for e in entries] == ["api"] * 4
    assert entries.last().note == "Slow"


@pytest.mark.parametrize("who", ["user_a", "admin_a", "analyst", "resolver"])
def test_others_are_refused_with_403(world: World, catalogue: Catalogue, who: str) -> None:
    c = world.client(getattr(world, who))
    response = c.post("/api/v1/services", _payload(world, catalogue), content_type="application/json")
    assert response.status_code == 403 and response["Content-Type"] == "application/problem+json"
    assert (
        c.patch(
            f"/api/v1/services/{catalogue.css.pk}", {"description": "x"}, content_type="application/json"
        ).status_code
        == 403
    )
    assert (
        c.post(
            f"/api/v1/services/{catalogue.css.pk}/status",
            {"status": "outage"},
            content_type="application/json",
        ).status_code
        == 403
    )
    assert not Service.objects.filter(name="ECOES").exists()
    catalogue.css.refresh_from_db()
    assert catalogue.css.status == "operational"


def test_input_errors_name_the_field(world: World, catalogue: Catalogue) -> None:
    c = world.client(world.ops)
    cases = [
        (_payload(world, catalogue, provider=world.org_a.pk), 422, "provider"),
        (_payload(world, catalogue, provider=999999), 422, "provider"),
        (_payload(world, catalogue, calendar=999999), 422, "calendar"),
        (_payload(world, catalogue, depends_on=[catalogue.css.pk, 999999]), 422, "depends_on.1"),
        (_payload(world, catalogue, name="UK Link"), 409, "name"),
        ({"name": "No provider"}, 422, "provider"),
    ]
    for payload, status, field in cases:
        response = c.post("/api/v1/services", payload, content_type="application/json")
        assert response.status_code == status, (payload, response.content)
        assert response.json()["errors"][0]["field"] == field
    loop = c.patch(
        f"/api/v1/services/{catalogue.css.pk}",
        {"depends_on": [catalogue.uk_link.pk]},
        content_type="application/json",
    )
    assert loop.status_code == 422 and loop.json()["errors"][0]["field"] == "depends_on"
    assert "UK Link" in loop.json()["detail"]
    same = c.post(
        f"/api/v1/services/{catalogue.css.pk}/status",
        {"status": "operational"},
        content_type="application/json",
    )
    assert same.status_code == 422 and same.json()["errors"][0]["field"] == "status"


def test_patch_of_an_unknown_service_is_404(world: World, catalogue: Catalogue) -> None:
    response = world.client(world.ops).patch(
        "/api/v1/services/999999", {"name": "x"}, content_type="application/json"
    )
    assert response.status_code == 404

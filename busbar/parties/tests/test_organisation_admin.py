"""Platform administrators manage organisations; nobody else can."""

import pytest

from busbar.audit.models import AuditEntry
from busbar.conftest import World
from busbar.parties.models import Organisation

pytestmark = pytest.mark.django_db

NEW_ORG = {
    "name": "Charlie Supply",
    "roles": ["energy_supplier"],
    "identifiers": [{"scheme": "mpid", "value": "chrl"}],
}


def test_platform_admin_creates_organisation_by_api(world: World) -> None:
    response = world.client(world.platform_admin).post(
        "/api/v1/organisations", NEW_ORG, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["roles"] == ["energy_supplier"] and body["identifiers"] == [
        {"scheme": "mpid", "value": "CHRL"}
    ]
    entry = AuditEntry.objects.get(action="organisation.create", record_id=str(body["id"]))
    assert entry.actor == world.platform_admin and entry.channel == "api"
    assert entry.changes["name"] == [None, "Charlie Supply"]


@pytest.mark.parametrize("who", ["user_a", "admin_a", "analyst", "resolver"])
def test_others_cannot_create_organisations(world: World, who: str) -> None:
    response = world.client(getattr(world, who)).post(
        "/api/v1/organisations", NEW_ORG, content_type="application/json"
    )
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    assert not Organisation.objects.filter(name="Charlie Supply").exists()


def test_duplicate_identifier_is_a_conflict_naming_the_field(world: World) -> None:
    payload = {**NEW_ORG, "identifiers": [{"scheme": "mpid", "value": "ALPH"}]}
    response = world.client(world.platform_admin).post(
        "/api/v1/organisations", payload, content_type="application/json"
    )
    assert response.status_code == 409
    assert response.json()["errors"][0]["field"] == "identifiers"
    assert "Alpha Energy" in response.json()["detail"]
    assert not Organisation.objects.filter(name="Charlie Supply").exists()  # nothing half-written


def test_unknown_role_rejected_with_field(world: World) -> None:
    payload = {**NEW_ORG, "roles": ["wizard"]}
    response = world.client(world.platform_admin).post(
        "/api/v1/organisations", payload, content_type="application/json"
    )
    assert response.status_code == 422
    assert any(e["field"].startswith("roles") for e in response.json()["errors"])


def test_patch_updates_and_journals_before_after(world: World) -> None:
    c = world.client(world.platform_admin)
    response = c.patch(
        f"/api/v1/organisations/{world.org_a.pk}",
        {"name": "Alpha Energy Ltd", "is_active": False},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["name"] == "Alpha Energy Ltd"
    assert response.json()["is_active"] is False
    update = AuditEntry.objects.get(action="organisation.update", record_id=str(world.org_a.pk))
    assert update.changes == {"name": ["Alpha Energy", "Alpha Energy Ltd"]}
    assert AuditEntry.objects.filter(action="organisation.deactivate", record_id=str(world.org_a.pk)).exists()


def test_patch_denied_for_org_admin(world: World) -> None:
    response = world.client(world.admin_a).patch(
        f"/api/v1/organisations/{world.org_a.pk}", {"name": "Mine now"}, content_type="application/json"
    )
    assert response.status_code == 403
    world.org_a.refresh_from_db()
    assert world.org_a.name == "Alpha Energy"


def test_web_create_and_edit(world: World) -> None:
    c = world.client(world.platform_admin)
    assert c.get("/organisations/new/").status_code == 200
    response = c.post(
        "/organisations/new/",
        {
            "name": "Delta Metering",
            "roles": ["supplier_agent"],
            "identifiers": "mpid:DLTM",
            "contact_email": "",
        },
    )
    assert response.status_code == 302
    org = Organisation.objects.get(name="Delta Metering")
    assert org.identifiers.get().value == "DLTM"
    bad = c.post(
        f"/organisations/{org.pk}/edit/", {"name": "", "roles": ["supplier_agent"], "identifiers": "nonsense"}
    )
    assert bad.status_code == 422
    assert b"Line 1" in bad.content


def test_web_create_denied(world: World) -> None:
    assert world.client(world.user_a).get("/organisations/new/").status_code == 403
    assert (
        world.client(world.analyst).post("/organisations/new/", {"name": "X", "roles": ["dno"]}).status_code
        == 403
    )
    assert world.client(world.admin_a).get(f"/organisations/{world.org_a.pk}/edit/").status_code == 403


def test_list_filters(world: World) -> None:
    c = world.client(world.user_a)
    names = [o["name"] for o in c.get("/api/v1/organisations?role=css_provider").json()["items"]]
    assert names == ["CSS Provider"]
    names = [o["name"] for o in c.get("/api/v1/organisations?q=bravo").json()["items"]]
    assert names == ["Bravo Energy"]
    page = c.get("/organisations/?q=ALPH")
    assert b"Alpha Energy" in page.content and b"Bravo Energy" not in page.content

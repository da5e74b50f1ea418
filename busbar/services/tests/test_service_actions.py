"""Services: who may change the catalogue, validation naming the field at fault, and the journal."""

import pytest

from busbar.audit.models import AuditEntry
from busbar.conftest import World, make_org
from busbar.lib.actions import ActionError, Actor, Conflict, NotPermitted
from busbar.parties.models import IndustryRole
from busbar.services import actions
from busbar.services.models import Service
from busbar.services.tests.conftest import Catalogue, actor

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("who", ["platform_admin", "ops"])
def test_platform_admin_and_operations_manager_create_services(
    world: World, catalogue: Catalogue, who: str
) -> None:
    service = actions.create_service(
        actor=actor(getattr(world, who)),
        name="ECOES",
        provider=catalogue.xoserve,
        calendar=catalogue.working,
        description="Electricity enquiry service",
        depends_on=[catalogue.css],
    )
    assert service.slug == "ecoes"
    assert service.sla_policy == catalogue.default  # no policy given: the default
    assert service.status == Service.Status.OPERATIONAL
    entry = AuditEntry.objects.get(action="service.create", record_id=str(service.pk))
    assert entry.actor == getattr(world, who)
    assert entry.owner_organisation == catalogue.xoserve
    assert entry.changes["name"] == [None, "ECOES"]
    assert entry.changes["depends_on"] == [None, ["CSS registration service"]]
    assert entry.changes["sla_policy"] == [None, "REC default"]


@pytest.mark.parametrize("who", ["user_a", "admin_a", "analyst", "resolver"])
def test_everyone_else_is_refused(world: World, catalogue: Catalogue, who: str) -> None:
    user = getattr(world, who)
    with pytest.raises(NotPermitted):
        actions.create_service(
            actor=actor(user), name="X", provider=world.provider, calendar=catalogue.always
        )
    with pytest.raises(NotPermitted):
        actions.update_service(actor=actor(user), service=catalogue.css, description="changed")
    with pytest.raises(NotPermitted):
        actions.set_service_status(actor=actor(user), service=catalogue.css, status="outage")
    assert not Service.objects.filter(name="X").exists()
    catalogue.css.refresh_from_db()
    assert catalogue.css.status == "operational" and catalogue.css.description == ""


def test_provider_must_hold_a_provider_role(world: World, catalogue: Catalogue) -> None:
    with pytest.raises(ActionError) as exc:
        actions.create_service(
            actor=actor(world.ops), name="Alpha's service", provider=world.org_a, calendar=catalogue.always
        )
    assert exc.value.field == "provider" and "provider role" in exc.value.message
    with pytest.raises(ActionError) as exc:
        actions.update_service(actor=actor(world.ops), service=catalogue.css, provider=world.operator)
    assert exc.value.field == "provider"


def test_names_and_short_names_are_unique(world: World, catalogue: Catalogue) -> None:
    with pytest.raises(Conflict) as exc:
        actions.create_service(
            actor=actor(world.ops), name="uk link", provider=catalogue.xoserve, calendar=catalogue.always
        )
    assert exc.value.field == "name"
    with pytest.raises(Conflict) as exc:
        actions.create_service(
            actor=actor(world.ops),
            name="UK Link 2",
            slug="uk-link",
            provider=catalogue.xoserve,
            calendar=catalogue.always,
        )
    assert exc.value.field == "slug"
    with pytest.raises(ActionError) as exc:
        actions.create_service(
            actor=actor(world.ops), name="  ", provider=world.provider, calendar=catalogue.always
        )
    assert exc.value.field == "name"
    with pytest.raises(ActionError) as exc:  # /services/new/ is the create page
        actions.create_service(
            actor=actor(world.ops), name="New", provider=world.provider, calendar=catalogue.always
        )
    assert exc.value.field == "slug" and "reserved" in exc.value.message


def test_dependencies_cannot_make_a_loop(world: World, catalogue: Catalogue) -> None:
    des = actions.create_service(
        actor=actor(world.ops),
        name="DES",
        provider=catalogue.xoserve,
        calendar=catalogue.always,
        depends_on=[catalogue.uk_link],
    )
    # DES → UK Link → CSS; CSS depending on DES would close the loop.
    with pytest.raises(ActionError) as exc:
        actions.update_service(actor=actor(world.ops), service=catalogue.css, depends_on=[des])
    assert exc.value.field == "depends_on"
    assert "CSS registration service → DES → UK Link → CSS registration service" in exc.value.message
    with pytest.raises(ActionError) as exc:
        actions.update_service(actor=actor(world.ops), service=des, depends_on=[des])
    assert exc.value.field == "depends_on"
    assert list(catalogue.css.depends_on.all()) == []
    # Replacing DES's own dependencies is fine (its old edge is not counted against it).
    actions.update_service(actor=actor(world.ops), service=des, depends_on=[catalogue.css])
    assert list(des.depends_on.all()) == [catalogue.css]


def test_components_cannot_contain_themselves(world: World, catalogue: Catalogue) -> None:
    with pytest.raises(ActionError) as exc:
        actions.update_service(actor=actor(world.ops), service=catalogue.css, parent=catalogue.portal)
    assert exc.value.field == "parent" and "component of itself" in exc.value.message
    with pytest.raises(ActionError) as exc:
        actions.update_service(actor=actor(world.ops), service=catalogue.css, parent=catalogue.css)
    assert exc.value.field == "parent"
    # parent=None makes a component top-level; leaving parent out keeps it.
    actions.update_service(actor=actor(world.ops), service=catalogue.portal, description="Portal")
    catalogue.portal.refresh_from_db()
    assert catalogue.portal.parent == catalogue.css
    actions.update_service(actor=actor(world.ops), service=catalogue.portal, parent=None)
    catalogue.portal.refresh_from_db()
    assert catalogue.portal.parent is None


def test_update_journals_before_and_after(world: World, catalogue: Catalogue) -> None:
    actions.update_service(
        actor=actor(world.platform_admin),
        service=catalogue.uk_link,
        name="UK Link (gas)",
        is_active=False,
        depends_on=[],
    )
    entry = AuditEntry.objects.get(action="service.update")
    assert entry.changes == {
        "name": ["UK Link", "UK Link (gas)"],
        "is_active": [True, False],
        "depends_on": [["CSS registration service"], []],
    }
    assert entry.owner_organisation == catalogue.xoserve
    with pytest.raises(ActionError):
        actions.update_service(
            actor=actor(world.platform_admin), service=catalogue.uk_link, name="UK Link (gas)"
        )


def test_set_status(world: World, catalogue: Catalogue) -> None:
    actions.set_service_status(actor=actor(world.ops), service=catalogue.css, status="degraded", note="Slow")
    entry = AuditEntry.objects.get(action="service.status")
    assert entry.changes == {"status": ["operational", "degraded"]} and entry.note == "Slow"
    ops, css = actor(world.ops), catalogue.css
    with pytest.raises(ActionError) as exc:
        actions.set_service_status(actor=ops, service=css, status="degraded", note="Slow")
    assert exc.value.field == "status"
    # The same status with a new note changes the note shown on the board.
    actions.set_service_status(actor=ops, service=css, status="degraded", note="Better")
    css.refresh_from_db()
    assert css.status_note == "Better"
    latest = AuditEntry.objects.filter(action="service.status").order_by("-id").first()
    assert latest.changes == {"status_note": ["Slow", "Better"]}
    with pytest.raises(ActionError) as exc:
        actions.set_service_status(actor=actor(world.ops), service=catalogue.css, status="on fire")
    assert exc.value.field == "status"


def test_no_default_policy_names_the_field(world: World, catalogue: Catalogue) -> None:
    from busbar.services.models import SlaPolicy

    SlaPolicy.objects.update(is_default=False)
    with pytest.raises(ActionError) as exc:
        actions.create_service(
            actor=Actor.system(), name="Y", provider=world.provider, calendar=catalogue.always
        )
    assert exc.value.field == "sla_policy"


def test_inactive_provider_is_refused(world: World, catalogue: Catalogue) -> None:
    gone = make_org("Old DCC", [IndustryRole.DCC_DSP])
    gone.is_active = False
    gone.save()
    with pytest.raises(ActionError) as exc:
        actions.create_service(actor=actor(world.ops), name="Z", provider=gone, calendar=catalogue.always)
    assert exc.value.field == "provider"

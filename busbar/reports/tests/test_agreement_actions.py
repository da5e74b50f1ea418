"""Agreement actions: the desk creates SLAs and OLAs and their targets; providers and participants are
refused; every bad value is refused naming its field with nothing written; each change is journalled."""

import datetime as dt
from decimal import Decimal

import pytest

from busbar.audit.models import AuditEntry
from busbar.lib.actions import ActionError, Actor, Conflict, NotPermitted
from busbar.reports.actions import agreements as actions
from busbar.reports.models import Agreement, AgreementTarget

pytestmark = pytest.mark.django_db

START = dt.date(2027, 1, 1)


def _ola(world, user=None):
    return actions.create_agreement(
        actor=Actor(user=user or world.analyst),
        kind="ola",
        name="OLA CSS Provider",
        provider=world.provider,
        starts_on=START,
    )


def test_desk_creates_agreements_and_targets_journalled(world):
    sla = actions.create_agreement(
        actor=Actor(user=world.ops), kind="sla", name="End to end", starts_on=START
    )
    ola = _ola(world)
    target = actions.add_target(
        actor=Actor(user=world.analyst), agreement=ola, kpi="resolution_time", severity_code="2", value="480"
    )
    assert target.value == Decimal("480.000") and target.severity_code == "2"
    actions.update_target(actor=Actor(user=world.analyst), target=target, value=Decimal("420.5"))
    assert AgreementTarget.objects.get(pk=target.pk).value == Decimal("420.500")
    actions.update_agreement(actor=Actor(user=world.ops), agreement=sla, ends_on=dt.date(2027, 12, 31))
    assert Agreement.objects.get(pk=sla.pk).ends_on == dt.date(2027, 12, 31)
    actions.remove_target(actor=Actor(user=world.ops), target=target)
    assert not AgreementTarget.objects.filter(pk=target.pk).exists()
    done = list(
        AuditEntry.objects.filter(record_id__in=[str(sla.pk), str(ola.pk)], action__startswith="agreement.")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert done == [
        "agreement.create",
        "agreement.create",
        "agreement.target_add",
        "agreement.target_update",
        "agreement.update",
        "agreement.target_remove",
    ]


@pytest.mark.parametrize("who", ["resolver", "user_a", "admin_a"])
def test_provider_and_participants_are_refused(world, who):
    ola = _ola(world)
    target = actions.add_target(actor=Actor(user=world.analyst), agreement=ola, kpi="incidents", value=5)
    user = getattr(world, who)
    with pytest.raises(NotPermitted):
        actions.create_agreement(actor=Actor(user=user), kind="sla", name="Mine", starts_on=START)
    with pytest.raises(NotPermitted):
        actions.update_agreement(actor=Actor(user=user), agreement=ola, name="Changed")
    with pytest.raises(NotPermitted):
        actions.add_target(actor=Actor(user=user), agreement=ola, kpi="escalations", value=1)
    with pytest.raises(NotPermitted):
        actions.update_target(actor=Actor(user=user), target=target, value=1)
    with pytest.raises(NotPermitted):
        actions.remove_target(actor=Actor(user=user), target=target)
    assert Agreement.objects.count() == 1
    assert list(AgreementTarget.objects.values_list("kpi", "value")) == [("incidents", Decimal("5.000"))]
    assert Agreement.objects.get().name == "OLA CSS Provider"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"kind": "xla"}, "kind"),
        ({"name": "  "}, "name"),
        ({"name": "x" * 151}, "name"),
        ({"kind": "sla", "provider": "provider"}, "provider"),
        ({"kind": "ola", "provider": None}, "provider"),
        ({"kind": "ola", "provider": "org_a"}, "provider"),  # a participant, not a provider
        ({"starts_on": None}, "starts_on"),
        ({"ends_on": dt.date(2026, 12, 31)}, "ends_on"),
        ({"starts_on": dt.date(2300, 1, 1)}, "starts_on"),
        ({"notes": "x" * 5001}, "notes"),
    ],
)
def test_bad_agreements_name_the_field(world, kwargs, field):
    values = {"kind": "ola", "name": "OLA", "provider": "provider", "starts_on": START} | kwargs
    if isinstance(values.get("provider"), str):
        values["provider"] = getattr(world, values["provider"])
    with pytest.raises(ActionError) as caught:
        actions.create_agreement(actor=Actor(user=world.analyst), **values)
    assert caught.value.field == field
    assert not Agreement.objects.exists()


def test_ola_has_no_service(world):
    from busbar.services import actions as service_actions
    from busbar.services.models import Calendar

    service = service_actions.create_service(
        actor=Actor.system(),
        name="CSS",
        slug="css-a",
        provider=world.provider,
        calendar=Calendar.objects.get(name="24x7"),
    )
    with pytest.raises(ActionError) as caught:
        actions.create_agreement(
            actor=Actor(user=world.analyst),
            kind="ola",
            name="OLA",
            provider=world.provider,
            service=service,
            starts_on=START,
        )
    assert caught.value.field == "service"


@pytest.mark.parametrize(
    ("kpi", "severity", "value", "field"),
    [
        ("speed", "", 1, "kpi"),
        ("resolution_time", "9", 1, "severity"),
        ("availability", "1", 99, "severity"),  # a service KPI has no severity
        ("availability", "", Decimal("100.001"), "value"),
        ("availability", "", -1, "value"),
        ("incidents", "", 10_000_001, "value"),
        ("response_time", "", "ten", "value"),
        ("response_time", "", "NaN", "value"),
        ("response_time", "", "", "value"),
    ],
)
def test_bad_targets_name_the_field(world, kpi, severity, value, field):
    ola = _ola(world)
    with pytest.raises(ActionError) as caught:
        actions.add_target(
            actor=Actor(user=world.analyst), agreement=ola, kpi=kpi, severity_code=severity, value=value
        )
    assert caught.value.field == field
    assert not AgreementTarget.objects.exists()
    assert not AuditEntry.objects.filter(action="agreement.target_add").exists()


def test_bounds_accepted_and_duplicate_target_conflicts(world):
    ola = _ola(world)
    desk = Actor(user=world.analyst)
    actions.add_target(actor=desk, agreement=ola, kpi="availability", value=100)
    actions.add_target(actor=desk, agreement=ola, kpi="incidents", value=10_000_000)
    actions.add_target(actor=desk, agreement=ola, kpi="escalations", value=0)
    with pytest.raises(Conflict) as caught:
        actions.add_target(actor=desk, agreement=ola, kpi="incidents", value=3)
    assert caught.value.field == "kpi"
    assert AgreementTarget.objects.get(kpi="incidents").value == Decimal("10000000.000")
    target = AgreementTarget.objects.get(kpi="availability")
    with pytest.raises(ActionError) as caught:
        actions.update_target(actor=desk, target=target, value=101)
    assert caught.value.field == "value"
    assert AgreementTarget.objects.get(pk=target.pk).value == Decimal(100)

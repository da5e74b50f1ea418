"""targets.judge: a provider slice against its OLA (severity first), a service against its SLA, end to end
against the end-to-end SLA; only agreements in force in the month; the most recently started wins."""

import datetime as dt
from decimal import Decimal

import pytest

from busbar.lib.actions import Actor
from busbar.reports import targets
from busbar.reports.models import Agreement, AgreementTarget
from busbar.services import actions as service_actions
from busbar.services.models import Calendar

pytestmark = pytest.mark.django_db

MAY = dt.date(2027, 5, 1)


def _agreement(kind, name, *, starts=dt.date(2027, 1, 1), ends=None, service=None, provider=None, **tg):
    agreement = Agreement.objects.create(
        kind=kind, name=name, service=service, provider=provider, starts_on=starts, ends_on=ends
    )
    for key, value in tg.items():
        kpi, _, severity = key.partition("__")
        AgreementTarget.objects.create(agreement=agreement, kpi=kpi, severity_code=severity, value=value)
    return agreement


@pytest.fixture
def service(world):
    return service_actions.create_service(
        actor=Actor.system(),
        name="CSS",
        slug="css-t",
        provider=world.provider,
        calendar=Calendar.objects.get(name="24x7"),
    )


def test_provider_slice_uses_its_ola_severity_target_first(world, service):
    ola = _agreement("ola", "OLA CSS", provider=world.provider, resolution_time=600, resolution_time__2=480)
    _agreement("sla", "E2E", resolution_time=900)
    book = targets.load(MAY, MAY)
    sev2 = book.judge("resolution_time", Decimal(500), month=MAY, provider_id=world.provider.pk, severity="2")
    assert (sev2.target, sev2.met, sev2.kind, sev2.agreement_id) == (Decimal(480), False, "ola", ola.pk)
    assert sev2.label == "missed"
    sev3 = book.judge("resolution_time", Decimal(500), month=MAY, provider_id=world.provider.pk, severity="3")
    assert (sev3.target, sev3.met, sev3.agreement) == (Decimal(600), True, "OLA CSS")
    # another provider has no OLA: no target, never the SLA's
    other = book.judge("resolution_time", Decimal(500), month=MAY, provider_id=world.org_a.pk)
    assert other == targets.NO_TARGET


def test_service_and_end_to_end_slices_use_slas(world, service):
    _agreement("sla", "CSS SLA", service=service, availability=Decimal("99.5"))
    _agreement("sla", "E2E", availability=Decimal("99.0"), resolved_in_sla=90)
    book = targets.load(MAY, MAY)
    by_service = book.judge("availability", Decimal("99.2"), month=MAY, service_id=service.pk)
    assert (by_service.target, by_service.met, by_service.kind) == (Decimal("99.5"), False, "sla")
    e2e = book.judge("availability", Decimal("99.2"), month=MAY)
    assert (e2e.target, e2e.met, e2e.agreement) == (Decimal("99.0"), True, "E2E")
    # higher is better for resolved_in_sla; no value: no verdict but the target is shown
    assert book.judge("resolved_in_sla", None, month=MAY).met is None
    assert book.judge("resolved_in_sla", None, month=MAY).target == Decimal(90)
    # no target for the KPI at all
    assert book.judge("incidents", Decimal(3), month=MAY).target is None


def test_only_agreements_in_force_and_most_recent_wins(world):
    _agreement("sla", "Old", starts=dt.date(2026, 1, 1), ends=dt.date(2027, 4, 30), response_time=60)
    _agreement("sla", "Current", starts=dt.date(2027, 5, 31), response_time=30)
    _agreement("sla", "Earlier current", starts=dt.date(2027, 2, 1), response_time=45)
    _agreement("sla", "Future", starts=dt.date(2027, 7, 1), response_time=10)
    book = targets.load(dt.date(2027, 3, 1), dt.date(2027, 6, 1))
    assert book.judge("response_time", Decimal(40), month=dt.date(2027, 3, 1)).agreement == "Earlier current"
    # in April "Old" (ends 30 April) and "Earlier current" are in force: the more recently started wins
    assert book.judge("response_time", Decimal(40), month=dt.date(2027, 4, 1)).target == Decimal(45)
    may = book.judge("response_time", Decimal(40), month=MAY)
    assert (may.agreement, may.met) == ("Current", False)  # starts on 31 May: in force for May
    assert "Future" not in {a.name for a in book.agreements}


def test_load_takes_two_queries(world, django_assert_num_queries):
    for n in range(5):
        _agreement("sla", f"SLA {n}", response_time=30 + n, resolution_time__1=240)
    with django_assert_num_queries(2):
        book = targets.load(MAY, MAY)
        judged = [book.judge("resolution_time", Decimal(200), month=MAY, severity=s) for s in "1234"]
    assert [j.met for j in judged] == [True, None, None, None]

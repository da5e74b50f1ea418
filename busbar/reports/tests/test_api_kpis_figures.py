"""GET /api/v1/kpis: the figures of the hand-computed world, each judged against its target: a provider
slice against the provider's OLA (its severity-2 target first), end to end against the end-to-end SLA,
each month against the agreements in force that month."""

import datetime as dt
from decimal import Decimal

import pytest

from busbar.lib.actions import Actor
from busbar.reports.actions import agreements as actions

pytestmark = pytest.mark.django_db
API = "/api/v1/kpis"


@pytest.fixture
def agreed(slm):
    desk = Actor(user=slm.desk)
    e2e = actions.create_agreement(actor=desk, kind="sla", name="End to end", starts_on=dt.date(2027, 1, 1))
    actions.add_target(actor=desk, agreement=e2e, kpi="resolution_time", value=900)
    actions.add_target(actor=desk, agreement=e2e, kpi="incidents", value=5)
    gas = actions.create_agreement(
        actor=desk, kind="ola", name="OLA Gas CDS", provider=slm.gas_org, starts_on=dt.date(2027, 5, 1)
    )
    actions.add_target(actor=desk, agreement=gas, kpi="resolution_time", severity_code="2", value=960)
    actions.add_target(actor=desk, agreement=gas, kpi="resolution_time", value=2000)
    return e2e, gas


def test_end_to_end_may_against_the_sla(slm, agreed):
    response = slm.client(slm.ops).get(
        API, {"from": "2027-05", "to": "2027-05", "kpi": "incidents,resolution_time"}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["kpis"] == ["incidents", "resolution_time"] and body["start"] == "2027-05-01"
    [row] = body["rows"]
    assert row["key"] == {}
    incidents = row["values"]["incidents"]
    assert (Decimal(incidents["value"]), incidents["count"]) == (6, 6)
    assert (Decimal(incidents["target"]), incidents["met"], incidents["agreement"]) == (
        5,
        False,
        "End to end",
    )
    resolution = row["values"]["resolution_time"]
    assert Decimal(resolution["value"]) == Decimal("806.3") and resolution["count"] == 4
    assert resolution["met"] is True and resolution["agreement_kind"] == "sla"


def test_provider_missing_its_ola_for_severity_2(slm, agreed):
    response = slm.client(slm.desk).get(
        API, {"from": "2027-05", "kpi": "resolution_time", "to": "2027-05", "group_by": "provider,severity"}
    )
    assert response.status_code == 200, response.content
    rows = {
        (r["key"]["provider"], r["key"]["severity"]): r["values"]["resolution_time"]
        for r in response.json()["rows"]
    }
    gas2 = rows[(slm.gas_org.pk, "2")]
    assert (Decimal(gas2["value"]), Decimal(gas2["target"]), gas2["met"]) == (1800, 960, False)
    assert gas2["agreement"] == "OLA Gas CDS" and gas2["agreement_kind"] == "ola"
    # CSS Provider has no OLA: its figures carry no target (never the SLA's)
    css2 = rows[(slm.world.provider.pk, "2")]
    assert Decimal(css2["value"]) == Decimal("607.5") and css2["target"] is None and css2["met"] is None


def test_by_month_each_month_against_the_agreements_then_in_force(slm, agreed):
    response = slm.client(slm.desk).get(
        API,
        {
            "from": "2027-04",
            "to": "2027-05",
            "kpi": "resolution_time",
            "provider": slm.gas_org.pk,
            "group_by": "month",
        },
    )
    assert response.status_code == 200, response.content
    rows = {r["key"]["month"]: r["values"]["resolution_time"] for r in response.json()["rows"]}
    assert rows["2027-04-01"]["target"] is None  # the OLA starts in May
    assert (Decimal(rows["2027-05-01"]["target"]), rows["2027-05-01"]["met"]) == (2000, True)


def test_definitions_list_the_ten(slm):
    response = slm.client(slm.alpha).get(f"{API}/definitions")
    assert response.status_code == 200
    codes = [d["code"] for d in response.json()]
    assert len(codes) == 10 and "resolved_in_sla" in codes


def test_query_count_is_fixed(slm, agreed, django_assert_max_num_queries):
    client = slm.client(slm.desk)
    client.get(API)  # warm the session
    with django_assert_max_num_queries(25):
        response = client.get(
            API, {"from": "2026-06", "to": "2027-06", "group_by": "month,provider,severity"}
        )
    assert response.status_code == 200 and len(response.json()["rows"]) >= 5

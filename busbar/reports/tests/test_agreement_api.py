"""/api/v1/service-levels: every signed-in person reads the SLAs, an OLA only the desk and its provider
(404 otherwise); the desk creates and changes agreements and targets (403 for anyone else); bad input is a
422 naming the field with nothing written; the detail measures each target against the month."""

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client

from busbar.lib.actions import Actor
from busbar.reports.actions import agreements as actions
from busbar.reports.models import Agreement, AgreementTarget

pytestmark = pytest.mark.django_db
API = "/api/v1/service-levels"
PROBLEM = "application/problem+json"


@pytest.fixture
def book(slm):
    desk = Actor(user=slm.desk)
    sla = actions.create_agreement(
        actor=desk, kind="sla", name="CSS SLA", service=slm.css, starts_on=dt.date(2027, 1, 1)
    )
    actions.add_target(actor=desk, agreement=sla, kpi="resolved_in_sla", value=95)
    css = actions.create_agreement(
        actor=desk,
        kind="ola",
        name="OLA CSS Provider",
        provider=slm.world.provider,
        starts_on=dt.date(2027, 1, 1),
    )
    actions.add_target(actor=desk, agreement=css, kpi="resolution_time", severity_code="2", value=600)
    gas = actions.create_agreement(
        actor=desk, kind="ola", name="OLA Gas CDS", provider=slm.gas_org, starts_on=dt.date(2027, 1, 1)
    )
    actions.add_target(actor=desk, agreement=gas, kpi="resolution_time", severity_code="2", value=960)
    return sla, css, gas


@pytest.mark.parametrize(
    ("persona", "seen"),
    [
        ("desk", {"CSS SLA", "OLA CSS Provider", "OLA Gas CDS"}),
        ("ops", {"CSS SLA", "OLA CSS Provider", "OLA Gas CDS"}),
        ("provider", {"CSS SLA", "OLA CSS Provider"}),
        ("gas", {"CSS SLA", "OLA Gas CDS"}),
        ("alpha", {"CSS SLA"}),
    ],
)
def test_list_per_persona(slm, book, persona, seen, django_assert_max_num_queries):
    client = slm.client(getattr(slm, persona))
    client.get(API)
    with django_assert_max_num_queries(12):
        response = client.get(API)
    assert response.status_code == 200, response.content
    assert {a["name"] for a in response.json()["items"]} == seen


def test_ola_of_another_provider_is_404(slm, book):
    _sla, css, gas = book
    assert slm.client(slm.provider).get(f"{API}/{css.pk}").status_code == 200
    other = slm.client(slm.provider).get(f"{API}/{gas.pk}")
    assert other.status_code == 404 and other["Content-Type"] == PROBLEM
    assert slm.client(slm.alpha).get(f"{API}/{css.pk}").status_code == 404
    assert Client().get(API).status_code == 401


def test_detail_measures_each_target(slm, book):
    _sla, _css, gas = book
    response = slm.client(slm.gas).get(f"{API}/{gas.pk}", {"month": "2027-05"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["month"] == "2027-05-01" and body["provider"]["name"] == "Gas CDS"
    [measured] = body["measured"]
    assert (Decimal(measured["value"]), Decimal(measured["target_value"]), measured["met"]) == (
        1800,
        960,
        False,
    )
    assert body["targets"][0]["unit"] == "minutes" and body["targets"][0]["severity"] == "2"


def test_desk_creates_an_ola_with_targets(slm):
    payload = {
        "kind": "ola",
        "name": "OLA Gas CDS 2027",
        "provider": slm.gas_org.pk,
        "starts_on": "2027-01-01",
        "targets": [
            {"kpi": "resolution_time", "severity": "2", "value": 960},
            {"kpi": "response_time", "value": 30},
        ],
    }
    response = slm.client(slm.ops).post(API, payload, content_type="application/json")
    assert response.status_code == 201, response.content
    agreement = Agreement.objects.get(pk=response.json()["id"])
    assert sorted(agreement.targets.values_list("kpi", "severity_code")) == [
        ("resolution_time", "2"),
        ("response_time", ""),
    ]


@pytest.mark.parametrize("persona", ["provider", "alpha"])
def test_others_may_not_manage(slm, book, persona):
    sla, css, _gas = book
    client = slm.client(getattr(slm, persona))
    target = css.targets.get() if persona == "provider" else sla.targets.get()
    agreement = css if persona == "provider" else sla
    calls = [
        client.post(
            API, {"kind": "sla", "name": "Mine", "starts_on": "2027-01-01"}, content_type="application/json"
        ),
        client.patch(f"{API}/{agreement.pk}", {"name": "Changed"}, content_type="application/json"),
        client.post(
            f"{API}/{agreement.pk}/targets", {"kpi": "incidents", "value": 1}, content_type="application/json"
        ),
        client.patch(
            f"{API}/{agreement.pk}/targets/{target.pk}", {"value": 1}, content_type="application/json"
        ),
        client.delete(f"{API}/{agreement.pk}/targets/{target.pk}"),
    ]
    assert [r.status_code for r in calls] == [403] * 5
    assert calls[0]["Content-Type"] == PROBLEM
    assert Agreement.objects.count() == 3 and AgreementTarget.objects.count() == 3
    assert Agreement.objects.get(pk=agreement.pk).name == agreement.name


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"kind": "ola", "provider": None}, "provider"),
        ({"kind": "sla", "provider": "gas"}, "provider"),
        ({"provider": "alpha_org"}, "provider"),
        ({"provider": 99999999}, "provider"),
        ({"ends_on": "2026-12-31"}, "ends_on"),
        ({"starts_on": "2300-01-01"}, "starts_on"),
        ({"name": "x" * 151}, "name"),
        ({"kind": "xla"}, "kind"),
        ({"colour": "red"}, "colour"),
        (
            {"targets": [{"kpi": "incidents", "value": 3}, {"kpi": "availability", "value": 101}]},
            "targets[1].value",
        ),
        ({"targets": [{"kpi": "resolution_time", "severity": "9", "value": 3}]}, "targets[0].severity"),
        ({"targets": [{"kpi": "speed", "value": 3}]}, "targets.0.kpi"),
        ({"targets": [{"kpi": "incidents", "value": -1}]}, "targets.0.value"),
    ],
)
def test_bad_input_is_422_naming_the_field_nothing_written(slm, payload, field):
    body = {"kind": "ola", "name": "OLA", "provider": "gas", "starts_on": "2027-01-01"} | payload
    if body.get("provider") == "gas":
        body["provider"] = slm.gas_org.pk
    if body.get("provider") == "alpha_org":
        body["provider"] = slm.world.org_a.pk
    response = slm.client(slm.desk).post(API, body, content_type="application/json")
    assert response.status_code == 422, response.content
    assert field in [e["field"] for e in response.json()["errors"]]
    assert not Agreement.objects.exists() and not AgreementTarget.objects.exists()


def test_desk_changes_and_removes_targets(slm, book):
    sla, css, _gas = book
    client = slm.client(slm.desk)
    response = client.patch(f"{API}/{sla.pk}", {"ends_on": "2027-12-31"}, content_type="application/json")
    assert response.status_code == 200 and response.json()["ends_on"] == "2027-12-31"
    bad = client.patch(f"{API}/{sla.pk}", {"ends_on": "2026-01-01"}, content_type="application/json")
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "ends_on"
    added = client.post(
        f"{API}/{css.pk}/targets", {"kpi": "escalations", "value": 2}, content_type="application/json"
    )
    assert added.status_code == 201 and added.json()["unit"] == "count"
    again = client.post(
        f"{API}/{css.pk}/targets", {"kpi": "escalations", "value": 3}, content_type="application/json"
    )
    assert again.status_code == 409
    tid = added.json()["id"]
    changed = client.patch(f"{API}/{css.pk}/targets/{tid}", {"value": 4}, content_type="application/json")
    assert changed.status_code == 200 and Decimal(changed.json()["value"]) == 4
    assert client.delete(f"{API}/{css.pk}/targets/{tid}").status_code == 204
    assert not AgreementTarget.objects.filter(pk=tid).exists()
    # a target of another agreement is not found through this one
    other = sla.targets.get()
    assert client.delete(f"{API}/{css.pk}/targets/{other.pk}").status_code == 404

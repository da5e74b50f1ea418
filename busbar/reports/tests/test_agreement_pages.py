"""The service-level pages: SLAs for everyone signed in, an OLA only for the desk and its provider (404
otherwise); the detail shows each target met or missed this month; the desk's forms create and change
agreements and targets without JavaScript; providers and participants get the 403 page; a bad value is an
error on its field with nothing written."""

import datetime as dt

import pytest
from django.test import Client

from busbar.lib.actions import Actor
from busbar.reports.actions import agreements as actions
from busbar.reports.models import Agreement, AgreementTarget

pytestmark = pytest.mark.django_db


@pytest.fixture
def book(slm):
    desk = Actor(user=slm.desk)
    sla = actions.create_agreement(
        actor=desk, kind="sla", name="End-to-end SLA", starts_on=dt.date(2027, 1, 1)
    )
    actions.add_target(actor=desk, agreement=sla, kpi="incidents", value=10)
    gas = actions.create_agreement(
        actor=desk, kind="ola", name="Gas CDS OLA", provider=slm.gas_org, starts_on=dt.date(2027, 1, 1)
    )
    actions.add_target(actor=desk, agreement=gas, kpi="resolution_time", severity_code="2", value=960)
    return sla, gas


@pytest.mark.parametrize(
    ("persona", "sees_ola", "manages"),
    [
        ("desk", True, True),
        ("ops", True, True),
        ("gas", True, False),
        ("provider", False, False),
        ("alpha", False, False),
    ],
)
def test_list_per_persona(slm, book, persona, sees_ola, manages, django_assert_max_num_queries):
    client = slm.client(getattr(slm, persona))
    client.get("/service-levels/")
    with django_assert_max_num_queries(15):
        response = client.get("/service-levels/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "End-to-end SLA" in page
    assert ("Gas CDS OLA" in page) is sees_ola
    assert ("New SLA or OLA" in page) is manages


def test_detail_shows_met_and_missed(slm, book):
    _sla, gas = book
    response = slm.client(slm.gas).get(f"/service-levels/{gas.pk}/", {"month": "2027-05"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Missed" in page and "1800" in page and "960" in page
    assert slm.client(slm.provider).get(f"/service-levels/{gas.pk}/").status_code == 404
    assert slm.client(slm.alpha).get(f"/service-levels/{gas.pk}/").status_code == 404
    bad = slm.client(slm.desk).get(f"/service-levels/{gas.pk}/", {"month": "2027-13"})
    assert bad.status_code == 422 and "YYYY-MM" in bad.content.decode()


def test_desk_creates_an_agreement_and_a_target_by_form(slm):
    client = slm.client(slm.ops)
    assert client.get("/service-levels/new/").status_code == 200
    response = client.post(
        "/service-levels/new/",
        {"kind": "ola", "name": "CSS OLA", "provider": slm.world.provider.pk, "starts_on": "2027-01-01"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    agreement = Agreement.objects.get(name="CSS OLA")
    response = client.post(
        f"/service-levels/{agreement.pk}/targets/new/",
        {"kpi": "resolution_time", "severity": "2", "value": "600"},
    )
    assert response.status_code == 302
    target = AgreementTarget.objects.get(agreement=agreement)
    response = client.post(f"/service-levels/{agreement.pk}/targets/{target.pk}/edit/", {"value": "540"})
    assert response.status_code == 302
    assert AgreementTarget.objects.get(pk=target.pk).value == 540
    response = client.post(
        f"/service-levels/{agreement.pk}/edit/",
        {"name": "CSS OLA 2027", "provider": slm.world.provider.pk, "starts_on": "2027-01-01"},
    )
    assert response.status_code == 302 and Agreement.objects.get(pk=agreement.pk).name == "CSS OLA 2027"
    assert client.post(f"/service-levels/{agreement.pk}/targets/{target.pk}/remove/").status_code == 302
    assert not AgreementTarget.objects.filter(pk=target.pk).exists()


def test_bad_form_input_names_the_field_nothing_written(slm, book):
    client = slm.client(slm.desk)
    response = client.post(
        "/service-levels/new/",
        {"kind": "sla", "name": "Bad", "provider": slm.gas_org.pk, "starts_on": "2027-01-01"},
    )
    assert response.status_code == 422
    assert "provider" in response.context["form"].errors
    response = client.post(
        "/service-levels/new/",
        {"kind": "sla", "name": "Bad", "starts_on": "2027-02-01", "ends_on": "2027-01-01"},
    )
    assert response.status_code == 422 and "ends_on" in response.context["form"].errors
    sla, _gas = book
    response = client.post(f"/service-levels/{sla.pk}/targets/new/", {"kpi": "availability", "value": "101"})
    assert response.status_code == 422 and "value" in response.context["form"].errors
    response = client.post(
        f"/service-levels/{sla.pk}/targets/new/", {"kpi": "availability", "severity": "2", "value": "99"}
    )
    assert response.status_code == 422 and "severity" in response.context["form"].errors
    assert Agreement.objects.count() == 2 and AgreementTarget.objects.count() == 2


@pytest.mark.parametrize("persona", ["provider", "gas", "alpha"])
def test_others_get_the_403_page(slm, book, persona):
    sla, gas = book
    client = slm.client(getattr(slm, persona))
    target = sla.targets.get()
    for url in (
        "/service-levels/new/",
        f"/service-levels/{sla.pk}/edit/",
        f"/service-levels/{sla.pk}/targets/new/",
    ):
        assert client.get(url).status_code == 403
        assert (
            client.post(
                url, {"name": "x", "kind": "sla", "starts_on": "2027-01-01", "kpi": "incidents", "value": "1"}
            ).status_code
            == 403
        )
    assert client.post(f"/service-levels/{sla.pk}/targets/{target.pk}/remove/").status_code == 403
    assert (
        client.post(f"/service-levels/{sla.pk}/targets/{target.pk}/edit/", {"value": "1"}).status_code == 403
    )
    assert Agreement.objects.count() == 2 and AgreementTarget.objects.get(pk=target.pk).value == 10
    assert Client().get("/service-levels/").status_code == 302

"""The drill-down (``/kpis/<code>/incidents/``): the incidents a figure counts, intersected with the
incidents the viewer may see, paginated, with their measures (response and resolution minutes, met);
the change KPIs list the changes instead. It reads a bounded number of queries whatever the page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from busbar.reports.tests.conftest import NOW
from busbar.reports.views import kpis as views

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _now(monkeypatch) -> None:
    monkeypatch.setattr(views, "_now", lambda: NOW)


def _url(code: str, query: str = "month=2027-05") -> str:
    return f"{reverse('kpi_drill', args=[code])}?{query}"


def test_the_desk_sees_every_incident_behind_the_figure(slm, django_assert_max_num_queries) -> None:
    client = slm.client(slm.desk)
    client.get(_url("incidents"))  # warm the session
    with django_assert_max_num_queries(25):
        response = client.get(_url("incidents"))
    assert response.status_code == 200
    body = response.content.decode()
    for incident in (slm.quick, slm.paused, slm.late, slm.holiday, slm.open, slm.major):
        assert incident.reference in body, incident.summary
    assert slm.april.reference not in body  # raised in April


def test_the_resolution_drill_shows_the_minutes_and_verdicts(slm) -> None:
    body = slm.client(slm.desk).get(_url("resolution_time")).content.decode()
    for incident in (slm.quick, slm.paused, slm.late, slm.major):
        assert incident.reference in body
    assert slm.open.reference not in body and slm.holiday.reference not in body
    assert ">1800<" in body and ">840<" in body  # late and paused (working minutes)
    assert '<span class="badge bad">Missed</span>' in body  # late


def test_filters_narrow_the_drill(slm) -> None:
    body = (
        slm.client(slm.desk)
        .get(_url("resolution_time", f"month=2027-05&provider={slm.gas_org.pk}"))
        .content.decode()
    )
    assert slm.late.reference in body and slm.quick.reference not in body
    body = slm.client(slm.desk).get(_url("incidents", "month=2027-05&severity=1")).content.decode()
    assert slm.major.reference in body and slm.quick.reference not in body


def test_a_participant_sees_only_the_incidents_it_may_see(slm, django_assert_max_num_queries) -> None:
    client = slm.client(slm.bravo)
    client.get(_url("incidents"))
    with django_assert_max_num_queries(25):
        response = client.get(_url("incidents"))
    assert response.status_code == 200
    body = response.content.decode()
    assert slm.paused.reference in body and slm.open.reference in body
    assert slm.quick.reference not in body and slm.late.reference not in body
    assert "are ones you may see" in body


def test_a_provider_sees_its_own_incidents(slm) -> None:
    body = slm.client(slm.gas).get(_url("incidents")).content.decode()
    assert slm.late.reference in body and slm.holiday.reference in body
    assert slm.paused.reference not in body


def test_anonymous_signs_in_and_an_unknown_kpi_is_404(slm) -> None:
    response = slm.client(None).get(_url("incidents"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert slm.client(slm.desk).get(_url("nope")).status_code == 404


def test_a_bad_page_or_month(slm) -> None:
    client = slm.client(slm.desk)
    assert client.get(_url("incidents", "month=2027-05&page=abc")).status_code == 200
    assert client.get(_url("incidents", "month=2027-05&page=99999999")).status_code == 200
    response = client.get(_url("incidents", "month=xx"))
    assert response.status_code == 400 and "month:" in response.content.decode()
    assert "No figures yet" in client.get(_url("incidents", "month=2099-01")).content.decode()


def test_the_change_kpis_drill_to_changes(slm) -> None:
    response = slm.client(slm.desk).get(_url("major_changes"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "the changes behind the figure" in body
    assert "No changes behind this figure" in body  # the service-level world has no changes


def test_the_list_pages(slm, monkeypatch) -> None:
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    client = slm.client(slm.desk)
    first = client.get(_url("incidents")).content.decode()
    assert "Page 1 of 3" in first and 'rel="next"' in first
    last = client.get(_url("incidents", "month=2027-05&page=3")).content.decode()
    assert "Page 3 of 3" in last and 'rel="prev"' in last

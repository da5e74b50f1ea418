"""One KPI's page (``/kpis/<code>/``): its definition (name, the seed's words, Busbar's rule), the 13
months ending at the chosen one as an SVG line with the target dashed and as a table with met/missed, the
provider comparison bar chart for the desk only, and the figure by severity for incident KPIs. An unknown
KPI is a 404; a range over 60 months is a 400 naming ``from``."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils.html import escape

from busbar.reports import kpis
from busbar.reports.tests.conftest import NOW
from busbar.reports.views import kpis as views

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _now(monkeypatch) -> None:
    monkeypatch.setattr(views, "_now", lambda: NOW)


def _url(code: str, query: str = "month=2027-05") -> str:
    return f"{reverse('kpi_detail', args=[code])}?{query}"


def test_the_desk_sees_the_definition_trend_comparison_and_severities(slm) -> None:
    kpi = kpis.get("resolution_time")
    for user in (slm.desk, slm.ops):
        response = slm.client(user).get(_url(kpi.code))
        assert response.status_code == 200
        body = response.content.decode()
        assert escape(kpi.name) in body and escape(kpi.seed) in body and escape(kpi.rule) in body
        assert body.count('<svg xmlns="http://www.w3.org/2000/svg" class="chart"') == 2
        assert '<th scope="row">Apr 2026</th>' not in body
        assert '<th scope="row">May 2026</th>' in body and '<th scope="row">May 2027</th>' in body
        assert "Providers in May 2027" in body
        assert "By severity, May 2027" in body
        assert "view=trend&amp;format=csv&amp;kpi=resolution_time" in body


def test_the_trend_has_thirteen_months(slm) -> None:
    body = slm.client(slm.desk).get(_url("incidents")).content.decode()
    start = body.index("<caption>Incidents by month</caption>")
    table = body[start : body.index("</table>", start)]
    assert table.count('<th scope="row">') == 13


@pytest.mark.parametrize("who", ["provider", "alpha", "bravo"])
def test_others_see_the_trend_but_no_provider_comparison(slm, who: str) -> None:
    response = slm.client(getattr(slm, who)).get(_url("resolution_time"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Providers in May 2027" not in body
    assert body.count('class="chart"') == 1


def test_a_participants_trend_has_its_organisations_column(slm) -> None:
    body = slm.client(slm.alpha).get(_url("incidents")).content.decode()
    assert "Your organisation" in body


def test_a_service_kpi_has_no_severity_table(slm) -> None:
    body = slm.client(slm.desk).get(_url("availability")).content.decode()
    assert "By severity" not in body


def test_an_unknown_kpi_is_404_and_anonymous_signs_in(slm) -> None:
    assert slm.client(slm.desk).get(_url("no_such_kpi")).status_code == 404
    response = slm.client(None).get(_url("incidents"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(
    ("query", "field"),
    [("month=2027-05&from=2020-01", "from"), ("month=2027-05&from=2027-06", "from"), ("month=May", "month")],
)
def test_a_bad_range_is_a_400_naming_the_field(slm, query: str, field: str) -> None:
    response = slm.client(slm.desk).get(_url("incidents", query))
    assert response.status_code == 400
    assert f'id="id_{field}_error"' in response.content.decode()


def test_a_range_of_sixty_months_is_allowed(slm) -> None:
    response = slm.client(slm.desk).get(_url("incidents", "month=2027-05&from=2022-06"))
    assert response.status_code == 200
    assert response.content.decode().count('<th scope="row">') >= 60


def test_another_providers_figures_are_404_for_a_provider(slm) -> None:
    assert slm.client(slm.provider).get(_url("incidents", f"provider={slm.gas_org.pk}")).status_code == 404
    own = slm.client(slm.provider).get(_url("incidents", f"provider={slm.world.provider.pk}"))
    assert own.status_code == 200

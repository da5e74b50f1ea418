"""The service-levels page (``/kpis/``): every signed-in person opens it for a month; the desk sees the
provider comparison and every row of "where the time went", a provider its own column and row, a
participant its organisation's column and only the attribution total. Anonymous visitors sign in first.
A malformed month is a 400 naming the field; a month not begun says there are no figures yet."""

from __future__ import annotations

import pytest
from django.urls import reverse

from busbar.reports.tests.conftest import NOW
from busbar.reports.views import kpis as views

pytestmark = pytest.mark.django_db
URL = reverse("kpi_overview")
MAY = "month=2027-05"


@pytest.fixture(autouse=True)
def _now(monkeypatch) -> None:
    monkeypatch.setattr(views, "_now", lambda: NOW)


def _section(body: str, title_id: str) -> str:
    start = body.index(f'aria-labelledby="{title_id}"')
    return body[start : body.index("</section>", start)]


def test_the_desk_sees_the_ten_kpis_the_providers_and_the_attribution(slm) -> None:
    for user in (slm.desk, slm.ops):
        response = slm.client(user).get(f"{URL}?{MAY}")
        assert response.status_code == 200, user
        body = response.content.decode()
        kpis = _section(body, "kpis-title")
        assert kpis.count('<th scope="row">') == 10
        assert "Incident resolution time" in kpis and "Service availability" in kpis
        assert reverse("kpi_drill", args=["incidents"]) + "?month=2027-05" in kpis
        assert "Providers against their OLAs" in body
        providers = _section(body, "providers-title")
        assert "CSS Provider" in providers and "Gas CDS" in providers
        attribution = _section(body, "attribution-title")
        assert "Service desk" in attribution and "All (end to end)" in attribution
        assert "Gas CDS" in attribution and "CSS Provider" in attribution


def test_the_figures_are_the_hand_computed_ones(slm) -> None:
    body = slm.client(slm.desk).get(f"{URL}?{MAY}").content.decode()
    kpis = _section(body, "kpis-title")
    # Raised in May: quick, paused, late, holiday, open, major; escalated in May: late and open.
    assert (
        f'{reverse("kpi_drill", args=["incidents"])}?month=2027-05" title="6 behind this figure">6<' in kpis
    )
    assert 'title="2 behind this figure">2<' in kpis
    # Resolved in May: quick 375, paused 840, late 1800, major 210 → mean 806.25, 3 of 4 within target.
    assert "806.3 min" in kpis and "75%" in kpis
    attribution = _section(body, "attribution-title")
    assert "3225" in attribution and "1790" in attribution


def test_a_provider_sees_its_own_column_and_attribution_row_only(slm) -> None:
    body = slm.client(slm.provider).get(f"{URL}?{MAY}").content.decode()
    assert "Your figures (CSS Provider)" in body
    assert "Providers against their OLAs" not in body
    attribution = _section(body, "attribution-title")
    assert "CSS Provider" in attribution and "All (end to end)" in attribution
    assert "Gas CDS" not in attribution and ">Service desk<" not in attribution
    # The filter offers its own provider only.
    assert f'<option value="{slm.gas_org.pk}"' not in body


def test_a_participant_sees_its_organisations_column_and_no_provider_breakdown(slm) -> None:
    body = slm.client(slm.alpha).get(f"{URL}?{MAY}").content.decode()
    assert "Your organisation&#x27;s incidents" in body or "Your organisation's incidents" in body
    assert "Providers against their OLAs" not in body
    assert 'name="provider"' not in body
    attribution = _section(body, "attribution-title")
    assert "All (end to end)" in attribution
    assert "CSS Provider" not in attribution and "Gas CDS" not in attribution


def test_anonymous_visitors_are_sent_to_sign_in(slm) -> None:
    response = slm.client(None).get(f"{URL}?{MAY}")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("month", ["garbage", "2027-13", "13-2027", "1999-12", "2027-5x"])
def test_a_malformed_month_is_a_400_naming_the_field(slm, month: str) -> None:
    response = slm.client(slm.desk).get(f"{URL}?month={month}")
    assert response.status_code == 400
    body = response.content.decode()
    assert 'id="id_month_error"' in body and "month:" in body


def test_a_month_not_begun_has_no_figures_yet(slm) -> None:
    response = slm.client(slm.desk).get(f"{URL}?month=2099-01")
    assert response.status_code == 200
    body = response.content.decode()
    assert "No figures yet" in body and "kpis-title" not in body


def test_the_default_month_is_the_current_one(slm) -> None:
    body = slm.client(slm.desk).get(URL).content.decode()
    assert "June 2027" in body or "Jun 2027" in body
    assert "(to date)" in body


@pytest.mark.parametrize(
    ("field", "value"), [("service", "no-such-service"), ("severity", "9z"), ("provider", "x")]
)
def test_an_unknown_filter_is_a_400_naming_it(slm, field: str, value: str) -> None:
    response = slm.client(slm.desk).get(f"{URL}?{MAY}&{field}={value}")
    assert response.status_code == 400
    assert f"{field}:" in response.content.decode()


def test_filters_narrow_the_figures_and_judge_against_the_provider(slm) -> None:
    client = slm.client(slm.desk)
    response = client.get(f"{URL}?{MAY}&provider={slm.gas_org.pk}&service=uk-link&severity=2")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Gas CDS" in body and "UK Link" in body and "severity 2" in body
    assert "Providers against their OLAs" not in body  # one provider chosen: no comparison

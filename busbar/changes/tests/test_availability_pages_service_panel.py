"""A service's page shows its availability for the last 12 months against its target: an SVG bar chart
(accessible, escaped, no inline styles) and the same figures in a table, from
``busbar.changes.availability``; a month's figure matches the hand calculation."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from busbar.changes import availability_panel, charts
from busbar.changes.tests.conftest import NOW, ChangeWorld
from busbar.parties.queries import scope_for
from busbar.services.models import ServiceStatus, StatusPeriod

pytestmark = pytest.mark.django_db
UTC = dt.UTC


@pytest.fixture(autouse=True)
def _panel_now(monkeypatch) -> None:
    monkeypatch.setattr(availability_panel, "_now", lambda: NOW)


def _panel(body: str) -> str:
    start = body.index('<section aria-labelledby="availability-title"')
    return body[start : body.index("</section>", start)]


@pytest.mark.parametrize("who", ["alpha", "bravo", "provider", "gas", "desk"])
def test_the_service_page_shows_twelve_months_against_the_target(chg: ChangeWorld, who: str) -> None:
    response = chg.client(getattr(chg, who)).get(reverse("service_detail", args=["css"]))
    assert response.status_code == 200
    panel = _panel(response.content.decode())
    assert "Target 99.5%" in panel
    assert panel.count('<th scope="row">') == 12
    assert '<th scope="row">Jul 2026</th>' in panel and '<th scope="row">Jun 2027</th>' in panel
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img"' in panel
    assert 'stroke-dasharray="6 4"' in panel  # the target line
    assert "style=" not in panel  # the Content-Security-Policy allows no inline style


def test_a_months_figure_matches_the_hand_calculation(chg: ChangeWorld) -> None:
    # CSS is 24x7: May 2027 has 31 × 24 × 60 = 44,640 minutes; a 4-hour outage set by hand leaves
    # (44,640 − 240) / 44,640 = 99.462% (rounded down), under the 99.5% target.
    StatusPeriod.objects.create(
        service=chg.css,
        status=ServiceStatus.OUTAGE,
        started_at=dt.datetime(2027, 5, 10, 9, tzinfo=UTC),
        ended_at=dt.datetime(2027, 5, 10, 13, tzinfo=UTC),
    )
    panel = _panel(chg.client(chg.alpha).get(reverse("service_detail", args=["css"])).content.decode())
    row = panel[panel.index('<th scope="row">May 2027</th>') :]
    row = row[: row.index("</tr>")]
    assert "99.462%" in row and "Missed" in row
    assert '<td class="num">44640</td>' in row and '<td class="num">240</td>' in row
    assert "May 2027: 99.462%, target missed" in panel  # the bar's tooltip
    assert "#d4351c" in panel  # drawn red
    figures = availability_panel.figures(chg.css, now=NOW)
    may = next(f for f in figures if (f.year, f.month) == (2027, 5))
    assert may.availability == Decimal("99.462") and may.met is False and may.interruptions == 1


def test_a_service_without_a_target_says_so(chg: ChangeWorld) -> None:
    panel = _panel(chg.client(chg.alpha).get(reverse("service_detail", args=["uk-link"])).content.decode())
    assert "No availability target is set" in panel
    assert 'stroke-dasharray="6 4"' not in panel


def test_the_panel_costs_the_same_few_queries(chg: ChangeWorld, rf, django_assert_max_num_queries) -> None:
    request = rf.get("/")
    request.user = chg.alpha
    scope_for(chg.alpha)
    # Two batches of availability.for_services (the twelve months cross a year end), seven reads each.
    with django_assert_max_num_queries(14):
        assert availability_panel.service_context(request, chg.css) is not None


def test_no_panel_for_the_anonymous(chg: ChangeWorld, rf) -> None:
    request = rf.get("/")
    request.user = AnonymousUser()
    assert availability_panel.service_context(request, chg.css) is None


def test_the_twelve_months_cross_the_year(chg: ChangeWorld) -> None:
    assert availability_panel.last_months(dt.date(2027, 3, 9), 4) == [
        (2026, 12),
        (2027, 1),
        (2027, 2),
        (2027, 3),
    ]
    figures = availability_panel.figures(chg.css, now=NOW)
    assert [(f.year, f.month) for f in figures][0] == (2026, 7) and len(figures) == 12


def test_the_chart_escapes_and_scales() -> None:
    months = [
        charts.Month("Jan 2027", Decimal("99.9"), True),
        charts.Month("Feb 2027", None, None),
        charts.Month("Mar 2027", Decimal("97.25"), False),
    ]
    svg = str(charts.availability_chart(months, target=Decimal("99.5"), title="<b>Availability</b> & more"))
    assert "&lt;b&gt;Availability&lt;/b&gt; &amp; more" in svg and "<b>" not in svg
    assert "Feb 2027: no figures" in svg and "Mar 2027: 97.25%, target missed" in svg
    assert "The axis starts at 95%" in svg
    assert charts.floor_for([Decimal("100")], Decimal("99.5")) == Decimal(99)
    assert charts.floor_for([Decimal("99.2")], Decimal("99.5")) == Decimal(98)
    assert charts.floor_for([Decimal("100")], None) == Decimal(99)
    assert charts.floor_for([None], None) == Decimal(99)
    assert charts.floor_for([Decimal("12")], None) == Decimal(0)

"""The schedule's filters — a service with its components, a provider — and its bounded, validated
parameters: a bad month, week, window, service, provider or format is a 400 naming it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from busbar.changes.models import ChangeStatus
from busbar.changes.tests.conftest import ChangeWorld, _raise
from busbar.services.models import Service

pytestmark = pytest.mark.django_db
UTC = dt.UTC
JUNE = {"month": "2027-06"}


def _body(chg: ChangeWorld, who, name="fsc", **params) -> str:
    response = chg.client(who).get(reverse(name), params)
    assert response.status_code == 200, response.content[:300]
    return response.content.decode()


def test_service_filter_takes_its_components_and_not_its_parent(chg: ChangeWorld) -> None:
    on_reg = _raise(
        chg.provider,
        chg.world.provider,
        "Registration database index rebuild",
        [chg.css_reg],
        dt.datetime(2027, 6, 23, 1, tzinfo=UTC),
        dt.datetime(2027, 6, 23, 3, tzinfo=UTC),
        status=ChangeStatus.ACCEPTED,
    )
    css = _body(chg, chg.alpha, service="css", **JUNE)
    assert chg.live.reference in css and on_reg.reference in css  # CSS and its component
    assert chg.accepted.reference not in css  # UK Link depends on CSS but is not part of it
    assert "on CSS and its components" in css
    reg = _body(chg, chg.alpha, service="css-registration", **JUNE)
    assert on_reg.reference in reg and chg.live.reference not in reg
    uk_link = _body(chg, chg.alpha, service="uk-link", **JUNE)
    assert chg.accepted.reference in uk_link and chg.live.reference not in uk_link


def test_provider_filter(chg: ChangeWorld) -> None:
    gas = _body(chg, chg.bravo, provider=str(chg.gas_org.pk), **JUNE)
    assert chg.accepted.reference in gas and chg.live.reference not in gas
    css = _body(chg, chg.bravo, provider=str(chg.world.provider.pk), **JUNE)
    assert chg.live.reference in css and chg.accepted.reference not in css


def test_filters_are_kept_by_navigation_and_export(chg: ChangeWorld) -> None:
    body = _body(chg, chg.alpha, service="css", **JUNE).replace("&amp;", "&")
    assert "?service=css&month=2027-07" in body
    assert "/changes/schedule/export/?service=css&month=2027-06&format=csv" in body
    week = _body(chg, chg.alpha, "fsc_week", service="css", week="2027-06-14").replace("&amp;", "&")
    assert "?service=css&week=2027-06-21" in week


def test_export_of_a_month_holds_that_month_only(chg: ChangeWorld) -> None:
    response = chg.client(chg.alpha).get(reverse("fsc_export"), {"month": "2027-05", "format": "csv"})
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert chg.done.reference in text and chg.live.reference not in text
    assert 'filename="schedule-of-change-20270501-20270531' in response["Content-Disposition"]
    xlsx = chg.client(chg.alpha).get(reverse("fsc_export"), {"week": "2027-06-14", "format": "xlsx"})
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith("application/vnd.openxml")


@pytest.mark.parametrize(
    ("name", "params", "field"),
    [
        ("fsc", {"month": "2027-13"}, "month"),
        ("fsc", {"month": "June"}, "month"),
        ("fsc", {"month": "0999-01"}, "month"),
        ("fsc", {"month": "2027-6"}, "month"),
        ("fsc_week", {"week": "2027-02-30"}, "week"),
        ("fsc_week", {"week": "next"}, "week"),
        ("fsc_week", {"week": "99999-01-01"}, "week"),
        ("fsc_list", {"from": "2027-07-01", "to": "2027-06-01"}, "to"),
        ("fsc_list", {"from": "2027-01-01", "to": "2028-03-01"}, "to"),
        ("fsc_list", {"from": "yesterday"}, "from"),
        ("fsc", {"service": "no-such-service"}, "service"),
        ("fsc_list", {"provider": "abc"}, "provider"),
        ("fsc", {"provider": "99999999999999999999999"}, "provider"),
        ("fsc_week", {"provider": "999999"}, "provider"),
    ],
)
def test_bad_parameters_are_a_400_naming_them(chg: ChangeWorld, name: str, params: dict, field: str) -> None:
    response = chg.client(chg.alpha).get(reverse(name), params)
    assert response.status_code == 400
    assert f"{field}:" in response.content.decode()


@pytest.mark.parametrize(
    ("params", "text"),
    [
        ({"format": "pdf"}, "format:"),
        ({"month": "2027-00"}, "month:"),
        ({"from": "2027-01-01", "to": "2029-01-01"}, "to:"),
        ({"service": "<script>"}, "service:"),
    ],
)
def test_bad_export_parameters_are_a_plain_400(chg: ChangeWorld, params: dict, text: str) -> None:
    response = chg.client(chg.alpha).get(reverse("fsc_export"), params)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/plain")
    assert text in response.content.decode()
    assert "<script>" not in response.content.decode()


def test_an_inactive_service_is_a_filter_for_the_desk_only(chg: ChangeWorld) -> None:
    Service.objects.filter(pk=chg.portal.pk).update(is_active=False)
    assert chg.client(chg.alpha).get(reverse("fsc"), {"service": "gas-portal"}).status_code == 400
    assert chg.client(chg.desk).get(reverse("fsc"), {"service": "gas-portal"}).status_code == 200


def test_windows_are_bounded_and_default_to_now(chg: ChangeWorld) -> None:
    ok = chg.client(chg.alpha).get(
        reverse("fsc_list"), {"from": "2027-01-01", "to": "2028-02-04"}
    )  # 400 days
    assert ok.status_code == 200
    assert chg.client(chg.alpha).get(reverse("fsc")).status_code == 200
    assert chg.client(chg.alpha).get(reverse("fsc_week")).status_code == 200
    assert chg.client(chg.alpha).get(reverse("fsc_list")).status_code == 200


def test_post_is_not_allowed(chg: ChangeWorld) -> None:
    assert chg.client(chg.desk).post(reverse("fsc")).status_code == 405

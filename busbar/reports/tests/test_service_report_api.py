"""The service report API per persona: list and read what the caller may read (others 404), generate (the
desk; 201 then 200; 409 once published; 422 naming month or provider), PATCH the commentary (409 problem
once published), publish (operations managers only), subscriptions."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest

from busbar.reports.models import ReportSubscription, ServiceReport, ServiceReportStatus
from busbar.reports.tests._service_report_helpers import make_report
from busbar.reports.tests.conftest import NOW

pytestmark = pytest.mark.django_db
API = "/api/v1/service-reports"
JSON = "application/json"


@pytest.fixture(autouse=True)
def _now():
    with mock.patch("django.utils.timezone.now", lambda: NOW):
        yield


def test_generate_then_regenerate_then_conflict(slm) -> None:
    desk = slm.client(slm.desk)
    made = desk.post(API, {"month": "2027-05"}, content_type=JSON)
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["status"] == "draft" and body["month"] == "2027-05" and body["provider"] is None
    assert len(body["content"]["kpis"]) == 10
    assert desk.post(API, {"month": "2027-05"}, content_type=JSON).status_code == 200
    report = ServiceReport.objects.get(pk=body["id"])
    publish = slm.client(slm.ops).post(f"{API}/{report.pk}/publish")
    assert publish.status_code == 200 and publish.json()["status"] == "published"
    conflict = desk.post(API, {"month": "2027-05"}, content_type=JSON)
    assert conflict.status_code == 409 and conflict["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"month": "2027-13"}, "month"),
        ({"month": "2027-09"}, "month"),
        ({"month": "0000-01"}, "month"),  # year 0 has no date: once a 500
        ({"month": "2027-05", "provider": 999999}, "provider"),
        ({"month": "2027-05", "extra": 1}, "extra"),
    ],
)
def test_bad_input_is_a_422_naming_the_field(slm, payload, field) -> None:
    response = slm.client(slm.desk).post(API, payload, content_type=JSON)
    assert response.status_code == 422
    assert field in {e["field"] for e in response.json()["errors"]}
    assert not ServiceReport.objects.exists()


@pytest.mark.parametrize("who", ["provider", "alpha"])
def test_others_may_not_generate(slm, who) -> None:
    response = slm.client(getattr(slm, who)).post(API, {"month": "2027-05"}, content_type=JSON)
    assert response.status_code == 403
    assert not ServiceReport.objects.exists()


def test_reading_per_persona(slm, django_assert_max_num_queries) -> None:
    e2e = make_report(slm)
    css = make_report(slm, provider=slm.world.provider)
    gas = make_report(slm, provider=slm.gas_org)
    april = make_report(slm, month=dt.date(2027, 4, 1), publish=True)
    with django_assert_max_num_queries(20):
        listed = slm.client(slm.desk).get(API).json()
    assert listed["count"] == 4
    provider_ids = {r["id"] for r in slm.client(slm.provider).get(API).json()["items"]}
    assert provider_ids == {css.pk, april.pk}
    alpha_ids = {r["id"] for r in slm.client(slm.alpha).get(API).json()["items"]}
    assert alpha_ids == {april.pk}
    assert slm.client(slm.alpha).get(f"{API}/{e2e.pk}").status_code == 404
    assert slm.client(slm.alpha).get(f"{API}/{css.pk}").status_code == 404
    assert slm.client(slm.provider).get(f"{API}/{gas.pk}").status_code == 404
    seen = slm.client(slm.alpha).get(f"{API}/{april.pk}")
    assert seen.status_code == 200 and seen.json()["content"]["providers"] == []
    filtered = slm.client(slm.desk).get(API, {"month": "2027-04"}).json()
    assert [r["id"] for r in filtered["items"]] == [april.pk]
    assert slm.client(slm.desk).get(API, {"month": "2027-4"}).status_code == 422
    assert slm.client(slm.desk).get(API, {"month": "0000-01"}).status_code == 422  # once a 500


def test_patch_commentary_and_409_once_published(slm) -> None:
    report = make_report(slm)
    url = f"{API}/{report.pk}"
    ok = slm.client(slm.desk).patch(url, {"summary": "Steady"}, content_type=JSON)
    assert ok.status_code == 200 and ok.json()["summary"] == "Steady"
    too_long = slm.client(slm.desk).patch(url, {"concerns": "x" * 10_001}, content_type=JSON)
    assert too_long.status_code == 422 and too_long.json()["errors"][0]["field"] == "concerns"
    assert slm.client(slm.alpha).patch(url, {"summary": "x"}, content_type=JSON).status_code == 404
    assert slm.client(slm.desk).post(f"{url}/publish").status_code == 403
    assert slm.client(slm.ops).post(f"{url}/publish").status_code == 200
    refused = slm.client(slm.desk).patch(url, {"summary": "changed"}, content_type=JSON)
    assert refused.status_code == 409 and refused["Content-Type"] == "application/problem+json"
    saved = ServiceReport.objects.get(pk=report.pk)
    assert saved.summary == "Steady" and saved.status == ServiceReportStatus.PUBLISHED
    assert slm.client(slm.ops).post(f"{url}/publish").status_code == 409


def test_provider_reads_but_may_not_patch_its_own_report(slm) -> None:
    css = make_report(slm, provider=slm.world.provider)
    assert slm.client(slm.provider).get(f"{API}/{css.pk}").status_code == 200
    response = slm.client(slm.provider).patch(f"{API}/{css.pk}", {"summary": "x"}, content_type=JSON)
    assert response.status_code == 403
    assert ServiceReport.objects.get(pk=css.pk).summary == ""


def test_subscriptions(slm) -> None:
    alpha = slm.client(slm.alpha)
    assert alpha.post(f"{API}/subscriptions", {}, content_type=JSON).status_code == 201
    assert alpha.post(f"{API}/subscriptions", {}, content_type=JSON).status_code == 200
    other = alpha.post(f"{API}/subscriptions", {"provider": slm.world.provider.pk}, content_type=JSON)
    assert other.status_code == 422 and other.json()["errors"][0]["field"] == "provider"
    mine = slm.client(slm.provider).post(
        f"{API}/subscriptions", {"provider": slm.world.provider.pk}, content_type=JSON
    )
    assert mine.status_code == 201 and mine.json()["provider"]["id"] == slm.world.provider.pk
    assert alpha.get(f"{API}/subscriptions").json()["count"] == 1
    assert alpha.delete(f"{API}/subscriptions").status_code == 204
    assert not ReportSubscription.objects.filter(user=slm.alpha).exists()
    assert alpha.delete(f"{API}/subscriptions").status_code == 404

"""Who may see, submit and accept a KPI return: the provider its own (form, CSV, API), another provider and
participants nothing (404), the desk every return and the accept button; accepted is final (409)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from busbar.reports.models import KpiReturn, KpiReturnLine, ReturnStatus
from busbar.reports.tests.test_return_helpers import API, ON_TIME, csv_bytes, open_may, set_clock

pytestmark = pytest.mark.django_db


@pytest.fixture
def may(slm, monkeypatch):
    set_clock(monkeypatch, ON_TIME)
    return open_may(slm)


def _lines(r: KpiReturn) -> dict:
    return {
        (ln.kpi, ln.service_id, ln.severity_code): ln.value
        for ln in KpiReturnLine.objects.filter(kpi_return=r)
    }


def test_provider_submits_by_form_and_resubmits(slm, may) -> None:
    css, _ = may
    client = slm.client(slm.provider)
    page = client.get(f"/kpi-returns/{css.pk}/")
    assert page.status_code == 200
    body = page.content.decode()
    assert f'name="value-resolution_time-{slm.css.pk}"' in body and "Download a template" in body
    assert "Accept this return" not in body
    posted = client.post(
        f"/kpi-returns/{css.pk}/submit/",
        {"value-resolution_time-0": "600", f"value-resolved_in_sla-{slm.css.pk}": "99.5", "note": "May"},
    )
    assert posted.status_code == 302
    css.refresh_from_db()
    assert (css.status, css.channel, css.is_late, css.submitted_by) == (
        "submitted",
        "form",
        False,
        slm.provider,
    )
    assert _lines(css) == {
        ("resolution_time", None, ""): Decimal("600"),
        ("resolved_in_sla", slm.css.pk, ""): Decimal("99.5"),
    }
    # Submitting again before acceptance replaces the lines.
    client.post(f"/kpi-returns/{css.pk}/submit/", {"value-incidents-0": "6"})
    assert _lines(css) == {("incidents", None, ""): Decimal("6")}


def test_provider_submits_by_csv_with_a_template(slm, may) -> None:
    css, _ = may
    client = slm.client(slm.provider)
    template = client.get(f"/kpi-returns/{css.pk}/template.csv")
    assert template.status_code == 200 and template["Content-Type"].startswith("text/csv")
    assert template.content.decode().splitlines()[:2] == [
        "kpi,service,severity,value,note",
        "resolution_time,,,,",
    ]
    upload = SimpleUploadedFile(
        "may.csv",
        csv_bytes("incidents,css,2,2,", "resolution_time,CSS,,600,mean", "first_time_fix_pct,,,88.5,"),
    )
    response = client.post(f"/kpi-returns/{css.pk}/upload/", {"file": upload})
    assert response.status_code == 302
    css.refresh_from_db()
    assert (css.status, css.channel) == ("submitted", "csv")
    assert _lines(css) == {
        ("incidents", slm.css.pk, "2"): Decimal("2"),
        ("resolution_time", slm.css.pk, ""): Decimal("600"),
        ("first_time_fix_pct", None, ""): Decimal("88.5"),
    }


def test_provider_submits_by_api_json_and_csv(slm, may) -> None:
    css, _ = may
    client = slm.client(slm.provider)
    body = {
        "month": "2027-05",
        "lines": [{"kpi": "incidents", "service": "css", "severity": "1", "value": 1}],
    }
    response = client.post(f"{API}/{css.pk}/submit", body, content_type="application/json")
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["status"] == "submitted" and data["lines"][0]["returned"] in ("1", "1.000", 1)
    css.refresh_from_db()
    assert css.channel == "api"
    upload = SimpleUploadedFile("may.csv", csv_bytes("incidents,uk-link-not-mine,,1,"))
    refused = client.post(f"{API}/{css.pk}/csv", {"file": upload})
    assert refused.status_code == 422
    upload = SimpleUploadedFile("may.csv", csv_bytes("incidents,,,7,"))
    assert client.post(f"{API}/{css.pk}/csv", {"file": upload}).status_code == 200
    css.refresh_from_db()
    assert css.channel == "csv" and _lines(css) == {("incidents", None, ""): Decimal("7")}


def test_another_provider_and_participants_see_nothing(slm, may) -> None:
    css, gas = may
    for user in (slm.gas, slm.alpha):
        client = slm.client(user)
        assert client.get(f"/kpi-returns/{css.pk}/").status_code == 404
        assert client.post(f"/kpi-returns/{css.pk}/submit/", {"value-incidents-0": "1"}).status_code == 404
        upload = SimpleUploadedFile("x.csv", csv_bytes("incidents,,,1,"))
        assert client.post(f"/kpi-returns/{css.pk}/upload/", {"file": upload}).status_code == 404
        assert client.get(f"/kpi-returns/{css.pk}/template.csv").status_code == 404
        assert client.get(f"{API}/{css.pk}").status_code == 404
        lines = {"lines": [{"kpi": "incidents", "value": 1}]}
        assert (
            client.post(f"{API}/{css.pk}/submit", lines, content_type="application/json").status_code == 404
        )
        assert client.post(f"{API}/{css.pk}/accept").status_code == 404
    assert slm.client(slm.alpha).get("/kpi-returns/").status_code == 404
    assert slm.client(slm.alpha).get(API).json()["count"] == 0
    # Gas CDS sees its own only.
    listed = slm.client(slm.gas).get("/kpi-returns/").content.decode()
    assert f"return-{gas.pk}" in listed and f"return-{css.pk}" not in listed
    assert [r["id"] for r in slm.client(slm.gas).get(API).json()["items"]] == [gas.pk]
    assert slm.client(None).get("/kpi-returns/").status_code == 302
    css.refresh_from_db()
    assert css.status == ReturnStatus.DUE and not css.lines.exists()


def test_the_desk_sees_all_and_accepts_once(slm, may, django_assert_max_num_queries) -> None:
    css, gas = may
    provider = slm.client(slm.provider)
    provider.post(f"/kpi-returns/{css.pk}/submit/", {"value-incidents-0": "6"})
    desk = slm.client(slm.desk)
    with django_assert_max_num_queries(12):
        listed = desk.get("/kpi-returns/")
    assert f"return-{css.pk}" in listed.content.decode() and f"return-{gas.pk}" in listed.content.decode()
    assert sorted(r["id"] for r in desk.get(API).json()["items"]) == sorted([css.pk, gas.pk])
    page = desk.get(f"/kpi-returns/{css.pk}/").content.decode()
    assert "Accept this return" in page and "value-incidents-0" not in page  # the desk does not submit
    # The desk cannot submit for the provider; the provider cannot accept.
    assert desk.post(f"/kpi-returns/{css.pk}/submit/", {"value-incidents-0": "1"}).status_code == 403
    assert provider.post(f"/kpi-returns/{css.pk}/accept/").status_code == 403
    assert provider.post(f"{API}/{css.pk}/accept").status_code == 403
    # A due return cannot be accepted (409); a submitted one can, once.
    assert desk.post(f"{API}/{gas.pk}/accept").status_code == 409
    assert desk.post(f"/kpi-returns/{css.pk}/accept/").status_code == 302
    css.refresh_from_db()
    assert (css.status, css.accepted_by) == (ReturnStatus.ACCEPTED, slm.desk)
    again = desk.post(f"{API}/{css.pk}/accept")
    assert again.status_code == 409 and again.json()["current_status"] == "accepted"
    # Accepted is final for the provider too.
    late = provider.post(
        f"{API}/{css.pk}/submit",
        {"lines": [{"kpi": "incidents", "value": 2}]},
        content_type="application/json",
    )
    assert late.status_code == 409
    assert {ln.value for ln in css.lines.all()} == {Decimal("6")}

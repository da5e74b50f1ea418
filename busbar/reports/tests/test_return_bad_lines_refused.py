"""Bad KPI return lines are refused all together, each error naming its line (CSV) or field (API), and
nothing is saved: a negative count, an unknown KPI or service, a percentage over 100, a month in the
future; a file too large or with the wrong header."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from busbar.reports import returns as rules
from busbar.reports.models import KpiReturn, ReturnStatus
from busbar.reports.tests.test_return_helpers import API, ON_TIME, csv_bytes, open_may, set_clock

pytestmark = pytest.mark.django_db
PROBLEM = "application/problem+json"


@pytest.fixture
def may(slm, monkeypatch):
    set_clock(monkeypatch, ON_TIME)
    return open_may(slm)


def _unchanged(r: KpiReturn) -> None:
    r.refresh_from_db()
    assert r.status == ReturnStatus.DUE and r.submitted_at is None and not r.lines.exists()


BAD_FILE = csv_bytes(
    "incidents,css,2,3,fine",  # line 2
    "incidents,,,-1,",  # line 3
    "uptime,,,99,",  # line 4
    "availability,atlantis,,99,",  # line 5
    "resolved_in_sla,,,100.5,",  # line 6
    "resolution_time,,,abc,",  # line 7
)
EXPECTED = [
    "line 3: value must not be negative",
    "line 4: unknown KPI 'uptime'",
    "line 5: unknown service 'atlantis' for this provider",
    "line 6: value is a percentage: at most 100",
    "line 7: value 'abc' is not a number",
]


def test_csv_page_lists_every_error_and_saves_nothing(slm, may) -> None:
    css, _ = may
    response = slm.client(slm.provider).post(
        f"/kpi-returns/{css.pk}/upload/", {"file": SimpleUploadedFile("bad.csv", BAD_FILE)}
    )
    assert response.status_code == 422
    body = response.content.decode().replace("&#x27;", "'")
    assert "Nothing was saved" in body
    for message in EXPECTED:
        assert message in body
    assert "line 2" not in body
    _unchanged(css)


def test_csv_api_names_each_line(slm, may) -> None:
    css, _ = may
    response = slm.client(slm.provider).post(
        f"{API}/{css.pk}/csv", {"file": SimpleUploadedFile("b.csv", BAD_FILE)}
    )
    assert response.status_code == 422 and response["Content-Type"] == PROBLEM
    errors = response.json()["errors"]
    assert [e["field"] for e in errors] == [
        "line 3.value",
        "line 4.kpi",
        "line 5.service",
        "line 6.value",
        "line 7.value",
    ]
    assert [e["message"].split(":")[0] for e in errors] == ["line 3", "line 4", "line 5", "line 6", "line 7"]
    _unchanged(css)


def test_a_month_in_the_future(slm, may, monkeypatch) -> None:
    css, _ = may
    client = slm.client(slm.provider)
    upload = SimpleUploadedFile(
        "m.csv", b"kpi,service,severity,value,note,month\r\nincidents,,,3,,2027-07\r\n"
    )
    response = client.post(f"{API}/{css.pk}/csv", {"file": upload})
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "line 2.month", "message": "line 2: month 2027-07 is in the future"}
    ]
    body = {"month": "2027-08", "lines": [{"kpi": "incidents", "value": 1}]}
    response = client.post(f"{API}/{css.pk}/submit", body, content_type="application/json")
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["month"]
    # A return whose own period has not ended (its month still running) is refused, naming the period.
    set_clock(monkeypatch, dt.datetime(2027, 5, 20, 9, 0, tzinfo=dt.UTC))
    body = {"lines": [{"kpi": "incidents", "value": 1}]}
    response = client.post(f"{API}/{css.pk}/submit", body, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "month"
    assert "2027-05" in response.json()["errors"][0]["message"]
    _unchanged(css)


def test_api_json_bounds(slm, may) -> None:
    css, _ = may
    client = slm.client(slm.provider)

    def refused(lines: list, field: str) -> None:
        response = client.post(f"{API}/{css.pk}/submit", {"lines": lines}, content_type="application/json")
        assert response.status_code == 422, response.content
        assert field in [e["field"] for e in response.json()["errors"]], response.json()

    refused([{"kpi": "incidents", "value": -3}], "lines.0.value")
    refused([{"kpi": "incidents", "value": 1}, {"kpi": "resolved_in_sla", "value": 101}], "lines.1.value")
    refused([{"kpi": "nope", "value": 1}], "lines.0.kpi")
    refused([{"kpi": "incidents", "service": "uk-link", "value": 1}], "lines.0.service")  # Gas CDS's
    refused([{"kpi": "incidents", "severity": "9", "value": 1}], "lines.0.severity")
    refused([{"kpi": "availability", "severity": "1", "value": 99}], "lines.0.severity")
    refused([{"kpi": "incidents", "value": 1}, {"kpi": "incidents", "value": 2}], "lines.1.kpi")
    refused([], "lines")
    _unchanged(css)


def test_file_limits(slm, may) -> None:
    css, _ = may
    client = slm.client(slm.provider)
    wrong_header = SimpleUploadedFile("h.csv", b"metric,value\r\nincidents,1\r\n")
    response = client.post(f"{API}/{css.pk}/csv", {"file": wrong_header})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "line 1.file"
    too_many = csv_bytes(*[f"incidents,,,{i}," for i in range(rules.MAX_LINES + 1)])
    response = client.post(f"{API}/{css.pk}/csv", {"file": SimpleUploadedFile("n.csv", too_many)})
    assert response.status_code == 422 and "at most 500 lines" in response.json()["errors"][0]["message"]
    huge = csv_bytes("incidents,,,1," + "x" * (rules.MAX_BYTES + 10))
    response = client.post(f"/kpi-returns/{css.pk}/upload/", {"file": SimpleUploadedFile("big.csv", huge)})
    assert response.status_code == 422 and "256 KB" in response.content.decode()
    not_utf8 = SimpleUploadedFile(
        "l.csv", "kpi,service,severity,value,note\nincidents,,,1,café\n".encode("latin-1")
    )
    response = client.post(f"{API}/{css.pk}/csv", {"file": not_utf8})
    assert response.status_code == 422 and "UTF-8" in response.json()["errors"][0]["message"]
    _unchanged(css)

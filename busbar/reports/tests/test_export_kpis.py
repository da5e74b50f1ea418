"""The KPI tables as CSV and XLSX (``/kpis/export/?format=&view=``): the same figures and audience rules
as the pages (a participant's attribution is the total only; the provider comparison is the desk's);
formula-like text is made safe by busbar.lib.export; a bad format, view or month is a plain 400 naming the
parameter."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from busbar.reports.tests.conftest import NOW
from busbar.reports.views import kpis as views

pytestmark = pytest.mark.django_db
URL = reverse("kpi_export")


@pytest.fixture(autouse=True)
def _now(monkeypatch) -> None:
    monkeypatch.setattr(views, "_now", lambda: NOW)


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


def test_the_overview_downloads_with_targets(slm) -> None:
    rows = _csv(slm.client(slm.desk).get(f"{URL}?format=csv&view=overview&month=2027-05"))
    assert rows[0][:3] == ["Slice", "Month", "KPI"]
    assert len(rows) == 11
    by_kpi = {r[2]: r for r in rows[1:]}
    assert by_kpi["incidents"][5] == "6" and by_kpi["escalations"][5] == "2"
    assert by_kpi["resolution_time"][5] in ("806.25", "806.3")


def test_every_view_downloads_for_the_desk_as_csv_and_xlsx(slm) -> None:
    client = slm.client(slm.desk)
    for view in ("overview", "providers", "severity", "attribution", "trend"):
        rows = _csv(client.get(f"{URL}?format=csv&view={view}&month=2027-05"))
        assert len(rows) >= 2, view
        response = client.get(f"{URL}?format=xlsx&view={view}&month=2027-05")
        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/vnd.openxmlformats")
        assert b"".join(response.streaming_content)[:2] == b"PK"


def test_the_trend_of_one_kpi_has_thirteen_months(slm) -> None:
    rows = _csv(slm.client(slm.desk).get(f"{URL}?format=csv&view=trend&kpi=incidents&month=2027-05"))
    assert [r[1] for r in rows[1:]][:1] == ["2026-05"] and rows[-1][1] == "2027-05"
    assert len(rows) == 14


def test_the_attribution_as_each_audience_sees_it(slm) -> None:
    q = f"{URL}?format=csv&view=attribution&month=2027-05"
    desk = {r[0] for r in _csv(slm.client(slm.desk).get(q))[1:]}
    assert {"Service desk", "CSS Provider", "Gas CDS", "All (end to end)"} <= desk
    provider = {r[0] for r in _csv(slm.client(slm.provider).get(q))[1:]}
    assert provider == {"CSS Provider", "All (end to end)"}
    participant = {r[0] for r in _csv(slm.client(slm.alpha).get(q))[1:]}
    assert participant == {"All (end to end)"}


def test_a_participants_overview_export_has_its_own_organisation_only(slm) -> None:
    rows = _csv(slm.client(slm.alpha).get(f"{URL}?format=csv&view=overview&month=2027-05"))
    slices = {r[0] for r in rows[1:]}
    assert "End to end" in slices
    assert any("Your organisation" in s for s in slices)
    assert not any("Gas CDS" in s or "CSS Provider" in s for s in slices)


@pytest.mark.parametrize("who", ["provider", "alpha"])
def test_the_provider_comparison_is_the_desks(slm, who: str) -> None:
    response = slm.client(getattr(slm, who)).get(f"{URL}?format=csv&view=providers&month=2027-05")
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("format=pdf", "format"),
        ("view=everything", "view"),
        ("month=27-05", "month"),
        ("view=trend&from=2020-01&month=2027-05", "from"),
        ("severity=%3Dcmd", "severity"),
    ],
)
def test_bad_arguments_are_a_400_naming_them(slm, query: str, field: str) -> None:
    response = slm.client(slm.desk).get(f"{URL}?{query}")
    assert response.status_code == 400
    assert response.content.decode().startswith(f"{field}:")


def test_anonymous_visitors_sign_in(slm) -> None:
    response = slm.client(None).get(f"{URL}?format=csv")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]

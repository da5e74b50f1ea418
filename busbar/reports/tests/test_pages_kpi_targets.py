"""Met / missed on the KPI pages: the end-to-end figures against the end-to-end SLA, each provider's
against its OLA (the severity-specific target first), so the operations manager sees Gas CDS miss its
severity 2 resolution target in May (``late``: 1800 working minutes against 1000) while the end-to-end
mean (806.3) meets the SLA's 900; the trend and the exports carry the same verdicts."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from busbar.reports.models import Agreement, AgreementTarget
from busbar.reports.tests.conftest import NOW
from busbar.reports.views import kpis as views

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _now(monkeypatch) -> None:
    monkeypatch.setattr(views, "_now", lambda: NOW)


@pytest.fixture
def agreements(slm):
    start = dt.date(2026, 1, 1)
    sla = Agreement.objects.create(kind="sla", name="Switching SLA", starts_on=start)
    AgreementTarget.objects.create(agreement=sla, kpi="resolution_time", value=Decimal(900))
    AgreementTarget.objects.create(agreement=sla, kpi="resolved_in_sla", value=Decimal(95))
    ola = Agreement.objects.create(kind="ola", name="Gas CDS OLA", provider=slm.gas_org, starts_on=start)
    AgreementTarget.objects.create(
        agreement=ola, kpi="resolution_time", severity_code="2", value=Decimal(1000)
    )
    AgreementTarget.objects.create(agreement=ola, kpi="resolution_time", value=Decimal(2000))
    return sla, ola


def _section(body: str, title_id: str) -> str:
    start = body.index(f'aria-labelledby="{title_id}"')
    return body[start : body.index("</section>", start)]


def test_the_overview_judges_end_to_end_and_each_provider(slm, agreements) -> None:
    body = slm.client(slm.ops).get(f"{reverse('kpi_overview')}?month=2027-05").content.decode()
    kpis = _section(body, "kpis-title")
    row = kpis[kpis.index("Incident resolution time") :]
    row = row[: row.index("</tr>")]
    assert "900 min" in row and '<span class="badge ok">Met</span>' in row
    row = kpis[kpis.index("Resolved within SLA") :]
    row = row[: row.index("</tr>")]
    assert "95%" in row and '<span class="badge bad">Missed</span>' in row
    providers = _section(body, "providers-title")
    gas = providers[providers.index("Gas CDS") :]
    gas = gas[: gas.index("</tr>")]
    assert 'title="Target 2000 min">Met</span>' in gas  # all severities: 1790 within 2000


def test_the_severity_2_slice_of_a_provider_misses_its_ola(slm, agreements) -> None:
    url = f"{reverse('kpi_overview')}?month=2027-05&provider={slm.gas_org.pk}&severity=2"
    kpis = _section(slm.client(slm.ops).get(url).content.decode(), "kpis-title")
    row = kpis[kpis.index("Incident resolution time") :]
    row = row[: row.index("</tr>")]
    assert "1000 min" in row and '<span class="badge bad">Missed</span>' in row


def test_the_trend_table_and_export_carry_the_verdicts(slm, agreements) -> None:
    client = slm.client(slm.desk)
    body = client.get(f"{reverse('kpi_detail', args=['resolution_time'])}?month=2027-05").content.decode()
    assert "target met" in body  # the chart's point title
    assert "<title>Target 900 min</title>" in body
    response = client.get(f"{reverse('kpi_export')}?format=csv&view=overview&month=2027-05")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    by_kpi = {r[2]: r for r in rows[1:]}
    assert by_kpi["resolution_time"][7:] == ["900", "Switching SLA", "met"]
    assert by_kpi["resolved_in_sla"][9] == "missed"


def test_a_provider_sees_its_own_ola_verdict(slm, agreements) -> None:
    body = slm.client(slm.gas).get(f"{reverse('kpi_overview')}?month=2027-05&severity=2").content.decode()
    kpis = _section(body, "kpis-title")
    assert "Your figures (Gas CDS)" in kpis
    assert "1000 min" in kpis and '<span class="badge bad">Missed</span>' in kpis


def test_the_overview_lists_each_providers_missed_severity_targets(slm, agreements) -> None:
    url = f"{reverse('kpi_overview')}?month=2027-05"
    misses = _section(slm.client(slm.ops).get(url).content.decode(), "ola-misses-title")
    row = misses[misses.index("Gas CDS") :]
    row = row[: row.index("</tr>")]
    assert "<td>2</td>" in row and "Incident resolution time" in row
    assert "1800 min" in row and "1000 min" in row and '<span class="badge bad">Missed</span>' in row
    assert f"provider={slm.gas_org.pk}" in row and "severity=2" in row  # drills to the incidents


def test_only_the_desk_and_the_provider_itself_see_its_missed_severity_targets(slm, agreements) -> None:
    url = f"{reverse('kpi_overview')}?month=2027-05"
    assert 'id="ola-misses-title"' in slm.client(slm.gas).get(url).content.decode()  # its own
    for user in (slm.provider, slm.alpha, slm.bravo):  # another provider, the participants
        body = slm.client(user).get(url).content.decode()
        assert 'id="ola-misses-title"' not in body

"""Participants' view of the service levels: the end-to-end figures and their own organisation's, never a
provider breakdown or another participant's figures. Asking for a provider's figures, or another
participant's, is a 404 on every KPI page and export (the same answer as for a provider that does not
exist); a provider asking for another provider's figures gets the same 404."""

from __future__ import annotations

import pytest
from django.urls import reverse

from busbar.reports.tests.conftest import NOW
from busbar.reports.views import kpis as views

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _now(monkeypatch) -> None:
    monkeypatch.setattr(views, "_now", lambda: NOW)


def _urls() -> list[str]:
    return [
        reverse("kpi_overview"),
        reverse("kpi_detail", args=["incidents"]),
        reverse("kpi_drill", args=["incidents"]),
        reverse("kpi_export") + "?view=overview&format=csv",
    ]


def _with(url: str, query: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}{query}"


@pytest.mark.parametrize("who", ["alpha", "bravo"])
def test_a_participant_asking_for_a_provider_gets_404(slm, who: str) -> None:
    client = slm.client(getattr(slm, who))
    for url in _urls():
        assert client.get(_with(url, "month=2027-05")).status_code == 200, url
        for pid in (slm.world.provider.pk, slm.gas_org.pk, 999999):
            assert client.get(_with(url, f"month=2027-05&provider={pid}")).status_code == 404, (url, pid)


def test_a_participant_sees_its_own_organisation_but_not_anothers(slm) -> None:
    client = slm.client(slm.alpha)
    for url in _urls():
        own = client.get(_with(url, f"month=2027-05&organisation={slm.world.org_a.pk}"))
        assert own.status_code == 200, url
        other = client.get(_with(url, f"month=2027-05&organisation={slm.world.org_b.pk}"))
        assert other.status_code == 404, url


def test_a_provider_asking_for_another_provider_gets_404(slm) -> None:
    client = slm.client(slm.provider)
    for url in _urls():
        assert client.get(_with(url, f"month=2027-05&provider={slm.gas_org.pk}")).status_code == 404, url
        assert client.get(_with(url, f"month=2027-05&provider={slm.world.provider.pk}")).status_code == 200
    gas = slm.client(slm.gas)
    assert gas.get(_with(_urls()[0], f"month=2027-05&provider={slm.world.provider.pk}")).status_code == 404


def test_the_desk_may_ask_for_any_provider_or_participant(slm) -> None:
    client = slm.client(slm.desk)
    for url in _urls():
        assert client.get(_with(url, f"month=2027-05&provider={slm.gas_org.pk}")).status_code == 200, url
        assert client.get(_with(url, f"month=2027-05&organisation={slm.world.org_b.pk}")).status_code == 200
    # A number that is not a provider is the same 404 as a hidden one.
    assert client.get(_with(_urls()[0], f"provider={slm.world.org_a.pk}")).status_code == 404


def test_the_participants_column_counts_only_its_incidents(slm) -> None:
    body = slm.client(slm.bravo).get(f"{reverse('kpi_overview')}?month=2027-05").content.decode()
    assert "Your organisation" in body
    own = f"organisation={slm.world.org_b.pk}"
    assert own in body
    assert f"organisation={slm.world.org_a.pk}" not in body
    # B raised paused and open in May.
    assert f'incidents/?month=2027-05&amp;{own}" title="2 behind this figure">2<' in body

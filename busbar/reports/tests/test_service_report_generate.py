"""Generating a month's report: the desk makes or remakes a draft with the month's snapshot (the
commentary kept); a published month is a 409; a future month, a month over five years back or an
organisation without services is a 422 naming the field; providers and participants may not generate."""

from __future__ import annotations

import datetime as dt

import pytest

from busbar.lib.actions import ActionError, Actor, IllegalTransition, NotPermitted
from busbar.reports.actions import service_reports as actions
from busbar.reports.models import ServiceReport, ServiceReportStatus
from busbar.reports.tests._service_report_helpers import make_report
from busbar.reports.tests.conftest import MAY, NOW

pytestmark = pytest.mark.django_db


def test_the_desk_generates_the_end_to_end_draft_with_every_section(slm) -> None:
    report = make_report(slm)
    assert report.status == ServiceReportStatus.DRAFT and report.provider_id is None and report.month == MAY
    c = report.content
    assert c["month_label"] == "May 2027" and c["scope"]["kind"] == "end_to_end"
    assert [k["code"] for k in c["kpis"]][:2] == ["availability", "interruptions"] and len(c["kpis"]) == 10
    assert len(c["trend"]["months"]) == 13 and c["trend"]["months"][-1] == "2027-05-01"
    assert c["trend"]["months"][0] == "2026-05-01"
    for key in ("attribution", "major_incidents", "changes", "problems", "availability", "severities"):
        assert key in c
    assert {a["service"] for a in c["availability"]} >= {"CSS", "UK Link"}
    by_code = {k["code"]: k for k in c["kpis"]}
    assert by_code["incidents"]["value"] == "6"  # quick, paused, late, holiday, open, major raised in May


def test_a_provider_report_has_only_its_own_services(slm) -> None:
    report = make_report(slm, provider=slm.gas_org)
    c = report.content
    assert c["scope"] == {
        "kind": "provider",
        "provider_id": slm.gas_org.pk,
        "provider": "Gas CDS",
        "title": "Gas CDS",
    }
    assert [a["service"] for a in c["availability"]] == ["UK Link"]
    assert c["providers"] == []


def test_regenerating_a_draft_keeps_the_commentary_and_refreshes_the_figures(slm) -> None:
    report = make_report(slm)
    actions.update_commentary(actor=Actor(user=slm.desk), report=report, summary="A quiet month", now=NOW)
    later = NOW + dt.timedelta(days=1)
    again = actions.generate_report(actor=Actor(user=slm.desk), month=MAY, now=later)
    assert again.pk == report.pk and again.summary == "A quiet month" and again.generated_at == later
    assert ServiceReport.objects.filter(month=MAY, provider__isnull=True).count() == 1


def test_a_published_month_cannot_be_generated_again(slm) -> None:
    report = make_report(slm, publish=True)
    before = ServiceReport.objects.get(pk=report.pk).content
    with pytest.raises(IllegalTransition) as refused:
        actions.generate_report(actor=Actor(user=slm.desk), month=MAY, now=NOW + dt.timedelta(days=2))
    assert refused.value.status == 409
    assert ServiceReport.objects.get(pk=report.pk).content == before


@pytest.mark.parametrize(
    ("month", "field"),
    [(dt.date(2027, 7, 1), "month"), (dt.date(2022, 5, 1), "month")],
)
def test_bad_months_are_refused_naming_the_field(slm, month, field) -> None:
    with pytest.raises(ActionError) as refused:
        actions.generate_report(actor=Actor(user=slm.desk), month=month, now=NOW)
    assert refused.value.status == 422 and refused.value.field == field
    assert not ServiceReport.objects.exists()


def test_an_organisation_without_services_is_no_provider(slm) -> None:
    with pytest.raises(ActionError) as refused:
        actions.generate_report(actor=Actor(user=slm.desk), month=MAY, provider=slm.world.org_a, now=NOW)
    assert refused.value.field == "provider" and refused.value.status == 422
    assert not ServiceReport.objects.exists()


@pytest.mark.parametrize("who", ["provider", "gas", "alpha", "bravo"])
def test_only_the_desk_generates(slm, who) -> None:
    with pytest.raises(NotPermitted):
        actions.generate_report(actor=Actor(user=getattr(slm, who)), month=MAY, now=NOW)
    assert not ServiceReport.objects.exists()


def test_the_analyst_and_the_operations_manager_both_generate(slm) -> None:
    a = actions.generate_report(actor=Actor(user=slm.desk), month=MAY, now=NOW)
    b = actions.generate_report(actor=Actor(user=slm.ops), month=MAY, provider=slm.world.provider, now=NOW)
    assert a.provider_id is None and b.provider_id == slm.world.provider.pk

"""The report as a PDF (busbar.lib.pdf, Typst): a real PDF whose title names the month, whose headings are
the report's sections, with the commentary shown as text (markup typed into it prints literally)."""

from __future__ import annotations

import json

import pytest

from busbar.lib.actions import Actor
from busbar.reports import monthly
from busbar.reports import pdf as report_pdf
from busbar.reports.actions import service_reports as actions
from busbar.reports.queries import audience
from busbar.reports.tests._service_report_helpers import make_report
from busbar.reports.tests.conftest import NOW

pytestmark = pytest.mark.django_db


def test_the_pdf_is_a_pdf_naming_the_month_with_every_section(slm) -> None:
    report = make_report(slm)
    actions.update_commentary(
        actor=Actor(user=slm.desk), report=report, summary='#import "x": ] [ not markup', now=NOW
    )
    report.refresh_from_db()
    body = report_pdf.render(report, report.content)
    assert body.startswith(b"%PDF")
    title = report_pdf.query(report, report.content, "<title>")
    assert "May 2027" in json.dumps(title)
    level1 = report_pdf.query(report, report.content, "heading.where(level: 1, outlined: true)")
    headings = [h["body"].get("text") for h in level1]
    for section in (
        "Key performance indicators",
        "Trends over 13 months",
        "Major incidents",
        "Changes",
        "Top problems",
        "Availability",
        "Commentary",
    ):
        assert section in headings
    summary = report_pdf.query(report, report.content, "<summary>")
    assert summary[0]["text"] == '#import "x": ] [ not markup'


def test_the_pdf_download_per_persona(slm) -> None:
    draft = make_report(slm, provider=slm.world.provider)
    url = f"/service-reports/{draft.pk}/pdf/"
    ok = slm.client(slm.provider).get(url)
    assert (
        ok.status_code == 200 and ok["Content-Type"] == "application/pdf" and ok.content.startswith(b"%PDF")
    )
    assert slm.client(slm.alpha).get(url).status_code == 404
    assert slm.client(slm.gas).get(url).status_code == 404
    api = slm.client(slm.desk).get(f"/api/v1/service-reports/{draft.pk}/pdf")
    assert api.status_code == 200 and api.content.startswith(b"%PDF")
    assert slm.client(slm.bravo).get(f"/api/v1/service-reports/{draft.pk}/pdf").status_code == 404


def test_a_participant_reads_the_redacted_content(slm) -> None:
    report = make_report(slm, publish=True)
    seen = monthly.for_viewer(report.content, audience(slm.alpha))
    assert seen["providers"] == []
    assert all(row["provider_id"] is None for row in seen["attribution"])
    assert report_pdf.render(report, seen).startswith(b"%PDF")

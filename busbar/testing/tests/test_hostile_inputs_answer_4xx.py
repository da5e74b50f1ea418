"""Input that used to reach a 500 answers a clear 4xx (review findings): a workbook whose sheet is damaged
(openpyxl reads a read-only sheet lazily), one with no sheet, ids such as "²" that ``str.isdigit`` accepts and
``int`` refuses, and a completion report too large for the PDF renderer."""

from __future__ import annotations

import io
import zipfile

import pytest

from busbar.lib import pdf
from busbar.testing.actions import reports
from busbar.testing.actions import setup as actions
from busbar.testing.imports import ImportRefused
from busbar.testing.models import Requirement
from busbar.testing.tests.conftest import actor_for
from busbar.testing.tests.test_requirements_import import _xlsx


def _damaged_sheet() -> bytes:
    """A workbook whose first sheet has a number cell holding text."""
    good = _xlsx([["code", "title"], ["BR-1", 1]])
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"<v>1</v>", b"<v>abc</v>")
            dst.writestr(item, data)
    return out.getvalue()


def test_a_damaged_worksheet_is_refused_naming_where(prog):
    with pytest.raises(ImportRefused, match="not a readable XLSX worksheet"):
        actions.import_requirements(
            actor=actor_for(prog.si), programme=prog.programme, filename="r.xlsx", content=_damaged_sheet()
        )
    response = prog.client(prog.si).post(
        f"/api/v1/testing/programmes/{prog.programme.code}/requirements/import",
        {"file": io.BytesIO(_damaged_sheet())},
    )
    assert response.status_code == 422 and "XLSX" in response.content.decode()
    assert not Requirement.objects.exists()


@pytest.mark.parametrize("query", ["?v=²", "?from=²&to=1", "?v=99999999999999999999999"])
def test_a_scenario_page_ignores_an_id_that_is_no_number(prog, query):
    scenario = prog.scenarios[0]
    url = f"/testing/{prog.programme.code}/{prog.phase.code}/scenarios/{scenario.code}/{query}"
    assert prog.client(prog.si).get(url).status_code == 200


def test_the_record_form_ignores_a_scenario_that_is_no_number(prog):
    url = f"/testing/{prog.programme.code}/{prog.phase.code}/executions/record/?scenario=²"
    assert prog.client(prog.world.user_a).get(url).status_code == 200


def test_a_report_too_large_for_the_renderer_answers_422(prog, monkeypatch):
    report = reports.generate_report(actor=actor_for(prog.si), phase=prog.phase)
    monkeypatch.setattr(pdf, "MAX_DATA", 100)
    response = prog.client(prog.si).get(f"/api/v1/testing/reports/{report.pk}/pdf")
    assert response.status_code == 422
    assert "larger than" in response.json()["detail"]

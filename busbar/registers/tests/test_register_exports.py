"""Exports of the filtered list as CSV and XLSX: the viewer's items only, the filter applied, bad input
refused."""

import csv
import io

import pytest

pytestmark = pytest.mark.django_db


def _csv(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_csv_of_the_filtered_list(reg, frozen) -> None:
    response = reg.client(reg.world.analyst).get("/risks/export/?format=csv&min_score=10")
    assert response.status_code == 200
    rows = _csv(response)
    assert rows[0][:3] == ["Reference", "Title", "Status"] and "Residual score" in rows[0]
    assert [r[0] for r in rows[1:]] == [reg.operator_risk.reference, reg.risk.reference]


def test_provider_exports_only_its_own(reg, frozen) -> None:
    rows = _csv(reg.client(reg.world.resolver).get("/improvements/export/?format=csv"))
    assert [r[0] for r in rows[1:]] == [reg.improvement.reference]
    assert "Benefits" in rows[0]


def test_xlsx(reg, frozen) -> None:
    from openpyxl import load_workbook

    response = reg.client(reg.world.ops).get("/risks/export/?format=xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert sheet.max_row == 4  # header + three risks


def test_participant_404_and_bad_format_400(reg) -> None:
    assert reg.client(reg.world.user_a).get("/risks/export/?format=csv").status_code == 404
    assert reg.client(reg.world.analyst).get("/risks/export/?format=pdf").status_code == 400
    assert reg.client(reg.world.analyst).get("/risks/export/?format=csv&min_score=0").status_code == 400

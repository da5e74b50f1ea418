"""The Change Notification export: the list's rows (visible, filtered, sorted) as CSV or XLSX, with the
provider's internal columns only for those who may read them, each cell filled only where the viewer
reads that change's internal fields."""

import csv
import io

import pytest
from openpyxl import load_workbook

from busbar.changes.models import CcgMember, ChangeNotification

pytestmark = pytest.mark.django_db

INTERNAL = {"Team", "Risk", "Back-out plan", "Raised by", "Emergency reason", "Conflicts"}


def _csv(response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


def test_participants_get_the_published_rows_without_internal_columns(chg) -> None:
    rows = _csv(chg.client(chg.alpha).get("/changes/export/?status=all&format=csv"))
    assert [r["Reference"] for r in rows] == [chg.done.reference, chg.live.reference, chg.accepted.reference]
    assert not INTERNAL & set(rows[0])
    assert "UKL release" not in str(rows) and "Restore the previous release" not in str(rows)
    accepted = next(r for r in rows if r["Reference"] == chg.accepted.reference)
    assert accepted["Services"] == "UK Link" and accepted["Outage"] == "yes"
    assert accepted["Planned start (Europe/London)"] == "2027-06-27 02:00:00"  # UK time


def test_the_desk_gets_every_row_with_the_internal_columns(chg) -> None:
    rows = _csv(chg.client(chg.desk).get("/changes/export/?status=all&format=csv"))
    assert {r["Reference"] for r in rows} >= {chg.draft.reference, chg.submitted.reference}
    assert set(rows[0]) >= INTERNAL
    draft = next(r for r in rows if r["Reference"] == chg.draft.reference)
    assert draft["Team"] == "CSS DBA" and draft["Back-out plan"] == "Restore the previous release"
    assert draft["Raised by"] and draft["Risk"] == "Medium"


def test_a_provider_reads_internal_cells_of_its_own_rows_only(chg) -> None:
    CcgMember.objects.filter(user=chg.provider).update(is_active=False)  # not on the CCG: its own only
    rows = _csv(chg.client(chg.provider).get("/changes/export/?status=all&format=csv"))
    assert set(rows[0]) >= INTERNAL
    by_ref = {r["Reference"]: r for r in rows}
    assert by_ref[chg.draft.reference]["Team"] == "CSS DBA"
    assert by_ref[chg.accepted.reference]["Team"] == ""  # Gas CDS's change: published, internals hidden
    assert by_ref[chg.accepted.reference]["Back-out plan"] == ""
    # As a CCG member it reads the review of every change it sees.
    CcgMember.objects.filter(user=chg.provider).update(is_active=True)
    rows = _csv(chg.client(chg.provider).get("/changes/export/?status=all&format=csv"))
    assert {r["Reference"]: r for r in rows}[chg.accepted.reference]["Team"] == "UKL release"


def test_the_export_follows_the_filters_and_sort(chg) -> None:
    desk = chg.client(chg.desk)
    rows = _csv(desk.get(f"/changes/export/?status=all&provider={chg.gas_org.pk}&sort=-start&format=csv"))
    assert [r["Reference"] for r in rows] == [chg.accepted.reference, chg.done.reference]
    assert [r["Reference"] for r in _csv(desk.get("/changes/export/?q=firewall&format=csv"))] == [
        chg.live.reference
    ]


def test_cells_are_safe_in_a_spreadsheet(chg) -> None:
    ChangeNotification.objects.filter(pk=chg.accepted.pk).update(title="=HYPERLINK(1)")
    rows = _csv(chg.client(chg.alpha).get("/changes/export/?status=all&format=csv"))
    assert any(r["Title"] == "'=HYPERLINK(1)" for r in rows)


def test_xlsx_and_bad_formats(chg) -> None:
    response = chg.client(chg.alpha).get("/changes/export/?status=all&format=xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    header = [c.value for c in next(book.active.iter_rows(max_row=1))]
    assert "Reference" in header and not INTERNAL & set(header)
    assert chg.client(chg.desk).get("/changes/export/?format=doc").status_code == 400
    assert chg.client(None).get("/changes/export/?format=csv").status_code == 302

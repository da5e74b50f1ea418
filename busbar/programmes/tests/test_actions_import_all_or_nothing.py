"""Importing an action log (CSV or XLSX, the seed's columns GV-28): checked and previewed first, then all or
nothing; a bad date, an unknown owner, a duplicate or existing reference, an unknown group or meeting are
refused with line-numbered errors and nothing is written. The office only."""

from __future__ import annotations

import datetime as dt
import io

import pytest

from busbar.lib.actions import NotPermitted
from busbar.lib.tabular import ImportRefused
from busbar.programmes import action_import
from busbar.programmes.actions import meetings as actions
from busbar.programmes.models import Action, ActionStatus, ActionUpdate
from busbar.programmes.tests.conftest import actor_for
from busbar.records.models import Notification

HEADER = "Ref,Date,Action,Owner,Due,Status,Latest Update\n"
GOOD = (
    HEADER + "TMAG19-02,04/11/26,Produce a plan-on-a-page for Migration,Programme (pm),09/12/26,Open,"
    '"The dates are still being consolidated; see R1 and R2"\n'
    + "TMAG19-03,04/11/2026,Ask constituents for offline approval,TMAG members,2026-12-09,Open - ongoing,\n"
    + "tmag20-1,,Share Alpha's migration dates,Alpha Energy,,Recommend Closed,Shared on the portal\n"
)


def _api_upload(client, body: bytes, *, preview: bool = False, name: str = "log.csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    url = "/api/v1/programmes/mhhs/actions/import" + ("?preview=true" if preview else "")
    return client.post(url, {"file": SimpleUploadedFile(name, body)})


def test_a_good_file_imports_every_row(gov, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        result = actions.import_actions(
            actor=actor_for(gov.office), programme=gov.programme, filename="log.csv", content=GOOD.encode()
        )
    assert result.created == ["TMAG19-02", "TMAG19-03", "TMAG20-01"]
    a = Action.objects.get(reference="TMAG19-02")
    assert a.meeting == gov.tmag19 and a.sequence == 2 and a.raised_on == dt.date(2026, 11, 4)
    assert a.owner_organisation == gov.prog.pm_org and a.owner_label == "Programme (pm)"
    assert list(a.owner_people.all()) == [gov.office]
    assert a.due_date == dt.date(2026, 12, 9) and a.status == ActionStatus.OPEN
    assert set(a.raid_items.values_list("number", flat=True)) == {1, 2}  # R-numbers linked (GV-33)
    b = Action.objects.get(reference="TMAG19-03")
    assert (
        b.owner_organisation is None and b.owner_label == "TMAG members" and b.status == ActionStatus.ONGOING
    )
    c = Action.objects.get(reference="TMAG20-01")
    assert c.raised_on == gov.tmag20.date and c.status == ActionStatus.RECOMMEND_CLOSED
    assert c.owner_organisation == gov.world.org_a
    assert ActionUpdate.objects.filter(action=c, text="Shared on the portal").exists()
    assert Notification.objects.filter(recipient=gov.alpha, title__contains="TMAG20-01").exists()
    # The next action raised at #19 takes the next number.
    nxt = actions.raise_action(
        actor=actor_for(gov.office), meeting=gov.tmag19, description="x", owner_label="L"
    )
    assert nxt.reference == "TMAG19-04"


def test_every_fault_is_named_by_line_and_nothing_is_written(gov) -> None:
    bad = (
        HEADER
        + "TMAG19-02,31/02/26,Bad date,Alpha Energy,,Open,\n"  # line 2: no 31 February
        + "TMAG19-03,04/11/26,Unknown owner,Nobody Ltd,,Open,\n"  # line 3
        + "TMAG18-01,14/10/26,Already in the log,Alpha Energy,,Open,\n"  # line 4
        + "TMAG05-01,14/10/26,No such meeting,Alpha Energy,,Open,\n"  # line 5
        + "XYZ01-01,14/10/26,No such group,Alpha Energy,,Open,\n"  # line 6
        + "TMAG20-01,,Fine row,Alpha Energy,,Open,\n"  # line 7
        + "TMAG20-01,,Twice in the file,Alpha Energy,,Open,\n"  # line 8
        + "TMAG20-02,,Closed directly,Alpha Energy,,Closed,\n"  # line 9
        + "TMAG20-03,,Bad due,Alpha Energy,soon,Open,\n"  # line 10
    )
    before = Action.objects.count()
    with pytest.raises(ImportRefused) as refused:
        actions.import_actions(
            actor=actor_for(gov.office), programme=gov.programme, filename="log.csv", content=bad.encode()
        )
    found = {(f.line, f.column) for f in refused.value.faults}
    assert found == {
        (2, "date"),
        (3, "owner"),
        (4, "ref"),
        (5, "ref"),
        (6, "ref"),
        (8, "ref"),
        (9, "status"),
        (10, "due"),
    }
    text = refused.value.message
    assert "line 3, column owner: unknown owner 'Nobody Ltd'" in text
    assert "TMAG18-01 is already in the action log" in text and "TMAG has no meeting #5" in text
    assert "appears twice in the file (also line 7)" in text
    assert Action.objects.count() == before  # all or nothing


def test_xlsx_with_date_cells_and_preview_writes_nothing(gov) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Ref", "Date", "Action", "Owner", "Due", "Status", "Latest Update", "Notes"])
    sheet.append(
        [
            "TMAG19-02",
            dt.datetime(2026, 11, 4),
            "From a workbook",
            "Bravo Energy",
            dt.date(2026, 12, 9),
            "Open",
            "",
        ]
    )
    buffer = io.BytesIO()
    book.save(buffer)
    parsed = action_import.parse(
        programme=gov.programme,
        filename="log.xlsx",
        content=buffer.getvalue(),
        access=actor_for(gov.office).user,
    )
    assert [r.reference for r in parsed.rows] == ["TMAG19-02"] and parsed.ignored_columns == ["notes"]
    assert parsed.rows[0].due_date == dt.date(2026, 12, 9)
    assert not Action.objects.filter(reference="TMAG19-02").exists()
    result = actions.import_actions(
        actor=actor_for(gov.office), programme=gov.programme, filename="log.xlsx", content=buffer.getvalue()
    )
    assert result.created == ["TMAG19-02"]


def test_only_the_office_imports(gov) -> None:
    for user in (gov.alpha, gov.bravo, gov.assurer, gov.desk):
        with pytest.raises(NotPermitted):
            actions.import_actions(
                actor=actor_for(user), programme=gov.programme, filename="x.csv", content=GOOD.encode()
            )


def test_api_preview_then_import_and_line_numbered_422(gov) -> None:
    office = gov.client(gov.office)
    preview = _api_upload(office, GOOD.encode(), preview=True)
    assert preview.status_code == 200, preview.content
    body = preview.json()
    assert body["preview"] is True and body["rows"] == 3 and body["created"] == []
    assert body["items"][0]["reference"] == "TMAG19-02" and body["items"][0]["raid_items"] == ["R1", "R2"]
    assert not Action.objects.filter(reference="TMAG19-02").exists()
    done = _api_upload(office, GOOD.encode())
    assert done.status_code == 200 and done.json()["created"] == ["TMAG19-02", "TMAG19-03", "TMAG20-01"]
    again = _api_upload(office, GOOD.encode())
    assert again.status_code == 422 and again["Content-Type"] == "application/problem+json"
    assert [e["field"] for e in again.json()["errors"]] == ["line 2, ref", "line 3, ref", "line 4, ref"]
    raw = office.post("/api/v1/programmes/mhhs/actions/import", GOOD.encode(), content_type="text/csv")
    assert raw.status_code == 422  # the same rows again: already in the log
    assert (
        office.post(
            "/api/v1/programmes/mhhs/actions/import", b"{}", content_type="application/json"
        ).status_code
        == 415
    )
    for user in (gov.alpha, gov.bravo, gov.assurer, gov.desk):
        assert _api_upload(gov.client(user), GOOD.encode(), preview=True).status_code == 403, user
    assert _api_upload(gov.client(gov.outsider), GOOD.encode()).status_code == 404


def test_page_previews_then_confirms(gov) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    url = "/programmes/mhhs/actions/import/"
    office = gov.client(gov.office)
    assert office.get(url).status_code == 200
    shown = office.post(url, {"file": SimpleUploadedFile("log.csv", GOOD.encode())})
    assert shown.status_code == 200 and b"Preview: 3 actions" in shown.content
    assert not Action.objects.filter(reference="TMAG19-02").exists()
    token = shown.context["token"]
    done = office.post(url, {"token": token})
    assert done.status_code == 302 and Action.objects.filter(reference="TMAG19-02").exists()
    refused = office.post(url, {"file": SimpleUploadedFile("log.csv", GOOD.encode())})
    assert refused.status_code == 422 and b"line 2, column ref" in refused.content
    expired = office.post(url, {"token": "nope"})
    assert expired.status_code == 422 and b"expired" in expired.content
    for user in (gov.alpha, gov.bravo, gov.assurer, gov.desk):
        client = gov.client(user)
        assert client.get(url).status_code == 403
        assert client.post(url, {"file": SimpleUploadedFile("log.csv", GOOD.encode())}).status_code == 403
    assert gov.client(gov.outsider).get(url).status_code == 404

"""Importing a RAID spreadsheet (CSV or XLSX): all or nothing. A bad date, an unknown owner or a duplicate
reference (twice in the file, or already in the log — an import never updates) refuse the whole file
with errors naming each line and column, and nothing is written; the preview (page and API) writes
nothing; the page goes upload → preview → confirm; the template and the programme's own per-type
columns import as they are."""

from __future__ import annotations

import csv
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from busbar.audit.models import AuditEntry
from busbar.programmes.actions import raid as actions
from busbar.programmes.models import Manageable, RaidItem, RaidKind
from busbar.programmes.tests.conftest import actor_for
from busbar.records.models import Notification, Record

API = "/api/v1/programmes"

GOOD = (
    "ref,type,title,theme,phase,owner,likelihood,impact score,rag,public,raised,"
    "impacting milestone or activity\n"
    "R281,Risk,Environments late,Duration of Testing,integration-testing,alpha energy,3,4,Amber,yes,"
    "31/03/2026,\n"
    ",Dependency,REC change approved,External Dependency,Migration,,,,green,no,2026-04-01,M10: REC approval\n"
    ",assumption,Participants supply data,Data,,Bravo Energy,,,,,,\n"
)


def _counts():
    return RaidItem.objects.count(), Record.objects.count(), AuditEntry.objects.count()


def _import_api(
    client, content: bytes, *, preview: bool = False, name: str = "raid.csv", kind: str = "text/csv"
):
    upload = SimpleUploadedFile(name, content, content_type=kind)
    url = f"{API}/mhhs/raid/import" + ("?preview=true" if preview else "")
    return client.post(url, {"file": upload})


def test_a_valid_file_imports_every_row(gov, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = _import_api(gov.client(gov.office), GOOD.encode())
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["preview"], body["count"]) == (False, 3)
    assert [i["ref"] for i in body["items"]] == ["R281", "R282", "R283"]
    risk = RaidItem.objects.get(programme=gov.programme, number=281)
    assert (risk.kind, risk.owner_organisation, risk.exposure, risk.rag, risk.is_public) == (
        RaidKind.RISK,
        gov.world.org_a,
        12,
        "amber",
        True,
    )
    assert risk.raised_on.isoformat() == "2026-03-31" and risk.phase == gov.phase_it
    dep = RaidItem.objects.get(programme=gov.programme, number=282)
    assert (dep.impacting_milestone, dep.impacting_activity, dep.phase) == (
        gov.m10,
        "REC approval",
        gov.phase_mig,
    )
    assumption = RaidItem.objects.get(programme=gov.programme, number=283)
    assert assumption.kind == RaidKind.ASSUMPTION and not assumption.is_public
    entries = AuditEntry.objects.filter(action="programmes.raid.import")
    assert entries.count() == 3 and "line 2" in entries.get(record_id=str(risk.pk)).note
    # The owners are told.
    assert Notification.objects.filter(record_id=risk.record_id, recipient=gov.alpha).exists()
    assert Notification.objects.filter(record_id=assumption.record_id, recipient=gov.bravo).exists()


def test_bad_date_unknown_owner_and_duplicate_refs_refuse_the_whole_file(gov) -> None:
    before = _counts()
    content = (
        b"ref,type,title,owner,raised\n"
        b"R10,risk,Fine row,Alpha Energy,2026-01-05\n"  # line 2
        b",issue,Bad date,,31/02/2026\n"  # line 3
        b",risk,Unknown owner,Zulu Power,\n"  # line 4
        b"R10,risk,Twice in the file,,\n"  # line 5
        b"R2,risk,Already in the log,,\n"  # line 6
        b",risk,Future,,2999-01-01\n"  # line 7
        b",opportunity,Not a type,,\n"  # line 8
    )
    response = _import_api(gov.client(gov.office), content)
    assert response.status_code == 422
    errors = {(e["field"], e["message"]) for e in response.json()["errors"]}
    fields = [e["field"] for e in response.json()["errors"]]
    assert fields == [
        "line 3, raised",
        "line 4, owner",
        "line 5, ref",
        "line 6, ref",
        "line 7, raised",
        "line 8, type",
    ]
    assert ("line 5, ref", "R10 appears twice in the file (also line 2)") in errors
    assert any("R2 is already in the RAID log" in m for f, m in errors if f == "line 6, ref")
    assert any("Zulu Power" in m for f, m in errors if f == "line 4, owner")
    assert _counts() == before
    # The same through the action: nothing written.
    from busbar.lib.tabular import ImportRefused

    try:
        actions.import_items(
            actor=actor_for(gov.office), programme=gov.programme, filename="x.csv", content=content
        )
    except ImportRefused as exc:
        assert [f.line for f in exc.faults] == [3, 4, 5, 6, 7, 8]
    else:  # pragma: no cover
        raise AssertionError("the file was not refused")
    assert _counts() == before


def test_preview_writes_nothing(gov) -> None:
    before = _counts()
    response = _import_api(gov.client(gov.office), GOOD.encode(), preview=True)
    assert response.status_code == 200
    assert response.json()["preview"] is True and [i["ref"] for i in response.json()["items"]] == [
        "R281",
        "R282",
        "R283",
    ]
    assert response.json()["items"][1]["impacting_milestone"] == "M10"
    assert _counts() == before
    refused = _import_api(gov.client(gov.office), b"type,title,raised\nrisk,x,yesterday\n", preview=True)
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "line 2, raised"
    assert _counts() == before


def test_the_page_previews_then_confirms(gov) -> None:
    client = gov.client(gov.office)
    before = _counts()
    shown = client.post(
        "/programmes/mhhs/raid/import/", {"file": SimpleUploadedFile("log.csv", GOOD.encode(), "text/csv")}
    )
    assert shown.status_code == 200
    assert (
        b"would add 3 items" in shown.content
        and b"R281" in shown.content
        and b"Environments late" in shown.content
    )
    assert _counts() == before  # the preview wrote nothing
    token = shown.context["token"]
    done = client.post("/programmes/mhhs/raid/import/", {"token": token})
    assert done.status_code == 302 and done["Location"] == "/programmes/mhhs/raid/"
    assert RaidItem.objects.filter(programme=gov.programme).count() == 7
    # The token is used up; a stale one asks for the file again.
    again = client.post("/programmes/mhhs/raid/import/", {"token": token})
    assert again.status_code == 302 and RaidItem.objects.filter(programme=gov.programme).count() == 7
    # Another person cannot confirm the office's preview (nor preview at all).
    assert gov.client(gov.alpha).post("/programmes/mhhs/raid/import/", {"token": token}).status_code == 403


def test_the_page_lists_faults_by_line_and_writes_nothing(gov) -> None:
    before = _counts()
    bad = b"type,title,owner,raised\nrisk,One,Alpha Energy,2026-02-30\nrisk,Two,Nobody Ltd,\n"
    shown = gov.client(gov.office).post(
        "/programmes/mhhs/raid/import/", {"file": SimpleUploadedFile("bad.csv", bad, "text/csv")}
    )
    assert shown.status_code == 422
    assert b"bad.csv was refused: nothing was imported" in shown.content
    assert b"<td>2</td><td>raised</td>" in shown.content and b"<td>3</td><td>owner</td>" in shown.content
    assert _counts() == before


def test_xlsx_and_the_template_import(gov) -> None:
    client = gov.client(gov.office)
    for fmt in ("csv", "xlsx"):
        template = client.get(f"/programmes/mhhs/raid/import/template/?format={fmt}")
        assert template.status_code == 200
        preview = _import_api(client, template.content, preview=True, name=f"template.{fmt}")
        assert preview.status_code == 200, preview.content
        assert [i["kind"] for i in preview.json()["items"]] == ["risk", "assumption", "issue", "dependency"]
    api_template = client.get(f"{API}/mhhs/raid/import/template?format=xlsx")
    assert api_template.status_code == 200
    assert load_workbook(io.BytesIO(api_template.content)).active["A1"].value == "ref"
    book = Workbook()
    sheet = book.active
    sheet.append(
        ["Type", "Title", "Likelihood", "Impact score", "Raised", "Manageable?", "Impacted milestone"]
    )
    import datetime as dt

    sheet.append(["Risk", "From Excel", 2, 5, dt.datetime(2026, 5, 4), None, None])
    sheet.append(
        ["Dependency", "SEC MP162", None, None, dt.date(2026, 5, 5), "Yes –SI management of migration", "M14"]
    )
    buffer = io.BytesIO()
    book.save(buffer)
    done = _import_api(client, buffer.getvalue(), name="raid.xlsx", kind="application/octet-stream")
    assert done.status_code == 200, done.content
    risk = RaidItem.objects.get(programme=gov.programme, title="From Excel")
    assert (risk.exposure, risk.raised_on.isoformat()) == (10, "2026-05-04")
    dep = RaidItem.objects.get(programme=gov.programme, title="SEC MP162")
    assert (dep.manageable, dep.impacted_milestone) == (Manageable.YES_SI, gov.m14)


def test_the_programmes_own_per_type_columns_import(gov) -> None:
    """A slide's table as it is: "Risk | Theme (or Category) | Planned mitigating activities | Potential
    Impact" — the header names the type."""
    content = (
        b"Risk,Theme (or Category),Planned mitigating activities,Potential Impact\n"
        b"Not enough testers,Resources,Recruit two,Cohort slips\n"
    )
    response = _import_api(gov.client(gov.office), content)
    assert response.status_code == 200, response.content
    item = RaidItem.objects.get(programme=gov.programme, title="Not enough testers")
    assert (item.kind, item.theme, item.activities, item.impact_text) == (
        RaidKind.RISK,
        "Resources",
        "Recruit two",
        "Cohort slips",
    )


def test_an_export_does_not_import_back_over_the_log(gov) -> None:
    """Its refs are already in the log: an import adds, it never updates."""
    client = gov.client(gov.office)
    exported = b"".join(client.get("/programmes/mhhs/raid/export/?format=csv").streaming_content)
    rows = list(csv.reader(io.StringIO(exported.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Ref", "Type", "Title"]
    before = _counts()
    response = _import_api(client, exported)
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == [f"line {n}, ref" for n in range(2, 6)]
    assert _counts() == before
    # Without the refs it imports as new items, every column read back.
    without = "\n".join(",".join(f'"{c}"' for c in row[1:]) for row in rows) + "\n"
    done = _import_api(client, without.encode())
    assert done.status_code == 200, done.content
    assert [i["ref"] for i in done.json()["items"]] == ["R5", "R6", "R7", "R8"]
    copy = RaidItem.objects.get(programme=gov.programme, number=8)
    assert (copy.kind, copy.impacting_milestone, copy.impacted_milestone, copy.manageable) == (
        RaidKind.DEPENDENCY,
        gov.m10,
        gov.m14,
        Manageable.IN_PROCESS,
    )
    per_type = b"".join(client.get("/programmes/mhhs/raid/export/?format=csv&kind=risk").streaming_content)
    header = next(csv.reader(io.StringIO(per_type.decode("utf-8-sig"))))
    assert header[:5] == ["Ref", "Risk", "Theme", "Planned mitigating activities", "Potential Impact"]
    assert {
        "Owner",
        "RAG",
        "Likelihood",
        "Impact score",
        "Exposure",
        "Public",
        "Status",
        "Raised",
        "Age (days)",
    } <= set(header)


def test_hostile_files_answer_422(gov) -> None:
    client = gov.client(gov.office)
    for content in (b"", b"\x00\x01\x02", b"PK\x03\x04garbage", b"title\nonly a title\n", b"type\nrisk\n"):
        response = _import_api(client, content)
        assert response.status_code == 422, content
    raw = client.post(f"{API}/mhhs/raid/import", b"{}", content_type="application/json")
    assert raw.status_code == 415

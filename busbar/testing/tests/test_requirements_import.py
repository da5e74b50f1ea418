"""Requirements imported from CSV or XLSX: all or nothing; every fault named by line and column (a 422
through the API and the page); duplicate codes in the file reported; existing codes updated and said so;
bounded in size, rows and lengths; exported as CSV and XLSX; imported by the SI only."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from busbar.lib.actions import NotPermitted
from busbar.testing.actions import setup as actions
from busbar.testing.imports import MAX_ROWS, ImportRefused
from busbar.testing.models import Requirement
from busbar.testing.tests.conftest import actor_for

pytestmark = pytest.mark.django_db

GOOD = (
    "code,title,description,source,owner\n"
    "BR-IF021-01,Registration update reaches the agent,Within 5 minutes,MHHS design §4.2,Alpha\n"
    "BR-IF041-01,HH consumption reaches the supplier,,MHHS design §5.1,\n"
).encode()


def _xlsx(rows):
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _import(prog, content, filename="reqs.csv", user=None):
    return actions.import_requirements(
        actor=actor_for(user or prog.si), programme=prog.programme, filename=filename, content=content
    )


def test_a_csv_creates_then_updates_and_says_which(prog):
    summary = _import(prog, GOOD)
    assert summary == {
        "rows": 2,
        "created": 2,
        "updated": 0,
        "unchanged": 0,
        "updated_codes": [],
        "ignored_columns": ["owner"],
    }
    changed = GOOD.replace(b"Within 5 minutes", b"Within 2 minutes")
    again = _import(prog, changed)
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 1, 1)
    assert again["updated_codes"] == ["BR-IF021-01"]
    assert Requirement.objects.get(code="BR-IF021-01").description == "Within 2 minutes"


def test_an_xlsx_imports_the_same(prog):
    content = _xlsx([["Code", "Title", "Source"], ["BR-X-01", "Something", "Doc"], [None, None, None]])
    assert _import(prog, content, filename="reqs.xlsx")["created"] == 1
    assert Requirement.objects.get(code="BR-X-01").source == "Doc"


@pytest.mark.parametrize(
    ("content", "where"),
    [
        (b"code,title\nBR-1,One\n,No code\n", "line 3, column code: empty"),
        (b"code,title\nBR-1,One\nBR-2,\n", "line 3, column title: empty"),
        (
            b"code,title\nBR-1,One\nBR-1,Again\n",
            "line 3, column code: BR-1 appears twice in the file (also line 2)",
        ),
        (b"code,title\nBR-1," + b"x" * 301 + b"\n", "line 2, column title: 301 characters; the limit is 300"),
        (b"code,title\nBR 1,One\n", "line 2, column code: 'BR 1' is not a code"),
        (b"ident,title\nBR-1,One\n", "line 1, column code: no code column"),
        (b"code,title\nBR-1,\xff\xfe\n", "line 2: the file is not UTF-8 text"),
        (b"", "line 1: the file is empty"),
        (b"PK\x03\x04not a zip", "line 1: not an XLSX workbook"),
    ],
)
def test_a_bad_file_is_refused_naming_the_line_and_nothing_is_written(prog, content, where):
    with pytest.raises(ImportRefused) as refused:
        _import(prog, content)
    assert where in refused.value.message, refused.value.message
    assert refused.value.status == 422
    assert not Requirement.objects.filter(programme=prog.programme).exists()


def test_an_xlsx_fault_names_its_row(prog):
    content = _xlsx([["code", "title"], ["BR-1", "One"], ["BR-2", None]])
    with pytest.raises(ImportRefused) as refused:
        _import(prog, content, filename="r.xlsx")
    assert "line 3, column title: empty" in refused.value.message


def test_too_many_rows_are_refused(prog):
    content = b"code,title\n" + b"".join(b"R-%d,T\n" % n for n in range(MAX_ROWS + 1))
    with pytest.raises(ImportRefused) as refused:
        _import(prog, content)
    assert f"more than {MAX_ROWS:,} requirements" in refused.value.message


def test_only_the_si_imports(prog):
    for user in (prog.world.user_a, prog.assurer, prog.world.analyst, prog.pm):
        with pytest.raises(NotPermitted):
            _import(prog, GOOD, user=user)


def test_the_api_imports_multipart_or_raw_and_refuses_with_each_line(prog):
    client = prog.world.client(prog.si)
    url = f"/api/v1/testing/programmes/{prog.programme.code}/requirements/import"
    raw = client.post(url, data=GOOD, content_type="text/csv")
    assert raw.status_code == 200 and raw.json()["created"] == 2
    bad = io.BytesIO(b"code,title\nBR-9,Nine\nBR-9,Again\n,Empty\n")
    bad.name = "bad.csv"
    refused = client.post(url, {"file": bad})
    assert refused.status_code == 422
    body = refused.json()
    assert [e["field"] for e in body["errors"]] == ["line 3, code", "line 4, code"]
    assert not Requirement.objects.filter(code="BR-9").exists()
    denied = prog.world.client(prog.world.user_a).post(url, data=GOOD, content_type="text/csv")
    assert denied.status_code == 403
    assert client.post(url, data=b"{}", content_type="application/json").status_code == 415
    listed = prog.world.client(prog.world.user_b).get(
        f"/api/v1/testing/programmes/{prog.programme.code}/requirements?q=IF041"
    )
    assert [r["code"] for r in listed.json()["items"]] == ["BR-IF041-01"]


def test_the_page_imports_searches_and_exports(prog):
    client = prog.world.client(prog.si)
    url = f"/testing/{prog.programme.code}/requirements/"
    upload = io.BytesIO(GOOD)
    upload.name = "reqs.csv"
    done = client.post(f"{url}?form=import", {"import-file": upload}, follow=True)
    assert "2 rows read: 2 created, 0 updated" in done.content.decode()
    bad = io.BytesIO(b"code,title\nBR-1,\n")
    bad.name = "bad.csv"
    refused = client.post(f"{url}?form=import", {"import-file": bad})
    assert refused.status_code == 422 and "line 2, column title: empty" in refused.content.decode()
    denied = prog.world.client(prog.assurer).post(f"{url}?form=import", {"import-file": io.BytesIO(GOOD)})
    assert denied.status_code == 403
    assert "BR-IF041-01" not in client.get(f"{url}?q=IF021").content.decode()
    csv = prog.world.client(prog.world.user_a).get(f"{url}?format=csv&q=IF021")
    text = b"".join(csv.streaming_content).decode("utf-8-sig")
    assert (
        text.splitlines()[0] == "Code,Title,Description,Source"
        and "BR-IF021-01" in text
        and "IF041" not in text
    )
    xlsx = client.get(f"{url}?format=xlsx")
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    assert client.get(f"{url}?format=pdf").status_code == 400


def test_semicolons_and_quoted_lines_are_read_and_faults_name_the_physical_line(prog):
    assert _import(prog, b"code;title\nBR-S1;Semicolon file\n")["created"] == 1
    content = b'code,title,description\nBR-Q1,Quoted,"two\nlines"\nBR-Q2,,x\n'
    with pytest.raises(ImportRefused) as refused:
        _import(prog, content)
    assert "line 4, column title: empty" in refused.value.message

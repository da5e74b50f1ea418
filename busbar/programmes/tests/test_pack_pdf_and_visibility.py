"""The meeting pack as a PDF and a page, allowed and denied: every participant of the programme (office,
assurer, Alpha, Bravo, the SI, the desk) reads the pack of a meeting, as a page, a PDF and JSON, and the
private RAID items never appear in a Public pack; outsiders get 404s and nobody signed in is sent to sign
in (401 on the API). The PDF is a real one — numbered pages, the cover and the agenda — and text typed
into the data prints literally."""

from __future__ import annotations

import re
import time

import pytest

from busbar.lib import pdf
from busbar.programmes import pack
from busbar.programmes.models import AgendaItem, AgendaType, Meeting

pytestmark = pytest.mark.django_db
PAGE = "/programmes/mhhs/groups/TMAG/20/pack/"
PDF = "/programmes/mhhs/groups/TMAG/20/pack.pdf"
API = "/api/v1/programmes/mhhs/groups/TMAG/meetings/20/pack"
READERS = ("office", "assurer", "alpha", "bravo", "si", "desk")
HOSTILE = '#import "evil.typ": * ] [ *bold* $x$ #read("/etc/passwd") — £1,200 – don’t café'


def _text(element) -> str:
    """The words of an element Typst's query returns (its text, children and child, in order)."""
    if isinstance(element, list):
        return "".join(_text(e) for e in element)
    if not isinstance(element, dict):
        return ""
    if element.get("func") == "space":
        return " "
    return element.get("text", "") + _text(element.get("child")) + _text(element.get("children", []))


def _pages(body: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page[^s]", body))


def test_pdf_has_the_cover_agenda_and_numbered_pages(gov) -> None:
    AgendaItem.objects.create(
        meeting=gov.tmag20, position=4, title=HOSTILE, type=AgendaType.DISCUSSION, lead=HOSTILE
    )
    data = pack.build(gov.tmag20, gov.office)
    started = time.perf_counter()
    body = pack.render_pdf(data)
    assert time.perf_counter() - started < 5
    assert body.startswith(b"%PDF") and b"%%EOF" in body[-64:]
    assert _pages(body) >= 6  # cover, agenda, a page per section, appendix
    source = pack.TEMPLATE.read_text()
    shown = pack.for_json(data)
    cover = {
        label: _text(pdf.query(source, shown, f"<cover-{label}>"))
        for label in ("title", "date", "version", "ref", "classification")
    }
    assert cover == {
        "title": "Testing and Migration Advisory Group #20",
        "date": "9 Dec 2026",
        "version": "Version 1.0",
        "ref": "MHHS-DEL900",
        "classification": "Document Classification: Public",
    }
    items = [e["text"] for e in pdf.query(source, shown, "<agenda-item>")]
    assert items == ["Welcome", "Minutes and actions", "Qualification Approach and Plan", HOSTILE]
    headings = [h["body"].get("text") for h in pdf.query(source, shown, "heading.where(level: 1)")]
    assert headings[:2] == ["Agenda", "Minutes and actions"] and headings[-1] == "Appendix"
    assert "Programme updates" in headings and "Working group report" in headings
    assert [e["text"] for e in pdf.query(source, shown, "<action-ref>")] == [
        "TMAG18-01",
        "TMAG18-02",
        "TMAG19-01",
    ]
    assert {e["text"] for e in pdf.query(source, shown, "<raid-ref>")} <= {"R1", "R4"}  # public only
    assert pack.pdf_filename(gov.tmag20) == "mhhs-tmag20-pack-v1.0.pdf"


def test_pages_pdf_and_api_read_by_every_participant(gov) -> None:
    for persona in READERS:
        client = gov.client(getattr(gov, persona))
        page = client.get(PAGE)
        assert page.status_code == 200, persona
        body = page.content.decode()
        assert (
            "Testing and Migration Advisory Group #20" in body and "Document Classification: Public" in body
        )
        assert 'id="pack-agenda"' in body and "10:05-10:15 10 mins" in body and "TMAG19-01" in body
        assert "Bravo test data incomplete" not in body and "agent build may slip" not in body, persona
        download = client.get(PDF)
        assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
        assert download.content.startswith(b"%PDF")
        assert 'filename="mhhs-tmag20-pack-v1.0.pdf"' in download["Content-Disposition"]
        api = client.get(API)
        assert api.status_code == 200, persona
        data = api.json()
        assert data["cover"]["title"] == "Testing and Migration Advisory Group #20"
        assert data["cover"]["date"] == "2026-12-09" and data["agenda"][1]["time"] == "10:05-10:15 10 mins"
        refs = {r["ref"] for key in ("new", "changed", "top") for r in data["raid"][key]}
        assert refs <= {"R1", "R4"}, persona
        assert "html" not in data["minutes"]["meetings"][0]
        assert client.get(f"{API}.pdf").content.startswith(b"%PDF")


def test_denied_to_outsiders_and_strangers(gov) -> None:
    outsider = gov.client(gov.outsider)
    for url in (PAGE, PDF):
        assert outsider.get(url).status_code == 404, url
    for url in (API, f"{API}.pdf"):
        got = outsider.get(url)
        assert got.status_code == 404 and got["Content-Type"] == "application/problem+json", url
    office = gov.client(gov.office)
    assert office.get("/programmes/mhhs/groups/TMAG/99/pack/").status_code == 404
    assert office.get("/programmes/mhhs/groups/NOPE/20/pack/").status_code == 404
    assert office.get("/programmes/mhhs/groups/TMAG/99999999999999999999999/pack/").status_code == 404
    assert office.get(f"/programmes/mhhs/groups/{'X' * 300}/20/pack.pdf").status_code == 404
    assert office.get("/api/v1/programmes/mhhs/groups/TMAG/meetings/99/pack").status_code == 404
    assert office.get("/api/v1/programmes/mhhs/groups/TMAG/meetings/0/pack").status_code == 422
    anonymous = gov.client(None)
    assert anonymous.get(PAGE).status_code == 302 and anonymous.get(PDF).status_code == 302
    assert anonymous.get(API).status_code == 401


def test_a_confidential_pack_shows_what_the_reader_may_see(gov) -> None:
    Meeting.objects.filter(pk=gov.tmag20.pk).update(classification="Programme Confidential")
    office = gov.client(gov.office).get(API).json()
    assert office["cover"]["classification_line"] == "Document Classification: Programme Confidential"
    assert {r["ref"] for r in office["raid"]["top"]} == {"R1", "R2", "R3"}
    alpha = gov.client(gov.alpha).get(API).json()
    assert {r["ref"] for r in alpha["raid"]["top"]} == {"R1", "R2"}  # its own private item, never Bravo's
    assert b"Programme Confidential" in gov.client(gov.alpha).get(PAGE).content


def test_page_query_count_is_constant(gov, django_assert_max_num_queries) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from busbar.programmes.tests.test_pack_content import _grow

    client = gov.client(gov.alpha)
    _grow(gov, 5, 2, ("DWG",), (21,))
    client.get(PAGE)
    with CaptureQueriesContext(connection) as before:
        client.get(PAGE)
    _grow(gov, 7, 30, ("MWG", "EWG"), (22, 23))
    with django_assert_max_num_queries(len(before.captured_queries)):
        assert client.get(PAGE).status_code == 200
    assert len(before.captured_queries) <= 32

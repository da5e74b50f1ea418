"""Exporting the incident list (CSV or XLSX, page and API): exactly the rows the viewer may see with the
same filters and order, only the fields the viewer may see, times in Europe/London, and cells that a
spreadsheet shows but never runs."""

import csv
import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from busbar.incidents import actions, queries
from busbar.incidents.tests.conftest import actor_for, raise_for

pytestmark = pytest.mark.django_db

SUMMER_NOON_UTC = dt.datetime(2026, 7, 1, 12, 0, tzinfo=dt.UTC)


def _csv(response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def _xlsx(response) -> list[dict]:
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    rows = list(book.active.iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


@pytest.fixture
def made(world, catalogue):
    desk = actor_for(world.analyst)
    ours = raise_for(world, catalogue, summary='=HYPERLINK("http://evil.example")', now=SUMMER_NOON_UTC)
    actions.assign_incident(actor=desk, incident=ours, provider=world.provider)
    actions.add_update(actor=desk, incident=ours, body="Secret vendor detail", internal=True)
    theirs = raise_for(world, catalogue, user=world.user_b, summary="Bravo's own trouble")
    published = raise_for(world, catalogue, user=world.user_b, summary="Market-wide outage")
    actions.triage_incident(actor=desk, incident=published, is_published=True)
    return {"ours": ours, "theirs": theirs, "published": published}


def test_a_participant_exports_only_what_it_sees(world, made) -> None:
    rows = _csv(world.client(world.user_a).get("/incidents/export/?queue=all&format=csv"))
    assert {r["Reference"] for r in rows} == {made["ours"].reference, made["published"].reference}
    assert not {"Assignee", "Channel", "Contact"} & set(rows[0])
    assert ("Provider" in rows[0]) is ("provider" not in queries.FIELD_AUDIENCE)  # as the one rule says
    by_ref = {r["Reference"]: r for r in rows}
    assert by_ref[made["ours"].reference]["Raised by"] == "Alpha Energy"
    assert by_ref[made["published"].reference]["Raised by"] == ""  # B raised it: hidden from A
    assert "Secret" not in str(rows)


def test_the_desk_exports_everything_with_the_parties(world, made) -> None:
    for user in (world.ops, world.platform_admin):
        rows = _csv(world.client(user).get("/incidents/export/?queue=all&format=csv"))
        assert {r["Reference"] for r in rows} == {m.reference for m in made.values()}, user
    b_rows = _csv(world.client(world.user_b).get("/incidents/export/?queue=all&format=csv"))
    assert {r["Reference"] for r in b_rows} == {made["theirs"].reference, made["published"].reference}
    rows = _csv(world.client(world.analyst).get("/incidents/export/?queue=all&format=csv"))
    assert {r["Reference"] for r in rows} == {m.reference for m in made.values()}
    by_ref = {r["Reference"]: r for r in rows}
    assert by_ref[made["ours"].reference]["Provider"] == "CSS Provider"
    assert by_ref[made["theirs"].reference]["Raised by"] == "Bravo Energy"


def test_a_provider_exports_its_own_incidents(world, made) -> None:
    rows = _csv(world.client(world.resolver).get("/incidents/export/?queue=all&format=csv"))
    refs = {r["Reference"] for r in rows}
    assert made["ours"].reference in refs and made["theirs"].reference not in refs


def test_the_export_has_the_lists_filters_and_order(world, made) -> None:
    client = world.client(world.analyst)
    rows = _csv(client.get("/incidents/export/?queue=all&q=outage&format=csv"))
    assert [r["Reference"] for r in rows] == [made["published"].reference]
    rows = _csv(client.get("/incidents/export/?queue=all&sort=reference&format=csv"))
    assert [r["Reference"] for r in rows] == sorted(m.reference for m in made.values())
    page = client.get("/incidents/?queue=all&sort=-reference")
    refs = [i.reference for i, _ in page.context["page"].object_list]
    rows = _csv(client.get("/incidents/export/?queue=all&sort=-reference&format=csv"))
    assert [r["Reference"] for r in rows] == refs
    assert 'href="/incidents/export/?queue=all&amp;sort=-reference&amp;format=xlsx"' in page.content.decode()


def test_times_are_london_and_formulas_are_not_run(world, made) -> None:
    rows = _csv(world.client(world.analyst).get("/incidents/export/?queue=all&format=csv"))
    row = next(r for r in rows if r["Reference"] == made["ours"].reference)
    assert row["Raised (Europe/London)"] == "2026-07-01 13:00:00"  # BST
    assert row["Summary"] == '\'=HYPERLINK("http://evil.example")'
    sheet = _xlsx(world.client(world.analyst).get("/incidents/export/?queue=all&format=xlsx"))
    cell = next(r for r in sheet if r["Reference"] == made["ours"].reference)
    assert cell["Raised (Europe/London)"] == dt.datetime(2026, 7, 1, 13, 0)
    assert cell["Summary"].startswith("'=")


def test_xlsx_has_the_same_rows_for_a_participant(world, made) -> None:
    response = world.client(world.user_a).get("/incidents/export/?queue=all&format=xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = _xlsx(response)
    assert {r["Reference"] for r in sheet} == {made["ours"].reference, made["published"].reference}
    assert "Assignee" not in sheet[0]


def test_the_api_export_takes_the_list_filters(world, made) -> None:
    client = world.client(world.user_a)
    rows = _csv(client.get("/api/v1/incidents/export?format=csv"))
    assert {r["Reference"] for r in rows} == {made["ours"].reference, made["published"].reference}
    rows = _csv(client.get("/api/v1/incidents/export?format=csv&published=true"))
    assert [r["Reference"] for r in rows] == [made["published"].reference]
    sheet = _xlsx(world.client(world.analyst).get("/api/v1/incidents/export?format=xlsx&q=outage"))
    assert [r["Reference"] for r in sheet] == [made["published"].reference]


def test_bad_format_and_anonymous_are_refused(world, made) -> None:
    response = world.client(world.analyst).get("/incidents/export/?format=pdf")
    assert response.status_code == 400 and b"format" in response.content
    response = world.client(world.analyst).get("/api/v1/incidents/export?format=pdf")
    assert response.status_code == 422 and b"format" in response.content
    assert world.client(None).get("/incidents/export/?format=csv").status_code == 302
    assert world.client(None).get("/api/v1/incidents/export?format=csv").status_code == 401


def test_the_export_link_follows_a_filter_changed_without_reloading(world, made) -> None:
    response = world.client(world.user_a).get(
        "/incidents/?queue=all&q=outage", headers={"HX-Request": "true", "HX-Target": "rows"}
    )
    html = response.content.decode()
    assert '<div id="list-tools" hx-swap-oob="true">' in html
    assert 'href="/incidents/export/?queue=all&amp;q=outage&amp;format=csv"' in html
    assert 'name="query_string" value="queue=all&amp;q=outage"' in html

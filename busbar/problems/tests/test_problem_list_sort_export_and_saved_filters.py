"""The problem list uses the shared list machinery: sortable columns (whitelisted, total order), saved
personal filters, and CSV/XLSX export of exactly the visible, filtered rows, with no internal field."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from busbar.accounts.models import SavedFilter
from busbar.problems import actions
from busbar.problems.tests.conftest import actor_for, problem_for, raise_for

pytestmark = pytest.mark.django_db


def _csv(response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.content
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


@pytest.fixture
def made(world, catalogue):
    mine = raise_for(world, catalogue)
    a_problem = problem_for(world, catalogue, incidents=(mine,), summary="Bravo uploads")
    actions.record_root_cause(
        actor=actor_for(world.analyst), problem=a_problem, category="capacity", root_cause="Pool too small"
    )
    hidden = problem_for(world, catalogue, summary="Alpha hidden")
    return a_problem, hidden


def test_sorts_by_whitelisted_columns(world, made) -> None:
    client = world.client(world.analyst)
    by_summary = client.get("/problems/?queue=all&sort=summary").context["page"].object_list
    assert [p.summary for p in by_summary] == ["Alpha hidden", "Bravo uploads"]
    reverse = client.get("/problems/?queue=all&sort=-summary").context["page"].object_list
    assert [p.summary for p in reverse] == ["Bravo uploads", "Alpha hidden"]
    ignored = client.get("/problems/?queue=all&sort=root_cause").context["page"].object_list
    assert [p.summary for p in ignored] == ["Alpha hidden", "Bravo uploads"]  # newest first
    assert (
        'href="?queue=all&amp;sort=-summary"'
        in client.get("/problems/?queue=all&sort=summary").content.decode()
    )


def test_export_is_the_visible_filtered_rows_without_internal_fields(world, made) -> None:
    a_problem, hidden = made
    rows = _csv(world.client(world.user_a).get("/problems/export/?queue=all&format=csv"))
    assert [r["Reference"] for r in rows] == [a_problem.reference]
    assert "Pool too small" not in str(rows) and "Owner" not in rows[0]
    assert _csv(world.client(world.user_b).get("/problems/export/?queue=all&format=csv")) == []
    desk = _csv(world.client(world.analyst).get("/problems/export/?queue=all&q=bravo&format=csv"))
    assert [r["Reference"] for r in desk] == [a_problem.reference]
    xlsx = world.client(world.analyst).get("/problems/export/?queue=all&format=xlsx")
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    assert world.client(world.analyst).get("/problems/export/?format=doc").status_code == 400
    assert world.client(None).get("/problems/export/?format=csv").status_code == 302


def test_export_queries_do_not_grow_with_rows(world, catalogue) -> None:
    client = world.client(world.analyst)
    client.get("/problems/")

    def export() -> int:
        with CaptureQueriesContext(connection) as captured:
            body = b"".join(client.get("/problems/export/?queue=all&format=csv").streaming_content)
        return len(captured), body.count(b"\n") - 1

    for k in range(2):
        problem_for(world, catalogue, summary=f"P{k}")
    few, rows = export()
    assert rows == 2
    for k in range(18):
        problem_for(world, catalogue, summary=f"Q{k}")
    assert export() == (few, 20)


def test_saved_filters_above_the_problem_list(world, made) -> None:
    client = world.client(world.resolver)
    client.post(
        "/profile/filters/", {"list_key": "problem_list", "name": "Known", "query_string": "known=on"}
    )
    assert SavedFilter.objects.get(user=world.resolver).list_key == "problem_list"
    assert 'href="/problems/?known=on">Known</a>' in client.get("/problems/").content.decode()
    assert ">Known</a>" not in world.client(world.analyst).get("/problems/").content.decode()


def test_the_export_link_follows_a_filter_changed_without_reloading(world, made) -> None:
    response = world.client(world.analyst).get(
        "/problems/?queue=all&q=bravo", headers={"HX-Request": "true", "HX-Target": "rows"}
    )
    html = response.content.decode()
    assert '<div id="list-tools" hx-swap-oob="true">' in html
    assert 'href="/problems/export/?queue=all&amp;q=bravo&amp;format=csv"' in html

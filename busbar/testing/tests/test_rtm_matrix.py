"""The requirements traceability matrix: (requirement, scenario) rows with untraced scenarios on their own,
one column per participation the viewer may see (a participant only its own), cells from the latest
results with attempts, totals per row; a fixed number of queries whatever the size; the XLSX export."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from busbar.testing import rtm
from busbar.testing.actions.executions import record_execution
from busbar.testing.models import Requirement, Result
from busbar.testing.tests.conftest import actor_for
from busbar.testing.tests.executions_fixtures import scenario_with_script


def _trace(prog):
    r1 = Requirement.objects.create(programme=prog.programme, code="BR-IF021-01", title="Registration update")
    r2 = Requirement.objects.create(programme=prog.programme, code="BR-IF041-02", title="Half-hourly data")
    s1, s2, s3 = prog.scenarios
    s1.requirements.add(r1, r2)
    s2.requirements.add(r2)
    s2.roles.add(prog.supplier_role)  # the agent does not run SIT-F-002
    a, si = actor_for(prog.world.user_a), actor_for(prog.si)
    record_execution(actor=a, participation=prog.part_a, scenario=s1, result=Result.FAILED)
    latest = record_execution(actor=a, participation=prog.part_a, scenario=s1, result=Result.PASSED)
    record_execution(actor=si, participation=prog.part_b, scenario=s1, result=Result.BLOCKED)
    record_execution(actor=si, participation=prog.part_b, scenario=s2, result=Result.FAILED)
    return latest


def test_rows_columns_cells_and_totals(prog):
    latest = _trace(prog)
    m = rtm.matrix(prog.si, prog.phase)
    keys = [(r.key.requirement_code, r.key.scenario_code) for r in m.rows]
    assert keys == [
        ("BR-IF021-01", "SIT-F-001"),
        ("BR-IF041-02", "SIT-F-001"),
        ("BR-IF041-02", "SIT-F-002"),
        ("", "SIT-F-003"),
    ]
    assert [p.pk for p in m.columns] == [prog.part_a.pk, prog.part_b.pk, prog.part_agent.pk]
    first = m.rows[0]
    cell_a = first.cells[0]
    assert (cell_a.result, cell_a.attempts, cell_a.execution_id) == (Result.PASSED, 2, latest.pk)
    assert (first.passed, first.failed, first.blocked, first.not_run) == (1, 0, 1, 1)
    scen2 = m.rows[2]
    assert [c.applicable for c in scen2.cells] == [True, True, False]
    assert (scen2.passed, scen2.failed, scen2.not_run) == (0, 1, 1)  # the agent's n/a is not counted
    assert m.count == 4


def test_participant_sees_only_its_own_column(prog):
    _trace(prog)
    m = rtm.matrix(prog.world.user_a, prog.phase)
    assert [p.pk for p in m.columns] == [prog.part_a.pk]
    assert m.rows[0].cells[0].result == Result.PASSED
    assert rtm.matrix(prog.world.user_b, prog.phase).rows[0].cells[0].result == Result.BLOCKED
    for user in (prog.assurer, prog.world.analyst):
        assert len(rtm.matrix(user, prog.phase).columns) == 3
    assert rtm.matrix(prog.world.resolver, prog.phase).columns == []


def test_filters(prog):
    _trace(prog)
    by_text = rtm.matrix(prog.si, prog.phase, rtm.Filters(requirement="half-hourly"))
    assert [r.key.scenario_code for r in by_text.rows] == ["SIT-F-001", "SIT-F-002"]
    by_role = rtm.matrix(prog.si, prog.phase, rtm.Filters(role=prog.agent_role.pk))
    assert [p.pk for p in by_role.columns] == [prog.part_agent.pk]
    by_interface = rtm.matrix(prog.si, prog.phase, rtm.Filters(interface="IF-031"))
    assert [r.key.scenario_code for r in by_interface.rows] == ["SIT-F-003"]


def test_query_count_does_not_grow_with_the_phase(prog, django_assert_max_num_queries):
    _trace(prog)
    with django_assert_max_num_queries(8) as small:
        rtm.matrix(prog.si, prog.phase)
    for n in range(60):
        scenario_with_script(prog.phase, f"SIT-Z-{n:03d}")
    with django_assert_max_num_queries(len(small.captured_queries)):
        m = rtm.matrix(prog.si, prog.phase, offset=50)
    assert m.count == 64 and len(m.rows) == 14


def test_page_and_xlsx_export(prog, django_assert_max_num_queries):
    _trace(prog)
    client = prog.client(prog.si)
    url = f"/testing/{prog.programme.code}/{prog.phase.code}/rtm/"
    response = client.get(url)
    assert response.status_code == 200
    assert b"BR-IF021-01" in response.content and b"Bravo Energy" in response.content
    exported = client.get(url + "?format=xlsx")
    assert exported.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(exported.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("Requirement", "Requirement title", "Scenario")
    assert rows[1][2] == "SIT-F-001" and rows[1][6] == "Passed ×2" and rows[1][7] == "Blocked"
    own = prog.client(prog.world.user_a).get(url)
    assert own.status_code == 200 and b"Bravo Energy" not in own.content
    assert prog.client(prog.world.resolver).get(url).status_code == 404
    api = client.get(f"/api/v1/testing/phases/{prog.phase.pk}/rtm?limit=2").json()
    assert api["count"] == 4 and len(api["items"]) == 2 and len(api["columns"]) == 3
    mine = prog.client(prog.world.user_a).get(f"/api/v1/testing/phases/{prog.phase.pk}/rtm").json()
    assert [c["id"] for c in mine["columns"]] == [prog.part_a.pk]

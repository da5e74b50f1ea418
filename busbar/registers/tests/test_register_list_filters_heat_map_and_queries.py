"""The register lists: filters (status, organisation, owner, score, service, KPI, overdue review, a heat
map cell), the 5×5 heat map counts, pagination and a bounded number of queries whatever the rows."""

import pytest

from busbar.registers import actions
from busbar.registers.tests.conftest import NOW, actor

pytestmark = pytest.mark.django_db


def test_filters_narrow_the_list(reg, frozen) -> None:
    desk = reg.client(reg.world.analyst)
    body = desk.get("/risks/?min_score=10").content.decode()
    assert reg.risk.reference in body and reg.gas_risk.reference not in body
    body = desk.get(f"/risks/?service={reg.uk_link.pk}").content.decode()
    assert reg.gas_risk.reference in body and reg.risk.reference not in body
    body = desk.get("/risks/?overdue=on").content.decode()
    assert reg.operator_risk.reference in body and reg.risk.reference not in body
    body = desk.get("/risks/?kpi=availability").content.decode()
    assert reg.risk.reference in body and reg.operator_risk.reference not in body
    body = desk.get(f"/risks/?organisation={reg.gas_org.pk}").content.decode()
    assert reg.gas_risk.reference in body and reg.risk.reference not in body


def test_bad_filter_is_400_naming_the_field(reg) -> None:
    response = reg.client(reg.world.analyst).get("/risks/?min_score=40")
    assert response.status_code == 400
    assert b"id_min_score_error" in response.content


def test_heat_map_counts_and_cell_filter(reg, frozen) -> None:
    desk = reg.client(reg.world.analyst)
    grid = desk.get("/risks/").context["grid"]
    counts = {(c.likelihood, c.impact): c.count for row in grid for c in row}
    assert counts[(4, 4)] == 1 and counts[(5, 5)] == 1 and counts[(2, 3)] == 1
    assert sum(counts.values()) == 3 and len(grid) == 5 and all(len(r) == 5 for r in grid)
    response = desk.get("/risks/?likelihood=4&impact=4")
    assert [i.reference for i in response.context["page"]] == [reg.risk.reference]
    assert sum(c.count for row in response.context["grid"] for c in row) == 3  # the map keeps every cell


def test_list_queries_do_not_grow_with_rows(reg, frozen, django_assert_max_num_queries) -> None:
    desk = reg.client(reg.world.analyst)
    desk.get("/risks/")  # warm the session
    with django_assert_max_num_queries(14):
        assert desk.get("/risks/").status_code == 200
    for n in range(15):
        actions.raise_risk(
            actor=actor(reg.world.analyst),
            title=f"More {n}",
            likelihood=1 + n % 5,
            impact=2,
            services=[reg.css],
            now=NOW,
        )
    with django_assert_max_num_queries(14):
        assert desk.get("/risks/").status_code == 200
    with django_assert_max_num_queries(14):
        assert desk.get("/improvements/").status_code == 200
    with django_assert_max_num_queries(12):
        assert desk.get("/api/v1/risks").status_code == 200

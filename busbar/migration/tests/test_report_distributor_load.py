"""Per DNO load: planned (counted plans) and migrated per area and day against the distributor cap in force
(the thresholds' own rule: effective dates, the scope's default); a DNO sees its area only; bad ranges
refused naming the field; a fixed number of queries whatever the days."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from busbar.lib.actions import ActionError
from busbar.migration import charts, progress
from busbar.migration.models import PlanStatus, Threshold, ThresholdScope
from busbar.migration.tests.conftest import TODAY
from busbar.migration.tests.test_report_progress import make_plan, make_progress

pytestmark = pytest.mark.django_db
TOMORROW = TODAY + dt.timedelta(days=1)


def _world(m):
    w = m.world
    make_plan(m, w.org_a, "smart", [(TODAY, "10", 3000), (TOMORROW, "10", 4500), (TOMORROW, "12", 700)])
    make_plan(m, w.org_b, "smart", [(TOMORROW, "10", 200)], status=PlanStatus.ACCEPTED)
    make_plan(m, w.org_b, "advanced", [(TOMORROW, "10", 9000)], status=PlanStatus.RETURNED)  # not counted
    make_progress(w.org_a, TODAY, migrated=2500, remigrated=100, reversed=40)
    make_progress(w.org_a, TODAY, distributor="12", migrated=10)


def _by(loads):
    return {load.distributor: load for load in loads}


def test_planned_actual_and_cap_per_area_and_day(m) -> None:
    _world(m)
    loads = _by(progress.distributor_load(m.si, day_from=TODAY, day_to=TOMORROW + dt.timedelta(days=1)))
    assert set(loads) == {"10", "12"}
    eastern = loads["10"]
    assert eastern.name == "10 Eastern"
    today, tomorrow, after = eastern.days
    assert (today.planned, today.actual, today.reversed, today.cap, today.over) == (
        3000,
        2600,
        40,
        4000,
        False,
    )
    assert (tomorrow.planned, tomorrow.cap, tomorrow.over, tomorrow.excess) == (4700, 4000, True, 700)
    assert (after.planned, after.actual, after.cap) == (0, 0, 4000)
    assert [d.day for d in eastern.over_days] == [TOMORROW]
    london = loads["12"]
    assert london.days[1].planned == 700 and london.days[1].cap is None and not london.days[1].over
    assert london.actual == 10


def test_cap_follows_effective_dates_and_default(m) -> None:
    _world(m)
    Threshold.objects.create(
        programme=m.programme,
        scope=ThresholdScope.DISTRIBUTOR,
        distributor="10",
        daily_max=5000,
        effective_from=TOMORROW,
    )
    Threshold.objects.create(
        programme=m.programme, scope=ThresholdScope.DISTRIBUTOR, daily_max=600, effective_from=TODAY
    )  # every area without its own
    loads = _by(progress.distributor_load(m.si, day_from=TODAY, day_to=TOMORROW))
    assert [d.cap for d in loads["10"].days] == [4000, 5000]
    assert not loads["10"].over_days
    assert [d.cap for d in loads["12"].days] == [600, 600]
    assert [d.day for d in loads["12"].over_days] == [TOMORROW]


def test_dno_sees_its_area_only_and_others_nothing(m) -> None:
    _world(m)
    assert set(_by(progress.distributor_load(m.dno, day_from=TODAY, day_to=TOMORROW))) == {"10"}
    assert set(_by(progress.distributor_load(m.assurer, day_from=TODAY, day_to=TOMORROW))) == {"10", "12"}
    for user in (m.world.user_a, m.world.user_b, m.agent, m.code_body_user, m.world.resolver):
        assert progress.distributor_load(user, day_from=TODAY, day_to=TOMORROW) == []


def test_bad_ranges_name_the_field(m) -> None:
    with pytest.raises(ActionError) as exc:
        progress.distributor_load(m.si, day_from=TOMORROW, day_to=TODAY)
    assert exc.value.field == "day_to"
    with pytest.raises(ActionError) as exc:
        progress.distributor_load(m.si, day_from=TODAY, day_to=TODAY + dt.timedelta(days=400))
    assert exc.value.field == "day_to"
    with pytest.raises(ActionError) as exc:
        progress.distributor_load(m.si, day_from="16/06/2027")
    assert exc.value.field == "day_from"
    start, end = progress.load_range(today=TODAY)
    assert (start, end) == (TODAY, TODAY + dt.timedelta(days=27))


def test_chart_draws_the_cap_and_flags_the_breach(m) -> None:
    _world(m)
    eastern = _by(progress.distributor_load(m.si, day_from=TODAY, day_to=TOMORROW))["10"]
    drawn = charts.distributor_load(eastern)
    assert "<svg" in drawn.svg and drawn.svg.count('class="chart-cap') == 2
    assert drawn.svg.count("chart-cap-over") == 1
    assert "4700" in drawn.table and "4000" in drawn.table


def test_queries_constant_in_days(m) -> None:
    _world(m)
    progress.distributor_load(m.si, day_from=TODAY, day_to=TOMORROW)

    def count(end):
        with CaptureQueriesContext(connection) as ctx:
            progress.distributor_load(m.si, day_from=TODAY, day_to=end)
        return len(ctx.captured_queries)

    assert count(TOMORROW) == count(TODAY + dt.timedelta(days=300)) <= 4

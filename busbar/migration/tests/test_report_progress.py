"""Progress from the daily aggregates: planned from submitted/accepted plan lines (drafts not counted),
migrated net of reverse migrations, cumulative, by segment, against the portfolio; visibility (a supplier
its own, a DNO its area); and a fixed number of queries whatever the days and suppliers."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from busbar.conftest import make_org
from busbar.migration import progress
from busbar.migration.models import DailyProgress, MigrationPlan, PlanDay, PlanLine, PlanStatus
from busbar.migration.tests.conftest import M11, M14, M15, NOW, TODAY
from busbar.parties.models import IndustryRole

pytestmark = pytest.mark.django_db


@pytest.fixture
def frozen(monkeypatch):
    """Pages and the API read "now" as 16 June 2027, 10:00 UTC."""
    from django.utils import timezone

    monkeypatch.setattr(timezone, "now", lambda: NOW)
    return NOW


def make_plan(m, org, segment, lines, status=PlanStatus.SUBMITTED):
    """A plan of ``org`` with ``lines``: (day, distributor, volume)."""
    plan = MigrationPlan.objects.create(programme=m.programme, supplier=org, segment=segment, status=status)
    PlanLine.objects.bulk_create(
        [PlanLine(plan=plan, day=day, distributor=dist, volume=volume) for day, dist, volume in lines]
    )
    totals: dict = {}
    for day, _dist, volume in lines:
        totals[day] = totals.get(day, 0) + volume
    # The daily totals the plan actions keep beside the lines.
    PlanDay.objects.bulk_create([PlanDay(plan=plan, day=day, volume=n) for day, n in totals.items()])
    return plan


def make_progress(org, day, *, segment="smart", distributor="10", **counts):
    return DailyProgress.objects.create(
        day=day, segment=segment, supplier=org, distributor=distributor, **counts
    )


D1, D2, D3 = M11, M11 + dt.timedelta(days=1), M11 + dt.timedelta(days=2)


def _alpha_world(m):
    w = m.world
    make_plan(m, w.org_a, "smart", [(D1, "10", 1000), (D2, "10", 2000), (D2, "12", 500)])
    make_plan(m, w.org_a, "advanced", [(D3, "10", 300)], status=PlanStatus.ACCEPTED)
    make_plan(m, w.org_b, "smart", [(D1, "10", 9999)], status=PlanStatus.DRAFT)  # not counted
    make_progress(w.org_a, D1, migrated=800, scheduled=1000)
    make_progress(w.org_a, D2, migrated=1500, remigrated=50, reversed=100, failed=7)
    make_progress(w.org_a, D2, distributor="12", migrated=400)
    make_progress(w.org_a, D3, segment="advanced", migrated=300)
    make_progress(w.org_b, D2, migrated=70)


def _day(rep, day):
    return next(r for r in rep.days if r.day == day)


def test_industry_planned_actual_cumulative(m) -> None:
    _alpha_world(m)
    rep = progress.industry(m.si, today=TODAY)
    assert rep.m11 == M11 and rep.m14 == M14 and rep.m15 == M15
    assert rep.days[0].day == M11 and rep.days[-1].day == M15
    d1, d2, d3 = _day(rep, D1), _day(rep, D2), _day(rep, D3)
    assert (d1.planned, d1.actual, d1.cum_planned, d1.cum_actual) == (1000, 800, 1000, 800)
    # 1,500 + 400 + 70 migrated, 50 re-migrated, 100 reversed: net 1,920
    assert (d2.planned, d2.actual, d2.reversed, d2.failed) == (2500, 1920, 100, 7)
    assert (d2.cum_planned, d2.cum_actual) == (3500, 2720)
    assert (d3.planned, d3.actual, d3.cum_planned, d3.cum_actual) == (300, 300, 3800, 3020)
    assert rep.planned == 3800 and rep.planned_to_date == 3800 and rep.actual == 3020
    assert rep.days[-1].cum_actual == 3020
    assert rep.portfolio == 680_000 and rep.percent == round(100 * 3020 / 680_000, 1)
    smart = next(s for s in rep.segments if s.segment == "smart")
    advanced = next(s for s in rep.segments if s.segment == "advanced")
    assert (smart.planned, smart.actual, smart.portfolio) == (3500, 2720, 460_000)
    assert (advanced.planned, advanced.actual, advanced.portfolio) == (300, 300, 40_000)
    assert rep.variance == 3020 - 3800


def test_reversed_mpans_subtract(m) -> None:
    make_progress(m.world.org_a, D1, migrated=100)
    make_progress(m.world.org_a, D2, reversed=30)
    make_progress(m.world.org_a, D3, remigrated=10)
    rep = progress.industry(m.si, today=TODAY)
    assert [_day(rep, d).actual for d in (D1, D2, D3)] == [100, -30, 10]
    assert _day(rep, D3).cum_actual == 80 and rep.actual == 80


def test_segment_filter_and_bad_segment(m) -> None:
    _alpha_world(m)
    rep = progress.industry(m.si, segment="advanced", today=TODAY)
    assert rep.planned == 300 and rep.actual == 300 and rep.portfolio == 40_000
    assert [s.segment for s in rep.segments] == ["advanced"]
    from busbar.lib.actions import ActionError

    with pytest.raises(ActionError) as exc:
        progress.industry(m.si, segment="gas")
    assert exc.value.field == "segment"


def test_planned_to_date_counts_only_days_up_to_today(m) -> None:
    make_plan(m, m.world.org_a, "smart", [(TODAY, "10", 100), (TODAY + dt.timedelta(days=1), "10", 50)])
    rep = progress.industry(m.si, today=TODAY)
    assert rep.planned == 150 and rep.planned_to_date == 100


def test_supplier_sees_its_own_only(m) -> None:
    _alpha_world(m)
    w = m.world
    own = progress.industry(w.user_a, today=TODAY)
    assert own.actual == 2950 and own.planned == 3800 and own.portfolio == 600_000
    assert progress.supplier(w.user_a, w.org_a.pk, today=TODAY).actual == 2950
    with pytest.raises(Http404):
        progress.supplier(w.user_a, w.org_b.pk)
    bravo = progress.industry(w.user_b, today=TODAY)
    assert bravo.actual == 70 and bravo.planned == 0  # its draft is not counted
    assert progress.supplier(m.si, w.org_b.pk, today=TODAY).actual == 70
    with pytest.raises(Http404):
        progress.supplier(m.si, 999_999)


def test_dno_sees_its_area_only(m) -> None:
    _alpha_world(m)
    rep = progress.industry(m.dno, today=TODAY)
    assert rep.area == ("10",) and rep.portfolio is None
    # dist 12's 500 planned and 400 migrated are outside Eastern's area
    assert rep.planned == 3300 and rep.actual == 3020 - 400
    alpha = progress.supplier(m.dno, m.world.org_a.pk, today=TODAY)
    assert alpha.planned == 3300 and alpha.actual == 2950 - 400


def test_nobody_else_sees_progress(m) -> None:
    _alpha_world(m)
    for user in (m.world.resolver, m.agent, m.code_body_user):
        assert not progress.sees_progress(user)
        rep = progress.industry(user, today=TODAY)
        assert rep.actual == 0 and rep.planned == 0
    assert progress.sees_progress(m.world.user_a) and progress.sees_progress(m.dno)
    assert progress.sees_progress(m.assurer) and progress.sees_progress(m.world.analyst)


def _count(fn) -> int:
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


def test_query_count_constant_in_days_and_suppliers(m, django_assert_max_num_queries) -> None:
    _alpha_world(m)
    progress.industry(m.si, today=TODAY)  # the viewer is cached on the user
    few = _count(lambda: progress.industry(m.si, today=TODAY))
    few_supplier = _count(lambda: progress.supplier(m.si, m.world.org_a.pk, today=TODAY))
    for i in range(8):
        org = make_org(f"Supplier {i}", [IndustryRole.ENERGY_SUPPLIER])
        make_plan(
            m, org, "smart", [(M11 + dt.timedelta(days=d), "1" + str(d % 10), 10 + d) for d in range(40)]
        )
        DailyProgress.objects.bulk_create(
            DailyProgress(
                day=M11 + dt.timedelta(days=d), segment="smart", supplier=org, distributor="11", migrated=d
            )
            for d in range(60)
        )
    assert _count(lambda: progress.industry(m.si, today=TODAY)) == few
    assert _count(lambda: progress.supplier(m.si, m.world.org_a.pk, today=TODAY)) == few_supplier
    with django_assert_max_num_queries(6):
        rep = progress.industry(m.si, today=TODAY)
    assert rep.actual == 3020 + 8 * sum(range(60))

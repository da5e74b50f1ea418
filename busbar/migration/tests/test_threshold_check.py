"""check() finds the over-threshold days of the counted (SUBMITTED and ACCEPTED) plans: an industry breach
made of two suppliers' plans, a DNO breach, an agent and a supplier envelope breach, per segment where a
threshold names one; drafts count only on their own check; set-based (a bounded number of queries)."""

from __future__ import annotations

import datetime as dt

import pytest

from busbar.migration.models import MigrationPlan, PlanLine, PlanStatus, Threshold, ThresholdScope
from busbar.migration.thresholds import check, check_plan, involvement, planned_per_day

pytestmark = pytest.mark.django_db
DAY = dt.date(2027, 7, 6)


def _plan(m, org, status=PlanStatus.SUBMITTED, segment="smart", lines=()) -> MigrationPlan:
    plan = MigrationPlan.objects.create(programme=m.programme, supplier=org, segment=segment, status=status)
    PlanLine.objects.bulk_create(
        [PlanLine(plan=plan, day=d, distributor=dist, agent=agent, volume=v) for d, dist, agent, v in lines]
    )
    return plan


def test_industry_breach_made_of_two_suppliers(m) -> None:
    _plan(m, m.world.org_a, lines=[(DAY, "11", None, 6_000)])
    _plan(m, m.world.org_b, status=PlanStatus.ACCEPTED, segment="non_smart", lines=[(DAY, "12", None, 5_000)])
    found = check(m.programme.pk)
    assert [(b.day, b.scope, b.planned, b.cap, b.excess) for b in found] == [
        (DAY, "industry", 11_000, 10_000, 1_000)
    ]


def test_dno_breach_and_drafts_not_counted(m) -> None:
    _plan(m, m.world.org_a, lines=[(DAY, "10", None, 3_000)])
    draft = _plan(m, m.world.org_b, status=PlanStatus.DRAFT, lines=[(DAY, "10", None, 2_000)])
    assert check(m.programme.pk) == []
    draft.status = PlanStatus.RETURNED
    draft.save()
    assert check(m.programme.pk) == []
    # the draft on its own page: the others plus itself
    mine = check_plan(draft)
    assert [(b.scope, b.subject, b.planned, b.cap) for b in mine] == [("distributor", "10", 5_000, 4_000)]
    draft.status = PlanStatus.SUBMITTED
    draft.save()
    found = check(m.programme.pk)
    assert [(b.scope, b.distributor, b.excess) for b in found] == [("distributor", "10", 1_000)]
    assert planned_per_day(m.programme.pk, distributor="10") == {(DAY, "smart"): 5_000}


def test_agent_supplier_and_segment_caps(m) -> None:
    Threshold.objects.create(
        programme=m.programme,
        scope=ThresholdScope.AGENT,
        organisation=m.agent_org,
        daily_max=100,
        effective_from=dt.date(2027, 1, 1),
    )
    Threshold.objects.create(
        programme=m.programme,
        scope=ThresholdScope.SUPPLIER,
        organisation=m.world.org_a,
        daily_max=150,
        effective_from=dt.date(2027, 1, 1),
    )
    Threshold.objects.create(
        programme=m.programme,
        scope=ThresholdScope.INDUSTRY,
        segment="advanced",
        daily_max=50,
        effective_from=dt.date(2027, 1, 1),
    )
    smart = _plan(m, m.world.org_a, lines=[(DAY, "11", m.agent_org, 80)])
    _plan(m, m.world.org_a, segment="advanced", lines=[(DAY, "11", None, 60)])
    bravo = _plan(m, m.world.org_b, lines=[(DAY, "12", m.agent_org, 40)])
    found = {(b.scope, b.subject, b.segment): (b.planned, b.cap) for b in check(m.programme.pk)}
    # Alpha's 140 a day (both segments) is within its 150 envelope
    assert found == {("industry", "", "advanced"): (60, 50), ("agent", "Delta Data", ""): (120, 100)}
    # Bravo's smart plan is in the agent breach, not in Alpha's advanced one
    assert {b.scope for b in check_plan(bravo)} == {"agent"}
    assert involvement(check(m.programme.pk), [smart, bravo]) == {smart.pk: 1, bravo.pk: 1}


def test_check_is_set_based(m, django_assert_max_num_queries) -> None:
    days = [dt.date(2027, 3, 1) + dt.timedelta(days=i) for i in range(200)]
    for org in (m.world.org_a, m.world.org_b):
        _plan(
            m, org, lines=[(d, dist, m.agent_org, 1_500) for d in days for dist in ("10", "11", "12", "13")]
        )
    Threshold.objects.create(
        programme=m.programme,
        scope=ThresholdScope.AGENT,
        daily_max=100_000,
        effective_from=dt.date(2027, 1, 1),
    )
    Threshold.objects.create(
        programme=m.programme,
        scope=ThresholdScope.SUPPLIER,
        daily_max=100_000,
        effective_from=dt.date(2027, 1, 1),
    )
    with django_assert_max_num_queries(6):
        found = check(m.programme.pk)
    # each day: 12,000 industry-wide (> 10,000); 3,000 in distributor 10 (< 4,000); 12,000 for the agent
    assert len(found) == 200 and {(b.scope, b.planned) for b in found} == {("industry", 12_000)}
    assert [b.day for b in found] == days

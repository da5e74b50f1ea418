"""Re-profiling moves a plan's excess to the nearest later days with room (then earlier), keeps the total,
leaves no day of the plan over a cap, never goes past M15; the action applies it, raises the version and
journals the moves (the managers only)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from busbar.audit.models import AuditEntry
from busbar.lib.actions import ActionError, NotPermitted
from busbar.migration.actions import plans as actions
from busbar.migration.models import (
    MigrationPlan,
    PlanLine,
    PlanStatus,
    SegmentWindow,
    Threshold,
    ThresholdScope,
)
from busbar.migration.reprofile import propose_reprofile
from busbar.migration.tests.conftest import M15, NOW, actor
from busbar.migration.thresholds import check, check_plan

pytestmark = pytest.mark.django_db
MON = dt.date(2027, 7, 5)


def _plan(m, org, lines, status=PlanStatus.SUBMITTED, segment="smart") -> MigrationPlan:
    plan = MigrationPlan.objects.create(programme=m.programme, supplier=org, segment=segment, status=status)
    PlanLine.objects.bulk_create(
        [PlanLine(plan=plan, day=d, distributor=dist, agent=a, volume=v) for d, dist, a, v in lines]
    )
    return plan


def _total(plan) -> int:
    return sum(plan.lines.values_list("volume", flat=True))


def test_excess_goes_to_the_nearest_later_day_with_room(m) -> None:
    _plan(m, m.world.org_b, [(MON, "10", None, 3_000), (MON + dt.timedelta(days=1), "10", None, 3_500)])
    plan = _plan(m, m.world.org_a, [(MON, "10", None, 2_000)], status=PlanStatus.DRAFT)
    proposal = propose_reprofile(plan, today=MON - dt.timedelta(days=1))
    # 1,000 fits on Monday beside Bravo's 3,000; Tuesday has 500 of room, Wednesday the rest
    assert [(mv.from_day, mv.to_day, mv.volume) for mv in proposal.moves] == [
        (MON, MON + dt.timedelta(days=1), 500),
        (MON, MON + dt.timedelta(days=2), 500),
    ]
    assert proposal.remainder == [] and sum(proposal.lines.values()) == 2_000


def test_earlier_days_when_no_later_day_has_room(m) -> None:
    window = SegmentWindow.objects.get(programme=m.programme, segment="smart")
    last = dt.date(2028, 6, 30)  # a Friday, M15
    assert window.closes == last == M15
    plan = _plan(m, m.world.org_a, [(last, "10", None, 5_000)])
    proposal = propose_reprofile(plan, today=dt.date(2028, 6, 1))
    assert [(mv.to_day, mv.volume) for mv in proposal.moves] == [(dt.date(2028, 6, 29), 1_000)]
    assert max(d for d, _, _ in proposal.lines) <= M15


def test_what_fits_nowhere_is_the_remainder(m) -> None:
    Threshold.objects.create(
        programme=m.programme,
        scope=ThresholdScope.DISTRIBUTOR,
        distributor="11",
        daily_max=0,
        effective_from=dt.date(2027, 1, 1),
    )
    plan = _plan(m, m.world.org_a, [(MON, "11", None, 70)])
    proposal = propose_reprofile(plan, today=MON - dt.timedelta(days=1))
    assert proposal.moves == [] and proposal.remaining == 70


LINE = st.tuples(
    st.integers(min_value=0, max_value=60),  # working day offset from M15 - 12 weeks
    st.sampled_from(["10", "11", "12"]),
    st.booleans(),  # through the agent
    st.integers(min_value=1, max_value=9_000),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    mine=st.lists(LINE, min_size=1, max_size=12),
    others=st.lists(LINE, max_size=8),
    agent_cap=st.integers(min_value=500, max_value=20_000),
)
def test_property_total_kept_no_day_over_nothing_past_m15(m, mine, others, agent_cap) -> None:
    start = M15 - dt.timedelta(weeks=12)
    with transaction.atomic():
        Threshold.objects.create(
            programme=m.programme,
            scope=ThresholdScope.AGENT,
            organisation=m.agent_org,
            daily_max=agent_cap,
            effective_from=dt.date(2027, 1, 1),
        )

        def lines(items):
            merged = {}
            for offset, dist, via_agent, volume in items:
                day = start + dt.timedelta(days=offset)
                key = (day, dist, m.agent_org if via_agent else None)
                merged[key] = merged.get(key, 0) + volume
            return [(*k, v) for k, v in merged.items()]

        _plan(m, m.world.org_b, lines(others), status=PlanStatus.ACCEPTED)
        plan = _plan(m, m.world.org_a, lines(mine), status=PlanStatus.DRAFT)
        before = _total(plan)
        proposal = propose_reprofile(plan, today=start - dt.timedelta(days=1))
        assert sum(proposal.lines.values()) == before
        assert all(start <= d <= M15 for d, _, _ in proposal.lines)
        if proposal.moves:
            actions.reprofile(actor=actor(m.si), plan=plan, now=NOW.replace(year=2028, month=3))
            assert _total(plan) == before
        if proposal.remaining == 0:
            assert check_plan(plan) == []
        transaction.set_rollback(True)


def test_the_action_applies_bumps_the_version_and_journals(m) -> None:
    plan = _plan(m, m.world.org_a, [(MON, "10", None, 5_000), (MON, "11", m.agent_org, 100)])
    for user in (m.world.user_a, m.assurer, m.dno, m.agent, m.code_body_user, m.world.resolver):
        with pytest.raises(NotPermitted):
            actions.reprofile(actor=actor(user), plan=plan, now=NOW)
    proposal = actions.reprofile(actor=actor(m.si), plan=plan, now=NOW)
    plan.refresh_from_db()
    assert plan.version == 2 and plan.status == PlanStatus.SUBMITTED
    assert _total(plan) == 5_100 and check(m.programme.pk) == []
    assert proposal.moved == 1_000
    entry = AuditEntry.objects.get(action="migration.plan_reprofile")
    assert entry.changes["moved"] == [None, 1_000] and entry.changes["version"] == [1, 2]
    with pytest.raises(ActionError) as refused:
        actions.reprofile(actor=actor(m.si), plan=plan, now=NOW)
    assert refused.value.field == "plan"


def test_past_days_never_move(m) -> None:
    past = dt.date(2027, 6, 1)
    plan = _plan(m, m.world.org_a, [(past, "10", None, 5_000)])
    proposal = propose_reprofile(plan, today=dt.date(2027, 6, 16))
    assert proposal.moves == [] and proposal.lines == {(past, "10", None): 5_000}

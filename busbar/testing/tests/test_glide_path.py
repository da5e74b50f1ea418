"""The glide path: the planned line (the SI's weekly plan, else a straight line across the window) against
actual cumulative executed and passed per UK week, grouped in SQL, in a constant number of queries; and
the SI's plan refused line by line when it is not Mondays, not near the window or not cumulative."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from busbar.lib.actions import ActionError, NotPermitted
from busbar.testing import figures
from busbar.testing.actions.executions import record_execution
from busbar.testing.actions.reports import set_glide_plan
from busbar.testing.models import GlidePoint, Result
from busbar.testing.tests.conftest import actor_for
from busbar.testing.tests.reports_fixtures import at, execute

pytestmark = pytest.mark.django_db
UTC = dt.UTC


def _week(path, day):
    return next(w for w in path.weeks if w.week == day)


def test_straight_line_from_zero_at_start_to_every_applicable_result_at_the_end(prog):
    path = figures.glide_path(prog.phase, today=dt.date(2026, 10, 7))
    assert path.plan == "line" and path.total == 9  # 3 scenarios × 3 participants
    assert path.weeks[0].week == dt.date(2026, 9, 7) and path.weeks[-1].week == dt.date(2027, 1, 25)
    planned = [w.planned_executed for w in path.weeks]
    assert planned[0] == 0 and planned[-1] == 9 and planned == sorted(planned)
    assert [w.planned_passed for w in path.weeks] == planned
    assert _week(path, dt.date(2026, 10, 5)).future is False
    assert _week(path, dt.date(2026, 10, 12)).future is True


def test_actual_per_uk_week_across_the_clock_change(prog):
    s1, s2, s3 = prog.scenarios
    si = actor_for(prog.si)
    # 23:30 UTC on Sunday 18 Oct is 00:30 BST on Monday 19 Oct: the week of 19 Oct.
    failed = record_execution(
        actor=si,
        participation=prog.part_a,
        scenario=s1,
        result=Result.FAILED,
        executed_at=dt.datetime(2026, 10, 18, 23, 30, tzinfo=UTC),
    )
    # Clocks go back at 01:00 UTC on Sunday 25 Oct; 23:30 UTC that day is 23:30 GMT Sunday: still that week.
    retest = record_execution(
        actor=si,
        participation=prog.part_a,
        scenario=s1,
        result=Result.PASSED,
        executed_at=dt.datetime(2026, 10, 25, 23, 30, tzinfo=UTC),
        retest_of=failed,
    )
    # A regression re-run of the passed cell does not count as passed again.
    record_execution(
        actor=si,
        participation=prog.part_a,
        scenario=s1,
        result=Result.PASSED,
        executed_at=dt.datetime(2026, 10, 25, 23, 40, tzinfo=UTC),
        retest_of=retest,
    )
    # Monday 26 Oct 00:30 GMT: the next week.
    record_execution(
        actor=si,
        participation=prog.part_b,
        scenario=s2,
        result=Result.PASSED,
        executed_at=dt.datetime(2026, 10, 26, 0, 30, tzinfo=UTC),
    )
    record_execution(
        actor=si,
        participation=prog.part_b,
        scenario=s3,
        result=Result.NOT_RUN,
        executed_at=dt.datetime(2026, 10, 26, 9, 0, tzinfo=UTC),
    )
    path = figures.glide_path(prog.phase, today=dt.date(2026, 11, 4))
    before, clock, after = (_week(path, dt.date(2026, 10, d)) for d in (12, 19, 26))
    assert (before.actual_executed, before.actual_passed) == (0, 0)
    # One cell executed (failed then passed: counted once), passed by the end of the week.
    assert (clock.executions, clock.passes) == (3, 2)
    assert (clock.actual_executed, clock.actual_passed) == (1, 1)
    # A "not run" record is not an execution.
    assert (after.executions, after.actual_executed, after.actual_passed) == (1, 2, 2)
    assert _week(path, dt.date(2026, 11, 2)).actual_executed == 2
    assert _week(path, dt.date(2026, 11, 9)).future
    # A participant's own glide path counts its own executions only.
    own = figures.glide_path(prog.phase, [prog.part_b], whole_phase=False, today=dt.date(2026, 11, 4))
    assert own.total == 3 and _week(own, dt.date(2026, 10, 26)).actual_executed == 1
    assert _week(own, dt.date(2026, 10, 19)).actual_executed == 0


def test_glide_path_costs_the_same_queries_whatever_the_data(prog):
    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            figures.glide_path(prog.phase, today=dt.date(2026, 11, 4))
        return len(ctx.captured_queries)

    small = count()
    for i, part in enumerate((prog.part_a, prog.part_b, prog.part_agent)):
        for j, scenario in enumerate(prog.scenarios):
            failed = execute(
                part, scenario, Result.FAILED, at(dt.date(2026, 9, 14) + dt.timedelta(days=i + j))
            )
            day = dt.date(2026, 9, 28) + dt.timedelta(days=i + j)
            execute(part, scenario, Result.PASSED, at(day), retest_of=failed)
    assert count() == small <= 5
    path = figures.glide_path(prog.phase, today=dt.date(2026, 11, 4))
    assert path.current.actual_executed == 9 and path.current.actual_passed == 9


def test_the_sis_plan_replaces_the_line(prog):
    set_glide_plan(
        actor=actor_for(prog.si),
        phase=prog.phase,
        points=[
            (dt.date(2026, 9, 21), 3, 1),
            (dt.date(2026, 9, 14), 1, 0),
            (dt.date(2026, 10, 5), 9, 8),
        ],
    )
    path = figures.glide_path(prog.phase, today=dt.date(2026, 10, 7))
    assert path.plan == "points"
    assert [(w.planned_executed, w.planned_passed) for w in path.weeks[:5]] == [
        (0, 0),
        (1, 0),
        (3, 1),
        (3, 1),
        (9, 8),
    ]
    assert path.weeks[-1].planned_executed == 9  # carried to the end of the window
    set_glide_plan(actor=actor_for(prog.si), phase=prog.phase, points=[])
    assert not GlidePoint.objects.filter(phase=prog.phase).exists()


@pytest.mark.parametrize(
    ("points", "message"),
    [
        (
            [(dt.date(2026, 9, 14), 1, 0), (dt.date(2026, 9, 22), 2, 1)],
            "Line 2: Tue 22 Sep 2026 is not a Monday",
        ),
        ([(dt.date(2025, 9, 15), 1, 0)], "Line 1: 15 Sep 2025 is outside the phase's window"),
        ([(dt.date(2026, 9, 14), 5, 0), (dt.date(2026, 9, 21), 4, 0)], "Line 2: the plan is cumulative"),
        ([(dt.date(2026, 9, 14), 1, 2)], "Line 1: more planned passed (2) than executed (1)"),
        (
            [(dt.date(2026, 9, 14), 1, 0), (dt.date(2026, 9, 14), 2, 0)],
            "Line 2: the week of 14 Sep 2026 is given twice",
        ),
    ],
)
def test_a_bad_plan_is_refused_naming_the_line_and_nothing_is_written(prog, points, message):
    GlidePoint.objects.create(
        phase=prog.phase, week=dt.date(2026, 9, 7), planned_executed=1, planned_passed=1
    )
    with pytest.raises(ActionError) as caught:
        set_glide_plan(actor=actor_for(prog.si), phase=prog.phase, points=points)
    assert caught.value.status == 422 and caught.value.message.startswith(message)
    assert caught.value.field.startswith("points[")
    assert GlidePoint.objects.filter(phase=prog.phase).count() == 1


@pytest.mark.parametrize("who", ["user_a", "assurer", "analyst", "pm"])
def test_only_the_si_plans(prog, who):
    user = getattr(prog.world, who, None) or getattr(prog, who)
    with pytest.raises(NotPermitted):
        set_glide_plan(actor=actor_for(user), phase=prog.phase, points=[(dt.date(2026, 9, 14), 1, 0)])

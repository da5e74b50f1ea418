"""First-time pass ratio between gates: first executions from the entry gate decision (or the phase start)
to the exit gate decision (or now) that passed, over all first executions in that window."""

from __future__ import annotations

import datetime as dt

import pytest

from busbar.testing import figures
from busbar.testing.models import Gate, GateKind, GateStatus, Result
from busbar.testing.tests.reports_fixtures import at, execute

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 30, 12, tzinfo=dt.UTC)


def test_ratio_from_phase_start_to_now_counts_first_executions_only(prog):
    s1, s2, s3 = prog.scenarios
    execute(prog.part_a, s1, Result.FAILED, at(dt.date(2026, 9, 10)))
    execute(prog.part_a, s1, Result.PASSED, at(dt.date(2026, 9, 17)))  # a retest: not a first execution
    execute(prog.part_a, s2, Result.PASSED, at(dt.date(2026, 9, 11)))
    execute(prog.part_b, s1, Result.PASSED, at(dt.date(2026, 9, 12)))
    execute(prog.part_b, s2, Result.BLOCKED, at(dt.date(2026, 9, 12)))
    ftp = figures.first_time_pass(prog.phase, now=NOW)
    assert (ftp.first, ftp.passed, ftp.ratio) == (4, 2, 50)
    assert ftp.start_label == "the phase start" and ftp.end_label == "now"
    own = figures.first_time_pass(prog.phase, [prog.part_b], whole_phase=False, now=NOW)
    assert (own.first, own.passed) == (2, 1)


def test_window_runs_between_the_gate_decisions(prog):
    s1, s2, s3 = prog.scenarios
    Gate.objects.create(
        phase=prog.phase,
        kind=GateKind.ENTRY,
        name="SIT entry",
        board=prog.pm_org,
        status=GateStatus.GO,
        decided_at=at(dt.date(2026, 9, 14), 9),
    )
    prog.exit_gate.status = GateStatus.GO_WITH_CONDITIONS
    prog.exit_gate.decided_at = at(dt.date(2026, 10, 30), 17)
    prog.exit_gate.save()
    execute(prog.part_a, s1, Result.FAILED, at(dt.date(2026, 9, 10)))  # before the entry decision
    execute(prog.part_a, s2, Result.PASSED, at(dt.date(2026, 9, 15)))
    execute(prog.part_a, s3, Result.FAILED, at(dt.date(2026, 10, 1)))
    execute(prog.part_b, s1, Result.PASSED, at(dt.date(2026, 11, 2)))  # after the exit decision
    ftp = figures.first_time_pass(prog.phase, now=NOW)
    assert ftp.start_label == "the entry gate decision" and ftp.end_label == "the exit gate decision"
    assert (ftp.first, ftp.passed, ftp.ratio) == (2, 1, 50)


def test_no_first_executions_has_no_ratio(prog):
    ftp = figures.first_time_pass(prog.phase, now=NOW)
    assert (ftp.first, ftp.ratio) == (0, None)

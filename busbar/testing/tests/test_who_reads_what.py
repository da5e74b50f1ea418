"""Who reads which part of a programme (busbar.testing.queries), and what each may change
(busbar.testing.permissions): a participant its own, the SI and assurers all, the desk all, others none."""

from __future__ import annotations

import datetime as dt

from busbar.testing import permissions, queries
from busbar.testing.access import access_for
from busbar.testing.models import Execution, LatestResult, Result


def _execution(prog, participation, result=Result.FAILED):
    scenario = prog.scenarios[0]
    execution = Execution.objects.create(
        phase=prog.phase,
        scenario=scenario,
        script_version=scenario.current_version,
        participation=participation,
        result=result,
        week=dt.date(2026, 9, 7),
        is_first=True,
    )
    LatestResult.objects.create(
        scenario=scenario,
        participation=participation,
        phase=prog.phase,
        execution=execution,
        result=result,
        executed_at=execution.executed_at,
    )
    return execution


def test_programme_seen_by_its_parties_participants_and_the_desk(prog):
    w = prog.world
    for user in (prog.si, prog.assurer, prog.pm, prog.da, prog.agent, w.user_a, w.user_b, w.analyst):
        assert list(queries.programmes_visible_to(user)) == [prog.programme], user
    for user in (w.resolver,):
        assert list(queries.programmes_visible_to(user)) == []


def test_participant_reads_only_its_own_executions(prog):
    w = prog.world
    mine = _execution(prog, prog.part_a)
    theirs = _execution(prog, prog.part_b)
    assert set(queries.executions_visible_to(w.user_a)) == {mine}
    assert set(queries.executions_visible_to(w.user_b)) == {theirs}
    assert set(queries.latest_results_visible_to(w.user_a).values_list("execution", flat=True)) == {mine.pk}
    for user in (prog.si, prog.assurer, w.analyst):
        assert set(queries.executions_visible_to(user)) == {mine, theirs}
    assert list(queries.executions_visible_to(w.resolver)) == []


def test_who_may_record_for_a_participation(prog):
    w = prog.world
    assert permissions.can_record(access_for(w.user_a), prog.part_a) is None
    assert permissions.can_record(access_for(prog.si), prog.part_a) is None
    assert "own organisation" in permissions.can_record(access_for(w.user_b), prog.part_a)
    assert permissions.can_record(access_for(prog.assurer), prog.part_a) == permissions.READ_ONLY
    assert permissions.can_record(access_for(w.analyst), prog.part_a) == permissions.READ_ONLY


def test_only_the_board_decides_the_gate(prog):
    assert permissions.can_decide_gate(access_for(prog.pm), prog.exit_gate) is None
    for user in (prog.si, prog.assurer, prog.world.analyst, prog.world.user_a):
        assert permissions.can_decide_gate(access_for(user), prog.exit_gate) is not None

"""Importing a JUnit XML file into a run: test cases mapped to scenarios by code (exact name, classname, or a
code at the start of the name), outcomes mapped, unmatched cases reported, executions written in bulk with
their latest-result cells, one journal entry for the whole file; all or nothing."""

from __future__ import annotations

import pytest

from busbar.audit.models import AuditEntry
from busbar.lib.actions import ActionError, NotPermitted
from busbar.testing import junit
from busbar.testing.actions.executions import create_run, import_junit, record_execution
from busbar.testing.models import Execution, LatestResult, Result
from busbar.testing.tests.conftest import actor_for
from busbar.testing.tests.executions_fixtures import junit_file, scenario_with_script


def _run(prog, user=None):
    user = user or prog.world.user_a
    return create_run(
        actor=actor_for(user), participation=prog.part_a, title="CI job 1432", environment=prog.environment
    )


def test_mapping_rules():
    codes = {"SIT-F-001": 1, "SIT-F-002": 2}

    def case(name, classname=""):
        return junit.Case(name=name, classname=classname, result="passed", duration_ms=None, notes="")

    assert junit.scenario_code_of(case("SIT-F-001"), codes) == "SIT-F-001"
    assert junit.scenario_code_of(case("sit-f-002"), codes) == "SIT-F-002"
    assert junit.scenario_code_of(case("SIT-F-001 registration update"), codes) == "SIT-F-001"
    assert junit.scenario_code_of(case("SIT-F-002: half-hourly data"), codes) == "SIT-F-002"
    assert junit.scenario_code_of(case("[SIT-F-002] half-hourly data"), codes) == "SIT-F-002"
    assert junit.scenario_code_of(case("test_update", "suite.SIT-F-001"), codes) == "SIT-F-001"
    assert junit.scenario_code_of(case("test_update", "SIT-F-002"), codes) == "SIT-F-002"
    assert junit.scenario_code_of(case("SIT-F-0011 something"), codes) is None
    assert junit.scenario_code_of(case("runs SIT-F-001 later"), codes) is None


def test_import_records_one_execution_per_matched_case(prog, django_assert_max_num_queries):
    earlier = record_execution(
        actor=actor_for(prog.world.user_a),
        participation=prog.part_a,
        scenario=prog.scenarios[1],
        result=Result.FAILED,
    )
    extra = [scenario_with_script(prog.phase, f"SIT-X-{n:03d}") for n in range(1, 51)]
    run = _run(prog)
    cases = [("SIT-F-001 registration update", "failed"), ("SIT-F-002", "passed"), ("SIT-F-003", "blocked")]
    cases += [("SIT-F-003", "skipped"), ("no scenario here", "passed"), ("SIT-F-001", "error")]
    cases += [(s.code, "passed") for s in extra for _ in range(3)]  # 150 more, three per scenario
    content = junit_file(cases)
    with django_assert_max_num_queries(30):
        summary = import_junit(actor=actor_for(prog.world.user_a), run=run, content=content)
    assert summary["cases"] == 156 and summary["created"] == 155
    assert (summary["passed"], summary["failed"], summary["blocked"], summary["skipped"]) == (151, 2, 1, 1)
    assert summary["unmatched_count"] == 1 and summary["unmatched"] == ["ci.suite.no scenario here"]
    executions = Execution.objects.filter(run=run)
    assert executions.count() == 155
    first = executions.filter(scenario=prog.scenarios[0]).order_by("pk").first()
    assert first.result == Result.FAILED and first.duration_ms == 1250 and "got 500" in first.notes
    assert first.is_first and first.script_version == prog.scenarios[0].current_version
    assert first.environment == prog.environment and first.external_id.endswith("registration update")
    # Scenario 2 had an execution before: none from the file is its first.
    assert not executions.filter(scenario=prog.scenarios[1], is_first=True).exists()
    assert executions.filter(is_first=True).count() == 52  # SIT-F-001, SIT-F-003 and the 50 new scenarios
    cell = LatestResult.objects.get(participation=prog.part_a, scenario=prog.scenarios[1])
    assert cell.result == Result.PASSED and cell.attempts == 2 and cell.execution_id != earlier.pk
    cell = LatestResult.objects.get(participation=prog.part_a, scenario=prog.scenarios[2])
    assert cell.result == Result.NOT_RUN and cell.attempts == 2  # the file's last case of it wins
    assert LatestResult.objects.get(participation=prog.part_a, scenario=extra[0]).attempts == 3
    assert AuditEntry.objects.filter(action="testing.import_junit").count() == 1
    assert "156 cases" in AuditEntry.objects.get(action="testing.import_junit").note


def test_a_file_naming_no_scenario_is_refused(prog):
    run = _run(prog)
    with pytest.raises(ActionError) as refused:
        import_junit(
            actor=actor_for(prog.world.user_a), run=run, content=junit_file([("test_login", "passed")])
        )
    assert refused.value.status == 422 and refused.value.field == "file"
    assert not Execution.objects.exists()


def test_testsuite_root_and_bounds(prog, monkeypatch):
    run = _run(prog)
    single = b'<testsuite name="x"><testcase name="SIT-F-001"/></testsuite>'
    assert import_junit(actor=actor_for(prog.si), run=run, content=single)["created"] == 1
    for content, words in (
        (b"<results><testcase name='SIT-F-001'/></results>", "root element"),
        (b"", "empty"),
    ):
        with pytest.raises(ActionError, match=words):
            import_junit(actor=actor_for(prog.si), run=run, content=content)
    monkeypatch.setattr(junit, "MAX_CASES", 3)
    with pytest.raises(ActionError, match="more than 3"):
        import_junit(actor=actor_for(prog.si), run=run, content=junit_file([("SIT-F-001", "passed")] * 4))
    monkeypatch.setattr(junit, "MAX_BYTES", 100)
    with pytest.raises(ActionError, match="limit is 100"):
        import_junit(actor=actor_for(prog.si), run=run, content=junit_file([("SIT-F-001", "passed")] * 4))
    assert Execution.objects.count() == 1


def test_only_the_participant_or_the_si_imports(prog):
    run = _run(prog)
    for user in (prog.world.user_b, prog.assurer, prog.world.analyst):
        with pytest.raises(NotPermitted):
            import_junit(actor=actor_for(user), run=run, content=junit_file([("SIT-F-001", "passed")]))
    with pytest.raises(NotPermitted):
        _run(prog, prog.world.user_b)
    assert not Execution.objects.exists()

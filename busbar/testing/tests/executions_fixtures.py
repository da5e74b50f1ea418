"""Helpers for the executions area's tests: another programme, a scenario with a script, a JUnit file."""

from __future__ import annotations

import datetime as dt

from busbar.testing.models import Environment, Phase, PhaseKind, Programme, Scenario, ScriptVersion


def scenario_with_script(phase: Phase, code: str, *, title: str = "A scenario", steps=None) -> Scenario:
    scenario = Scenario.objects.create(phase=phase, code=code, title=title)
    version = ScriptVersion.objects.create(
        scenario=scenario, version=1, steps=steps or [{"action": "Do it", "expected": "It works"}]
    )
    scenario.current_version = version
    scenario.save(update_fields=["current_version"])
    return scenario


def other_programme(owner) -> tuple[Programme, Phase, Scenario, Environment]:
    """A second programme (run by ``owner``) with a phase, a scenario with a script and an environment."""
    programme = Programme.objects.create(code="fs", name="Faster Switching")
    phase = Phase.objects.create(
        programme=programme,
        code="sit",
        name="FS SIT",
        kind=PhaseKind.SIT_FUNCTIONAL,
        planned_start=dt.date(2026, 9, 7),
        planned_end=dt.date(2027, 1, 29),
        owner=owner,
    )
    return (
        programme,
        phase,
        scenario_with_script(phase, "FS-001"),
        Environment.objects.create(programme=programme, name="FS-ENV"),
    )


def junit_file(cases: list[tuple[str, str]], *, classname: str = "ci.suite") -> bytes:
    """A JUnit file: one <testcase> per (name, outcome) with outcome passed|failed|error|skipped|blocked."""
    body = []
    for name, outcome in cases:
        inner = {
            "passed": "<system-out>ok</system-out>",
            "failed": '<failure message="expected 200">AssertionError: got 500</failure>',
            "error": '<error message="boom">Traceback</error>',
            "skipped": '<skipped message="not ready"/>',
            "blocked": '<skipped message="Blocked by environment outage"/>',
        }[outcome]
        body.append(f'<testcase classname="{classname}" name="{name}" time="1.25">{inner}</testcase>')
    head = f'<?xml version="1.0" encoding="UTF-8"?>\n<testsuites><testsuite name="ci" tests="{len(cases)}">\n'
    return (head + "\n".join(body) + "\n</testsuite></testsuites>").encode()

"""Generating a Test Completion Report: every section snapshotted from the data, versions per phase and per
participant, a participant's report holding only its own, and who may generate which."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.base import ContentFile

from busbar.audit.models import AuditEntry
from busbar.lib.actions import ActionError, NotPermitted
from busbar.testing.actions.reports import generate_report
from busbar.testing.models import (
    Criterion,
    Evidence,
    Phase,
    PhaseKind,
    Result,
)
from busbar.testing.tests.conftest import actor_for
from busbar.testing.tests.reports_fixtures import at, execute, make_issue

pytestmark = pytest.mark.django_db


def _data(prog):
    s1, s2, s3 = prog.scenarios
    day = dt.date(2026, 9, 14)
    ex_a = execute(prog.part_a, s1, Result.FAILED, at(day))
    execute(prog.part_a, s1, Result.PASSED, at(day + dt.timedelta(days=7)))
    execute(prog.part_a, s2, Result.PASSED, at(day))
    ex_b = execute(prog.part_b, s1, Result.PASSED, at(day))
    Evidence.objects.create(
        execution=ex_a,
        file=ContentFile(b"log", name="alpha.log"),
        filename="alpha-if021.log",
        content_type="text/plain",
        size=3,
        uploaded_by=prog.world.user_a,
        uploaded_by_organisation=prog.world.org_a,
    )
    Evidence.objects.create(
        execution=ex_b,
        file=ContentFile(b"log", name="bravo.log"),
        filename="bravo-secret.log",
        content_type="text/plain",
        size=3,
        uploaded_by=prog.world.user_b,
        uploaded_by_organisation=prog.world.org_b,
    )
    Criterion.objects.create(gate=prog.exit_gate, text="Regression pack run", mandatory=True)
    make_issue(
        prog,
        "Alpha's IF-021 rejected",
        category=1,
        status="triaged",
        participation=prog.part_a,
        owner=prog.si_org,
    )
    make_issue(
        prog,
        "Bravo's private failure",
        category=2,
        status="in_fix",
        participation=prog.part_b,
        owner=prog.world.org_b,
    )
    make_issue(
        prog,
        "Out of scope flow",
        status="excluded",
        participation=prog.part_b,
        exclusion_reason="Not in the SIT baseline",
    )
    make_issue(
        prog,
        "Timing quirk",
        status="accepted",
        participation=prog.part_a,
        workaround="Resend after 5 minutes",
    )


def test_phase_report_snapshots_every_section(prog):
    _data(prog)
    report = generate_report(
        actor=actor_for(prog.si), phase=prog.phase, summary="Ready to exit", exceptions="IF-031 deferred"
    )
    c = report.content
    assert report.version == 1 and report.status == "draft"
    assert report.title == "MHHS SIT Functional Test Completion Report"
    assert c["scope"]["environments"] == ["SIT-A"]
    assert [g["name"] for g in c["scope"]["cohorts"]] == ["Cohort 1"]
    assert {r["interface"] for r in c["scope"]["scenarios_by_interface"]} == {"IF-021", "IF-031", "IF-041"}
    members = {m["organisation"]: m for m in c["results"]["members"]}
    assert members["Alpha Energy"]["passed"] == 2 and members["Bravo Energy"]["passed"] == 1
    assert c["results"]["totals"]["applicable"] == 9 and c["results"]["totals"]["passed"] == 3
    assert c["results"]["first_time_pass"]["first_executions"] == 3
    assert c["results"]["first_time_pass"]["passed_first_time"] == 2
    assert "exit_rule" in c["results"]
    refs = {i["summary"] for i in c["open_issues"]["items"]}
    assert refs == {"Alpha's IF-021 rejected", "Bravo's private failure"}
    assert c["exceptions"]["text"] == "IF-031 deferred"
    assert [i["summary"] for i in c["exceptions"]["excluded"]] == ["Out of scope flow"]
    assert [i["workaround"] for i in c["exceptions"]["accepted"]] == ["Resend after 5 minutes"]
    gate = c["gates"][0]
    assert gate["name"] == "SIT Functional exit"
    assert gate["criteria"][0]["text"] == "Regression pack run" and gate["criteria"][0]["blocking"]
    assert {e["name"] for e in c["evidence"]["items"]} == {"alpha-if021.log", "bravo-secret.log"}
    assert AuditEntry.objects.filter(action="testing.report.generate", record_id=str(report.pk)).exists()
    again = generate_report(actor=actor_for(prog.si), phase=prog.phase)
    assert again.version == 2


def test_participants_report_holds_only_its_own(prog):
    _data(prog)
    report = generate_report(actor=actor_for(prog.world.user_a), phase=prog.phase, participation=prog.part_a)
    c = report.content
    assert report.version == 1 and report.title.startswith("Alpha Energy")
    assert [m["organisation"] for m in c["results"]["members"]] == ["Alpha Energy"]
    assert [i["summary"] for i in c["open_issues"]["items"]] == ["Alpha's IF-021 rejected"]
    assert c["exceptions"]["excluded"] == []
    assert [i["summary"] for i in c["exceptions"]["accepted"]] == ["Timing quirk"]
    assert [e["name"] for e in c["evidence"]["items"]] == ["alpha-if021.log"]
    assert "Bravo" not in str(c["open_issues"]) + str(c["evidence"]) + str(c["results"])
    # The phase's own versions are counted apart.
    assert generate_report(actor=actor_for(prog.si), phase=prog.phase).version == 1
    assert (
        generate_report(
            actor=actor_for(prog.world.user_a), phase=prog.phase, participation=prog.part_a
        ).version
        == 2
    )


@pytest.mark.parametrize("who", ["user_b", "assurer", "analyst", "pm"])
def test_others_may_not_write_a_participants_report(prog, who):
    user = getattr(prog.world, who, None) or getattr(prog, who)
    with pytest.raises(NotPermitted):
        generate_report(actor=actor_for(user), phase=prog.phase, participation=prog.part_a)


@pytest.mark.parametrize("who", ["user_a", "assurer", "analyst", "pm"])
def test_only_the_si_writes_the_phase_report(prog, who):
    user = getattr(prog.world, who, None) or getattr(prog, who)
    with pytest.raises(NotPermitted):
        generate_report(actor=actor_for(user), phase=prog.phase)


def test_participation_of_another_phase_is_refused(prog):
    other = Phase.objects.create(
        programme=prog.programme,
        code="pit",
        name="PIT",
        kind=PhaseKind.PIT,
        planned_start=dt.date(2026, 6, 1),
        planned_end=dt.date(2026, 8, 28),
        owner=prog.si_org,
    )
    with pytest.raises(ActionError) as caught:
        generate_report(actor=actor_for(prog.si), phase=other, participation=prog.part_a)
    assert caught.value.field == "participation" and caught.value.status == 422

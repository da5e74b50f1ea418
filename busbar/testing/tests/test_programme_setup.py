"""Programmes, parties, participant roles, environments and phases are data set up by the platform
administrators (programmes, parties) and the SI (the rest); assurers, the desk and participants read them
and change nothing; phase status moves only as PHASE_TRANSITIONS allows."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from busbar.audit.models import AuditEntry
from busbar.lib.actions import ActionError, Conflict, IllegalTransition, NotPermitted
from busbar.testing import permissions
from busbar.testing.actions import setup as actions
from busbar.testing.models import ExitRule, PhaseKind, PhaseStatus, ProgrammeFunction
from busbar.testing.tests.conftest import actor_for
from busbar.testing.tests.setup_fixtures import planned_phase, si

pytestmark = pytest.mark.django_db


def test_a_platform_administrator_creates_a_programme_and_names_its_parties(prog):
    admin = actor_for(prog.world.platform_admin)
    programme = actions.create_programme(
        actor=admin, code="dcc-fsm", name="DCC FSM", description="SEC testing"
    )
    party = actions.name_party(
        actor=admin, programme=programme, organisation=prog.si_org, function=ProgrammeFunction.SI, label="SI"
    )
    assert party.function == ProgrammeFunction.SI
    assert AuditEntry.objects.filter(action="testing.programme.create", record_id=str(programme.pk)).exists()
    with pytest.raises(Conflict):
        actions.create_programme(actor=admin, code="dcc-fsm", name="Another")
    with pytest.raises(NotPermitted):
        actions.create_programme(actor=actor_for(prog.si), code="other", name="Other")
    with pytest.raises(ActionError) as bad:
        actions.create_programme(actor=admin, code="Not A Slug!", name="X")
    assert bad.value.field == "code"


def test_the_si_sets_up_roles_environments_and_phases(prog):
    role = actions.add_participant_role(
        actor=si(prog), programme=prog.programme, code="dtn", label="DTN", min_per_cohort=1, mandatory=True
    )
    env = actions.add_environment(actor=si(prog), programme=prog.programme, name="SIT-B")
    phase = actions.create_phase(
        actor=si(prog),
        programme=prog.programme,
        code="sit-operational",
        name="SIT Operational",
        kind=PhaseKind.SIT_OPERATIONAL,
        planned_start=dt.date(2027, 2, 3),
        planned_end=dt.date(2027, 4, 10),
        owner=prog.si_org,
        environments=[env, prog.environment],
        exit_rule=ExitRule.ALL_COHORTS,
        grace_days=14,
        pass_threshold=Decimal("97.5"),
    )
    assert role.mandatory and role.min_per_cohort == 1
    assert phase.status == PhaseStatus.PLANNED and phase.grace_until == dt.date(2027, 2, 17)
    assert {e.name for e in phase.environments.all()} == {"SIT-A", "SIT-B"}
    updated = actions.update_participant_role(actor=si(prog), role=role, min_per_cohort=2)
    assert updated.min_per_cohort == 2
    changed = actions.update_phase(
        actor=si(prog), phase=phase, grace_days=30, planned_end=dt.date(2027, 5, 1)
    )
    assert changed.grace_days == 30
    entry = AuditEntry.objects.filter(action="testing.phase.update").latest("at")
    assert entry.changes["grace_days"] == [14, 30]


@pytest.mark.parametrize("who", ["assurer", "analyst", "user_a", "pm"])
def test_no_one_but_the_si_changes_the_set_up(prog, who):
    user = getattr(prog, who, None) or getattr(prog.world, who)
    actor = actor_for(user)
    with pytest.raises(NotPermitted) as refused:
        actions.add_environment(actor=actor, programme=prog.programme, name="Mine")
    if who in ("assurer", "analyst"):
        assert refused.value.message == permissions.READ_ONLY
    with pytest.raises(NotPermitted):
        actions.create_cohort(actor=actor, phase=prog.phase, name="Cohort 9")


def test_bad_phase_input_names_the_field(prog):
    common = dict(
        actor=si(prog),
        programme=prog.programme,
        name="UIT",
        kind=PhaseKind.UIT,
        owner=prog.si_org,
        planned_start=dt.date(2027, 6, 1),
        planned_end=dt.date(2027, 7, 1),
    )
    cases = [
        ({"code": "uit", "planned_end": dt.date(2027, 5, 1)}, "planned_end"),
        ({"code": "uit", "kind": "bogus"}, "kind"),
        ({"code": "uit", "grace_days": 400}, "grace_days"),
        ({"code": "uit", "pass_threshold": "150"}, "pass_threshold"),
        ({"code": "uit", "planned_start": dt.date(1900, 1, 1)}, "planned_start"),
    ]
    for change, field in cases:
        with pytest.raises(ActionError) as bad:
            actions.create_phase(**{**common, **change})
        assert bad.value.field == field, change
        assert bad.value.status == 422
    with pytest.raises(Conflict):
        actions.create_phase(**{**common, "code": "sit-functional"})


def test_phase_status_follows_the_transition_table(prog):
    phase = planned_phase(prog)
    started = actions.start_phase(actor=si(prog), phase=phase, on=dt.date(2026, 9, 7))
    assert started.status == PhaseStatus.IN_PROGRESS and started.actual_start == dt.date(2026, 9, 7)
    assert set(started.participations.values_list("status", flat=True)) == {"entered"}
    with pytest.raises(IllegalTransition):
        actions.start_phase(actor=si(prog), phase=phase)
    closed = actions.close_phase(actor=si(prog), phase=phase, note="Done")
    assert closed.status == PhaseStatus.CLOSED and closed.actual_end is not None
    with pytest.raises(IllegalTransition):
        actions.start_phase(actor=si(prog), phase=phase)


def test_participants_not_ready_on_day_one_stay_planned(prog):
    phase = planned_phase(prog)
    late = phase.participations.get(organisation=prog.world.org_b)
    actions.start_phase(actor=si(prog), phase=phase, on=dt.date(2026, 9, 7), not_ready=[late])
    late.refresh_from_db()
    assert late.status == "planned"


def test_participation_mandatory_defaults_to_the_role(prog):
    central = actions.add_participant_role(
        actor=si(prog), programme=prog.programme, code="dip", label="DIP", mandatory=True
    )
    phase = planned_phase(prog)
    p = actions.add_participation(actor=si(prog), phase=phase, organisation=prog.da_org, role=central)
    assert p.mandatory is True
    v = actions.add_participation(
        actor=si(prog), phase=phase, organisation=prog.pm_org, role=central, mandatory=False
    )
    assert v.mandatory is False
    assert actions.set_mandatory(actor=si(prog), participation=v, mandatory=True).mandatory is True


def test_the_api_sets_up_a_programme_end_to_end(prog):
    admin = prog.world.client(prog.world.platform_admin)
    made = admin.post(
        "/api/v1/testing/programmes",
        data=json.dumps({"code": "faster-switching", "name": "Faster Switching"}),
        content_type="application/json",
    )
    assert made.status_code == 201 and made.json()["allowed_actions"] == ["manage", "parties"]
    named = admin.post(
        "/api/v1/testing/programmes/faster-switching/parties",
        data=json.dumps({"organisation": prog.si_org.pk, "function": "si"}),
        content_type="application/json",
    )
    assert named.status_code == 201
    si_client = prog.world.client(prog.si)
    base = "/api/v1/testing/programmes/faster-switching"
    post = lambda url, body, c=si_client: c.post(url, data=json.dumps(body), content_type="application/json")  # noqa: E731
    assert (
        post(f"{base}/roles", {"code": "supplier", "label": "Supplier", "min_per_cohort": 2}).status_code
        == 201
    )
    env = post(f"{base}/environments", {"name": "E2E"}).json()
    phase = post(
        f"{base}/phases",
        {
            "code": "e2e",
            "name": "E2E sandbox",
            "kind": "e2e_sandbox",
            "planned_start": "2027-01-04",
            "planned_end": "2027-03-26",
            "environments": [env["id"]],
            "grace_days": 28,
            "pass_threshold": 97.5,
        },
    )
    assert phase.status_code == 201, phase.content
    body = phase.json()
    assert body["owner"]["name"] == "Programme SI" and body["grace_until"] == "2027-02-01"
    assert body["pass_threshold"] in ("97.50", 97.5) and body["allowed_actions"] == [
        "manage",
        "start",
        "close",
        "specify",
    ]
    backwards = post(
        f"{base}/phases",
        {"code": "x", "name": "X", "kind": "uit", "planned_start": "2027-02-01", "planned_end": "2027-01-01"},
    )
    assert backwards.status_code == 422 and backwards.json()["errors"][0]["field"] == "planned_end"
    assert (
        post(
            f"{base}/phases",
            {
                "code": "e2e",
                "name": "Y",
                "kind": "uit",
                "planned_start": "2027-02-01",
                "planned_end": "2027-03-01",
            },
        ).status_code
        == 409
    )
    changed = si_client.patch(
        f"/api/v1/testing/phases/{body['id']}",
        data=json.dumps({"grace_days": 14}),
        content_type="application/json",
    )
    assert changed.status_code == 200 and changed.json()["grace_days"] == 14
    refused = post(f"{base}/environments", {"name": "Mine"}, prog.world.client(prog.world.user_a))
    assert refused.status_code == 404  # Alpha takes no part in this programme: it is not there for it
    denied = post("/api/v1/testing/programmes", {"code": "x", "name": "X"})
    assert denied.status_code == 403
    read_only = post(
        f"/api/v1/testing/programmes/{prog.programme.code}/environments",
        {"name": "Mine"},
        prog.world.client(prog.assurer),
    )
    assert read_only.status_code == 403 and read_only.json()["detail"] == permissions.READ_ONLY


def test_a_party_is_removed_by_a_platform_administrator_only(prog):
    party = prog.programme.parties.get(function=ProgrammeFunction.ASSURER)
    url = f"/api/v1/testing/programmes/{prog.programme.code}/parties/{party.pk}"
    assert prog.world.client(prog.si).delete(url).status_code == 403
    removed = prog.world.client(prog.world.platform_admin).delete(url)
    assert removed.status_code == 200
    assert "assurer" not in [p["function"] for p in removed.json()["parties"]]
    assert AuditEntry.objects.filter(action="testing.party.remove", record_id=str(party.pk)).exists()


def test_the_phase_page_starts_a_phase_leaving_those_not_ready_planned(prog):
    phase = planned_phase(prog)
    bravo = phase.participations.get(organisation=prog.world.org_b)
    url = f"/testing/{prog.programme.code}/{phase.code}/"
    done = prog.world.client(prog.si).post(
        f"{url}?form=start", {"start-on": "2026-09-07", "start-not_ready": [bravo.pk]}
    )
    assert done.status_code == 302
    bravo.refresh_from_db()
    phase.refresh_from_db()
    assert phase.status == PhaseStatus.IN_PROGRESS and bravo.status == "planned"
    assert phase.participations.get(organisation=prog.world.org_a).status == "entered"

"""Scenarios specified by the SI with their requirements and roles; versioned scripts: editing writes the
next version, old versions stay readable, and any two compare step by step."""

from __future__ import annotations

import json

import pytest

from busbar.lib.actions import ActionError, Conflict, NotPermitted
from busbar.testing.actions import setup as actions
from busbar.testing.models import Requirement, ScriptVersion
from busbar.testing.scripts import diff_versions
from busbar.testing.tests.conftest import actor_for
from busbar.testing.tests.setup_fixtures import si

pytestmark = pytest.mark.django_db

STEPS = [
    {"action": "Send IF-021", "expected": "DIP accepts it"},
    {"action": "Check the agent's inbox", "expected": "Arrives within 5 minutes"},
    {"action": "Send the acknowledgement", "expected": "Supplier receives it"},
]


def _scenario(prog, **extra):
    Requirement.objects.get_or_create(
        programme=prog.programme, code="BR-1", defaults={"title": "Registration"}
    )
    return actions.create_scenario(
        actor=si(prog),
        phase=prog.phase,
        code="SIT-F-100",
        title="Registration round trip",
        interface="IF-021",
        requirements=["BR-1"],
        roles=["supplier"],
        steps=STEPS,
        **extra,
    )


def test_a_scenario_is_created_with_script_version_one(prog):
    scenario = _scenario(prog)
    assert scenario.current_version.version == 1 and scenario.current_version.steps == STEPS
    assert [r.code for r in scenario.requirements.all()] == ["BR-1"]
    assert [r.code for r in scenario.roles.all()] == ["supplier"]
    with pytest.raises(Conflict):
        _scenario(prog)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"requirements": ["BR-404"]}, "requirements[0]"),
        ({"roles": ["nobody"]}, "roles[0]"),
        ({"steps": []}, "steps"),
        ({"steps": [{"action": "", "expected": "x"}]}, "steps[0].action"),
        ({"steps": [{"action": "x" * 2001}]}, "steps[0].action"),
        ({"code": "has space"}, "code"),
    ],
)
def test_bad_scenario_input_names_the_field(prog, change, field):
    base = dict(actor=si(prog), phase=prog.phase, code="SIT-F-200", title="T", steps=STEPS)
    with pytest.raises(ActionError) as bad:
        actions.create_scenario(**{**base, **change})
    assert bad.value.field == field and bad.value.status == 422


def test_editing_writes_the_next_version_and_keeps_the_old(prog):
    scenario = _scenario(prog)
    steps = [
        STEPS[0],
        {"action": "Check the agent's inbox", "expected": "Arrives within 2 minutes"},
        STEPS[2],
    ]
    v2 = actions.edit_script(actor=si(prog), scenario=scenario, steps=steps, change_note="Tighter SLA")
    v3 = actions.edit_script(
        actor=si(prog), scenario=scenario, steps=[*steps, {"action": "Close", "expected": ""}]
    )
    scenario.refresh_from_db()
    assert (v2.version, v3.version, scenario.current_version_id) == (2, 3, v3.pk)
    assert ScriptVersion.objects.get(scenario=scenario, version=1).steps == STEPS
    with pytest.raises(ActionError) as same:
        actions.edit_script(actor=si(prog), scenario=scenario, steps=v3.steps)
    assert "same as version 3" in same.value.message
    diff = diff_versions(scenario.versions.get(version=1), v3)
    assert diff.counts == {"same": 2, "changed": 1, "added": 1, "removed": 0}
    assert [c.kind for c in diff.steps] == ["same", "changed", "same", "added"]


def test_a_step_inserted_in_the_middle_is_one_added_step(prog):
    scenario = _scenario(prog)
    inserted = [STEPS[0], {"action": "Wait", "expected": ""}, *STEPS[1:]]
    v2 = actions.edit_script(actor=si(prog), scenario=scenario, steps=inserted)
    kinds = [c.kind for c in diff_versions(scenario.versions.get(version=1), v2).steps]
    assert kinds == ["same", "added", "same", "same"]


def test_only_the_si_specifies(prog):
    scenario = prog.scenarios[0]
    for user in (prog.world.user_a, prog.assurer, prog.world.analyst, prog.agent):
        with pytest.raises(NotPermitted):
            actions.edit_script(actor=actor_for(user), scenario=scenario, steps=STEPS)


def test_the_api_edits_lists_reads_and_compares_versions(prog):
    scenario = prog.scenarios[0]
    client = prog.world.client(prog.si)
    url = f"/api/v1/testing/scenarios/{scenario.pk}/versions"
    made = client.post(
        url, data=json.dumps({"steps": STEPS, "change_note": "Three steps"}), content_type="application/json"
    )
    assert made.status_code == 201 and made.json()["version"] == 2
    reader = prog.world.client(prog.world.user_b)
    assert [v["version"] for v in reader.get(url).json()["items"]] == [2, 1]
    assert reader.get(f"{url}/1").json()["steps"][0]["action"] == "Send the IF-021 message"
    diff = reader.get(f"/api/v1/testing/scenarios/{scenario.pk}/diff?from=1&to=2").json()
    assert diff["counts"]["changed"] + diff["counts"]["added"] + diff["counts"]["removed"] > 0
    assert reader.get(f"/api/v1/testing/scenarios/{scenario.pk}/diff?from=1&to=9").status_code == 404
    denied = reader.post(url, data=json.dumps({"steps": STEPS}), content_type="application/json")
    assert denied.status_code == 403
    too_many = client.post(url, data=json.dumps({"steps": [STEPS[0]] * 201}), content_type="application/json")
    assert too_many.status_code == 422
    created = client.post(
        f"/api/v1/testing/phases/{prog.phase.pk}/scenarios",
        data=json.dumps({"code": "SIT-F-300", "title": "New", "interface": "IF-041", "steps": STEPS}),
        content_type="application/json",
    )
    assert created.status_code == 201 and created.json()["current_version"] == 1
    filtered = reader.get(f"/api/v1/testing/phases/{prog.phase.pk}/scenarios?interface=IF-041").json()
    assert sorted(s["code"] for s in filtered["items"]) == ["SIT-F-002", "SIT-F-300"]


def test_the_scenario_page_shows_versions_the_diff_and_edits_for_the_si(prog):
    scenario = prog.scenarios[0]
    base = f"/testing/{prog.programme.code}/{prog.phase.code}/scenarios/{scenario.code}/"
    client = prog.world.client(prog.si)
    done = client.post(
        f"{base}?form=script",
        {
            "script-steps": "Send the IF-021 message | The DIP accepts it\nCheck twice | Both arrive",
            "script-change_note": "Check twice",
        },
    )
    assert done.status_code == 302
    page = prog.world.client(prog.world.user_a).get(base).content.decode()
    assert "Version 2" in page and "Changes from version 1 to version 2" in page and "Check twice" in page
    assert "?form=script" not in page
    old = prog.world.client(prog.assurer).get(f"{base}?v=1").content.decode()
    assert "Script, version 1" in old and "Check the recipient&#x27;s inbox" in old
    denied = prog.world.client(prog.world.user_a).post(f"{base}?form=script", {"script-steps": "x | y"})
    assert denied.status_code == 403
    assert scenario.versions.count() == 2
    listing = (
        prog.world.client(prog.world.analyst)
        .get(f"/testing/{prog.programme.code}/{prog.phase.code}/scenarios/?interface=IF-041&mandatory=yes")
        .content.decode()
    )
    assert "SIT-F-002" in listing and "SIT-F-001" not in listing
    exported = client.get(f"/testing/{prog.programme.code}/{prog.phase.code}/scenarios/?format=csv")
    text = b"".join(exported.streaming_content).decode("utf-8-sig")
    assert "SIT-F-001" in text and "Every participant" in text

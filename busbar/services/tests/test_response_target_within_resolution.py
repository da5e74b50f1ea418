"""A severity's response target may not be longer than its resolution target (compared in minutes, a
working day counted as its calendar's longest day): refused naming the field, in the action, the form and
the API, with nothing changed."""

from __future__ import annotations

import pytest

from busbar.conftest import World
from busbar.lib.actions import ActionError
from busbar.services import actions
from busbar.services.actions import TargetSpec
from busbar.services.models import SeverityScheme, SlaPolicy, SlaTarget
from busbar.services.tests.conftest import Catalogue, actor

pytestmark = pytest.mark.django_db
JSON = "application/json"


def target(code: str, clock: str, amount: int, unit: str, calendar) -> dict:
    return {"severity": code, "clock": clock, "amount": amount, "unit": unit, "calendar": calendar.pk}


def test_the_api_refuses_a_response_longer_than_the_resolution(world: World, catalogue: Catalogue) -> None:
    c = world.client(world.ops)
    before = sorted(catalogue.default.targets.values_list("severity__code", "clock", "amount", "unit"))
    table = [
        target("2", "resolution", 4, "hours", catalogue.always),
        target("2", "response", 5, "hours", catalogue.always),
    ]
    response = c.put(f"/api/v1/sla-policies/{catalogue.default.pk}/targets", table, content_type=JSON)
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["field"] == "targets.1.amount" and "longer than the resolution target" in error["message"]
    after = sorted(catalogue.default.targets.values_list("severity__code", "clock", "amount", "unit"))
    assert after == before
    # A new policy is held to the same rule.
    scheme = SeverityScheme.objects.get(name="REC incident severities")
    created = c.post(
        "/api/v1/sla-policies",
        {"name": "Odd", "scheme": scheme.pk, "targets": table},
        content_type=JSON,
    )
    assert created.status_code == 422 and created.json()["errors"][0]["field"] == "targets.1.amount"
    assert not SlaPolicy.objects.filter(name="Odd").exists()
    # Equal, or shorter, is fine.
    table[1]["amount"] = 4
    assert (
        c.put(f"/api/v1/sla-policies/{catalogue.default.pk}/targets", table, content_type=JSON).status_code
        == 200
    )


def test_working_days_count_as_the_calendars_day(world: World, catalogue: Catalogue) -> None:
    policy, ops = catalogue.default, actor(world.ops)
    sev = policy.scheme.severities.get(code="4")
    one_day = TargetSpec(
        severity=sev, clock="response", amount=1, unit="working_days", calendar=catalogue.working
    )
    # A working day (08:00-18:00) is 10 hours: longer than an 8-hour resolution.
    short = TargetSpec(severity=sev, clock="resolution", amount=8, unit="hours", calendar=catalogue.always)
    with pytest.raises(ActionError) as refused:
        actions.set_targets(actor=ops, policy=policy, targets=[one_day, short])
    assert refused.value.field == "targets.0.amount" and refused.value.status == 422
    # Four working hours within three working days is fine.
    four_hours = TargetSpec(
        severity=sev, clock="response", amount=4, unit="hours", calendar=catalogue.working
    )
    three_days = TargetSpec(
        severity=sev, clock="resolution", amount=3, unit="working_days", calendar=catalogue.working
    )
    actions.set_targets(actor=ops, policy=policy, targets=[four_hours, three_days])
    assert policy.targets.count() == 2


def test_setting_one_target_is_checked_against_the_other_clock(world: World, catalogue: Catalogue) -> None:
    policy = catalogue.default
    sev = policy.scheme.severities.get(code="1")  # response 10 minutes, resolution 4 hours
    with pytest.raises(ActionError) as refused:
        actions.set_target(
            actor=actor(world.ops),
            policy=policy,
            severity=sev,
            clock="resolution",
            amount=5,
            unit="minutes",
            calendar=catalogue.always,
        )
    assert refused.value.field == "target.amount" and "Severity 1" in refused.value.message
    assert SlaTarget.objects.get(policy=policy, severity=sev, clock="resolution").amount == 4


def test_the_targets_form_shows_the_refusal_on_the_field(world: World, catalogue: Catalogue) -> None:
    policy = catalogue.default
    sev = policy.scheme.severities.get(code="1")
    c = world.client(world.ops)
    page = c.get(f"/sla-policies/{policy.pk}/targets/")
    assert page.status_code == 200
    data = {k: v for k, v in page.context["form"].initial.items()}
    data.update(
        {
            f"t{sev.pk}_response_amount": "5",
            f"t{sev.pk}_response_unit": "hours",
            f"t{sev.pk}_response_calendar": catalogue.always.pk,
            f"t{sev.pk}_resolution_amount": "4",
            f"t{sev.pk}_resolution_unit": "hours",
            f"t{sev.pk}_resolution_calendar": catalogue.always.pk,
        }
    )
    response = c.post(f"/sla-policies/{policy.pk}/targets/", data)
    assert response.status_code == 422
    assert (
        "longer than the resolution target"
        in response.context["form"].errors[f"t{sev.pk}_response_amount"][0]
    )
    assert SlaTarget.objects.get(policy=policy, severity=sev, clock="response").amount == 10


def test_others_cannot_change_targets(world: World, catalogue: Catalogue) -> None:
    table = [target("2", "response", 5, "hours", catalogue.always)]
    for user in (world.user_a, world.analyst, world.resolver):
        response = world.client(user).put(
            f"/api/v1/sla-policies/{catalogue.default.pk}/targets", table, content_type=JSON
        )
        assert response.status_code == 403
    assert catalogue.default.targets.count() == 8

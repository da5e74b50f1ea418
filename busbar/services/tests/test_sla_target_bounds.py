"""An SLA target is at most a year in its unit: a typo like 99,999,999 working days is refused.

Saving such a target once took down every incident page and API (measuring it searched the calendar for
centuries and gave up with an error).
"""

from __future__ import annotations

import pytest

from busbar.conftest import World
from busbar.services.models import SlaPolicy, SlaTarget

pytestmark = pytest.mark.django_db


def _target(unit: str, amount: int) -> dict:
    return {"severity": "1", "clock": "resolution", "amount": amount, "unit": unit, "calendar": 1}


@pytest.mark.parametrize(("unit", "most"), sorted(SlaTarget.MAX_AMOUNT.items()))
def test_a_target_beyond_a_year_is_422_naming_the_amount(world: World, unit: str, most: int) -> None:
    policy = SlaPolicy.objects.get(is_default=True)
    calendar = policy.targets.first().calendar_id
    client = world.client(world.ops)
    url = f"/api/v1/sla-policies/{policy.pk}/targets"
    body = [{**_target(unit, most + 1), "calendar": calendar}]
    response = client.put(url, body, content_type="application/json")
    assert response.status_code == 422, response.content
    assert response.json()["errors"][0]["field"].endswith("amount")
    ok = client.put(url, [{**_target(unit, most), "calendar": calendar}], content_type="application/json")
    assert ok.status_code == 200, ok.content


def test_ninety_nine_million_working_days_leaves_incident_pages_working(world: World) -> None:
    policy = SlaPolicy.objects.get(is_default=True)
    calendar = policy.targets.first().calendar_id
    before = list(policy.targets.values_list("amount", flat=True))
    body = [{**_target("working_days", 99_999_999), "calendar": calendar}]
    response = world.client(world.ops).put(
        f"/api/v1/sla-policies/{policy.pk}/targets", body, content_type="application/json"
    )
    assert response.status_code == 422
    assert list(policy.targets.values_list("amount", flat=True)) == before

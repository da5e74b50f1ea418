"""A calendar closure dated 2020 (or decades ahead) is refused naming ``date``: an old closure would rewrite
SLA clocks long measured. A closure recorded a few days after the day, or planned ahead, is accepted."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from busbar.conftest import World
from busbar.lib.actions import ActionError
from busbar.services import actions
from busbar.services.actions import CLOSURE_PAST_DAYS
from busbar.services.tests.conftest import Catalogue, actor

pytestmark = pytest.mark.django_db
JSON = "application/json"


def test_a_closure_dated_2020_is_refused_by_the_api(world: World, catalogue: Catalogue) -> None:
    c = world.client(world.ops)
    path = f"/api/v1/calendars/{catalogue.working.pk}/closures"
    for day in ("2020-12-29", (timezone.localdate() + dt.timedelta(days=3 * 366)).isoformat()):
        response = c.post(path, {"date": day, "reason": "Typo"}, content_type=JSON)
        assert response.status_code == 422
        error = response.json()["errors"][0]
        assert error["field"] == "date" and "A closure must be between" in error["message"]
    assert not catalogue.working.closures.exists()


def test_recent_and_planned_closures_are_accepted(world: World, catalogue: Catalogue) -> None:
    today = timezone.localdate()
    for day in (today - dt.timedelta(days=2), today, today + dt.timedelta(days=300)):
        actions.add_closure(actor=actor(world.ops), calendar=catalogue.working, date=day, reason="Closed")
    assert catalogue.working.closures.count() == 3
    too_old = today - dt.timedelta(days=CLOSURE_PAST_DAYS + 1)
    with pytest.raises(ActionError) as refused:
        actions.add_closure(actor=actor(world.ops), calendar=catalogue.working, date=too_old)
    assert refused.value.field == "date" and refused.value.status == 422


def test_the_web_form_shows_the_refusal_on_the_date(world: World, catalogue: Catalogue) -> None:
    response = world.client(world.ops).post(
        f"/calendars/{catalogue.working.pk}/closures/", {"date": "2020-12-29", "reason": "Typo"}
    )
    assert response.status_code == 422
    assert "A closure must be between" in response.content.decode()
    assert not catalogue.working.closures.exists()


def test_others_cannot_add_closures(world: World, catalogue: Catalogue) -> None:
    day = (timezone.localdate() + dt.timedelta(days=10)).isoformat()
    for user in (world.user_a, world.analyst, world.resolver):
        response = world.client(user).post(
            f"/api/v1/calendars/{catalogue.working.pk}/closures", {"date": day}, content_type=JSON
        )
        assert response.status_code == 403
    assert not catalogue.working.closures.exists()

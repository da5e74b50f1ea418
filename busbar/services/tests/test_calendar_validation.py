"""Calendars: weekly hours are validated and the day at fault is named; closures; cache invalidation."""

import datetime as dt

import pytest
from django.utils import timezone

from busbar.audit.models import AuditEntry
from busbar.conftest import World
from busbar.lib.actions import ActionError, Conflict, NotPermitted
from busbar.services import actions
from busbar.services.models import Calendar, SlaPolicy
from busbar.services.tests.conftest import Catalogue, actor

pytestmark = pytest.mark.django_db

WEEKDAYS = {str(d): [["09:00", "17:30"]] for d in range(5)}


def _create(world: World, **kwargs) -> Calendar:
    return actions.create_calendar(
        actor=actor(world.ops), **{"name": "Office", "kind": "working_hours", **kwargs}
    )


def test_create_working_hours_calendar(world: World) -> None:
    cal = _create(world, weekly_hours={**WEEKDAYS, 5: [["10:00", "12:00"], ["08:00", "09:00"]]})
    assert cal.weekly_hours["5"] == [["08:00", "09:00"], ["10:00", "12:00"]]  # sorted, int keys taken
    assert cal.bank_holidays is True
    entry = AuditEntry.objects.get(action="calendar.create")
    assert entry.changes["kind"] == [None, "working_hours"] and entry.owner_organisation is None
    # The model can turn it into working-time arithmetic.
    wc = cal.working_calendar()
    assert wc.is_open(dt.datetime(2026, 11, 28, 10, 30, tzinfo=dt.UTC))  # Saturday 10:30 GMT


@pytest.mark.parametrize(
    ("hours", "field", "words"),
    [
        ({"1": [["9:00", "17:00"]]}, "weekly_hours.1", "Tuesday: '9:00' is not a time"),
        ({"2": [["09:00", "25:00"]]}, "weekly_hours.2", "Wednesday: '25:00' is not a time"),
        ({"3": [["17:00", "09:00"]]}, "weekly_hours.3", "Thursday: 17:00–09:00 must start before it ends"),
        ({"4": [["09:00", "09:00"]]}, "weekly_hours.4", "must start before it ends"),
        (
            {"0": [["08:00", "12:00"], ["11:00", "18:00"]]},
            "weekly_hours.0",
            "Monday: 08:00–12:00 overlaps 11:00–18:00",
        ),
        ({"6": [["08:00"]]}, "weekly_hours.6", "Sunday: each window is a pair"),
        ({"7": [["08:00", "09:00"]]}, "weekly_hours", "not a weekday"),
        ({"mon": [["08:00", "09:00"]]}, "weekly_hours", "not a weekday"),
        ({}, "weekly_hours", "at least one day"),
        ({"0": []}, "weekly_hours", "at least one day"),
    ],
)
def test_bad_weekly_hours_name_the_day(world: World, hours: dict, field: str, words: str) -> None:
    with pytest.raises(ActionError) as exc:
        _create(world, weekly_hours=hours)
    assert exc.value.field == field
    assert words in exc.value.message
    assert not Calendar.objects.filter(name="Office").exists()


def test_touching_windows_and_midnight_end_are_fine(world: World) -> None:
    cal = _create(
        world, weekly_hours={"0": [["00:00", "12:00"], ["12:00", "24:00"]], "1": [["20:00", "00:00"]]}
    )
    assert cal.weekly_hours == {"0": [["00:00", "12:00"], ["12:00", "00:00"]], "1": [["20:00", "00:00"]]}
    wc = cal.working_calendar()
    monday = dt.datetime(2026, 11, 23, 23, 30, tzinfo=dt.UTC)  # 23:30 GMT on a Monday
    assert wc.is_open(monday)


def test_24x7_takes_no_hours_and_no_closures(world: World) -> None:
    with pytest.raises(ActionError) as exc:
        actions.create_calendar(actor=actor(world.ops), name="All", kind="24x7", weekly_hours=WEEKDAYS)
    assert exc.value.field == "weekly_hours"
    cal = actions.create_calendar(actor=actor(world.ops), name="All", kind="24x7")
    assert cal.weekly_hours == {} and cal.bank_holidays is False
    with pytest.raises(ActionError) as exc:
        actions.add_closure(actor=actor(world.ops), calendar=cal, date=dt.date(2026, 12, 29))
    assert exc.value.field == "date"
    with pytest.raises(ActionError) as exc:
        actions.create_calendar(actor=actor(world.ops), name="Odd", kind="sometimes")
    assert exc.value.field == "kind"


def test_names_are_unique(world: World, catalogue: Catalogue) -> None:
    with pytest.raises(Conflict) as exc:
        actions.create_calendar(actor=actor(world.ops), name="24X7", kind="24x7")
    assert exc.value.field == "name"


def test_update_calendar_switches_kind_and_journals(world: World) -> None:
    cal = _create(world, weekly_hours=WEEKDAYS)
    actions.update_calendar(actor=actor(world.platform_admin), calendar=cal, kind="24x7")
    cal.refresh_from_db()
    assert cal.kind == "24x7" and cal.weekly_hours == {} and not cal.bank_holidays
    entry = AuditEntry.objects.get(action="calendar.update")
    assert entry.changes["kind"] == ["working_hours", "24x7"]
    with pytest.raises(ActionError) as exc:  # back to working hours without saying which
        actions.update_calendar(actor=actor(world.platform_admin), calendar=cal, kind="working_hours")
    assert exc.value.field == "weekly_hours"
    with pytest.raises(ActionError) as exc:
        actions.update_calendar(
            actor=actor(world.platform_admin),
            calendar=cal,
            kind="working_hours",
            weekly_hours={"2": [["10:00", "09:00"]]},
        )
    assert exc.value.field == "weekly_hours.2"


def test_closures_add_and_remove_and_bump_caches(world: World, catalogue: Catalogue) -> None:
    cal, policy = catalogue.working, catalogue.default
    cal_before, policy_before = cal.updated_at, policy.updated_at
    day = timezone.localdate() + dt.timedelta(days=24)  # (closures are bounded around today)
    closure = actions.add_closure(actor=actor(world.ops), calendar=cal, date=day, reason="Office closed")
    cal.refresh_from_db()
    policy.refresh_from_db()
    assert cal.updated_at > cal_before and policy.updated_at > policy_before  # REC default uses this calendar
    assert day in cal.working_calendar().closures
    with pytest.raises(Conflict) as exc:
        actions.add_closure(actor=actor(world.ops), calendar=cal, date=day)
    assert exc.value.field == "date"
    actions.remove_closure(actor=actor(world.ops), closure=closure)
    assert not cal.closures.exists()
    assert [
        e.action for e in AuditEntry.objects.filter(action__startswith="calendar.closure").order_by("id")
    ] == [
        "calendar.closure_add",
        "calendar.closure_remove",
    ]
    assert AuditEntry.objects.get(action="calendar.closure_add").changes == {
        "closure": [None, day.isoformat()],
        "reason": [None, "Office closed"],
    }


def test_calendar_changes_need_the_catalogue_role(world: World, catalogue: Catalogue) -> None:
    for user in (world.analyst, world.user_a, world.admin_a, world.resolver):
        with pytest.raises(NotPermitted):
            actions.create_calendar(
                actor=actor(user), name="Office", kind="working_hours", weekly_hours=WEEKDAYS
            )
        with pytest.raises(NotPermitted):
            actions.add_closure(actor=actor(user), calendar=catalogue.working, date=dt.date(2026, 12, 29))
        with pytest.raises(NotPermitted):
            actions.update_calendar(actor=actor(user), calendar=catalogue.working, bank_holidays=False)
    assert not catalogue.working.closures.exists()
    assert SlaPolicy.objects.filter(is_default=True).count() == 1

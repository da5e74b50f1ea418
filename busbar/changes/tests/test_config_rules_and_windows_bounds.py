"""Notice rules, maintenance windows, blackout windows and availability targets are data that platform
administrators and operations managers change, within bounds; bad input names its field and writes
nothing."""

import datetime as dt
from decimal import Decimal

import pytest

from busbar.changes.actions import (
    create_blackout,
    create_maintenance_window,
    create_notice_rule,
    delete_blackout,
    delete_maintenance_window,
    delete_notice_rule,
    set_availability_target,
    update_blackout,
    update_notice_rule,
)
from busbar.changes.models import AvailabilityTarget, BlackoutWindow, MaintenanceWindow, NoticeRule
from busbar.changes.tests.conftest import NOW
from busbar.lib.actions import ActionError, Actor, Conflict, NotPermitted

pytestmark = pytest.mark.django_db

UTC = dt.UTC


def _ops(chg):
    return Actor(user=chg.ops)


@pytest.mark.parametrize("persona", ["ops", "platform_admin"])
def test_operations_and_platform_admins_manage_rules(chg, persona):
    user = getattr(chg, persona, None) or getattr(chg.world, persona)
    rule = create_notice_rule(
        actor=Actor(user=user),
        name="Gas providers",
        min_working_days=10,
        calendar=chg.working,
        provider=chg.gas_org,
        change_type="major",
        source="UNC",
    )
    assert (rule.min_working_days, rule.provider, rule.change_type, rule.is_active) == (
        10,
        chg.gas_org,
        "major",
        True,
    )


@pytest.mark.parametrize("persona", ["desk", "provider", "gas", "alpha"])
def test_others_may_not(chg, persona):
    actor = Actor(user=getattr(chg, persona))
    calls = [
        lambda: create_notice_rule(actor=actor, name="x", min_working_days=1, calendar=chg.working),
        lambda: update_notice_rule(actor=actor, rule=chg.css_rule, min_working_days=1),
        lambda: delete_notice_rule(actor=actor, rule=chg.css_rule),
        lambda: create_maintenance_window(
            actor=actor, service=chg.css, weekday=5, start_time=dt.time(1), end_time=dt.time(2)
        ),
        lambda: delete_maintenance_window(actor=actor, window=chg.sunday_window),
        lambda: create_blackout(actor=actor, name="x", starts_at=NOW, ends_at=NOW + dt.timedelta(days=1)),
        lambda: update_blackout(actor=actor, blackout=chg.year_end, name="y"),
        lambda: delete_blackout(actor=actor, blackout=chg.year_end),
        lambda: set_availability_target(actor=actor, service=chg.css, target_percent="99"),
    ]
    for call in calls:
        with pytest.raises(NotPermitted):
            call()
    chg.css_rule.refresh_from_db()
    assert chg.css_rule.min_working_days == 8


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"min_working_days": -1}, "min_working_days"),
        ({"min_working_days": 261}, "min_working_days"),
        ({"min_working_days": "8"}, "min_working_days"),
        ({"min_working_days": True}, "min_working_days"),
        ({"name": ""}, "name"),
        ({"name": "x" * 151}, "name"),
        ({"source": "x" * 201}, "source"),
        ({"calendar": None}, "calendar"),
        ({"change_type": "emergency"}, "change_type"),
        ({"change_type": "urgent"}, "change_type"),
        ({"provider": "gas"}, "provider"),
        ({"service": "css"}, "service"),
    ],
)
def test_notice_rule_bounds(chg, fields, field):
    values = {"name": "Portal", "min_working_days": 3, "calendar": chg.working, "service": chg.portal}
    values.update(fields)
    with pytest.raises(ActionError) as refused:
        create_notice_rule(actor=_ops(chg), **values)
    assert refused.value.field == field
    assert NoticeRule.objects.count() == 2


def test_notice_rule_edges_and_clashes(chg):
    ops = _ops(chg)
    for days in (0, 260):
        create_notice_rule(
            actor=ops,
            name=f"Portal {days}",
            min_working_days=days,
            calendar=chg.working,
            service=chg.portal,
            change_type="major" if days else "",
        )
    with pytest.raises(ActionError) as refused:
        create_notice_rule(
            actor=ops,
            name="Both",
            min_working_days=1,
            calendar=chg.working,
            service=chg.css,
            provider=chg.gas_org,
        )
    assert refused.value.field == "provider"
    with pytest.raises(Conflict) as refused:  # the same scope as the REC rule
        create_notice_rule(
            actor=ops,
            name="Again",
            min_working_days=2,
            calendar=chg.working,
            service=chg.css,
            outage_only=True,
        )
    assert refused.value.field == "name"


def test_update_and_delete_notice_rule(chg):
    ops = _ops(chg)
    rule = update_notice_rule(actor=ops, rule=chg.css_rule, min_working_days=10, source="REC R0055 v2")
    assert (rule.min_working_days, rule.source, rule.service) == (10, "REC R0055 v2", chg.css)
    with pytest.raises(ActionError) as refused:
        update_notice_rule(actor=ops, rule=rule, min_working_days=300)
    assert refused.value.field == "min_working_days"
    with pytest.raises(ActionError) as refused:
        update_notice_rule(actor=ops, rule=rule, colour="red")
    assert refused.value.field == "colour"
    update_notice_rule(actor=ops, rule=rule, is_active=False)
    # Switched off, it no longer clashes with a new rule for the same changes.
    create_notice_rule(
        actor=ops, name="New CSS", min_working_days=8, calendar=chg.working, service=chg.css, outage_only=True
    )
    with pytest.raises(Conflict):
        update_notice_rule(actor=ops, rule=rule, is_active=True)
    delete_notice_rule(actor=ops, rule=rule)
    assert not NoticeRule.objects.filter(pk=rule.pk).exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"weekday": 7}, "weekday"),
        ({"weekday": -1}, "weekday"),
        ({"weekday": "6"}, "weekday"),
        ({"start_time": "01:00"}, "start_time"),
        ({"end_time": dt.time(1, 0)}, "end_time"),
        ({"end_time": dt.time(4, 0, tzinfo=UTC)}, "end_time"),
        ({"note": "x" * 201}, "note"),
    ],
)
def test_maintenance_window_bounds(chg, fields, field):
    values = {"service": chg.portal, "weekday": 5, "start_time": dt.time(1, 0), "end_time": dt.time(4, 0)}
    values.update(fields)
    with pytest.raises(ActionError) as refused:
        create_maintenance_window(actor=_ops(chg), **values)
    assert refused.value.field == field
    assert MaintenanceWindow.objects.count() == 1


def test_maintenance_windows_added_and_removed(chg):
    ops = _ops(chg)
    overnight = create_maintenance_window(
        actor=ops,
        service=chg.portal,
        weekday=6,
        start_time=dt.time(22, 0),
        end_time=dt.time(2, 0),
        note="Late",
    )
    assert (overnight.weekday, overnight.start_time, overnight.end_time) == (6, dt.time(22), dt.time(2))
    with pytest.raises(Conflict):
        create_maintenance_window(
            actor=ops, service=chg.portal, weekday=6, start_time=dt.time(22, 0), end_time=dt.time(2, 0)
        )
    delete_maintenance_window(actor=ops, window=overnight)
    assert list(MaintenanceWindow.objects.all()) == [chg.sunday_window]


@pytest.mark.parametrize(
    ("starts_at", "ends_at", "field"),
    [
        (NOW, NOW, "ends_at"),
        (NOW, NOW - dt.timedelta(hours=1), "ends_at"),
        (NOW, NOW + dt.timedelta(days=367), "ends_at"),
        (dt.datetime(2027, 7, 1), NOW + dt.timedelta(days=30), "starts_at"),
        (NOW, dt.datetime(2027, 7, 1), "ends_at"),
        ("2027-07-01", NOW + dt.timedelta(days=30), "starts_at"),
    ],
)
def test_blackout_bounds(chg, starts_at, ends_at, field):
    with pytest.raises(ActionError) as refused:
        create_blackout(actor=_ops(chg), name="Market event", starts_at=starts_at, ends_at=ends_at)
    assert refused.value.field == field
    assert BlackoutWindow.objects.count() == 1


def test_blackouts_created_updated_deleted(chg):
    ops = _ops(chg)
    longest = create_blackout(
        actor=ops, name="A whole year", starts_at=NOW, ends_at=NOW + dt.timedelta(days=366)
    )
    assert not longest.services.exists()  # every service
    event = create_blackout(
        actor=ops,
        name="Gas settlement run",
        starts_at=NOW + dt.timedelta(days=3),
        ends_at=NOW + dt.timedelta(days=4),
        services=[chg.uk_link, chg.uk_link],
        reason="Annual reconciliation",
    )
    assert list(event.services.all()) == [chg.uk_link]
    with pytest.raises(ActionError) as refused:
        update_blackout(actor=ops, blackout=event, ends_at=event.starts_at + dt.timedelta(days=400))
    assert refused.value.field == "ends_at"
    event.refresh_from_db()
    assert event.ends_at == NOW + dt.timedelta(days=4)
    with pytest.raises(ActionError) as refused:
        update_blackout(actor=ops, blackout=event, services=["uk-link"])
    assert refused.value.field == "services"
    event = update_blackout(actor=ops, blackout=event, name="Settlement run", services=[chg.css, chg.uk_link])
    assert event.name == "Settlement run" and set(event.services.all()) == {chg.css, chg.uk_link}
    delete_blackout(actor=ops, blackout=event)
    delete_blackout(actor=ops, blackout=longest)
    assert list(BlackoutWindow.objects.all()) == [chg.year_end]


@pytest.mark.parametrize("target", ["100.001", "-0.001", "abc", "NaN", "Infinity", "99.9999", None, True, ""])
def test_availability_target_bounds(chg, target):
    with pytest.raises(ActionError) as refused:
        set_availability_target(actor=_ops(chg), service=chg.portal, target_percent=target)
    assert refused.value.field == "target_percent"
    assert not AvailabilityTarget.objects.filter(service=chg.portal).exists()


def test_availability_target_set_and_changed(chg):
    ops = _ops(chg)
    made = set_availability_target(
        actor=ops, service=chg.portal, target_percent=99.95, agreement="Portal OLA"
    )
    assert made.target_percent == Decimal("99.950") and not made.planned_counts
    for edge in ("0", "100", Decimal("99.999")):
        set_availability_target(actor=ops, service=chg.portal, target_percent=edge)
    changed = set_availability_target(actor=ops, service=chg.css, target_percent="99.9", planned_counts=True)
    assert AvailabilityTarget.objects.filter(service=chg.css).count() == 1
    changed.refresh_from_db()
    assert changed.target_percent == Decimal("99.900") and changed.planned_counts
    with pytest.raises(ActionError) as refused:
        set_availability_target(actor=ops, service=chg.css, target_percent="99", agreement="x" * 101)
    assert refused.value.field == "agreement"

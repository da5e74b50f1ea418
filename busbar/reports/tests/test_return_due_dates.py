"""Periods and due dates: months and quarters, due N working days after the period on the schedule's
calendar (bank holidays skipped), the return opened once per period."""

from __future__ import annotations

import datetime as dt

import pytest

from busbar.lib.actions import Actor, Conflict
from busbar.reports import returns as rules
from busbar.reports.actions import returns as actions
from busbar.reports.models import KpiReturn, ReturnStatus
from busbar.reports.tests.test_return_helpers import DUE, OPENED, open_may
from busbar.services.models import Calendar

pytestmark = pytest.mark.django_db
UTC = dt.UTC


def test_periods_month_and_quarter() -> None:
    assert rules.period_for("monthly", dt.date(2027, 5, 17)) == (dt.date(2027, 5, 1), dt.date(2027, 5, 31))
    assert rules.period_for("quarterly", dt.date(2027, 5, 17)) == (dt.date(2027, 4, 1), dt.date(2027, 6, 30))
    assert rules.period_for("monthly", dt.date(2028, 2, 3))[1] == dt.date(2028, 2, 29)
    # 1 June 00:30 BST is still 31 May in UTC: the UK date counts.
    just_after = dt.datetime(2027, 5, 31, 23, 30, tzinfo=UTC)
    assert rules.last_ended_period("monthly", just_after) == (dt.date(2027, 5, 1), dt.date(2027, 5, 31))
    assert rules.last_ended_period("quarterly", OPENED) == (dt.date(2027, 1, 1), dt.date(2027, 3, 31))


def test_may_due_after_the_bank_holiday(slm) -> None:
    css, gas = open_may(slm)
    assert (css.period_start, css.period_end, css.status) == (
        dt.date(2027, 5, 1),
        dt.date(2027, 5, 31),
        "due",
    )
    # Mon 31 May is a bank holiday (and the period's last day): 5th working day is Mon 7 June, 18:00 BST.
    assert css.due_at == DUE
    assert gas.due_at == DUE


def test_due_on_a_24x7_calendar_and_zero_days(slm) -> None:
    css, _ = open_may(slm)
    schedule = css.schedule
    schedule.calendar = Calendar.objects.get(name="24x7")
    schedule.due_working_days = 2
    # Every day counts: 1 and 2 June; due at midnight after 2 June (23:00 UTC in BST).
    assert rules.due_at(schedule, dt.date(2027, 5, 31)) == dt.datetime(2027, 6, 2, 23, 0, tzinfo=UTC)
    schedule.due_working_days = 0
    assert rules.due_at(schedule, dt.date(2027, 5, 31)) == dt.datetime(2027, 5, 31, 23, 0, tzinfo=UTC)


def test_opened_once_per_period(slm) -> None:
    open_may(slm)
    assert rules.periods_to_open(OPENED) == []
    with pytest.raises(Conflict):
        actions.open_due_returns(actor=Actor.system(), now=OPENED + dt.timedelta(days=3))
    assert KpiReturn.objects.filter(status=ReturnStatus.DUE).count() == 2
    # July: June's return opens.
    july = dt.datetime(2027, 7, 1, 9, 0, tzinfo=UTC)
    opened = actions.open_due_returns(actor=Actor.system(), now=july)
    assert sorted(r.period_start for r in opened) == [dt.date(2027, 6, 1)] * 2


def test_an_inactive_schedule_opens_nothing(slm) -> None:
    css, _ = open_may(slm)
    css.schedule.is_active = False
    css.schedule.save()
    july = dt.datetime(2027, 7, 1, 9, 0, tzinfo=UTC)
    opened = actions.open_due_returns(actor=Actor.system(), now=july)
    assert [r.provider_id for r in opened] == [slm.gas_org.pk]

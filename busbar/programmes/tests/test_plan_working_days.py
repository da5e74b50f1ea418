"""Deltas and task durations count working days on the programme's calendar: weekends, England & Wales
bank holidays and the calendar's closures do not count, and a clock change changes nothing."""

from __future__ import annotations

import datetime as dt

from busbar.programmes import plan_view
from busbar.programmes.actions import plan as actions
from busbar.programmes.models import BaselineDate, Milestone
from busbar.programmes.tests.conftest import actor_for
from busbar.programmes.workdays import for_programme
from busbar.services.models import Calendar, CalendarClosure
from busbar.testing.access import access_for

API = "/api/v1/programmes/mhhs"


def _row(gov, code: str, user=None):
    table = plan_view.plan_table(gov.programme, access_for(user or gov.office))
    return next(r for r in table.rows if r.code == code)


def test_delta_across_easter_bank_holidays(gov) -> None:
    # CP4's baseline is Wed 31 Mar 2027; Good Friday (26 Mar) and Easter Monday (29 Mar) lie between.
    actions.update_milestone(
        actor=actor_for(gov.office), milestone=gov.cp4, forecast_date=dt.date(2027, 3, 24)
    )
    row = _row(gov, "CP4")
    assert row.delta == -3  # 25, 30, 31 March: five weekdays less the two bank holidays
    assert row.delta_text == "−3 working days"
    # M14 (baseline 31 Mar, forecast Wed 7 Apr 2027) is 5 working days late.
    assert _row(gov, "M14").delta == 5
    body = gov.client(gov.alpha).get(f"{API}/milestones/CP4").json()
    assert body["delta_working_days"] == -3 and body["baseline_date"] == "2027-03-31"


def test_delta_across_the_clock_change_weekend(gov) -> None:
    # BST ends on Sunday 25 October 2026: Friday 23 to Monday 26 is one working day, however many hours.
    milestone = Milestone.objects.create(
        programme=gov.programme, code="M9", name="SIT start", order=9, forecast_date=dt.date(2026, 10, 26)
    )
    BaselineDate.objects.create(baseline=gov.baseline1, milestone=milestone, date=dt.date(2026, 10, 23))
    Milestone.objects.filter(pk=milestone.pk).update(baseline_date=dt.date(2026, 10, 23))
    assert _row(gov, "M9").delta == 1
    # Spring forward on Sunday 29 March 2026: Friday 27 to Monday 30 is one working day too.
    Milestone.objects.filter(pk=milestone.pk).update(
        baseline_date=dt.date(2026, 3, 27), forecast_date=dt.date(2026, 3, 30)
    )
    assert _row(gov, "M9").delta == 1
    # Spring forward on Easter Sunday (28 March 2027): Thu 25 to Tue 30 skips Good Friday and Easter Monday.
    Milestone.objects.filter(pk=milestone.pk).update(
        baseline_date=dt.date(2027, 3, 25), forecast_date=dt.date(2027, 3, 30)
    )
    assert _row(gov, "M9").delta == 1
    days = for_programme(gov.programme.pk, around=[dt.date(2026, 10, 23)])
    assert days.between(dt.date(2026, 10, 23), dt.date(2026, 10, 26)) == 1
    assert days.between(dt.date(2026, 10, 26), dt.date(2026, 10, 23)) == -1
    page = gov.client(gov.office).get("/programmes/mhhs/plan/")
    assert page.status_code == 200 and b'id="m-M9"' in page.content


def test_task_duration_counts_working_days_and_calendar_closures(gov) -> None:
    office = actor_for(gov.office)
    task = actions.add_task(
        actor=office,
        programme=gov.programme,
        ref="T10",
        name="CP4 Preparation",
        start=dt.date(2027, 3, 22),
        finish=dt.date(2027, 4, 2),
    )
    assert task.duration_days == 8  # two weeks of weekdays less Good Friday and Easter Monday
    calendar = Calendar.objects.create(name="Programme calendar")
    CalendarClosure.objects.create(calendar=calendar, date=dt.date(2027, 3, 31), reason="Programme shutdown")
    actions.settings(actor=office, programme=gov.programme, calendar=calendar)
    task = actions.update_task(actor=office, task=task, finish=dt.date(2027, 4, 2))
    assert task.duration_days == 7  # the calendar's closure is not a working day either
    given = actions.add_task(
        actor=office,
        programme=gov.programme,
        ref="T11",
        name="Qualification",
        start=dt.date(2027, 4, 5),
        finish=dt.date(2027, 9, 30),
        duration_days=129,
        duration_uncertain=True,
    )
    assert (given.duration_days, given.duration_uncertain) == (129, True)  # "129 days?" kept as given
    row = gov.client(gov.office).get(f"{API}/tasks/T10").json()
    assert row["duration_days"] == 7


def test_a_calendar_closure_moves_the_delta(gov) -> None:
    office = actor_for(gov.office)
    assert _row(gov, "M14").delta == 5
    calendar = Calendar.objects.create(name="Shutdown")
    CalendarClosure.objects.create(calendar=calendar, date=dt.date(2027, 4, 6))
    actions.settings(actor=office, programme=gov.programme, calendar=calendar)
    assert _row(gov, "M14").delta == 4
    actions.settings(actor=office, programme=gov.programme, clear_calendar=True)
    assert _row(gov, "M14").delta == 5

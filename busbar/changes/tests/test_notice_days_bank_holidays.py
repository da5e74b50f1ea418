"""Notice is counted in whole working days strictly between the London dates of submission and start: bank
holidays (with their substitute days) and calendar closures are not working days, a 24x7 calendar counts
every day, and days are London dates across the clock changes."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from busbar.changes.notice import notice_days
from busbar.services.models import Calendar, CalendarClosure

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
UTC = dt.UTC


def _london(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=LONDON)


def test_christmas_and_new_year(chg) -> None:
    # Thu 23 Dec 2027 → Tue 4 Jan 2028. Between: Fri 24 (working), Sat 25, Sun 26, Mon 27 and Tue 28 (the
    # substitute days for Christmas and Boxing Day on a weekend), Wed 29, Thu 30, Fri 31 (working), Sat 1,
    # Sun 2, Mon 3 Jan 2028 (substitute for New Year's Day on a Saturday). Working: 24, 29, 30, 31 = 4.
    submitted, start = _london(2027, 12, 23, 15, 0), _london(2028, 1, 4, 9, 0)
    assert notice_days(chg.working, submitted, start) == 4
    # Every one of the 11 days counts on a 24x7 calendar.
    assert notice_days(chg.always, submitted, start) == 11


def test_easter_2027(chg) -> None:
    # Wed 24 Mar → Wed 31 Mar 2027. Between: Thu 25 (working), Good Friday 26, Sat 27, Sun 28, Easter
    # Monday 29, Tue 30 (working) = 2.
    assert notice_days(chg.working, _london(2027, 3, 24, 12, 0), _london(2027, 3, 31, 2, 0)) == 2
    assert notice_days(chg.always, _london(2027, 3, 24, 12, 0), _london(2027, 3, 31, 2, 0)) == 6


def test_the_late_may_bank_holiday(chg) -> None:
    # Fri 28 May → Wed 2 Jun 2027. Between: Sat 29, Sun 30, Mon 31 (spring bank holiday), Tue 1 Jun = 1.
    assert notice_days(chg.working, _london(2027, 5, 28, 16, 0), _london(2027, 6, 2, 1, 0)) == 1


def test_a_calendar_closure_is_not_a_working_day(chg) -> None:
    submitted, start = _london(2027, 5, 28, 16, 0), _london(2027, 6, 2, 1, 0)
    CalendarClosure.objects.create(calendar=chg.working, date=dt.date(2027, 6, 1), reason="Office move")
    assert notice_days(chg.working, submitted, start) == 0
    # The 24x7 calendar takes no closures: all four days count.
    assert notice_days(chg.always, submitted, start) == 4


def test_the_next_day_or_earlier_gives_no_notice(chg) -> None:
    monday = _london(2027, 6, 14, 9, 0)
    assert notice_days(chg.working, monday, _london(2027, 6, 15, 23, 0)) == 0
    assert notice_days(chg.working, monday, _london(2027, 6, 14, 23, 0)) == 0
    assert notice_days(chg.working, monday, _london(2027, 6, 1, 9, 0)) == 0
    assert notice_days(chg.always, monday, _london(2027, 6, 16, 0, 0)) == 1


def test_days_are_london_dates_across_the_spring_clock_change(chg) -> None:
    # 23:30 UTC on Sun 28 Mar 2027 (the day the clocks go forward) is 00:30 on Mon 29 Mar in London, so a
    # start then leaves Sun 28 Mar (a 23-hour day) between Sat 27 and Mon 29: one day on a 24x7 calendar.
    submitted = dt.datetime(2027, 3, 27, 23, 30, tzinfo=UTC)  # Sat 27 Mar, still GMT
    start = dt.datetime(2027, 3, 28, 23, 30, tzinfo=UTC)
    assert start.astimezone(LONDON).date() == dt.date(2027, 3, 29)
    assert notice_days(chg.always, submitted, start) == 1


def test_days_are_london_dates_across_the_autumn_clock_change(chg) -> None:
    # 23:30 UTC on Sat 30 Oct 2027 is 00:30 BST on Sun 31 Oct (the clocks go back that night), so only
    # Mon 1 Nov lies between it and a start on Tue 2 Nov.
    submitted = dt.datetime(2027, 10, 30, 23, 30, tzinfo=UTC)
    assert submitted.astimezone(LONDON).date() == dt.date(2027, 10, 31)
    start = _london(2027, 11, 2, 9, 0)
    assert notice_days(chg.always, submitted, start) == 1
    assert notice_days(chg.working, submitted, start) == 1


def test_a_working_day_is_a_date_with_any_open_hours_even_on_clock_change_days(chg) -> None:
    # Open only Sundays 01:00–02:00 London time. On Sun 28 Mar 2027 that hour does not exist (the clocks
    # jump from 01:00 to 02:00), so the day has no open hours; on Sun 31 Oct 2027 it happens twice.
    sundays = Calendar.objects.create(
        name="Sunday 01:00",
        kind=Calendar.Kind.WORKING_HOURS,
        weekly_hours={"6": [["01:00", "02:00"]]},
        bank_holidays=False,
    )
    # Sat 20 Mar → Mon 5 Apr 2027: Sundays 21 Mar, 28 Mar (no hours) and 4 Apr (Easter Day) = 2.
    assert notice_days(sundays, _london(2027, 3, 20, 12, 0), _london(2027, 4, 5, 12, 0)) == 2
    # Sat 23 Oct → Mon 8 Nov 2027: Sundays 24 Oct, 31 Oct (two hours), 7 Nov = 3.
    assert notice_days(sundays, _london(2027, 10, 23, 12, 0), _london(2027, 11, 8, 12, 0)) == 3


def test_a_working_hours_calendar_costs_one_query_and_a_24x7_none(chg) -> None:
    submitted, start = _london(2027, 1, 4, 9, 0), _london(2028, 12, 20, 9, 0)
    with CaptureQueriesContext(connection) as queries:
        # 2027 (starts on a Friday, 365 days) has 261 weekdays, 8 of them bank holidays (1 Jan, 26 and 29 Mar,
        # 3 and 31 May, 30 Aug, 27 and 28 Dec): 253 working days. 2028 (starts on a Saturday, 366 days) has
        # 260 weekdays, 8 of them bank holidays (3 Jan, 14 and 17 Apr, 1 and 29 May, 28 Aug, 25 and 26 Dec):
        # 252. Strictly between Mon 4 Jan 2027 and Wed 20 Dec 2028 leaves out 4 Jan 2027 and the working
        # days from 20 Dec 2028 on (20, 21, 22, 27, 28, 29 Dec): 253 + 252 - 1 - 6 = 498.
        assert notice_days(chg.working, submitted, start) == 498
    assert len(queries) == 1  # the closures; the bank holidays and the days are arithmetic
    with CaptureQueriesContext(connection) as queries:
        assert (
            notice_days(chg.always, submitted, start)
            == (dt.date(2028, 12, 20) - dt.date(2027, 1, 4)).days - 1
        )
    assert len(queries) == 0

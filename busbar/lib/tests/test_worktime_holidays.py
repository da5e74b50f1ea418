"""England & Wales bank holidays (including substitute days) and extra closures on working-hours calendars."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from busbar.lib.worktime import LONDON, WorkingCalendar, england_wales_bank_holidays

H = timedelta(hours=1)


def local(y: int, m: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, m, d, h, mi, tzinfo=LONDON)


class TestBankHolidayList:
    def test_2025_is_the_eight_england_and_wales_days(self) -> None:
        assert england_wales_bank_holidays(2025) == {
            date(2025, 1, 1),
            date(2025, 4, 18),  # Good Friday
            date(2025, 4, 21),  # Easter Monday
            date(2025, 5, 5),
            date(2025, 5, 26),
            date(2025, 8, 25),  # Summer bank holiday (last Monday in August)
            date(2025, 12, 25),  # Thursday
            date(2025, 12, 26),  # Friday: no substitutes needed in 2025
        }

    def test_not_scotland_or_northern_ireland(self) -> None:
        days = england_wales_bank_holidays([2025])
        assert date(2025, 1, 2) not in days  # Scotland
        assert date(2025, 12, 1) not in days  # St Andrew's Day (Scotland)
        assert date(2025, 3, 17) not in days  # St Patrick's Day (Northern Ireland)
        assert date(2025, 7, 14) not in days  # Battle of the Boyne, observed (Northern Ireland)

    def test_2026_including_the_boxing_day_substitute(self) -> None:
        days = england_wales_bank_holidays([2026])
        assert {date(2026, 8, 31), date(2026, 12, 25)} <= days
        # Boxing Day 2026 is a Saturday: the substitute bank holiday is Monday 28 December.
        assert date(2026, 12, 28) in days
        assert date(2026, 12, 29) not in days

    def test_substitutes_when_both_christmas_days_fall_at_the_weekend(self) -> None:
        # 2027: Christmas Day Saturday, Boxing Day Sunday -> Monday 27 and Tuesday 28 December.
        days = england_wales_bank_holidays(range(2027, 2028))
        assert {date(2027, 12, 27), date(2027, 12, 28)} <= days
        # 2022: New Year's Day Saturday -> Monday 3 January; the one-off holidays are there too.
        days = england_wales_bank_holidays([2022])
        assert {date(2022, 1, 3), date(2022, 6, 3), date(2022, 9, 19)} <= days

    def test_no_years(self) -> None:
        assert england_wales_bank_holidays([]) == set()


class TestCalendarWithBankHolidays:
    cal = WorkingCalendar.working_hours("office", bank_holiday_years=[2025, 2026, 2027])
    plain = WorkingCalendar.working_hours("office")

    def test_summer_bank_holiday_monday(self) -> None:
        # Friday 22 August 2025 16:00 + 2 h: Monday 25th is a bank holiday, so Tuesday 10:00.
        assert self.cal.add(local(2025, 8, 22, 16), 2 * H) == local(2025, 8, 26, 10)
        assert self.plain.add(local(2025, 8, 22, 16), 2 * H) == local(2025, 8, 25, 10)
        assert not self.cal.is_open(local(2025, 8, 25, 12))
        assert self.cal.next_open(local(2025, 8, 22, 17)) == local(2025, 8, 26, 9)
        assert self.cal.add_working_days(local(2025, 8, 22, 16), 1) == local(2025, 8, 26, 16)

    def test_christmas_and_boxing_day_2025(self) -> None:
        # Thursday 25 and Friday 26 December 2025 are closed, then the weekend.
        assert self.cal.add(local(2025, 12, 24, 16), 2 * H) == local(2025, 12, 29, 10)
        assert self.cal.measure(local(2025, 12, 24, 17), local(2025, 12, 29, 9)) == timedelta(0)
        assert self.cal.add_working_days(local(2025, 12, 24, 10), 1) == local(2025, 12, 29, 10)
        assert self.cal.add_working_days(local(2025, 12, 24, 10), 4) == local(2026, 1, 2, 10)  # 1 Jan closed

    def test_christmas_2026_substitute_monday(self) -> None:
        # Friday 25 December 2026 and Monday 28 (substitute for Saturday's Boxing Day) are closed.
        assert self.cal.add(local(2026, 12, 24, 16), 2 * H) == local(2026, 12, 29, 10)

    def test_extra_closures_on_top_of_bank_holidays(self) -> None:
        cal = WorkingCalendar.working_hours(
            "office-shutdown",
            bank_holiday_years=[2025, 2026],
            closures=[date(2025, 12, 29), date(2025, 12, 30), date(2025, 12, 31)],
        )
        assert cal.add_working_days(local(2025, 12, 24, 10), 1) == local(2026, 1, 2, 10)
        assert cal.measure(local(2025, 12, 22), local(2026, 1, 5)) == 4 * 8 * H  # 22, 23, 24 Dec, 2 Jan

    def test_only_the_years_asked_for_are_closed(self) -> None:
        only_2025 = WorkingCalendar.working_hours("office", bank_holiday_years=[2025])
        assert only_2025.is_open(local(2026, 8, 31, 12))
        assert not self.cal.is_open(local(2026, 8, 31, 12))

    @pytest.mark.parametrize("day", sorted(england_wales_bank_holidays([2025, 2026])))
    def test_every_bank_holiday_is_closed_all_day(self, day: date) -> None:
        start = datetime.combine(day, datetime.min.time(), LONDON)
        assert self.cal.measure(start, start + timedelta(days=1)) == timedelta(0)

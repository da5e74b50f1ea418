"""WorkingCalendar.add / measure / is_open / next_open / add_working_days on ordinary weeks."""

from __future__ import annotations

import copy
import pickle
import time as timer
from datetime import UTC, date, datetime, time, timedelta

import pytest

from busbar.lib.worktime import LONDON, WorkingCalendar

# 2025-06-02 is a Monday; June is BST (UTC+1), so 09:00 local is 08:00 UTC.
OFFICE = WorkingCalendar.working_hours("office")


def local(y: int, m: int, d: int, h: int = 0, mi: int = 0, s: int = 0) -> datetime:
    return datetime(y, m, d, h, mi, s, tzinfo=LONDON)


def hours(n: float) -> timedelta:
    return timedelta(hours=n)


class TestAdd:
    def test_within_a_day_and_result_is_utc(self) -> None:
        result = OFFICE.add(local(2025, 6, 2, 10), hours(3))
        assert result == local(2025, 6, 2, 13)
        assert result.tzinfo is UTC
        assert result == datetime(2025, 6, 2, 12, tzinfo=UTC)

    def test_across_the_evening(self) -> None:
        assert OFFICE.add(local(2025, 6, 2, 16), hours(2)) == local(2025, 6, 3, 10)

    def test_time_running_out_at_close_returns_the_close(self) -> None:
        assert OFFICE.add(local(2025, 6, 2, 9), hours(8)) == local(2025, 6, 2, 17)

    def test_across_a_weekend(self) -> None:
        assert OFFICE.add(local(2025, 6, 6, 15), hours(4)) == local(2025, 6, 9, 11)

    def test_start_outside_hours_counts_from_next_opening(self) -> None:
        assert OFFICE.add(local(2025, 6, 7, 12), hours(1)) == local(2025, 6, 9, 10)  # Saturday
        assert OFFICE.add(local(2025, 6, 2, 7), timedelta(minutes=30)) == local(2025, 6, 2, 9, 30)
        assert OFFICE.add(local(2025, 6, 2, 17), timedelta(minutes=1)) == local(2025, 6, 3, 9, 1)

    def test_zero_is_next_open(self) -> None:
        assert OFFICE.add(local(2025, 6, 7, 12), timedelta(0)) == local(2025, 6, 9, 9)
        assert OFFICE.add(local(2025, 6, 2, 12), timedelta(0)) == local(2025, 6, 2, 12)

    def test_several_weeks(self) -> None:
        # 85 h = 10 days of 8 h + 5 h: Monday 09:00 + 10 working days = Monday 09:00 two weeks on.
        assert OFFICE.add(local(2025, 6, 2, 9), hours(85)) == local(2025, 6, 16, 14)

    def test_microsecond_exact(self) -> None:
        start = local(2025, 6, 6, 16, 59, 59) + timedelta(microseconds=999_999)
        assert OFFICE.add(start, timedelta(microseconds=2)) == local(2025, 6, 9, 9) + timedelta(
            microseconds=1
        )

    def test_any_input_zone(self) -> None:
        utc_start = datetime(2025, 6, 2, 15, tzinfo=UTC)  # 16:00 local
        assert OFFICE.add(utc_start, hours(2)) == local(2025, 6, 3, 10)

    def test_lunch_break(self) -> None:
        cal = WorkingCalendar.working_hours(
            "split", weekly={d: ((time(9), time(12, 30)), (time(13, 30), time(17, 30))) for d in range(5)}
        )
        assert cal.add(local(2025, 6, 2, 12), hours(1)) == local(2025, 6, 2, 14)
        assert cal.measure(local(2025, 6, 2), local(2025, 6, 3)) == hours(7.5)
        assert not cal.is_open(local(2025, 6, 2, 13))

    def test_rejects_bad_input(self) -> None:
        with pytest.raises(ValueError, match="negative"):
            OFFICE.add(local(2025, 6, 2, 10), hours(-1))
        with pytest.raises(ValueError, match="timezone-aware"):
            OFFICE.add(datetime(2025, 6, 2, 10), hours(1))
        with pytest.raises(TypeError):
            OFFICE.add(local(2025, 6, 2, 10), 60)  # type: ignore[arg-type]

    def test_never_open_calendar_refuses_to_add(self) -> None:
        closed = WorkingCalendar("closed", weekly={})
        assert closed.measure(local(2025, 1, 1), local(2026, 1, 1)) == timedelta(0)
        assert not closed.is_open(local(2025, 6, 2, 10))
        with pytest.raises(ValueError, match="no opening hours"):
            closed.add(local(2025, 6, 2, 10), hours(1))


class TestMeasure:
    def test_over_a_weekend(self) -> None:
        assert OFFICE.measure(local(2025, 6, 6, 15), local(2025, 6, 9, 11)) == hours(4)

    def test_reversed_or_empty_is_zero(self) -> None:
        assert OFFICE.measure(local(2025, 6, 9, 11), local(2025, 6, 6, 15)) == timedelta(0)
        assert OFFICE.measure(local(2025, 6, 7, 1), local(2025, 6, 8, 23)) == timedelta(0)

    def test_a_year(self) -> None:
        # 2025-06-02 .. 2026-06-01 holds 52 weeks + Monday 2026-06-01 excluded = 260 working days.
        assert OFFICE.measure(local(2025, 6, 2), local(2026, 6, 1)) == hours(260 * 8)

    def test_extra_closure_date(self) -> None:
        cal = WorkingCalendar.working_hours("office", closures=[date(2025, 6, 4)])
        assert cal.add(local(2025, 6, 3, 16), hours(2)) == local(2025, 6, 5, 10)
        assert cal.measure(local(2025, 6, 2), local(2025, 6, 7)) == hours(32)
        assert not cal.is_open(local(2025, 6, 4, 12))

    def test_window_to_midnight(self) -> None:
        cal = WorkingCalendar("evenings", weekly={5: ((time(20), time(0)),)})
        assert cal.measure(local(2025, 6, 7), local(2025, 6, 8, 12)) == hours(4)
        assert cal.weekly == {5: ((time(20), time(0)),)}


class TestOpen:
    def test_is_open_is_half_open(self) -> None:
        assert OFFICE.is_open(local(2025, 6, 2, 9))
        assert OFFICE.is_open(local(2025, 6, 2, 16, 59, 59))
        assert not OFFICE.is_open(local(2025, 6, 2, 17))
        assert not OFFICE.is_open(local(2025, 6, 7, 12))

    def test_next_open(self) -> None:
        assert OFFICE.next_open(local(2025, 6, 6, 17)) == local(2025, 6, 9, 9)
        assert OFFICE.next_open(local(2025, 6, 2, 8, 59)) == local(2025, 6, 2, 9)
        at = local(2025, 6, 2, 12)
        assert OFFICE.next_open(at) == at and OFFICE.next_open(at).tzinfo is UTC

    def test_24x7(self) -> None:
        cal = WorkingCalendar.twenty_four_seven()
        at = local(2025, 6, 7, 3)
        assert cal.is_open(at) and cal.next_open(at) == at and cal.is_24x7
        assert not OFFICE.is_24x7


class TestWorkingDays:
    def test_same_time_next_day(self) -> None:
        assert OFFICE.add_working_days(local(2025, 6, 2, 10), 1) == local(2025, 6, 3, 10)

    def test_friday_to_monday(self) -> None:
        assert OFFICE.add_working_days(local(2025, 6, 6, 16, 30), 1) == local(2025, 6, 9, 16, 30)

    def test_ten_working_days(self) -> None:
        assert OFFICE.add_working_days(local(2025, 6, 2, 11), 10) == local(2025, 6, 16, 11)

    def test_start_outside_hours_uses_next_opening(self) -> None:
        assert OFFICE.add_working_days(local(2025, 6, 7, 12), 1) == local(2025, 6, 10, 9)
        assert OFFICE.add_working_days(local(2025, 6, 2, 18), 1) == local(2025, 6, 4, 9)

    def test_zero_is_next_open(self) -> None:
        assert OFFICE.add_working_days(local(2025, 6, 7, 12), 0) == local(2025, 6, 9, 9)

    def test_is_n_full_days_of_working_time_on_a_uniform_calendar(self) -> None:
        start = local(2025, 6, 4, 13, 17)
        for n in range(1, 15):
            assert OFFICE.measure(start, OFFICE.add_working_days(start, n)) == hours(8 * n)

    def test_target_day_closing_earlier_gives_its_close(self) -> None:
        cal = WorkingCalendar(
            "with-saturday",
            weekly={**{d: ((time(9), time(17)),) for d in range(5)}, 5: ((time(10), time(12)),)},
        )
        assert cal.add_working_days(local(2025, 6, 6, 16), 1) == local(2025, 6, 7, 12)
        # Opening later than the time of day: its opening (no working time between the two anyway).
        assert cal.add_working_days(local(2025, 6, 6, 9, 30), 1) == local(2025, 6, 7, 10)
        assert cal.add_working_days(local(2025, 6, 7, 11), 1) == local(2025, 6, 9, 11)

    def test_rejects_bad_n(self) -> None:
        with pytest.raises(ValueError):
            OFFICE.add_working_days(local(2025, 6, 2, 10), -1)
        with pytest.raises(TypeError):
            OFFICE.add_working_days(local(2025, 6, 2, 10), 1.5)  # type: ignore[arg-type]


class TestCalendarValue:
    def test_validation(self) -> None:
        with pytest.raises(ValueError, match="start before it ends"):
            WorkingCalendar("bad", weekly={0: ((time(17), time(9)),)})
        with pytest.raises(ValueError, match="weekday"):
            WorkingCalendar("bad", weekly={7: ((time(9), time(17)),)})
        with pytest.raises(ValueError, match="wall-clock"):
            WorkingCalendar("bad", weekly={0: ((time(9, tzinfo=UTC), time(17)),)})
        with pytest.raises(ValueError, match="dates"):
            WorkingCalendar("bad", weekly=None, closures=frozenset({datetime(2025, 1, 1)}))

    def test_windows_are_normalised(self) -> None:
        cal = WorkingCalendar("x", weekly={0: [(time(13), time(17)), (time(9), time(13))], 1: []})
        assert cal.weekly == {0: ((time(9), time(17)),)}

    def test_equal_calendars_are_equal_hashable_and_copyable(self) -> None:
        a = WorkingCalendar.working_hours("office", bank_holiday_years=[2025])
        b = WorkingCalendar.working_hours("office", bank_holiday_years=[2025])
        assert a == b and hash(a) == hash(b) and a != OFFICE
        assert {a: 1}[b] == 1
        for clone in (pickle.loads(pickle.dumps(a)), copy.deepcopy(a)):  # noqa: S301 - our own bytes
            assert clone == a
            assert clone.add(local(2025, 8, 22, 16), hours(2)) == local(2025, 8, 26, 10)

    def test_frozen(self) -> None:
        with pytest.raises(AttributeError):
            OFFICE.name = "other"  # type: ignore[misc]


def test_fast_enough_for_a_breach_scan() -> None:
    cal = WorkingCalendar.working_hours("office-bh", bank_holiday_years=range(2024, 2028))
    starts = [local(2025, 1, 1) + timedelta(hours=7 * i, minutes=13 * i) for i in range(1000)]
    cal.add(starts[-1], hours(24 * 400))  # Build the tables first; steady state is what matters.
    began = timer.perf_counter()
    for s in starts:
        due = cal.add_working_days(s, 10)
        cal.add(s, hours(85))
        cal.measure(s, s + timedelta(days=365))
        assert due > s
    elapsed = timer.perf_counter() - began
    # 3000 operations; typically ~20 ms. The bound only guards against accidental O(n) per-minute loops.
    assert elapsed < 1.5, elapsed

"""Clock changes: spring-forward 2026-03-29 (01:00 GMT -> 02:00 BST) and fall-back 2026-10-25 (02:00 BST ->
01:00 GMT) in Europe/London, on 24x7 and working-hours calendars. Windows count the real instants in them.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from busbar.lib.worktime import LONDON, WorkingCalendar

SPRING = date(2026, 3, 29)
AUTUMN = date(2026, 10, 25)
H = timedelta(hours=1)
M = timedelta(minutes=1)


def utc(y: int, m: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, m, d, h, mi, tzinfo=UTC)


def midnight(d: date) -> datetime:
    return datetime.combine(d, time(0), LONDON)


def whole_day(cal: WorkingCalendar, d: date) -> timedelta:
    return cal.measure(midnight(d), midnight(d + timedelta(days=1)))


def every_day(*windows: tuple[time, time]) -> WorkingCalendar:
    return WorkingCalendar("test", weekly={d: windows for d in range(7)})


class TestTwentyFourSeven:
    cal = WorkingCalendar.twenty_four_seven()

    def test_local_day_lengths(self) -> None:
        assert whole_day(self.cal, SPRING) == 23 * H
        assert whole_day(self.cal, AUTUMN) == 25 * H
        assert whole_day(self.cal, date(2026, 3, 30)) == 24 * H

    def test_add_is_real_elapsed_time(self) -> None:
        # Saturday 12:00 GMT + 24 h = Sunday 13:00 BST; Saturday 12:00 BST + 24 h = Sunday 11:00 GMT.
        assert self.cal.add(datetime(2026, 3, 28, 12, tzinfo=LONDON), 24 * H) == utc(2026, 3, 29, 12)
        assert self.cal.add(datetime(2026, 3, 28, 12, tzinfo=LONDON), 24 * H) == datetime(
            2026, 3, 29, 13, tzinfo=LONDON
        )
        assert self.cal.add(datetime(2026, 10, 24, 12, tzinfo=LONDON), 24 * H) == datetime(
            2026, 10, 25, 11, tzinfo=LONDON
        )

    def test_working_day_is_same_local_time_next_day(self) -> None:
        start = datetime(2026, 3, 28, 12, tzinfo=LONDON)
        end = self.cal.add_working_days(start, 1)
        assert end == datetime(2026, 3, 29, 12, tzinfo=LONDON) == utc(2026, 3, 29, 11)
        assert self.cal.measure(start, end) == 23 * H
        start = datetime(2026, 10, 24, 12, tzinfo=LONDON)
        end = self.cal.add_working_days(start, 1)
        assert end == utc(2026, 10, 25, 12)
        assert self.cal.measure(start, end) == 25 * H

    def test_working_day_onto_a_missing_local_time(self) -> None:
        # 01:30 on the spring-forward day does not exist: the deadline is the moment the clocks jump.
        start = datetime(2026, 3, 28, 1, 30, tzinfo=LONDON)
        assert self.cal.add_working_days(start, 1) == utc(2026, 3, 29, 1)
        # 01:30 on the fall-back day happens twice: the first occurrence (BST).
        start = datetime(2026, 10, 24, 1, 30, tzinfo=LONDON)
        assert self.cal.add_working_days(start, 1) == utc(2026, 10, 25, 0, 30)

    def test_closure_on_a_clock_change_day(self) -> None:
        cal = WorkingCalendar.twenty_four_seven(closures=[SPRING])
        assert whole_day(cal, SPRING) == timedelta(0)
        assert cal.measure(midnight(date(2026, 3, 28)), midnight(date(2026, 3, 31))) == 48 * H
        assert cal.next_open(utc(2026, 3, 29, 6)) == utc(2026, 3, 29, 23)  # Monday 00:00 BST

    def test_general_path_matches_plain_arithmetic(self) -> None:
        # Same opening hours spelled as all-day windows: goes through the day tables, not the shortcut.
        cal = every_day((time(0), time(0)))
        for start in (utc(2026, 3, 28, 12), utc(2026, 10, 24, 23, 59)):
            for d in (H, 25 * H, 30 * 24 * H + 7 * M):
                assert cal.add(start, d) == start + d
                assert cal.measure(start, start + d) == d
        assert whole_day(cal, SPRING) == 23 * H and whole_day(cal, AUTUMN) == 25 * H


class TestWorkingHours:
    def test_almost_whole_day_window(self) -> None:
        cal = every_day((time(0), time(23, 59)))
        assert whole_day(cal, SPRING) == 22 * H + 59 * M
        assert whole_day(cal, AUTUMN) == 24 * H + 59 * M
        assert whole_day(cal, date(2026, 6, 1)) == 23 * H + 59 * M

    def test_window_across_spring_gap(self) -> None:
        cal = every_day((time(0, 30), time(3)))
        assert whole_day(cal, SPRING) == 90 * M
        # Real instants: 00:30-01:00 GMT then 02:00-03:00 BST = 00:30-02:00 UTC, unbroken.
        assert cal.next_open(midnight(SPRING)) == utc(2026, 3, 29, 0, 30)
        assert cal.is_open(utc(2026, 3, 29, 0, 59)) and cal.is_open(utc(2026, 3, 29, 1, 0))
        assert not cal.is_open(utc(2026, 3, 29, 2, 0))
        assert cal.add(midnight(SPRING), H) == utc(2026, 3, 29, 1, 30)  # 02:30 BST
        assert cal.add(midnight(SPRING), 90 * M) == utc(2026, 3, 29, 2)  # 03:00 BST, the close

    def test_window_across_autumn_repeat(self) -> None:
        cal = every_day((time(0, 30), time(3)))
        assert whole_day(cal, AUTUMN) == 210 * M
        # 00:30 BST is 23:30 UTC the day before; 01:00-02:00 local is lived twice; 03:00 GMT is 03:00 UTC.
        assert cal.next_open(midnight(AUTUMN)) == utc(2026, 10, 24, 23, 30)
        assert cal.add(midnight(AUTUMN), 2 * H) == utc(2026, 10, 25, 1, 30)
        assert cal.add(midnight(AUTUMN), 210 * M) == utc(2026, 10, 25, 3)

    def test_window_starting_inside_the_repeated_hour(self) -> None:
        cal = every_day((time(1, 30), time(3)))
        # 01:30-02:00 BST (00:30-01:00 UTC), then 01:30-03:00 GMT (01:30-03:00 UTC): two pieces, 2 h.
        assert whole_day(cal, AUTUMN) == 2 * H
        assert cal.is_open(utc(2026, 10, 25, 0, 45))  # 01:45 BST
        assert not cal.is_open(utc(2026, 10, 25, 1, 15))  # 01:15 GMT
        assert cal.next_open(utc(2026, 10, 25, 1)) == utc(2026, 10, 25, 1, 30)
        assert cal.add(midnight(AUTUMN), 45 * M) == utc(2026, 10, 25, 1, 45)

    def test_window_starting_inside_the_missing_hour(self) -> None:
        cal = every_day((time(1, 30), time(2, 30)))
        # 01:30 local never happens: the window opens when the clocks jump (01:00 UTC) until 02:30 BST.
        assert whole_day(cal, SPRING) == 30 * M
        assert cal.next_open(midnight(SPRING)) == utc(2026, 3, 29, 1)
        # Autumn: 01:30-02:00 BST (then the clocks go back), then 01:30-02:30 GMT: 30 + 60 minutes.
        assert whole_day(cal, AUTUMN) == 90 * M
        assert whole_day(cal, date(2026, 3, 28)) == H

    def test_office_week_across_spring_forward(self) -> None:
        cal = WorkingCalendar.working_hours("office")
        # Friday 16:00 GMT + 2 h = Monday 10:00 BST (09:00 UTC).
        assert cal.add(datetime(2026, 3, 27, 16, tzinfo=LONDON), 2 * H) == utc(2026, 3, 30, 9)
        assert cal.add_working_days(datetime(2026, 3, 27, 16, tzinfo=LONDON), 1) == utc(2026, 3, 30, 15)
        assert cal.measure(utc(2026, 3, 23), utc(2026, 4, 4)) == 80 * H

    def test_office_week_across_fall_back(self) -> None:
        cal = WorkingCalendar.working_hours("office")
        assert cal.add(datetime(2026, 10, 23, 16, tzinfo=LONDON), 2 * H) == utc(2026, 10, 26, 10)
        assert cal.measure(utc(2026, 10, 19), utc(2026, 10, 31)) == 80 * H

    def test_working_day_target_on_a_seven_day_calendar(self) -> None:
        cal = every_day((time(0, 30), time(3)))
        start = datetime(2026, 3, 28, 1, 30, tzinfo=LONDON)
        end = cal.add_working_days(start, 1)
        assert end == utc(2026, 3, 29, 1)  # 01:30 does not exist on the 29th: the jump
        assert cal.measure(start, end) == 90 * M + 30 * M  # rest of Saturday + 00:30-01:00 GMT Sunday


@pytest.mark.parametrize("zone", ["America/Santiago", "Asia/Beirut"])
def test_zone_whose_midnight_can_be_missing(zone: str) -> None:
    # Chile and Lebanon have changed clocks at midnight: a local day then starts at 01:00.
    tz = ZoneInfo(zone)
    cal = WorkingCalendar.twenty_four_seven(tz=tz)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    total = timedelta(0)
    day = date(2025, 1, 1)
    while day.year == 2025:
        total += whole_day_in(cal, day, tz)
        day += timedelta(days=1)
    assert (
        total
        == cal.measure(_first_instant_of(date(2025, 1, 1), tz), _first_instant_of(date(2026, 1, 1), tz))
        == _first_instant_of(date(2026, 1, 1), tz) - _first_instant_of(date(2025, 1, 1), tz)
    )
    # One working day on 24x7 is the same local wall time the next day, whatever the day's length.
    for k in range(0, 365, 5):
        s = start + timedelta(days=k, hours=12)
        e = cal.add_working_days(s, 1)
        assert e.astimezone(tz).time() == s.astimezone(tz).time()
        assert e.astimezone(tz).date() == s.astimezone(tz).date() + timedelta(days=1)


def _first_instant_of(d: date, tz: ZoneInfo) -> datetime:
    # Local midnight, or the jump if midnight does not exist that day.
    naive = datetime.combine(d, time(0))
    early, late = naive.replace(tzinfo=tz, fold=0), naive.replace(tzinfo=tz, fold=1)
    if early.utcoffset() == late.utcoffset() or early.utcoffset() > late.utcoffset():  # type: ignore[operator]
        return early.astimezone(UTC)
    # In a gap: scan minutes after the fold=1 reading for the first instant whose local date is d.
    t = late.astimezone(UTC)
    while t.astimezone(tz).date() != d:
        t += M
    return t


def whole_day_in(cal: WorkingCalendar, d: date, tz: ZoneInfo) -> timedelta:
    return cal.measure(_first_instant_of(d, tz), _first_instant_of(d + timedelta(days=1), tz))


def test_working_days_fall_back_hour() -> None:
    # The documented exception to monotonicity: inside the repeated hour, the later instant (01:00 GMT)
    # reads an earlier time of day than the earlier instant (01:59 BST), so its deadline is earlier.
    cal = WorkingCalendar.twenty_four_seven()
    first = utc(2026, 10, 25, 0, 59)  # 01:59 BST
    second = utc(2026, 10, 25, 1, 0)  # 01:00 GMT
    assert cal.add_working_days(first, 1) == utc(2026, 10, 26, 1, 59)
    assert cal.add_working_days(second, 1) == utc(2026, 10, 26, 1, 0)

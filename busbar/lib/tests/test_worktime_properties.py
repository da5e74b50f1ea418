"""Property tests: add and measure are exact inverses, additive, monotonic; 24x7 is plain UTC arithmetic."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from busbar.lib.worktime import WorkingCalendar

FAST = settings(max_examples=100, deadline=None, database=None)
ONE_US = timedelta(microseconds=1)

OFFICE = WorkingCalendar.working_hours("office", bank_holiday_years=range(2024, 2030))
CALENDARS = [
    OFFICE,
    WorkingCalendar.working_hours(
        "split-with-saturday",
        weekly={
            **{d: ((time(8, 30), time(12, 30)), (time(13, 15), time(17, 45))) for d in range(5)},
            5: ((time(10), time(12)),),
        },
        bank_holiday_years=range(2024, 2030),
    ),
    # Windows through the clock-change hours every day, and one ending at midnight.
    WorkingCalendar("night", weekly={d: ((time(0, 30), time(3)), (time(22), time(0))) for d in range(7)}),
    WorkingCalendar.twenty_four_seven(),
    WorkingCalendar.twenty_four_seven("24x7-with-closures", closures=OFFICE.closures),
    WorkingCalendar("all-day-windows", weekly={d: ((time(0), time(0)),) for d in range(7)}),
]
TWENTY_FOUR_SEVEN = [CALENDARS[3], CALENDARS[5]]

calendars = st.sampled_from(CALENDARS)
# Instants anywhere in 2025-2028, plus a bias towards the clock-change weekends where bugs would hide.
_anywhere = st.datetimes(datetime(2025, 1, 1), datetime(2028, 12, 31), timezones=st.just(UTC))
_changes = st.sampled_from(
    [
        datetime(2026, 3, 29, 1, tzinfo=UTC),
        datetime(2026, 10, 25, 1, tzinfo=UTC),
        datetime(2027, 3, 28, 1, tzinfo=UTC),
    ]
).flatmap(lambda c: st.integers(-3 * 86_400_000_000, 3 * 86_400_000_000).map(lambda us: c + us * ONE_US))
instants = st.one_of(_anywhere, _changes)
durations = st.one_of(
    st.integers(0, 4 * 3_600_000_000),  # up to four hours, to the microsecond
    st.integers(0, 90 * 86_400_000_000),  # up to ninety days
).map(lambda us: us * ONE_US)


@FAST
@given(calendars, instants, durations)
def test_measure_inverts_add(cal: WorkingCalendar, start: datetime, d: timedelta) -> None:
    end = cal.add(start, d)
    assert end >= start
    assert cal.measure(start, end) == d


@FAST
@given(calendars, instants, durations.filter(lambda d: d > timedelta(0)))
def test_add_returns_the_first_such_instant(cal: WorkingCalendar, start: datetime, d: timedelta) -> None:
    end = cal.add(start, d)
    assert cal.measure(start, end - ONE_US) < d
    assert cal.is_open(end - ONE_US)


@FAST
@given(calendars, instants, instants, instants)
def test_measure_is_additive(cal: WorkingCalendar, a: datetime, b: datetime, c: datetime) -> None:
    a, b, c = sorted((a, b, c))
    assert cal.measure(a, c) == cal.measure(a, b) + cal.measure(b, c)
    assert cal.measure(c, a) == timedelta(0)
    assert cal.measure(a, c) <= c - a


@FAST
@given(calendars, instants, instants, durations, durations)
def test_monotonic(cal: WorkingCalendar, s1: datetime, s2: datetime, d1: timedelta, d2: timedelta) -> None:
    s1, s2 = sorted((s1, s2))
    d1, d2 = sorted((d1, d2))
    assert cal.add(s1, d1) <= cal.add(s1, d2)
    assert cal.add(s1, d1) <= cal.add(s2, d1)
    # "Same local time of day" is monotonic except inside the repeated fall-back hour, where a later instant
    # can read an earlier clock time (01:00 GMT comes after 01:59 BST); see test_working_days_fall_back_hour.
    o1, o2 = cal.next_open(s1).astimezone(cal.tz), cal.next_open(s2).astimezone(cal.tz)
    if o1.date() != o2.date() or o1.time() <= o2.time():
        assert cal.add_working_days(s1, 1) <= cal.add_working_days(s2, 1)


@FAST
@given(calendars, instants, durations, durations)
def test_add_composes(cal: WorkingCalendar, start: datetime, d1: timedelta, d2: timedelta) -> None:
    middle = cal.add(start, d1)
    if d2 > timedelta(0):
        assert cal.add(middle, d2) == cal.add(start, d1 + d2)
    else:
        # add(x, 0) is next_open(x): when the first step ends exactly at a close, that is the next opening.
        assert cal.add(middle, d2) == cal.next_open(middle) >= cal.add(start, d1 + d2) == middle


@FAST
@given(calendars, instants)
def test_next_open(cal: WorkingCalendar, at: datetime) -> None:
    opening = cal.next_open(at)
    assert opening >= at and cal.is_open(opening)
    assert cal.measure(at, opening) == timedelta(0)
    assert (opening == at) == cal.is_open(at)
    assert cal.add(at, timedelta(0)) == opening


@FAST
@given(st.sampled_from(TWENTY_FOUR_SEVEN), instants, durations)
def test_24x7_is_plain_utc_arithmetic(cal: WorkingCalendar, start: datetime, d: timedelta) -> None:
    assert cal.add(start, d) == start + d
    assert cal.measure(start, start + d) == d
    assert cal.is_open(start)


@FAST
@given(calendars, instants, st.integers(0, 25))
def test_working_days(cal: WorkingCalendar, start: datetime, n: int) -> None:
    end = cal.add_working_days(start, n)
    assert end >= start and cal.measure(start, end) >= timedelta(0)
    assert cal.add_working_days(start, n + 1) > end
    if n > 0:
        assert cal.measure(start, end) > timedelta(0)


@FAST
@given(instants, st.integers(0, 12), st.integers(0, 12))
def test_working_days_compose_on_uniform_hours(start: datetime, m: int, n: int) -> None:
    # With the same hours every open day the time of day is kept, so m then n days is m + n days,
    # and each working day is exactly eight working hours from an in-hours start.
    assert OFFICE.add_working_days(OFFICE.add_working_days(start, m), n) == OFFICE.add_working_days(
        start, m + n
    )
    opening = OFFICE.next_open(start)
    assert OFFICE.measure(opening, OFFICE.add_working_days(start, n)) == timedelta(hours=8 * n)


@FAST
@given(calendars, instants, durations)
def test_result_independent_of_input_zone(cal: WorkingCalendar, start: datetime, d: timedelta) -> None:
    in_london = start.astimezone(cal.tz)
    assert cal.add(in_london, d) == cal.add(start, d)
    assert cal.add(in_london, d).tzinfo is UTC
    # (Not `in_london + d`: Python adds to an aware datetime's wall clock, and drops `fold`.)
    assert cal.measure(in_london, start + d) == cal.measure(start, start + d)
    assert cal.add_working_days(in_london, 3) == cal.add_working_days(start, 3)

"""Properties of the notice count, for any submission and start from 2026 to 2029: it never falls when the
start moves later, it never exceeds the calendar days between the two dates, it depends only on the London
dates (not the times of day), and on a 24x7 calendar it is exactly the calendar days between."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from busbar.changes.notice import MAX_SPAN_DAYS, notice_days

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
UTC = dt.UTC
# Examples reuse the test's (unchanged) change world.
EXAMPLES = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

instants = st.datetimes(
    min_value=dt.datetime(2026, 1, 1), max_value=dt.datetime(2029, 12, 31), timezones=st.just(UTC)
)
times_of_day = st.times()


def _between(a: dt.datetime, b: dt.datetime) -> int:
    """Calendar days strictly between the London dates of ``a`` and ``b``."""
    return max(0, (b.astimezone(LONDON).date() - a.astimezone(LONDON).date()).days - 1)


def _same_day(at: dt.datetime, time_of_day: dt.time) -> dt.datetime:
    """Another instant on ``at``'s London date (fold 0 inside a repeated hour: still that date)."""
    return dt.datetime.combine(at.astimezone(LONDON).date(), time_of_day, tzinfo=LONDON)


@EXAMPLES
@given(
    submitted=instants,
    first=instants,
    later=st.timedeltas(min_value=dt.timedelta(0), max_value=dt.timedelta(days=60)),
)
def test_monotonic_in_the_start(chg, submitted, first, later) -> None:
    assert notice_days(chg.working, submitted, first) <= notice_days(chg.working, submitted, first + later)


@EXAMPLES
@given(submitted=instants, start=instants)
def test_never_more_than_the_calendar_days_between(chg, submitted, start) -> None:
    days = notice_days(chg.working, submitted, start)
    assert 0 <= days <= _between(submitted, start)
    # (Counting stops MAX_SPAN_DAYS after the submission: far beyond any rule.)
    assert notice_days(chg.always, submitted, start) == min(_between(submitted, start), MAX_SPAN_DAYS)


@EXAMPLES
@given(submitted=instants, start=instants, at=times_of_day, starts_at=times_of_day)
def test_only_the_london_dates_matter(chg, submitted, start, at, starts_at) -> None:
    days = notice_days(chg.working, submitted, start)
    assert notice_days(chg.working, _same_day(submitted, at), start) == days
    assert notice_days(chg.working, submitted, _same_day(start, starts_at)) == days

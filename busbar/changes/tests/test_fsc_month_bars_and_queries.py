"""The month view draws each change as a bar across the UK days it spans, cut and marked at the edges of
each week, packs bars into as few rows as fit, counts what does not fit, and reads the changes in the same
few queries whatever their number."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from busbar.changes.models import ChangeStatus, ChangeType
from busbar.changes.tests.conftest import ChangeWorld, _raise
from busbar.changes.views import schedule

pytestmark = pytest.mark.django_db
UTC = dt.UTC


def _accepted(chg: ChangeWorld, title: str, start: dt.datetime, end: dt.datetime, **kw):
    return _raise(
        chg.provider, chg.world.provider, title, [chg.css], start, end, status=ChangeStatus.ACCEPTED, **kw
    )


def test_a_change_over_a_weekend_spans_two_weeks(chg: ChangeWorld) -> None:
    # Fri 25 June 20:00 UK time to Tue 29 June 06:00 UK time.
    long = _accepted(
        chg,
        "CSS storage migration",
        dt.datetime(2027, 6, 25, 19, tzinfo=UTC),
        dt.datetime(2027, 6, 29, 5, tzinfo=UTC),
    )
    body = chg.client(chg.alpha).get(reverse("fsc"), {"month": "2027-06"}).content.decode()
    cells = re.findall(
        r'<td colspan="(\d)" class="fsc-cell"><div class="fsc-event ([a-z -]+)">'
        r'\s*<a href="/changes/(CHG\d+)/',
        body,
    )
    mine = [(span, css) for span, css, ref in cells if ref == long.reference]
    assert mine == [("3", "outage after"), ("2", "outage before")]  # Fri–Sun, then Mon–Tue


def test_a_window_ending_at_midnight_ends_the_day_before() -> None:
    london = dt.timezone(dt.timedelta(hours=1))
    first, last = schedule.local_days(
        dt.datetime(2027, 6, 21, 22, tzinfo=london), dt.datetime(2027, 6, 22, 0, tzinfo=london)
    )
    assert first == last == dt.date(2027, 6, 21)


def test_bars_pack_into_lanes_and_the_rest_are_counted(chg: ChangeWorld) -> None:
    monday = dt.date(2027, 6, 21)

    class Fake:
        def __init__(self, pk, first, last):
            self.pk, self.first_day, self.last_day = pk, first, last
            self.planned_start = dt.datetime.combine(first, dt.time(1), tzinfo=UTC)

    day = lambda n: monday + dt.timedelta(days=n)  # noqa: E731
    changes = [
        Fake(1, day(0), day(1)),
        Fake(2, day(2), day(3)),
        Fake(3, day(1), day(4)),
        Fake(4, day(5), day(9)),
    ]
    changes += [Fake(10 + i, day(6), day(6)) for i in range(3)]
    week = schedule.lay_out_week(monday, changes, month=6, max_lanes=3)
    spans = [[(c.span, c.change.pk if c.change else None) for c in lane] for lane in week.lanes]
    assert spans[0] == [(2, 1), (2, 2), (1, None), (2, 4)]  # Mon–Tue, Wed–Thu, Sat–Sun (cut: goes on)
    assert spans[1] == [(1, None), (4, 3), (1, None), (1, 10)]
    assert spans[2] == [(6, None), (1, 11)]
    assert week.hidden == 1  # the third one-day change on Sunday: no fourth row
    assert all(sum(c.span for c in lane) == 7 for lane in week.lanes)
    assert week.lanes[0][3].after and not week.lanes[0][3].before
    crowded = schedule.lay_out_week(monday, changes, month=6, max_lanes=2)
    assert crowded.hidden == 2


def test_a_crowded_week_links_to_the_week_view(chg: ChangeWorld, monkeypatch) -> None:
    monkeypatch.setattr(schedule, "MAX_LANES", 2)
    for hour in range(4):
        _accepted(
            chg,
            f"Patch {hour}",
            dt.datetime(2027, 6, 22, hour, tzinfo=UTC),
            dt.datetime(2027, 6, 22, hour, 30, tzinfo=UTC),
        )
    body = chg.client(chg.alpha).get(reverse("fsc"), {"month": "2027-06"}).content.decode()
    assert "2 more changes this week" in body
    assert "/changes/schedule/week/?week=2027-06-21" in body


def _many(chg: ChangeWorld, n: int, offset: int) -> None:
    for i in range(n):
        start = dt.datetime(2027, 6, 1 + (i + offset) % 28, 1, tzinfo=UTC)
        _accepted(
            chg,
            f"Change {offset + i}",
            start,
            start + dt.timedelta(hours=30),
            kind=ChangeType.MAJOR if i % 3 else ChangeType.NORMAL,
        )


@pytest.mark.parametrize("who", ["alpha", "desk"])
def test_month_view_queries_do_not_grow_with_the_changes(
    chg: ChangeWorld, who: str, django_assert_max_num_queries, django_assert_num_queries
) -> None:
    user = getattr(chg, who)
    client = chg.client(user)
    params = {"month": "2027-06", "service": "css", "pending": "1"}
    client.get(reverse("fsc"), params)  # warm: sessions, content types
    _many(chg, 5, 0)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("fsc"), params).status_code == 200
    _many(chg, 25, 5)
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(reverse("fsc"), params)
    assert response.content.decode().count("fsc-event") >= 30
    # The session, the user and scope, the services offered, the CCG check, the changes and their services,
    # the inbox bell.
    with django_assert_max_num_queries(7):
        client.get(reverse("fsc"), params)
    schedule_queries = [
        q["sql"]
        for q in few.captured_queries
        if "changes_changenotification" in q["sql"] and "inbox" not in q["sql"]
    ]
    assert 1 <= len(schedule_queries) <= 2


@pytest.mark.parametrize(
    ("name", "params"),
    [("fsc_week", {"week": "2027-06-01"}), ("fsc_list", {"from": "2027-06-01", "to": "2027-06-30"})],
)
def test_week_and_list_queries_are_bounded(
    chg: ChangeWorld, name: str, params: dict, django_assert_max_num_queries
) -> None:
    client = chg.client(chg.alpha)
    _many(chg, 30, 0)
    client.get(reverse(name), params)
    # As the month, and the list's count for its pages.
    with django_assert_max_num_queries(8):
        assert client.get(reverse(name), params).status_code == 200

"""Where a cleanse item stands: % cleansed, the next target, on track against the straight path from the
baseline (or the last target) to the next target, overdue targets."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from busbar.migration.views.cleanse import burn_down, path_value, standing


def _item(baseline: int, outstanding: int, start: dt.date) -> SimpleNamespace:
    return SimpleNamespace(
        pk=1,
        baseline=baseline,
        outstanding=outstanding,
        updated_on=start,
        created_at=dt.datetime(start.year, start.month, start.day, 12, tzinfo=dt.UTC),
        organisation=SimpleNamespace(name="Alpha"),
        category=SimpleNamespace(name="Addresses"),
    )


def _reading(on: dt.date, outstanding: int) -> SimpleNamespace:
    return SimpleNamespace(on=on, outstanding=outstanding)


def _target(by: dt.date, most: int) -> SimpleNamespace:
    return SimpleNamespace(by_date=by, outstanding_max=most)


START = dt.date(2027, 1, 1)
TARGET = _target(dt.date(2027, 4, 11), 0)  # 100 days after START


def test_linear_path_decides_on_track() -> None:
    day = START + dt.timedelta(days=50)  # half way: the path allows 500 of 1,000
    readings = [_reading(START, 1000)]
    ahead = standing(_item(1000, 500, START), day, readings, [TARGET])
    assert ahead.expected == 500 and ahead.on_track is True and ahead.next_target is TARGET
    behind = standing(_item(1000, 501, START), day, readings, [TARGET])
    assert behind.on_track is False
    assert behind.percent == 49.9
    assert not behind.overdue


def test_path_resumes_from_the_last_target_and_overdue_flagged() -> None:
    first = _target(dt.date(2027, 2, 1), 600)
    second = _target(dt.date(2027, 3, 3), 0)  # 30 days later
    day = dt.date(2027, 2, 16)  # 15 days after the first target: the path allows 300
    s = standing(_item(1000, 700, START), day, [_reading(START, 1000)], [first, second])
    assert s.overdue == [first]
    assert s.next_target is second and s.expected == 300 and s.on_track is False
    met = standing(_item(1000, 250, START), day, [_reading(START, 1000)], [first, second])
    assert met.overdue == [] and met.on_track is True


def test_no_targets_and_past_targets() -> None:
    assert standing(_item(10, 10, START), START, [], []).on_track is None
    assert standing(_item(0, 0, START), START, [], []).percent == 100.0
    past = _target(dt.date(2027, 1, 10), 5)
    assert standing(_item(10, 4, START), dt.date(2027, 2, 1), [], [past]).on_track is True
    late = standing(_item(10, 6, START), dt.date(2027, 2, 1), [], [past])
    assert late.on_track is False and late.overdue == [past]


def test_path_value_bounds_and_burn_down() -> None:
    points = [(START, 100), (START + dt.timedelta(days=10), 0)]
    assert path_value(points, START - dt.timedelta(days=1)) == 100
    assert path_value(points, START + dt.timedelta(days=3)) == 70
    assert path_value(points, START + dt.timedelta(days=30)) == 0
    item = _item(100, 40, START)
    readings = [_reading(START, 100), _reading(START + dt.timedelta(days=5), 40)]
    svg, table = burn_down(item, readings, [_target(START + dt.timedelta(days=10), 0)])
    assert svg.startswith("<svg") and "Target path" in svg
    assert "11 Jan 2027" in table  # the target's day is on the chart

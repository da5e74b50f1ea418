"""Which thresholds are in force on a day: the latest ``effective_from`` on or before the day per scope,
subject and segment, not ended before it (boundary days included)."""

from __future__ import annotations

import datetime as dt

import pytest

from busbar.migration.models import Threshold, ThresholdScope
from busbar.migration.thresholds import resolver, thresholds_in_force

pytestmark = pytest.mark.django_db
D = dt.date


def _industry(m, cap: int, start: dt.date, end: dt.date | None = None, **extra) -> Threshold:
    return Threshold.objects.create(
        programme=m.programme,
        scope=extra.pop("scope", ThresholdScope.INDUSTRY),
        daily_max=cap,
        effective_from=start,
        effective_to=end,
        **extra,
    )


def _caps(m, day: dt.date) -> dict:
    return {
        (t.scope, t.distributor, t.segment): t.daily_max for t in thresholds_in_force(m.programme.pk, day)
    }


def test_latest_effective_from_wins_from_its_first_day(m) -> None:
    _industry(m, 8_000, D(2027, 7, 1), D(2027, 7, 31))
    assert _caps(m, D(2027, 6, 30))[("industry", "", "")] == 10_000
    assert _caps(m, D(2027, 7, 1))[("industry", "", "")] == 8_000
    assert _caps(m, D(2027, 7, 31))[("industry", "", "")] == 8_000
    # ended: the earlier threshold, still open, applies again the day after
    assert _caps(m, D(2027, 8, 1))[("industry", "", "")] == 10_000


def test_nothing_before_the_first_threshold_and_segments_apart(m) -> None:
    assert _caps(m, D(2026, 12, 31)) == {}
    _industry(m, 3_000, D(2027, 1, 1), segment="smart")
    caps = _caps(m, D(2027, 1, 1))
    assert caps == {
        ("industry", "", ""): 10_000,
        ("industry", "", "smart"): 3_000,
        ("distributor", "10", ""): 4_000,
    }


def test_an_ended_latest_does_not_hide_an_earlier_open_one(m) -> None:
    _industry(m, 2_000, D(2027, 3, 1), D(2027, 3, 1), scope=ThresholdScope.DISTRIBUTOR, distributor="10")
    assert _caps(m, D(2027, 3, 1))[("distributor", "10", "")] == 2_000
    assert _caps(m, D(2027, 3, 2))[("distributor", "10", "")] == 4_000
    res = resolver(m.programme.pk)
    assert res.in_force("distributor", "10", "", D(2027, 3, 1)).daily_max == 2_000
    assert res.in_force("distributor", "11", "", D(2027, 3, 1)) is None  # no default distributor cap


def test_a_default_cap_covers_subjects_without_their_own(m) -> None:
    _industry(m, 1_500, D(2027, 1, 1), scope=ThresholdScope.DISTRIBUTOR)
    res = resolver(m.programme.pk)
    assert res.in_force("distributor", "11", "", D(2027, 5, 5)).daily_max == 1_500
    assert res.in_force("distributor", "10", "", D(2027, 5, 5)).daily_max == 4_000

"""Bad filters are refused with a ValueError naming the field, before any query."""

from __future__ import annotations

import datetime as dt

import pytest

from busbar.reports import engine

pytestmark = pytest.mark.django_db


def test_range_over_five_years_names_to() -> None:
    engine.Filters(dt.date(2022, 1, 1), dt.date(2026, 12, 1))  # 60 months: allowed
    with pytest.raises(engine.FilterError) as caught:
        engine.Filters(dt.date(2022, 1, 1), dt.date(2027, 1, 1))  # 61 months
    assert caught.value.field == "to"
    assert isinstance(caught.value, ValueError)


def test_backwards_range_names_to() -> None:
    with pytest.raises(ValueError, match="^to: "):
        engine.Filters(dt.date(2027, 5, 1), dt.date(2027, 4, 1))


def test_out_of_bounds_month_names_from() -> None:
    with pytest.raises(engine.FilterError) as caught:
        engine.Filters(dt.date(1999, 12, 1), dt.date(2000, 1, 1))
    assert caught.value.field == "from"
    with pytest.raises(engine.FilterError) as caught:
        engine.Filters("2027-05", dt.date(2027, 5, 1))  # type: ignore[arg-type]
    assert caught.value.field == "from"


def test_days_become_first_of_month_and_months_listed() -> None:
    f = engine.Filters(dt.date(2026, 11, 17), dt.date(2027, 2, 3))
    assert (f.start, f.end) == (dt.date(2026, 11, 1), dt.date(2027, 2, 1))
    assert engine.months(f.start, f.end) == [
        dt.date(2026, 11, 1),
        dt.date(2026, 12, 1),
        dt.date(2027, 1, 1),
        dt.date(2027, 2, 1),
    ]


def test_unknown_group_and_kpi_are_refused() -> None:
    f = engine.Filters(dt.date(2027, 5, 1), dt.date(2027, 5, 1))
    with pytest.raises(engine.FilterError) as caught:
        engine.figures(f, group_by=["week"])
    assert caught.value.field == "group_by"
    with pytest.raises(engine.FilterError) as caught:
        engine.figures(f, kpis=["uptime"])
    assert caught.value.field == "kpi"

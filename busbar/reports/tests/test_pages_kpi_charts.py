"""The KPI pages' SVG charts: accessible (title, description, a title per point and bar), escaped, no
script and no inline style; the target is a dashed line; met, missed and untargeted figures differ in
colour; months without figures leave a gap rather than a zero."""

from __future__ import annotations

from decimal import Decimal

import pytest

from busbar.reports import charts

D = Decimal


def _months(values, target=None, met=None) -> list[charts.Point]:
    return [
        charts.Point(f"M{i}", None if v is None else D(v), target, met if v is not None else None)
        for i, v in enumerate(values)
    ]


def test_the_trend_is_accessible_and_draws_the_target_dashed() -> None:
    points = _months([300, 420, None, 510], target=D(480))
    points[3] = charts.Point("M3", D(510), D(480), False)
    svg = str(charts.trend_chart(points, unit="minutes", title="Resolution <time>", key="t1"))
    assert svg.startswith("<svg") and 'role="img"' in svg and 'aria-labelledby="t1-title t1-desc"' in svg
    assert '<title id="t1-title">Resolution &lt;time&gt;</title>' in svg
    assert 'stroke-dasharray="6 4"' in svg and "<title>Target 480 min</title>" in svg
    assert svg.count("<circle") == 3  # the month without figures has no dot
    assert "<title>M3: 510 min, target missed</title>" in svg
    assert charts.MISSED in svg
    assert "<script" not in svg and "style=" not in svg
    assert "Lowest 300 min (M0); highest 510 min (M3)" in svg


def test_a_percentage_trend_starts_at_a_round_floor() -> None:
    points = _months(["99.2", "99.9"], target=D("99.5"), met=True)
    svg = str(charts.trend_chart(points, unit="percent", title="Availability"))
    assert "The axis starts at 98%." in svg
    assert ">100%<" in svg


def test_a_trend_without_figures_says_so() -> None:
    svg = str(charts.trend_chart(_months([None, None]), unit="count", title="Incidents"))
    assert "No figures yet." in svg and "<circle" not in svg


def test_the_comparison_has_a_bar_per_provider_with_its_own_target_and_the_end_to_end_line() -> None:
    bars = [
        charts.Point("CSS Provider", D(806), D(900), True),
        charts.Point("Gas <CDS>", D(1800), D(900), False),
        charts.Point("Quiet Ltd", None),
    ]
    svg = str(charts.comparison_chart(bars, unit="minutes", title="Resolution by provider", target=D(1000)))
    assert svg.count("<rect") == 2
    assert "Gas &lt;CDS&gt;: 1800 min, its target 900 min, target missed" in svg
    assert "Quiet Ltd: no figures" in svg
    assert "<title>End-to-end target 1000 min</title>" in svg and 'stroke-dasharray="6 4"' in svg
    assert charts.MET in svg and charts.MISSED in svg
    assert "<script" not in svg and "style=" not in svg


def test_charts_are_bounded() -> None:
    with pytest.raises(ValueError):
        charts.trend_chart([], unit="count", title="x")
    with pytest.raises(ValueError):
        charts.comparison_chart([charts.Point(str(i), D(i)) for i in range(61)], unit="count", title="x")


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        (D("99.5"), "percent", "99.5%"),
        (D("806.25"), "minutes", "806.25 min"),
        (D(6), "count", "6"),
        (None, "count", "no figures"),
    ],
)
def test_figures_are_written_plainly(value, unit, text) -> None:
    assert charts.fmt(value, unit) == text

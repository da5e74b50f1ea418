"""Server-drawn charts carry an accessible name and description, every figure also as a table, and escape
every text they are given."""

import pytest

from busbar.lib.svgchart import Chart, Series


def _chart(**kw) -> Chart:
    return Chart(
        title=kw.pop("title", "Raised & resolved"),
        labels=kw.pop("labels", ["1 Mar", "2 Mar", "3 Mar"]),
        series=kw.pop("series", [Series("Raised", [3, 0, 7]), Series("Resolved", [1, 2, 0])]),
        description="Per day.",
        label_heading="Day",
        **kw,
    )


def test_bars_have_title_desc_and_one_rect_per_value() -> None:
    svg = str(_chart().bars())
    assert svg.startswith("<svg") and 'role="img"' in svg
    assert 'aria-labelledby="chart-title chart-desc"' in svg
    assert '<title id="chart-title">Raised &amp; resolved</title>' in svg
    assert "Raised: 10 in all, at most 7; Resolved: 3 in all, at most 2." in svg
    assert svg.count('<rect class="chart-s0"') == 3 + 1  # three bars and the legend's key
    assert "3 Mar: Raised 7" in svg


def test_lines_draw_one_polyline_per_series() -> None:
    svg = str(_chart().lines())
    assert svg.count("<polyline") == 2 and svg.count("<circle") == 6


def test_table_holds_every_figure() -> None:
    table = str(_chart().table(caption="Per day"))
    assert "<caption>Per day</caption>" in table
    assert '<tr><th scope="row">3 Mar</th><td class="num">7</td><td class="num">0</td></tr>' in table


def test_text_is_escaped() -> None:
    chart = _chart(title="<script>x</script>", labels=["<b>", "a", "b"], series=[Series("<i>s", [1, 2, 3])])
    for html in (str(chart.bars()), str(chart.lines()), str(chart.table())):
        assert "<script>" not in html and "<b>" not in html and "<i>s" not in html
        assert "&lt;script&gt;" in html or "&lt;b&gt;" in html


def test_all_zero_still_draws() -> None:
    svg = str(_chart(series=[Series("Raised", [0, 0, 0])]).bars())
    assert 'height="0.0"' in svg


def test_mismatched_series_are_refused() -> None:
    with pytest.raises(ValueError, match="values"):
        _chart(series=[Series("Raised", [1, 2])])
    with pytest.raises(ValueError, match="series"):
        _chart(series=[])

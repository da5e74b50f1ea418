"""The plan's Gantt-style timeline is server-rendered SVG: phases as bands, tasks as bars, milestones as
diamonds at the forecast with a hollow marker at the baseline, a today line, a month/quarter axis, a
<title> on every shape and a text alternative; every text escaped, nothing loaded from elsewhere."""

from __future__ import annotations

import datetime as dt
import re

from busbar.programmes import gantt
from busbar.programmes.actions import plan as actions
from busbar.programmes.tests.conftest import actor_for


def _chart(**kw) -> gantt.Gantt:
    lane = gantt.Lane(
        band=gantt.Band(
            label="Migration <b>", start=dt.date(2027, 2, 1), end=dt.date(2027, 12, 17), rag="green"
        ),
        bars=[
            gantt.Bar(
                label="T1 CP4 Preparation",
                start=dt.date(2027, 6, 2),
                finish=dt.date(2027, 7, 18),
                detail="35 working days, CPT",
            )
        ],
        diamonds=[
            gantt.Diamond(
                code="M14",
                name='Access "MPANs" & <script>alert(1)</script>',
                date=dt.date(2027, 4, 7),
                baseline=dt.date(2027, 3, 31),
                compared=dt.date(2027, 3, 1),
                rag="amber",
                warning="Forecast before M10",
                href="/programmes/mhhs/plan/milestones/M14/",
            ),
            gantt.Diamond(
                code="CP4", name="Control point", date=dt.date(2027, 3, 31), control_point=True, done=True
            ),
        ],
    )
    return gantt.Gantt(
        title="MHHS plan timeline",
        lanes=[lane],
        today=dt.date(2027, 1, 15),
        compared_label="Baseline 1",
        **kw,
    )


def test_the_svg_draws_every_part_and_escapes_text() -> None:
    chart = _chart()
    svg = str(chart.svg())
    assert (
        svg.startswith("<svg") and 'role="img"' in svg and 'aria-labelledby="gantt-title gantt-desc"' in svg
    )
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "Migration &lt;b&gt;" in svg
    assert "&quot;MPANs&quot; &amp;" in svg
    assert 'class="gantt-phase"' in svg and 'class="gantt-task"' in svg
    assert 'class="gantt-milestone gantt-warning"' in svg and 'class="gantt-baseline"' in svg
    assert 'class="gantt-compared"' in svg and 'stroke-dasharray="2 2"' in svg
    assert "M14 baseline: 31 Mar 2027" in svg and "M14 in Baseline 1: 1 Mar 2027" in svg
    assert "forecast 7 Apr 2027 (baseline 31 Mar 2027)" in svg and "Warning: Forecast before M10" in svg
    assert "CP4 Control point: actual 31 Mar 2027" in svg
    assert "Today, 15 Jan 2027" in svg and 'class="gantt-today"' in svg
    assert "Q1 2027" in svg and "Q4 2027" in svg and ">Jan<" in svg
    assert svg.count("<title") >= 8
    assert "style=" not in svg and "<script" not in svg
    assert re.findall(r"https?://[^\"]+", svg) == ["http://www.w3.org/2000/svg"]
    table = str(chart.table())
    assert "<caption>MHHS plan timeline</caption>" in table and "&lt;script&gt;" in table
    assert ">Baseline 1<" in table and "Warning: Forecast before M10" in table and "achieved" in table


def test_nothing_dated_draws_nothing() -> None:
    empty = gantt.Gantt(
        title="x", lanes=[gantt.Lane(band=gantt.Band(label="Design"))], today=dt.date(2027, 1, 1)
    )
    assert str(empty.svg()) == "" and empty.range() is None


def test_too_many_rows_are_cut_but_kept_in_the_table() -> None:
    bars = [
        gantt.Bar(label=f"T{i}", start=dt.date(2027, 1, 4), finish=dt.date(2027, 1, 8))
        for i in range(gantt.MAX_ROWS + 5)
    ]
    chart = gantt.Gantt(title="x", lanes=[gantt.Lane(band=None, bars=bars)], today=dt.date(2027, 1, 1))
    svg = str(chart.svg())
    assert "and 6 more rows" in svg and svg.count('class="gantt-task"') == gantt.MAX_ROWS - 1
    assert str(chart.table()).count("<td>Task</td>") == gantt.MAX_ROWS + 5


def test_the_plan_page_draws_the_plan(gov) -> None:
    actions.add_task(
        actor=actor_for(gov.office),
        programme=gov.programme,
        ref="T1",
        name="CP4 <Preparation>",
        start=dt.date(2027, 1, 4),
        finish=dt.date(2027, 2, 19),
        phase=gov.phase_mig,
    )
    page = gov.client(gov.alpha).get("/programmes/mhhs/plan/").content.decode()
    start = page.index('class="gantt"')
    svg = page[start : page.index("</svg>", start)]
    assert "T1 CP4 &lt;Preparation&gt;" in svg and "CP4 &lt;Preparation>" not in svg
    assert "Integration testing" in svg and "Migration" in svg
    assert "M14 All suppliers must be able to access MPANs under the new TOM: forecast 7 Apr 2027" in svg
    assert "M14 baseline: 31 Mar 2027" in svg
    assert 'href="/programmes/mhhs/plan/milestones/M14/"' in svg
    assert "The timeline as a table" in page

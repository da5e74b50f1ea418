"""Plan lines from CSV and the generator: every bad line reported with its number, nothing stored while
there is one; bounds on size; the generator spreads evenly over working days by share."""

from __future__ import annotations

import datetime as dt

import pytest

from busbar.lib.actions import ActionError
from busbar.migration import plan_import
from busbar.migration.actions import plans as actions
from busbar.migration.models import MigrationPlan, PlanLine, SegmentWindow
from busbar.migration.tests.conftest import NOW, actor

pytestmark = pytest.mark.django_db


def _window(m):
    return SegmentWindow.objects.get(programme=m.programme, segment="smart")


def test_every_bad_line_numbered_and_nothing_stored(m) -> None:
    plan = MigrationPlan.objects.create(programme=m.programme, supplier=m.world.org_a, segment="smart")
    PlanLine.objects.create(plan=plan, day=dt.date(2027, 7, 1), distributor="10", volume=9)
    content = (
        "\ufeffDay,Distributor,Agent,Volume\n"
        "2027-07-05,10,DLTA,100\n"
        "2027-02-28,10,,100\n"  # before M11
        "2027-07-05,10,dlta,5\n"  # repeats line 2
        "07/07/2027,24,ABCD,-1\n"
        "\n"
        "2027-07-08,12,,1.5,extra\n"
    ).encode()
    rows = plan_import.read_csv(content)
    with pytest.raises(plan_import.LineErrors) as refused:
        actions.set_lines(actor=actor(m.world.user_a), plan=plan, lines=rows, now=NOW)
    got = [(e.line, e.field) for e in refused.value.errors]
    assert got == [
        (3, "day"),
        (4, "line"),
        (5, "day"),
        (5, "distributor"),
        (5, "agent"),
        (5, "volume"),
        (7, "line"),
        (7, "volume"),
    ]
    assert refused.value.count == 8 and "Nothing was stored" in refused.value.message
    assert list(plan.lines.values_list("volume", flat=True)) == [9]


def test_file_level_refusals(m) -> None:
    with pytest.raises(plan_import.LineErrors) as missing:
        plan_import.read_csv(b"day,volume\n2027-07-05,1\n")
    assert missing.value.errors[0].message.startswith("Missing column 'distributor'")
    for content, says in (
        (b"", "empty"),
        (b"day,distributor,volume\n", "no lines"),
        (b"\xff\xfe", "UTF-8"),
        (b"x" * (plan_import.MAX_BYTES + 1), "MB"),
    ):
        with pytest.raises(ActionError) as refused:
            plan_import.read_csv(content)
        assert says in refused.value.message and refused.value.field == "file"
    too_many = "day,distributor,volume\n" + "2027-07-05,10,1\n" * (plan_import.MAX_LINES + 1)
    with pytest.raises(ActionError, match="at most 50,000"):
        plan_import.read_csv(too_many.encode())


def test_generator_spreads_evenly_by_share(m) -> None:
    rows = plan_import.generate(
        total=1_001,
        start=dt.date(2027, 7, 3),  # a Saturday
        end=dt.date(2027, 7, 9),
        shares=plan_import.parse_shares("10:1, 11:1"),
        window=_window(m),
    )
    assert {r["day"].weekday() for r in rows} <= {0, 1, 2, 3, 4}
    assert sum(r["volume"] for r in rows) == 1_001
    assert [r["volume"] for r in rows if r["distributor"] == "10"] == [101, 100, 100, 100, 100]
    assert len(plan_import.parse_shares("")) == 14
    for bad in ("99:1", "10:x", "10", "10:1,10:2", "10:0"):
        with pytest.raises(ActionError) as refused:
            plan_import.parse_shares(bad)
        assert refused.value.field == "shares"
    with pytest.raises(ActionError) as late:
        plan_import.generate(
            total=5, start=dt.date(2028, 6, 1), end=dt.date(2028, 7, 30), shares={"10": 1}, window=_window(m)
        )
    assert late.value.field == "end"

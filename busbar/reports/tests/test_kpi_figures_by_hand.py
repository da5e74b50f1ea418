"""All ten KPIs of May 2027 in the ``slm`` world, end to end, per provider, per service, by severity and
by month, against the hand figures of docs/kpis.md ("Worked example").

May 2027: CSS is 24x7 (31 × 1440 = 44,640 agreed minutes) and had one interruption, the declared major
incident 02:05–05:30 UTC on 25 May (205 minutes); UK Link is on working hours (19 open days × 600 =
11,400 minutes, bank holidays 3 and 31 May closed) with no downtime."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from busbar.changes.models import ChangeStatus, ChangeType
from busbar.changes.tests.conftest import _raise
from busbar.reports import engine
from busbar.reports.tests.conftest import APRIL, JUNE, MAY, NOW

pytestmark = pytest.mark.django_db

D = Decimal


def _values(row) -> dict[str, tuple]:
    return {code: (v.value, v.count) for code, v in row.values.items()}


def _one(filters, **kwargs) -> dict[str, tuple]:
    rows = engine.figures(filters, now=NOW, **kwargs)
    assert len(rows) == 1 and rows[0].key == {}
    return _values(rows[0])


def test_end_to_end_may(slm) -> None:
    got = _one(engine.Filters(MAY, MAY))
    assert got == {
        # (44,640 + 11,400 − 205) / 56,040 = 99.63419…% (rounded down).
        "availability": (D("99.634"), 2),
        "interruptions": (D(1), 1),
        "interruption_minutes": (D("205.0"), 1),
        "major_changes": (D(0), 0),
        "emergency_changes": (D(0), 0),
        # quick, paused, late, holiday, open, major raised in May.
        "incidents": (D(6), 6),
        # late (11 May) and open (23 May).
        "escalations": (D(2), 2),
        # (15 + 30 + 10 + 240 + 10 + 5) / 6 = 51.67
        "response_time": (D("51.7"), 6),
        # resolved in May: quick 375, paused 840, late 1800, major 210 → 3225 / 4 = 806.25
        "resolution_time": (D("806.3"), 4),
        # late missed: 3 of 4.
        "resolved_in_sla": (D("75.000"), 4),
    }


def test_per_provider_may(slm) -> None:
    rows = engine.figures(engine.Filters(MAY, MAY), group_by=["provider"], now=NOW)
    by = {r.key["provider"]: _values(r) for r in rows}
    assert set(by) == {slm.world.provider.pk, slm.gas_org.pk}
    css, gas = by[slm.world.provider.pk], by[slm.gas_org.pk]
    # CSS: 44,435 / 44,640 = 99.5407…% → 99.540 (rounded down, as the service's own figure).
    assert css["availability"] == (D("99.540"), 1)
    assert css["interruptions"] == (D(1), 1)
    assert css["incidents"] == (D(4), 4)
    assert css["escalations"] == (D(1), 1)
    assert css["response_time"] == (D("15.0"), 4)  # (15 + 30 + 10 + 5) / 4
    assert css["resolution_time"] == (D("475.0"), 3)  # (375 + 840 + 210) / 3
    assert css["resolved_in_sla"] == (D("100.000"), 3)
    assert gas["availability"] == (D("100.000"), 1)
    assert gas["interruption_minutes"] == (None, 0)
    assert gas["incidents"] == (D(2), 2)
    assert gas["response_time"] == (D("125.0"), 2)  # (10 + 240) / 2
    assert gas["resolution_time"] == (D("1800.0"), 1)
    assert gas["resolved_in_sla"] == (D("0.000"), 1)
    # One provider by filter gives the same figures as its group.
    assert _one(engine.Filters(MAY, MAY, provider_id=slm.gas_org.pk)) == gas


def test_by_severity_service_kpis_are_none(slm) -> None:
    rows = engine.figures(engine.Filters(MAY, MAY), group_by=["severity"], now=NOW)
    by = {r.key["severity"]: _values(r) for r in rows}
    assert set(by) == {"1", "2", "3", "4"}
    assert by["2"]["incidents"] == (D(3), 3)
    assert by["2"]["resolution_time"] == (D("1005.0"), 3)  # (375 + 840 + 1800) / 3
    assert by["2"]["resolved_in_sla"] == (D("66.667"), 3)
    assert by["2"]["escalations"] == (D(1), 1)
    assert by["3"]["escalations"] == (D(1), 1)
    assert by["4"]["resolution_time"] == (None, 0)  # holiday resolved in June
    assert by["1"]["resolution_time"] == (D("210.0"), 1)
    for values in by.values():
        assert values["availability"] == (None, 0)
        assert values["interruptions"] == (None, 0)
    one = _one(engine.Filters(MAY, MAY, severity="2"))
    assert one["incidents"] == (D(3), 3) and one["availability"] == (None, 0)


def test_by_month_every_month_has_a_row(slm) -> None:
    rows = engine.figures(
        engine.Filters(APRIL, JUNE), group_by=["month"], kpis=["incidents", "resolution_time"], now=NOW
    )
    assert [r.key["month"] for r in rows] == [APRIL, MAY, JUNE]
    assert [set(r.values) for r in rows] == [{"incidents", "resolution_time"}] * 3
    april, may, june = (_values(r) for r in rows)
    assert april == {"incidents": (D(1), 1), "resolution_time": (D("1440.0"), 1)}
    assert may["incidents"] == (D(6), 6)
    assert june == {"incidents": (D(0), 0), "resolution_time": (D("960.0"), 1)}  # holiday, bank holiday


def test_per_service_and_participant(slm) -> None:
    rows = engine.figures(engine.Filters(MAY, MAY), group_by=["service"], now=NOW)
    by = {r.key["service"]: _values(r) for r in rows}
    assert by[slm.uk_link.pk]["incidents"] == (D(2), 2)
    assert by[slm.css.pk]["availability"] == (D("99.540"), 1)
    # Bravo raised paused and open: service KPIs are not measured per participant.
    bravo = _one(engine.Filters(MAY, MAY, organisation_id=slm.world.org_b.pk))
    assert bravo["incidents"] == (D(2), 2)
    assert bravo["response_time"] == (D("20.0"), 2)
    assert bravo["resolution_time"] == (D("840.0"), 1)
    assert bravo["escalations"] == (D(1), 1)
    assert bravo["availability"] == (None, 0)


def test_organisation_figures_match_the_aggregates_when_summed(slm) -> None:
    """The slow path (facts) and the fast path (aggregates) agree: Alpha + Bravo = everyone."""
    codes = ["incidents", "escalations", "resolution_time", "resolved_in_sla"]
    f = engine.Filters(APRIL, JUNE)
    total = _one(f, kpis=codes)
    parts = [
        _one(engine.Filters(APRIL, JUNE, organisation_id=o.pk), kpis=codes)
        for o in (slm.world.org_a, slm.world.org_b)
    ]
    assert total["incidents"][0] == sum(p["incidents"][0] for p in parts)
    assert total["escalations"][0] == sum(p["escalations"][0] for p in parts)
    assert total["resolved_in_sla"][1] == sum(p["resolved_in_sla"][1] for p in parts)


def test_major_and_emergency_changes(slm) -> None:
    start = dt.datetime(2027, 5, 12, 1, tzinfo=dt.UTC)
    for kind in (ChangeType.MAJOR, ChangeType.EMERGENCY, ChangeType.EMERGENCY):
        _raise(
            slm.provider,
            slm.world.provider,
            f"CSS {kind} change",
            [slm.css],
            start,
            start + dt.timedelta(hours=1),
            kind=kind,
            outage=False,
            status=ChangeStatus.COMPLETED,
        )
    got = _one(engine.Filters(MAY, MAY), kpis=["major_changes", "emergency_changes"])
    assert got == {"major_changes": (D(1), 1), "emergency_changes": (D(2), 2)}
    gas = _one(engine.Filters(MAY, MAY, provider_id=slm.gas_org.pk), kpis=["emergency_changes"])
    assert gas == {"emergency_changes": (D(0), 0)}
    f = engine.Filters(MAY, MAY)
    assert engine.changes_behind(f, "emergency_changes").count() == 2
    assert engine.changes_behind(f, "major_changes").count() == 1
    assert not engine.changes_behind(engine.Filters(JUNE, JUNE), "major_changes").exists()
    assert not engine.changes_behind(f, "incidents").exists()


def test_figures_cost_a_fixed_number_of_queries(slm, django_assert_max_num_queries) -> None:
    f = engine.Filters(dt.date(2026, 6, 1), dt.date(2027, 6, 1))
    with django_assert_max_num_queries(30):
        rows = engine.figures(f, group_by=["month", "provider"], now=NOW)
    assert rows
    with django_assert_max_num_queries(3):
        engine.figures(f, group_by=["month", "severity"], now=NOW)
    with django_assert_max_num_queries(4):
        engine.figures(
            engine.Filters(MAY, MAY, organisation_id=slm.world.org_a.pk), group_by=["provider"], now=NOW
        )

"""The dashboard's figures on the fixture: RAG per phase, milestones due and overdue with their working-day
deltas, the RAID exposure trend, open RAID by kind and RAG and top exposures as each viewer may see them,
action ageing, change requests and the SI metrics; and a fixed number of queries whatever the data."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from busbar.programmes import dashboard
from busbar.programmes.models import Action, ActionStatus, ChangeRequest, CrStatus, RaidKind, RaidStatus
from busbar.programmes.tests.conftest import _record, raid

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 12, 5)


def _board(gov, user, today=TODAY):
    return dashboard.build(user, gov.programme, today=today)


def test_phases_milestones_and_variance_to_baseline(gov) -> None:
    board = _board(gov, gov.office)
    assert [(p["name"], p["rag"], p["milestones"], p["late"]) for p in board.phases] == [
        ("Integration testing", "amber", 1, 0),
        ("Migration", "green", 3, 1),
    ]
    deltas = {m.code: m.delta for m in board.milestones}
    assert deltas == {"M10": 0, "CP4": 0, "M14": 5, "M15": 0}  # Easter 2027 is not counted
    assert [m.code for m in board.due] == ["M10"]  # within 90 days of 5 Dec 2026
    assert board.overdue == []
    assert board.variance == {
        "compared": 4,
        "late": 1,
        "pct_late": Decimal("25.0"),
        "mean_slip": Decimal("5.0"),
    }
    later = _board(gov, gov.office, dt.date(2027, 2, 10))
    assert [m.code for m in later.overdue] == ["M10"]  # forecast 1 Feb 2027, not achieved
    assert [m.code for m in later.due] == ["CP4", "M14"]
    gov.m10.actual_date = dt.date(2027, 2, 3)
    gov.m10.save()
    achieved = _board(gov, gov.office, dt.date(2027, 2, 10))
    assert achieved.overdue == []
    assert achieved.phases[0]["achieved"] == 1 and achieved.phases[0]["late"] == 1  # 2 working days late


def test_raid_counted_as_each_viewer_may_see_it(gov) -> None:
    def seen(user):
        board = _board(gov, user)
        return board.raid["total"], board.raid["exposure"], [i["ref"] for i in board.top]

    assert seen(gov.office) == (4, 28, ["R1", "R3", "R2"])
    assert seen(gov.assurer) == (4, 28, ["R1", "R3", "R2"])
    assert seen(gov.alpha) == (3, 18, ["R1", "R2"])  # public + its own private R2
    assert seen(gov.bravo) == (3, 22, ["R1", "R3"])  # public + its own private R3
    assert seen(gov.desk) == (2, 12, ["R1"])
    assert seen(gov.si) == (2, 12, ["R1"])
    rows = {r["kind"]: r for r in _board(gov, gov.alpha).raid["rows"]}
    columns = [c["rag"] for c in _board(gov, gov.alpha).raid["columns"]]
    assert dict(zip(columns, rows[RaidKind.RISK]["by_rag"], strict=True))["red"] == 1  # R2
    assert dict(zip(columns, rows[RaidKind.RISK]["by_rag"], strict=True))["amber"] == 1  # R1
    assert rows[RaidKind.ISSUE]["total"] == 0  # R3 is Bravo's
    assert rows[RaidKind.DEPENDENCY]["by_rag"][columns.index("green")] == 1


def test_exposure_trend_counts_items_open_each_week_with_their_current_score(gov) -> None:
    today = dt.date(2026, 11, 28)
    ends = dashboard.trend_ends(today)
    assert len(ends) == 13 and ends[-1] == today and ends[0] == dt.date(2026, 9, 5)
    gov.r1.status = RaidStatus.CLOSED
    gov.r1.closed_on = dt.date(2026, 11, 17)
    gov.r1.save()

    def series(user, key):
        board = _board(gov, user, today)
        return dict(
            zip(
                board.trend["ends"],
                next(s for s in board.trend["series"] if s["key"] == key)["values"],
                strict=True,
            )
        )

    office = series(gov.office, "all")
    assert office[dt.date(2026, 9, 5)] == 12  # R1 raised 1 Sep; R4 (raised 3 Aug) is unscored
    assert office[dt.date(2026, 9, 26)] == 12
    assert office[dt.date(2026, 10, 3)] == 18  # + R2 (raised 1 Oct)
    assert office[dt.date(2026, 11, 7)] == 28  # + R3 (raised 2 Nov)
    assert office[dt.date(2026, 11, 14)] == 28
    assert office[dt.date(2026, 11, 21)] == 16  # R1 closed on 17 Nov
    assert series(gov.office, "issues")[dt.date(2026, 11, 28)] == 10
    alpha = series(gov.alpha, "all")
    assert alpha[dt.date(2026, 11, 14)] == 6 + 12 and alpha[dt.date(2026, 11, 28)] == 6
    assert set(series(gov.alpha, "issues").values()) == {0}
    # A converted risk stops counting when it was converted (its last change), not before.
    gov.r2.status = RaidStatus.CONVERTED
    gov.r2.save()
    assert series(gov.office, "risks")[dt.date(2026, 11, 28)] == 6  # converted today: still open then


def test_action_ageing_and_overdue(gov) -> None:
    now = _board(gov, gov.alpha).actions
    assert now["open"] == 3 and now["overdue"] == 1  # TMAG18-01 due 30 Nov
    assert [b["count"] for b in now["buckets"]] == [0, 3, 0, 0]
    later = _board(gov, gov.alpha, dt.date(2027, 1, 20)).actions
    assert [b["count"] for b in later["buckets"]] == [0, 0, 1, 2]  # 77 days; 98 days
    assert {s["status"]: s["count"] for s in later["by_status"]} == {
        "open": 1,
        "ongoing": 1,
        "recommend_closed": 1,
    }
    Action.objects.filter(pk=gov.a19_01.pk).update(status=ActionStatus.CLOSED)
    assert _board(gov, gov.bravo).actions["open"] == 2


def test_change_requests_and_si_metrics(gov) -> None:
    board = _board(gov, gov.alpha)
    crs = board.crs
    assert {s["status"]: s["count"] for s in crs["by_status"]}[CrStatus.IMPACT_ASSESSMENT] == 1
    assert crs["issued"] == 1 and crs["pct_approved"] == Decimal("0.0") and crs["late"] == 0
    assert {c["criticality"]: c["pct"] for c in crs["by_criticality"]}["medium"] == Decimal("100.0")
    ageing = {r["criticality"]: r["buckets"] for r in dashboard.build(gov.alpha, gov.programme).crs["ageing"]}
    assert ageing["medium"] == [1, 0, 0, 0]  # raised today
    assert _board(gov, gov.alpha, dt.date(2027, 2, 1)).crs["pct_late"] == Decimal("100.0")  # needed by 15 Jan
    record = _record("programme_cr")
    ChangeRequest.objects.create(
        record=record,
        reference=record.reference,
        programme=gov.programme,
        number=2,
        title="Approved one",
        description="x",
        raised_by=gov.prog.pm_org,
        status=CrStatus.APPROVED,
        needed_by=dt.date(2026, 11, 1),
        decided_on=dt.date(2026, 10, 20),
    )
    metrics = {m["key"]: m for m in _board(gov, gov.office).metrics}
    assert metrics["cr_outcomes"]["value"] == "50.0% : 0.0% : 0.0%"
    assert metrics["variance_baseline"]["value"] == "25.0%"
    assert "mean slip 5.0 working days" in metrics["variance_baseline"]["detail"]
    assert metrics["risk_exposure"]["value"] == "18"  # R1 + R2 (R3 is an issue)
    gov.r2.status = RaidStatus.CONVERTED
    gov.r2.save()
    metrics = {m["key"]: m for m in _board(gov, gov.office).metrics}
    assert metrics["risk_conversion"]["value"] == "50.0%"
    assert metrics["risk_closure"]["value"] == "0.0%"
    assert all(m["rule"] for m in metrics.values())
    assert {m["key"] for m in _board(gov, gov.alpha).metrics} == set(metrics)


def test_query_count_does_not_grow_with_the_data(gov) -> None:
    dashboard.build(gov.office, gov.programme)  # warm the person's access
    with CaptureQueriesContext(connection) as before:
        dashboard.build(gov.office, gov.programme)
    for n in range(5, 35):
        raid(
            gov.programme,
            n,
            RaidKind.RISK if n % 2 else RaidKind.ISSUE,
            f"Item {n}",
            likelihood=1 + n % 5,
            impact_score=1 + n % 4,
            is_public=n % 3 == 0,
            raised_on=dt.date(2026, 9, 1) + dt.timedelta(days=n),
        )
        Action.objects.create(
            programme=gov.programme,
            group=gov.tmag,
            meeting=gov.tmag19,
            sequence=n,
            reference=f"TMAG19-{n:02d}",
            raised_on=dt.date(2026, 11, 4),
            description=f"Action {n}",
            due_date=dt.date(2026, 11, 20),
        )
    with CaptureQueriesContext(connection) as after:
        board = dashboard.build(gov.office, gov.programme)
    assert board.raid["total"] == 34 and board.actions["open"] == 33
    assert len(after.captured_queries) == len(before.captured_queries) <= 15

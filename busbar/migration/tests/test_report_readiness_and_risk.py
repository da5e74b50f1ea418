"""Readiness to M14 (migrated against the portfolio, the 14-day run rate, the projected completion against
M14 and M15) and the at-risk participants, each reason on its own; both for the programme only (a
supplier sees its own readiness, nobody else at-risk); a fixed number of queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from busbar.migration import progress
from busbar.migration.models import (
    DailyProgress,
    Entrant,
    EntrantKind,
    ExceptionStatus,
    MigrationException,
    PlanStatus,
    QualificationStatus,
)
from busbar.migration.tests.conftest import M14, M15, TODAY
from busbar.migration.tests.test_report_progress import make_plan, make_progress
from busbar.records.models import Record

pytestmark = pytest.mark.django_db


def _recent(org, per_day, days=14):
    DailyProgress.objects.bulk_create(
        DailyProgress(
            day=TODAY - dt.timedelta(days=i),
            segment="smart",
            supplier=org,
            distributor="10",
            migrated=per_day,
        )
        for i in range(days)
    )


def _row(rows, org):
    return next(r for r in rows if r.organisation.pk == org.pk)


def test_readiness_projection(m) -> None:
    w = m.world
    make_progress(w.org_a, TODAY - dt.timedelta(days=60), migrated=60_000)  # before the run-rate window
    _recent(w.org_a, 10_000)  # 140,000 in the last 14 days: 10,000 a day
    _recent(w.org_b, 100, days=7)  # 700 in 14 days: 50 a day
    rows = progress.readiness(m.si, today=TODAY)
    assert [r.organisation.name for r in rows] == [w.org_a.name, w.org_b.name]
    alpha, bravo = _row(rows, w.org_a), _row(rows, w.org_b)
    assert alpha.migrated == 200_000 and alpha.portfolio == 600_000 and alpha.percent == 33.3
    assert alpha.run_rate == 10_000 and alpha.remaining == 400_000
    assert alpha.projected == TODAY + dt.timedelta(days=40)
    assert alpha.m14 == M14 and alpha.m15 == M15 and alpha.status == "on_track"
    # Bravo: 79,300 left at 50 a day = 1,586 days: after M15
    assert bravo.run_rate == 50 and bravo.projected == TODAY + dt.timedelta(days=1586)
    assert bravo.status == "after_m15"


def test_readiness_statuses(m) -> None:
    w = m.world
    _recent(w.org_a, 2_000)  # 28,000: 572,000 left at 2,000 a day = 286 days, after M14, before M15
    rows = progress.readiness(m.si, today=TODAY)
    alpha, bravo = _row(rows, w.org_a), _row(rows, w.org_b)
    assert alpha.projected == TODAY + dt.timedelta(days=286) and alpha.status == "after_m14"
    assert bravo.projected is None and bravo.status == "not_started"
    make_progress(w.org_b, TODAY - dt.timedelta(days=100), migrated=80_000)
    assert _row(progress.readiness(m.si, today=TODAY), w.org_b).status == "complete"


def test_readiness_visibility(m) -> None:
    w = m.world
    _recent(w.org_a, 10)
    _recent(w.org_b, 10)
    own = progress.readiness(w.user_a, today=TODAY)
    assert [r.organisation.pk for r in own] == [w.org_a.pk]
    assert len(progress.readiness(m.assurer, today=TODAY)) == 2
    for user in (m.dno, m.agent, m.code_body_user, w.resolver):
        assert progress.readiness(user, today=TODAY) == []


def _reasons(m, org=None, entrant=None):
    rows = progress.at_risk(m.si, today=TODAY)
    for r in rows:
        if (org is not None and r.organisation.pk == org.pk and r.entrant.kind == EntrantKind.SUPPLIER) or (
            entrant is not None and r.entrant.pk == entrant.pk
        ):
            return set(r.codes)
    return set()


def _qualify(*entrants, tranche=None):
    for e in entrants:
        Entrant.objects.filter(pk=e.pk).update(status=QualificationStatus.QUALIFIED, tranche=tranche)


def test_at_risk_not_qualified_in_a_late_tranche(m) -> None:
    _qualify(m.alpha, m.delta, tranche=m.tranches[0])
    Entrant.objects.filter(pk=m.bravo.pk).update(status=QualificationStatus.ALLOCATED, tranche=m.tranches[2])
    assert _reasons(m, m.world.org_b) == {"late_tranche"}  # T3 ends 31 Jan 2028, after the 31 Oct cut-off
    Entrant.objects.filter(pk=m.bravo.pk).update(tranche=m.tranches[1])  # T2 ends 30 Sep
    assert _reasons(m, m.world.org_b) == set()
    Entrant.objects.filter(pk=m.bravo.pk).update(tranche=None, status=QualificationStatus.NEEDS)
    assert _reasons(m, m.world.org_b) == {"late_tranche"}  # no tranche yet
    Entrant.objects.filter(pk=m.bravo.pk).update(tranche=m.tranches[2], status=QualificationStatus.EXEMPT)
    assert _reasons(m, m.world.org_b) == set()  # exempt: qualification is done
    assert _reasons(m, m.world.org_a) == set()


def test_at_risk_plan_after_m15(m) -> None:
    _qualify(m.alpha, m.bravo, m.delta, tranche=m.tranches[0])
    make_plan(m, m.world.org_b, "smart", [(M15, "10", 10)], status=PlanStatus.DRAFT)
    assert _reasons(m, m.world.org_b) == set()
    make_plan(m, m.world.org_b, "advanced", [(M15 + dt.timedelta(days=1), "10", 10)], status=PlanStatus.DRAFT)
    assert _reasons(m, m.world.org_b) == {"plan_after_m15"}


def test_at_risk_behind_plan_by_more_than_ten_percent(m) -> None:
    _qualify(m.alpha, m.bravo, m.delta, tranche=m.tranches[0])
    make_plan(
        m,
        m.world.org_b,
        "smart",
        [(TODAY - dt.timedelta(days=3), "10", 1000), (TODAY + dt.timedelta(days=3), "10", 5000)],
    )
    make_progress(m.world.org_b, TODAY - dt.timedelta(days=3), migrated=900)
    assert _reasons(m, m.world.org_b) == set()  # exactly 10 % behind: not more
    make_progress(m.world.org_b, TODAY - dt.timedelta(days=2), reversed=1)
    assert _reasons(m, m.world.org_b) == {"behind_plan"}


def test_at_risk_open_exceptions(m) -> None:
    _qualify(m.alpha, m.bravo, m.delta, tranche=m.tranches[0])
    for n, status in enumerate((ExceptionStatus.RESOLVED, ExceptionStatus.INVESTIGATING), start=1):
        record = Record.objects.create(kind="migration_exception", reference=f"MEX{n:07d}")
        MigrationException.objects.create(
            record=record,
            reference=record.reference,
            kind="failed",
            supplier=m.world.org_b,
            day=TODAY,
            summary="Failed migrations",
            mpans=3,
            status=status,
        )
    assert _reasons(m, m.world.org_b) == {"open_exceptions"}
    assert progress.open_exception_count(m.si) == 1 and progress.open_exception_count(m.world.user_b) == 1
    assert progress.open_exception_count(m.world.user_a) == 0


def test_at_risk_large_portfolio_landing_late(m) -> None:
    # Alpha: 600,000 MPANs, large from 500,000 (R525)
    _qualify(m.bravo, m.delta, tranche=m.tranches[0])
    Entrant.objects.filter(pk=m.alpha.pk).update(status=QualificationStatus.ALLOCATED, tranche=m.tranches[2])
    assert _reasons(m, m.world.org_a) == {"late_tranche", "large_late"}
    # qualified in time, but its run rate finishes after M14
    _qualify(m.alpha, tranche=m.tranches[0])
    _recent(m.world.org_a, 1_000)
    assert _reasons(m, m.world.org_a) == {"large_late"}
    # Bravo (80,000) at the same pace is not large
    _recent(m.world.org_b, 10)
    assert "large_late" not in _reasons(m, m.world.org_b)


def test_agents_too_and_only_readers(m) -> None:
    Entrant.objects.filter(pk=m.delta.pk).update(status=QualificationStatus.ALLOCATED, tranche=m.tranches[2])
    assert _reasons(m, entrant=m.delta) == {"late_tranche"}
    assert progress.at_risk(m.assurer, today=TODAY)
    for user in (m.world.user_a, m.world.user_b, m.dno, m.agent, m.code_body_user, m.world.resolver):
        assert progress.at_risk(user, today=TODAY) == []


def test_query_counts_constant(m) -> None:
    _recent(m.world.org_a, 10)
    progress.readiness(m.si, today=TODAY)

    def count(fn):
        with CaptureQueriesContext(connection) as ctx:
            fn()
        return len(ctx.captured_queries)

    few = (
        count(lambda: progress.readiness(m.si, today=TODAY)),
        count(lambda: progress.at_risk(m.si, today=TODAY)),
    )
    from busbar.conftest import make_org
    from busbar.parties.models import IndustryRole

    for i in range(6):
        org = make_org(f"Supplier {i}", [IndustryRole.ENERGY_SUPPLIER])
        Entrant.objects.create(window=m.window, organisation=org, kind=EntrantKind.SUPPLIER, smart=1000 * i)
        _recent(org, i)
        make_plan(m, org, "smart", [(TODAY - dt.timedelta(days=d), "10", 5) for d in range(20)])
    assert count(lambda: progress.readiness(m.si, today=TODAY)) == few[0] <= 5
    assert count(lambda: progress.at_risk(m.si, today=TODAY)) == few[1] <= 7

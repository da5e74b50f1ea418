"""API of the migration reports (``/migration/reports/…``), the same figures as the pages
(:mod:`busbar.migration.progress`: the daily aggregates only, a fixed number of queries):

* ``GET /migration/reports/progress?supplier=&segment=``: industry (or one supplier's) progress per day,
  cumulative, by segment, and the totals against the portfolio;
* ``GET /migration/reports/distributors?day_from=&day_to=``: per DNO area and day, planned, migrated, cap;
* ``GET /migration/reports/readiness``: per supplier, readiness to M14;
* ``GET /migration/reports/at-risk``: the participants at risk and why (the programme's readers only).

Visibility as on the pages: the programme everything; a supplier its own (another supplier's: 404); a DNO
its area; anyone with nothing to see: 404. Bad input is a 422 naming the field.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema

from busbar.lib.schema import Day, Id
from busbar.migration import progress
from busbar.migration.models import Segment

router = Router(tags=["Qualification and migration"])

SegmentValue = Literal[tuple(Segment.values)]  # type: ignore[valid-type]


class MigrationReportOrganisation(Schema):
    id: int
    name: str


class MigrationProgressDay(Schema):
    day: dt.date
    planned: int = Field(..., description="MPANs planned (submitted and accepted plans)")
    actual: int = Field(..., description="Migrated, net: migrated + re-migrated − reverse-migrated")
    migrated: int
    remigrated: int
    reversed: int
    failed: int
    scheduled: int
    cum_planned: int
    cum_actual: int


class MigrationProgressSegment(Schema):
    segment: str
    label: str
    planned: int
    planned_to_date: int
    actual: int
    portfolio: int | None
    percent: float | None
    daily_planned: list[int]
    daily_actual: list[int]


class MigrationProgressOut(Schema):
    title: str
    today: dt.date
    supplier: MigrationReportOrganisation | None
    segment: str | None
    area: list[str] = Field(..., description="A DNO's view: the distributor areas the figures cover")
    m11: dt.date | None
    m14: dt.date | None
    m15: dt.date | None
    planned: int
    planned_to_date: int
    actual: int
    migrated: int
    remigrated: int
    reversed: int
    failed: int
    portfolio: int | None
    percent: float | None
    segments: list[MigrationProgressSegment]
    days: list[MigrationProgressDay]


class MigrationProgressFilters(Schema):
    supplier: Id | None = Field(None, description="One supplier's organisation id (default: industry)")
    segment: SegmentValue | None = None


class MigrationLoadDay(Schema):
    day: dt.date
    planned: int
    actual: int = Field(..., description="Migrated and re-migrated that day")
    reversed: int
    cap: int | None = Field(None, description="The distributor cap in force (none: no cap)")
    over: bool
    excess: int


class MigrationDistributorLoadOut(Schema):
    distributor: str
    name: str
    planned: int
    actual: int
    days: list[MigrationLoadDay]


class MigrationLoadFilters(Schema):
    day_from: Day | None = Field(None, description="First day (default today)")
    day_to: Day | None = Field(
        None, description=f"Last day (default 27 days on; at most {progress.MAX_LOAD_DAYS})"
    )


class MigrationReadinessOut(Schema):
    supplier: MigrationReportOrganisation
    status: str = Field(..., description="Qualification status")
    tranche: str | None
    portfolio: int
    migrated: int
    percent: float | None
    planned_to_date: int
    planned_total: int
    plan_ends: dt.date | None
    run_rate: float = Field(
        ..., description=f"Net MPANs migrated a day over the last {progress.RUN_RATE_DAYS} days"
    )
    projected: dt.date | None = Field(
        None, description="Completion at the run rate (none: no recent migrations)"
    )
    m14: dt.date | None
    m15: dt.date | None
    readiness: Literal[tuple(progress.READINESS_LABELS)]  # type: ignore[valid-type]


class MigrationRiskReason(Schema):
    code: Literal[tuple(progress.REASON_LABELS)]  # type: ignore[valid-type]
    text: str


class MigrationAtRiskOut(Schema):
    participant: MigrationReportOrganisation
    kind: str
    status: str
    tranche: str | None
    portfolio: int
    reasons: list[MigrationRiskReason]


def _org(org: Any) -> dict[str, Any]:
    return {"id": org.pk, "name": org.name}


@router.get(
    "/migration/reports/progress",
    # 404: a supplier asking for another's figures, or a person with no figures here.
    response={200: MigrationProgressOut, 404: dict},
    summary="Migration progress against plan: industry-wide or one supplier's",
    operation_id="migration_report_progress",
)
def report_progress(request: HttpRequest, filters: Query[MigrationProgressFilters]) -> Any:
    if not progress.sees_progress(request.user):
        raise Http404
    if filters.supplier is not None:
        rep = progress.supplier(request.user, filters.supplier, segment=filters.segment)
    else:
        rep = progress.industry(request.user, segment=filters.segment)
    return {
        "title": rep.title,
        "today": rep.today,
        "supplier": _org(rep.supplier) if rep.supplier is not None else None,
        "segment": rep.segment,
        "area": list(rep.area),
        "m11": rep.m11,
        "m14": rep.m14,
        "m15": rep.m15,
        "planned": rep.planned,
        "planned_to_date": rep.planned_to_date,
        "actual": rep.actual,
        "migrated": rep.migrated,
        "remigrated": rep.remigrated,
        "reversed": rep.reversed,
        "failed": rep.failed,
        "portfolio": rep.portfolio,
        "percent": rep.percent,
        "segments": [
            {
                "segment": s.segment,
                "label": s.label,
                "planned": s.planned,
                "planned_to_date": s.planned_to_date,
                "actual": s.actual,
                "portfolio": s.portfolio,
                "percent": s.percent,
                "daily_planned": s.daily_planned,
                "daily_actual": s.daily_actual,
            }
            for s in rep.segments
        ],
        "days": [
            {
                "day": d.day,
                "planned": d.planned,
                "actual": d.actual,
                "migrated": d.migrated,
                "remigrated": d.remigrated,
                "reversed": d.reversed,
                "failed": d.failed,
                "scheduled": d.scheduled,
                "cum_planned": d.cum_planned,
                "cum_actual": d.cum_actual,
            }
            for d in rep.days
        ],
    }


@router.get(
    "/migration/reports/distributors",
    # 404: a supplier asking for another's figures, or a person with no figures here.
    response={200: list[MigrationDistributorLoadOut], 404: dict},
    summary="Per distributor (DNO) area and day: MPANs planned and migrated against the cap",
    operation_id="migration_report_distributors",
)
def report_distributors(request: HttpRequest, filters: Query[MigrationLoadFilters]) -> Any:
    if not progress.sees_distributor_load(request.user):
        raise Http404
    loads = progress.distributor_load(request.user, day_from=filters.day_from, day_to=filters.day_to)
    return [
        {
            "distributor": load.distributor,
            "name": load.name,
            "planned": load.planned,
            "actual": load.actual,
            "days": [
                {
                    "day": d.day,
                    "planned": d.planned,
                    "actual": d.actual,
                    "reversed": d.reversed,
                    "cap": d.cap,
                    "over": d.over,
                    "excess": d.excess,
                }
                for d in load.days
            ],
        }
        for load in loads
    ]


@router.get(
    "/migration/reports/readiness",
    # 404: a supplier asking for another's figures, or a person with no figures here.
    response={200: list[MigrationReadinessOut], 404: dict},
    summary="Per supplier: readiness to M14 (migrated, run rate, projected completion)",
    operation_id="migration_report_readiness",
)
def report_readiness(request: HttpRequest) -> Any:
    if not progress.sees_readiness(request.user):
        raise Http404
    rows = progress.readiness(request.user)
    if not rows and not progress.sees_at_risk(request.user):
        raise Http404
    return [
        {
            "supplier": _org(r.organisation),
            "status": r.entrant.status,
            "tranche": r.entrant.tranche.name if r.entrant.tranche else None,
            "portfolio": r.portfolio,
            "migrated": r.migrated,
            "percent": r.percent,
            "planned_to_date": r.planned_to_date,
            "planned_total": r.planned_total,
            "plan_ends": r.plan_ends,
            "run_rate": r.run_rate,
            "projected": r.projected,
            "m14": r.m14,
            "m15": r.m15,
            "readiness": r.status,
        }
        for r in rows
    ]


@router.get(
    "/migration/reports/at-risk",
    # 404: a supplier asking for another's figures, or a person with no figures here.
    response={200: list[MigrationAtRiskOut], 404: dict},
    summary="The participants at risk of landing late, and why (the programme's readers)",
    operation_id="migration_report_at_risk",
)
def report_at_risk(request: HttpRequest) -> Any:
    if not progress.sees_at_risk(request.user):
        raise Http404
    return [
        {
            "participant": _org(r.organisation),
            "kind": r.entrant.kind,
            "status": r.entrant.status,
            "tranche": r.entrant.tranche.name if r.entrant.tranche else None,
            "portfolio": r.entrant.portfolio,
            "reasons": [{"code": x.code, "text": x.text} for x in r.reasons],
        }
        for r in progress.at_risk(request.user)
    ]

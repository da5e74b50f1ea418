"""Schemas of the KPI and service-level API (``/api/v1/kpis``, ``/api/v1/service-levels``). Every input is
bounded (:mod:`busbar.lib.schema`); names are prefixed ``Kpi…`` and ``Agreement…`` (unique project-wide).
Other areas keep their own schemas in their own API module."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from ninja import Field, Schema
from pydantic import WithJsonSchema

from busbar.lib.schema import Code, Day, Id, IdOrSlug, InputSchema, Name, Ref
from busbar.reports.actions.agreements import NOTES_MAX
from busbar.reports.kpis import CODES
from busbar.reports.kpis import get as get_kpi

# Bounded inputs --------------------------------------------------------------------------------------------

#: A month, "YYYY-MM".
KpiMonthText = Annotated[
    str,
    Field(pattern=r"^(19[7-9][0-9]|2[01][0-9][0-9])-(0[1-9]|1[0-2])$", min_length=7, max_length=7),
    WithJsonSchema({"type": "string", "pattern": r"^\d{4}-\d{2}$", "description": "A month, YYYY-MM"}),
]
#: Comma-separated lists in the query (KPI codes, group_by dimensions).
KpiCsv = Annotated[str, Field(min_length=1, max_length=400, pattern=r"^[a-z_,]+$")]
KpiCode = Literal[tuple(CODES)]  # type: ignore[valid-type]
#: A target's value: a percentage (0–100) or a count or minutes (0–10,000,000); the action checks the unit.
AgreementValue = Annotated[
    Decimal,
    Field(ge=Decimal(0), le=Decimal(10_000_000), max_digits=11, decimal_places=3),
    WithJsonSchema(
        {
            "type": "number",
            "minimum": 0,
            "maximum": 10_000_000,
            "multipleOf": 0.001,
            "description": "A percentage 0–100, or a count or minutes 0–10,000,000",
        }
    ),
]
AgreementNotes = Annotated[str, Field(max_length=NOTES_MAX)]
AgreementKind = Literal["sla", "ola"]
#: A severity code of the REC scheme; empty: every severity.
AgreementSeverity = Annotated[str, Field(max_length=10)]


# KPIs ------------------------------------------------------------------------------------------------------


class KpiFilters(Schema):
    kpi: KpiCsv | None = Field(None, description="KPI codes, comma-separated (default: all ten)")
    start: KpiMonthText | None = Field(None, alias="from", description="First month (default: `to`)")
    to: KpiMonthText | None = Field(None, description="Last month (default: this month); at most 60 months")
    provider: Id | None = Field(
        None, description="A provider organisation (the desk, or the provider itself)"
    )
    service: IdOrSlug | None = Field(None, description="A service, by id or slug")
    severity: Code | None = Field(None, description="A severity code (REC scheme)")
    organisation: Id | None = Field(
        None, description="A participant organisation: its own incidents' figures (the desk or itself)"
    )
    group_by: KpiCsv | None = Field(None, description="Any of month,provider,service,severity")


class KpiAttributionFilters(Schema):
    start: KpiMonthText | None = Field(None, alias="from", description="First month (default: `to`)")
    to: KpiMonthText | None = Field(None, description="Last month (default: this month)")
    service: IdOrSlug | None = None
    severity: Code | None = None
    organisation: Id | None = None


class KpiValueOut(Schema):
    value: Decimal | None = Field(..., description="Null when there is nothing to measure")
    count: int = Field(..., description="Incidents (or services, interruptions) the value is over")
    target: Decimal | None = Field(..., description="The agreed target (null: none applies)")
    met: bool | None = Field(..., description="Null when there is no target or no value")
    agreement: str = Field(..., description="The SLA or OLA the target is from")
    agreement_id: int | None
    agreement_kind: str = Field(..., description="sla, ola or empty")


class KpiRowOut(Schema):
    key: dict[str, Any] = Field(..., description="The group_by dimensions of the row")
    values: dict[str, KpiValueOut]


class KpiFiguresOut(Schema):
    start: dt.date = Field(..., description="The first month")
    end: dt.date = Field(..., description="The last month")
    group_by: list[str]
    kpis: list[str]
    rows: list[KpiRowOut]


class KpiDefinitionOut(Schema):
    code: str
    name: str
    unit: str
    better: str
    basis: str
    by_severity: bool
    month_of: str
    seed: str
    rule: str


class KpiHoldingOut(Schema):
    provider: int | None = Field(..., description="Null: the service desk (or, kind others: other providers)")
    kind: Literal["desk", "provider", "others"]
    label: str
    incidents: int
    minutes: int
    mean_minutes: Decimal | None
    share: Decimal | None = Field(..., description="Percent of all held minutes")


class KpiAttributionOut(Schema):
    start: dt.date
    end: dt.date
    holdings: list[KpiHoldingOut]


# Agreements ------------------------------------------------------------------------------------------------


class AgreementServiceRef(Schema):
    id: int
    name: str
    slug: str


class AgreementTargetOut(Schema):
    id: int
    kpi: str
    severity: str = Field(..., description="Empty: every severity")
    value: Decimal
    unit: str
    better: str

    @staticmethod
    def resolve_severity(obj: Any) -> str:
        return obj.severity_code

    @staticmethod
    def resolve_unit(obj: Any) -> str:
        return get_kpi(obj.kpi).unit

    @staticmethod
    def resolve_better(obj: Any) -> str:
        return get_kpi(obj.kpi).better


class AgreementMeasureOut(Schema):
    target: int = Field(..., description="The target's id")
    kpi: str
    severity: str
    value: Decimal | None
    count: int
    target_value: Decimal
    met: bool | None


class AgreementOut(Schema):
    id: int
    kind: str
    name: str
    service: AgreementServiceRef | None = Field(..., description="An SLA's service (null: end to end)")
    provider: Ref | None = Field(..., description="An OLA's provider")
    starts_on: dt.date
    ends_on: dt.date | None
    notes: str
    targets: list[AgreementTargetOut]
    updated_at: dt.datetime


class AgreementDetailOut(AgreementOut):
    month: dt.date = Field(..., description="The month measured")
    measured: list[AgreementMeasureOut]


class AgreementFilters(Schema):
    kind: AgreementKind | None = None
    provider: Id | None = None
    service: IdOrSlug | None = None
    in_force_on: Day | None = Field(None, description="Only agreements in force on this day")


class AgreementDetailFilters(Schema):
    month: KpiMonthText | None = Field(None, description="The month measured (default: this month)")


class AgreementTargetIn(InputSchema):
    kpi: KpiCode  # type: ignore[valid-type]
    severity: AgreementSeverity = ""
    value: AgreementValue


class AgreementTargetPatchIn(InputSchema):
    value: AgreementValue


class AgreementIn(InputSchema):
    kind: AgreementKind
    name: Name
    service: IdOrSlug | None = Field(None, description="SLA: the service (none: end to end)")
    provider: Id | None = Field(None, description="OLA: the provider organisation")
    starts_on: Day
    ends_on: Day | None = None
    notes: AgreementNotes = ""
    targets: list[AgreementTargetIn] = Field(default_factory=list, max_length=60)


class AgreementPatchIn(InputSchema):
    name: Name | None = None
    service: IdOrSlug | None = None
    provider: Id | None = None
    starts_on: Day | None = None
    ends_on: Day | None = None
    notes: AgreementNotes | None = None

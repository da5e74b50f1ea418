"""The register lists: what the filters mean, the order, the heat map's cells and the export columns.

A list is the viewer's visible items (:mod:`busbar.registers.queries`) narrowed by the filters of
:class:`~busbar.registers.forms.ItemFilterForm`, sorted by score (highest first) unless asked otherwise.
The page, the heat map, the CSV/XLSX export and the API all read the same filtered queryset.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from busbar.lib.export import Column
from busbar.registers import scoring
from busbar.registers.models import CsiStatus, Improvement, Risk, RiskStatus
from busbar.services.models import Service

#: Statuses an item is finished in (not "open", never overdue for review).
CLOSED = {
    "risk": frozenset({RiskStatus.CLOSED}),
    "improvement": frozenset({CsiStatus.CLOSED, CsiStatus.REJECTED}),
}
SORTS = {
    "-score": ("-score", "reference"),
    "score": ("score", "reference"),
    "reference": ("reference",),
    "-reference": ("-reference",),
    "review_by": ("review_by", "reference"),
    "-updated": ("-updated_at", "reference"),
    "title": ("title", "reference"),
}
SORT_LABELS = {
    "-score": "Score, highest first",
    "score": "Score, lowest first",
    "reference": "Reference",
    "-reference": "Newest first",
    "review_by": "Review due, soonest first",
    "-updated": "Recently changed",
    "title": "Title",
}


@dataclass(frozen=True)
class Filters:
    q: str = ""
    status: str = ""
    organisation: int | None = None
    owner: str = ""  # "me": the items the viewer owns in person
    service: int | None = None
    min_score: int | None = None
    overdue: bool = False
    likelihood: int | None = None
    impact: int | None = None
    kpi: str = ""
    sort: str = "-score"


def apply(qs: QuerySet, kind: str, f: Filters, *, user: Any, today: dt.date) -> QuerySet:
    """``qs`` narrowed by ``f`` and ordered (ties by reference: a total order for pages)."""
    closed = CLOSED[kind]
    if f.status == "open":
        qs = qs.exclude(status__in=closed)
    elif f.status:
        qs = qs.filter(status=f.status)
    if f.organisation is not None:
        qs = qs.filter(organisation_id=f.organisation)
    if f.owner == "me":
        qs = qs.filter(owner_id=getattr(user, "pk", None))
    if f.service is not None:
        qs = qs.filter(services__id=f.service)
    if f.min_score is not None:
        qs = qs.filter(score__gte=f.min_score)
    if f.overdue:
        qs = qs.filter(review_by__lt=today).exclude(status__in=closed)
    if f.likelihood is not None:
        qs = qs.filter(likelihood=f.likelihood)
    if f.impact is not None:
        qs = qs.filter(impact=f.impact)
    if f.kpi:
        qs = (
            qs.filter(kpis__contains=[f.kpi]) if _json_contains() else qs.filter(kpis__icontains=f'"{f.kpi}"')
        )
    text = f.q.strip()
    if text:
        qs = qs.filter(Q(reference__iexact=text) | Q(title__icontains=text) | Q(description__icontains=text))
    return qs.order_by(*SORTS.get(f.sort, SORTS["-score"]))


def _json_contains() -> bool:
    from django.db import connection

    return connection.features.supports_json_field_contains


def rows(qs: QuerySet) -> QuerySet:
    """What a list row, an export line and an API summary read, joined in (no query per row)."""
    return qs.select_related("record", "organisation", "owner").prefetch_related(
        Prefetch("services", queryset=Service.objects.only("id", "name", "slug").order_by("name"))
    )


def overdue(item: Any, today: dt.date) -> bool:
    return (
        item.review_by is not None and item.review_by < today and item.status not in CLOSED[item.record.kind]
    )


def residual_score(risk: Risk) -> int | None:
    return scoring.score(risk.residual_likelihood, risk.residual_impact)


def _services(item: Any) -> str:
    return ", ".join(s.name for s in item.services.all())


def _kpis(item: Any) -> str:
    return ", ".join(scoring.KPI_LABELS.get(k, k) for k in item.kpis or ())


_COMMON_HEAD = [
    Column("Reference", lambda i: i.reference),
    Column("Title", lambda i: i.title),
    Column("Status", lambda i: i.get_status_display()),
    Column("Organisation", lambda i: i.organisation.name),
    Column("Owner", lambda i: i.owner.display_name if i.owner else None),
    Column("Likelihood", lambda i: i.likelihood),
    Column("Impact", lambda i: i.impact),
    Column("Score", lambda i: i.score),
]
_COMMON_TAIL = [
    Column("Services", _services),
    Column("KPIs", _kpis),
    Column("Review by", lambda i: i.review_by.isoformat() if i.review_by else None),
    Column("Last reviewed ({zone})", lambda i: i.last_reviewed_at),
    Column("Raised ({zone})", lambda i: i.created_at),
    Column("Last change ({zone})", lambda i: i.updated_at),
]
COLUMNS = {
    "risk": [
        *_COMMON_HEAD,
        Column("Category", lambda i: i.get_category_display()),
        Column("Residual likelihood", lambda i: i.residual_likelihood),
        Column("Residual impact", lambda i: i.residual_impact),
        Column("Residual score", residual_score),
        Column("Mitigations", lambda i: i.mitigations),
        *_COMMON_TAIL,
    ],
    "improvement": [
        *_COMMON_HEAD,
        Column("Source", lambda i: i.get_source_display()),
        Column("Benefits", lambda i: i.benefits),
        Column("Target date", lambda i: i.target_date.isoformat() if i.target_date else None),
        Column("Outcome", lambda i: i.outcome),
        *_COMMON_TAIL,
    ],
}
MODELS = {"risk": Risk, "improvement": Improvement}

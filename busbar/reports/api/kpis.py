"""API: the ten KPIs (``GET /kpis``), their definitions and where the resolution time went
(``GET /kpis/attribution``), each figure judged against its SLA or OLA target (:mod:`busbar.reports.targets`).

The same audience rules as the pages (:func:`busbar.reports.queries.audience`): the desk asks for
anything; a provider for the end-to-end figures and its own (another provider's are a 404, as is a
participant naming any provider); a participant for the end-to-end figures and its own incidents'
(``organisation``); only the desk compares providers (``group_by=provider``). A bad month, a range over
60 months or backwards, an unknown KPI, service, severity or group is a 422 naming the field."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Query, Router

from busbar.incidents.api.schemas import Problem
from busbar.lib.actions import ActionError, NotPermitted
from busbar.lib.forms import parse_id
from busbar.parties.models import Organisation
from busbar.reports import engine, kpis, targets
from busbar.reports.api.schemas import (
    KpiAttributionFilters,
    KpiAttributionOut,
    KpiDefinitionOut,
    KpiFiguresOut,
    KpiFilters,
)
from busbar.reports.queries import Audience, audience
from busbar.reports.targets import severity_codes
from busbar.services.models import Service
from busbar.services.queries import services_visible_to

router = Router(tags=["KPIs"])


def _month(text: str | None, *, field: str) -> dt.date | None:
    if not text:
        return None
    year, month = text.split("-")
    return dt.date(int(year), int(month), 1)


def _range(start_text: str | None, end_text: str | None) -> tuple[dt.date, dt.date]:
    this_month = timezone.localdate().replace(day=1)
    end = _month(end_text, field="to") or this_month
    start = _month(start_text, field="from") or end
    return start, end


def _csv(text: str | None, *, field: str, allowed: tuple[str, ...]) -> list[str]:
    if not text:
        return []
    items = [part for part in text.split(",") if part]
    unknown = [part for part in items if part not in allowed]
    if unknown:
        raise ActionError(f"Unknown {', '.join(unknown[:5])}: one of {', '.join(allowed)}", field=field)
    return list(dict.fromkeys(items))


def service_of(request: HttpRequest, key: str | None, *, field: str = "service") -> Service | None:
    """A service the caller may see, by id or slug; a 422 naming ``field`` otherwise."""
    if key is None:
        return None
    qs = services_visible_to(request.user)
    pk = parse_id(key) if key.isdigit() else None
    found = qs.filter(pk=pk).first() if pk is not None else qs.filter(slug=key).first()
    if found is None:
        raise ActionError(f"No service {key[:60]}", field=field)
    return found


def severity_of(code: str | None, *, field: str = "severity") -> str | None:
    if code is None:
        return None
    if code not in severity_codes():
        raise ActionError(f"No severity {code[:10]!r}", field=field)
    return code


def provider_of(who: Audience, pk: int | None, *, field: str = "provider") -> int | None:
    """A provider the caller may see the figures of: unknown → 422; another provider's (or any, for a
    participant) → 404, as if it did not exist."""
    if pk is None:
        return None
    if not who.may_see_provider(pk):
        raise Http404
    org = Organisation.objects.filter(pk=pk).prefetch_related("roles").first()
    if org is None or not org.is_provider:
        raise ActionError(f"No provider {pk}", field=field)
    return pk


def organisation_of(who: Audience, pk: int | None, *, field: str = "organisation") -> int | None:
    if pk is None:
        return None
    if not who.may_see_organisation(pk):
        raise Http404
    if not Organisation.objects.filter(pk=pk).exists():
        raise ActionError(f"No organisation {pk}", field=field)
    return pk


def _filters(start: dt.date, end: dt.date, **kwargs: Any) -> engine.Filters:
    try:
        return engine.Filters(start=start, end=end, **kwargs)
    except engine.FilterError as exc:
        raise ActionError(exc.message, field=exc.field) from None


def _judged(row: engine.Row, book: targets.Book, filters: engine.Filters, single: bool) -> dict[str, Any]:
    key = row.key
    month = key.get("month") or (filters.start if single else None)
    provider_id = key.get("provider", filters.provider_id)
    service_id = key.get("service") or filters.service_id
    severity = key.get("severity") or filters.severity
    values = {}
    for code, value in row.values.items():
        judged = book.judge(
            code, value.value, month=month, provider_id=provider_id, service_id=service_id, severity=severity
        )
        values[code] = {
            "value": value.value,
            "count": value.count,
            "target": judged.target,
            "met": judged.met,
            "agreement": judged.agreement,
            "agreement_id": judged.agreement_id,
            "agreement_kind": judged.kind,
        }
    return {"key": key, "values": values}


@router.get("/kpis", response={200: KpiFiguresOut, 404: Problem}, summary="KPI figures against their targets")
def get_kpis(request: HttpRequest, filters: Query[KpiFilters]) -> Any:
    """The asked KPIs (default: all ten) for the months ``from`` to ``to``, sliced by ``group_by``, each
    value with its target (the provider's OLA for a provider slice, else the service's SLA, else the
    end-to-end SLA) and whether it was met. Grouped by month, each month is judged against the
    agreements in force that month; otherwise against those in force in the last month."""
    who = audience(request.user)
    codes = _csv(filters.kpi, field="kpi", allowed=kpis.CODES) or list(kpis.CODES)
    groups = _csv(filters.group_by, field="group_by", allowed=engine.GROUPS)
    start, end = _range(filters.start, filters.to)
    provider_id = provider_of(who, filters.provider)
    if "provider" in groups and not who.may_compare_providers and provider_id is None:
        raise NotPermitted("Only the service desk compares providers: name your own", field="group_by")
    service = service_of(request, filters.service)
    criteria = _filters(
        start,
        end,
        provider_id=provider_id,
        service_id=service.pk if service else None,
        severity=severity_of(filters.severity),
        organisation_id=organisation_of(who, filters.organisation),
    )
    rows = engine.figures(criteria, group_by=groups, kpis=codes)
    book = targets.load(criteria.start, criteria.end)
    single = criteria.start == criteria.end
    return {
        "start": criteria.start,
        "end": criteria.end,
        "group_by": groups,
        "kpis": codes,
        "rows": [_judged(row, book, criteria, single) for row in rows],
    }


@router.get("/kpis/definitions", response=list[KpiDefinitionOut], summary="The ten KPIs and their rules")
def list_kpi_definitions(request: HttpRequest) -> Any:
    return [
        {
            "code": k.code,
            "name": k.name,
            "unit": k.unit,
            "better": k.better,
            "basis": k.basis,
            "by_severity": k.by_severity,
            "month_of": k.month_of,
            "seed": k.seed,
            "rule": k.rule,
        }
        for k in kpis.KPIS
    ]


@router.get(
    "/kpis/attribution",
    response={200: KpiAttributionOut, 404: Problem},
    summary="Where the resolution time went (desk, providers)",
)
def get_kpi_attribution(request: HttpRequest, filters: Query[KpiAttributionFilters]) -> Any:
    """Working minutes of the resolution clock of the incidents resolved in the range, by who held them:
    the desk and each provider. A provider sees the desk and itself, the rest as "other providers"; a
    participant the desk and the providers together."""
    who = audience(request.user)
    start, end = _range(filters.start, filters.to)
    service = service_of(request, filters.service)
    criteria = _filters(
        start,
        end,
        service_id=service.pk if service else None,
        severity=severity_of(filters.severity),
        organisation_id=organisation_of(who, filters.organisation),
    )
    holdings = engine.attribution(criteria)
    out: list[dict[str, Any]] = []
    others = {"incidents": 0, "minutes": 0, "share": None}
    shares = []
    for h in holdings:
        if h.provider_id is None or who.may_see_provider(h.provider_id):
            kind = "desk" if h.provider_id is None else "provider"
            out.append({**h.__dict__, "provider": h.provider_id, "kind": kind})
        else:
            others["incidents"] += h.incidents
            others["minutes"] += h.minutes
            if h.share is not None:
                shares.append(h.share)
    if others["minutes"] or others["incidents"]:
        label = "Providers" if who.kind == "participant" else "Other providers"
        mean = (
            (Decimal(others["minutes"]) / others["incidents"]).quantize(Decimal("0.1"))
            if others["incidents"]
            else None
        )
        out.append(
            {
                "provider": None,
                "kind": "others",
                "label": label,
                "incidents": others["incidents"],
                "minutes": others["minutes"],
                "mean_minutes": mean,
                "share": sum(shares) if shares else None,
            }
        )
    return {"start": criteria.start, "end": criteria.end, "holdings": out}

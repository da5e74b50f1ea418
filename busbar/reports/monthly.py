"""The monthly service report's content (SL-04, SL-05): a JSON snapshot of one month, built once when the
report is generated (or regenerated while a draft) and drawn by the page, the API and the PDF.

For the operator's report (no provider: end to end) and for one provider's (only its services, the
incidents it resolved or that ran on its services, its changes):

* ``kpis``: the ten KPIs for the month against their targets (``targets.load().judge``: a provider's
  OLA, else the end-to-end SLA), met / missed;
* ``severities``: the incident KPIs per severity, judged against the severity-specific targets;
* ``providers`` (end to end only): each provider's incident KPIs per severity against its OLA;
* ``trend``: the 13 months up to the month, per KPI, with the target of each month;
* ``attribution``: where the resolution time was spent (the desk and each provider, SL-12, SL-21);
* ``major_incidents`` with their post-incident reviews, ``changes`` (implemented, major, emergency, late
  notices), ``problems`` (most linked incidents raised in the month) and ``availability`` per service.

Every list is bounded (``MAX_ROWS``; ``*_more`` says how many were left out). Values are text (decimals
as strings), times ISO 8601 in UTC; :func:`for_viewer` redacts the snapshot for a reader who is not the
desk (other providers' rows, unpublished incidents' and problems' summaries)."""

from __future__ import annotations

import calendar
import datetime as dt
from collections import Counter
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from busbar.lib.actions import ActionError
from busbar.lib.worktime import LONDON
from busbar.parties.models import Organisation
from busbar.reports import kpis

#: Rows listed at most in each table of the report.
MAX_ROWS = 50
#: Problems listed in "top problems".
TOP_PROBLEMS = 10
#: Months in a trend (the month and the twelve before it).
TREND_MONTHS = 13
#: The KPIs drawn as charts (the rest are in the trend table).
CHARTED = ("incidents", "resolution_time", "resolved_in_sla", "availability")
#: Incident KPIs shown per severity.
SEVERITY_KPIS = ("incidents", "response_time", "resolution_time", "resolved_in_sla", "escalations")
VERSION = 1


# Helpers ---------------------------------------------------------------------------------------------------


def first_of(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The London calendar month as aware datetimes [start, end)."""
    start = dt.datetime(month.year, month.month, 1, tzinfo=LONDON)
    nxt = add_months(month, 1)
    return start, dt.datetime(nxt.year, nxt.month, 1, tzinfo=LONDON)


def month_label(month: dt.date) -> str:
    return f"{calendar.month_name[month.month]} {month.year}"


def _iso(value: dt.datetime | None) -> str | None:
    return None if value is None else value.astimezone(dt.UTC).isoformat()


def _text(value: Decimal | int | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral() else format(value, "f")
    return str(value)


def display(code: str, value: str | Decimal | int | None) -> str:
    """A KPI value as a reader reads it: "99.5%", "6 h 15 min", "3"; "—" when there is none."""
    if value is None:
        return "—"
    kpi = kpis.get(code)
    number = Decimal(str(value))
    if kpi.unit == "percent":
        return f"{number.quantize(Decimal('0.01')).normalize():f}%"
    if kpi.unit == "minutes":
        minutes = int(number.to_integral_value())
        hours, rest = divmod(minutes, 60)
        return f"{hours} h {rest:02d} min" if hours else f"{rest} min"
    return f"{number.to_integral_value():f}"


def local(value: str | dt.datetime | None) -> str:
    """An ISO instant (or datetime) as UK time, e.g. "25 May 2027 03:00"."""
    if not value:
        return "—"
    when = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    return timezone.localtime(when, LONDON).strftime("%-d %b %Y %H:%M")


def _judged(book, code: str, value, count: int, *, month, provider_id=None, severity=None) -> dict[str, Any]:
    judgement = book.judge(code, value, month=month, provider_id=provider_id, severity=severity)
    return {
        "code": code,
        "name": kpis.get(code).name,
        "value": _text(value),
        "display": display(code, value),
        "count": count,
        "target": _text(judgement.target),
        "target_display": display(code, judgement.target) if judgement.target is not None else "",
        "met": judgement.met,
        "agreement": judgement.agreement,
        "agreement_kind": judgement.kind,
    }


# The sections ---------------------------------------------------------------------------------------------


def _kpi_table(engine, book, filters, month, provider_id, now) -> list[dict[str, Any]]:
    rows = engine.figures(filters, now=now)
    values = rows[0].values if rows else {}
    out = []
    for kpi in kpis.KPIS:
        found = values.get(kpi.code)
        value, count = (found.value, found.count) if found is not None else (None, 0)
        entry = _judged(book, kpi.code, value, count, month=month, provider_id=provider_id)
        entry.update(name=kpi.name, unit=kpi.unit, better=kpi.better)
        out.append(entry)
    return out


def _severity_table(rows, book, month, provider_id) -> list[dict[str, Any]]:
    out = []
    for row in sorted(rows, key=lambda r: str(r.key.get("severity") or "")):
        severity = row.key.get("severity")
        cells = []
        for code in SEVERITY_KPIS:
            found = row.values.get(code)
            value, count = (found.value, found.count) if found is not None else (None, 0)
            cells.append(
                _judged(book, code, value, count, month=month, provider_id=provider_id, severity=severity)
            )
        out.append({"severity": severity, "cells": cells})
    return out


def _trend(engine, targets, filters_cls, month, provider_id, now) -> dict[str, Any]:
    start = add_months(month, -(TREND_MONTHS - 1))
    months = [add_months(start, i) for i in range(TREND_MONTHS)]
    book = targets.load(start, month)
    rows = engine.figures(
        filters_cls(start=start, end=month, provider_id=provider_id), group_by=("month",), now=now
    )
    by_month = {r.key["month"]: r.values for r in rows}
    series = []
    for kpi in kpis.KPIS:
        points = []
        for m in months:
            found = by_month.get(m, {}).get(kpi.code)
            value = found.value if found is not None else None
            judgement = book.judge(kpi.code, value, month=m, provider_id=provider_id)
            points.append(
                {
                    "month": m.isoformat(),
                    "label": m.strftime("%b %y"),
                    "value": _text(value),
                    "target": _text(judgement.target),
                    "met": judgement.met,
                }
            )
        series.append(
            {
                "code": kpi.code,
                "name": kpi.name,
                "unit": kpi.unit,
                "charted": kpi.code in CHARTED,
                "points": points,
            }
        )
    return {"months": [m.isoformat() for m in months], "series": series}


def _attribution(engine, filters, now) -> list[dict[str, Any]]:
    return [
        {
            "provider_id": h.provider_id,
            "label": h.label,
            "incidents": h.incidents,
            "minutes": h.minutes,
            "mean_minutes": _text(h.mean_minutes),
            "share": _text(h.share),
        }
        for h in engine.attribution(filters, now=now)
    ]


def _incident_scope(provider_id: int | None, prefix: str = "") -> Q:
    if provider_id is None:
        return Q()
    return Q(**{f"{prefix}provider_id": provider_id}) | Q(**{f"{prefix}service__provider_id": provider_id})


def _major_incidents(month, provider_id) -> tuple[list[dict[str, Any]], int]:
    from busbar.incidents.models import MajorIncident

    start, end = bounds(month)
    qs = (
        MajorIncident.objects.filter(
            Q(opened_at__gte=start, opened_at__lt=end)
            | Q(incident__resolved_at__gte=start, incident__resolved_at__lt=end)
        )
        .filter(_incident_scope(provider_id, "incident__"))
        .select_related(
            "incident__service", "incident__severity", "incident__provider", "review_completed_by"
        )
        .order_by("opened_at", "pk")
    )
    total = qs.count()
    out = []
    for major in qs[:MAX_ROWS]:
        incident = major.incident
        end_at = incident.resolved_at
        out.append(
            {
                "reference": incident.reference,
                "summary": incident.summary,
                "published": bool(incident.is_published),
                "service": incident.service.name,
                "severity": incident.severity.code,
                "provider": incident.provider.name if incident.provider_id else "",
                "provider_id": incident.provider_id,
                "status": incident.get_status_display(),
                "opened_at": _iso(major.opened_at),
                "resolved_at": _iso(end_at),
                "duration_minutes": int((end_at - major.opened_at).total_seconds() // 60) if end_at else None,
                "state": major.get_state_display(),
                "review": {
                    "done": major.review_completed_at is not None,
                    "cause": major.review_cause,
                    "actions": major.review_actions,
                    "lessons": major.review_lessons,
                    "completed_at": _iso(major.review_completed_at),
                    "completed_by": major.review_completed_by.display_name
                    if major.review_completed_by
                    else "",
                },
            }
        )
    return out, max(0, total - MAX_ROWS)


def _changes(month, provider_id) -> dict[str, Any]:
    from django.db.models.functions import Coalesce

    from busbar.changes.models import IMPLEMENTED, ChangeNotification, ChangeStatus, ChangeType

    start, end = bounds(month)
    started = set(IMPLEMENTED) | {ChangeStatus.IN_PROGRESS}
    qs = (
        ChangeNotification.objects.annotate(began=Coalesce("actual_start", "planned_start"))
        .filter(status__in=started, began__gte=start, began__lt=end)
        .select_related("provider")
        .prefetch_related("services")
        .order_by("began", "pk")
    )
    if provider_id is not None:
        qs = qs.filter(Q(provider_id=provider_id) | Q(services__provider_id=provider_id)).distinct()
    rows = list(qs[: MAX_ROWS * 4])
    counts = Counter()
    for change in rows:
        counts["total"] += 1
        counts["implemented"] += change.status in IMPLEMENTED
        counts["major"] += change.change_type == ChangeType.MAJOR
        counts["emergency"] += change.change_type == ChangeType.EMERGENCY
        counts["late"] += bool(change.is_late)
        counts["failed"] += change.status in {ChangeStatus.FAILED, ChangeStatus.BACKED_OUT}
    listed = [
        {
            "reference": c.reference,
            "title": c.title,
            "type": c.get_change_type_display(),
            "status": c.get_status_display(),
            "provider": c.provider.name,
            "provider_id": c.provider_id,
            "services": ", ".join(sorted(s.name for s in c.services.all())),
            "began": _iso(c.began),
            "late": bool(c.is_late),
            "outage": bool(c.is_outage),
        }
        for c in rows[:MAX_ROWS]
    ]
    return {
        "counts": {k: counts[k] for k in ("total", "implemented", "major", "emergency", "late", "failed")},
        "items": listed,
        "more": max(0, len(rows) - MAX_ROWS),
    }


def _problems(month, provider_id) -> list[dict[str, Any]]:
    from busbar.problems.models import Problem
    from busbar.records.models import Link

    start, end = bounds(month)
    links = Link.objects.filter(
        kind=Link.Kind.CAUSED_BY,
        target__problem__isnull=False,
        source__incident__created_at__gte=start,
        source__incident__created_at__lt=end,
    )
    if provider_id is not None:
        links = links.filter(_incident_scope(provider_id, "source__incident__"))
    counted = list(
        links.values("target__problem")
        .annotate(n=Count("source", distinct=True))
        .order_by("-n", "target__problem")[:TOP_PROBLEMS]
    )
    problems = Problem.objects.select_related("service", "owner").in_bulk(
        [r["target__problem"] for r in counted]
    )
    out = []
    for row in counted:
        problem = problems.get(row["target__problem"])
        if problem is None:
            continue
        out.append(
            {
                "reference": problem.reference,
                "summary": problem.summary,
                "published": bool(problem.is_published),
                "service": problem.service.name,
                "status": problem.get_status_display(),
                "known": bool(problem.is_known),
                "owner": problem.owner.name if problem.owner_id else "",
                "incidents": row["n"],
            }
        )
    return out


def _availability(services, month, now) -> list[dict[str, Any]]:
    from busbar.changes.availability import for_services

    if not services:
        return []
    figures = for_services(services, month.year, months=[month.month], now=now)
    out = []
    for service in services:
        for f in figures.get(service.pk, []):
            out.append(
                {
                    "service": service.name,
                    "slug": service.slug,
                    "provider": service.provider.name,
                    "provider_id": service.provider_id,
                    "availability": _text(f.availability),
                    "display": display("availability", f.availability),
                    "target": _text(f.target),
                    "target_display": display("availability", f.target) if f.target is not None else "",
                    "met": f.met,
                    "agreed_minutes": f.agreed_minutes,
                    "downtime_minutes": f.downtime_minutes,
                    "planned_minutes": f.planned_minutes,
                    "interruptions": f.interruptions,
                }
            )
    return out


def _provider_tables(engine, book, filters_cls, month, now) -> list[dict[str, Any]]:
    rows = engine.figures(
        filters_cls(start=month, end=month), group_by=("provider", "severity"), kpis=SEVERITY_KPIS, now=now
    )
    by_provider: dict[int, list] = {}
    for row in rows:
        pid = row.key.get("provider")
        if pid is not None:
            by_provider.setdefault(pid, []).append(row)
    names = dict(Organisation.objects.filter(pk__in=by_provider).values_list("pk", "name"))
    out = []
    for pid in sorted(by_provider, key=lambda p: names.get(p, "")):
        table = _severity_table(by_provider[pid], book, month, pid)
        missed = sum(1 for r in table for c in r["cells"] if c["met"] is False)
        out.append(
            {"provider_id": pid, "name": names.get(pid, str(pid)), "severities": table, "missed": missed}
        )
    return out[:MAX_ROWS]


# The snapshot ----------------------------------------------------------------------------------------------


def build(month: dt.date, provider=None, *, now: dt.datetime | None = None) -> dict[str, Any]:
    """The report's content for ``month`` (any day of it) and ``provider`` (None: end to end)."""
    from busbar.reports import engine, targets
    from busbar.services.models import Service

    now = now or timezone.now()
    month = first_of(month)
    provider_id = provider.pk if provider is not None else None
    filters = engine.Filters(start=month, end=month, provider_id=provider_id)
    book = targets.load(month, month)
    services = Service.objects.select_related("provider").order_by("name")
    if provider_id is not None:
        services = services.filter(provider_id=provider_id)
    services = list(services.filter(is_active=True)) if hasattr(Service, "is_active") else list(services)
    severity_rows = engine.figures(filters, group_by=("severity",), kpis=SEVERITY_KPIS, now=now)
    majors, majors_more = _major_incidents(month, provider_id)
    kpi_rows = _kpi_table(engine, book, filters, month, provider_id, now)
    content = {
        "version": VERSION,
        "month": month.isoformat(),
        "month_label": month_label(month),
        "scope": {
            "kind": "provider" if provider_id else "end_to_end",
            "provider_id": provider_id,
            "provider": provider.name if provider is not None else "",
            "title": provider.name if provider is not None else "End to end",
        },
        "built_at": _iso(now),
        "kpis": kpi_rows,
        "missed": [r["code"] for r in kpi_rows if r["met"] is False],
        "severities": _severity_table(severity_rows, book, month, provider_id),
        "providers": [] if provider_id else _provider_tables(engine, book, engine.Filters, month, now),
        "trend": _trend(engine, targets, engine.Filters, month, provider_id, now),
        "attribution": _attribution(engine, filters, now),
        "major_incidents": majors,
        "major_incidents_more": majors_more,
        "changes": _changes(month, provider_id),
        "problems": _problems(month, provider_id),
        "availability": _availability(services, month, now),
    }
    return content


def for_viewer(content: dict[str, Any], who) -> dict[str, Any]:
    """``content`` as ``who`` (a :class:`busbar.reports.queries.Audience`) may read it: the desk all of it;
    others no provider comparison, attribution to other providers folded into one row, and no summary of an
    unpublished major incident or problem."""
    if who.is_desk or not content:
        return content
    out = dict(content)
    out["providers"] = [p for p in content.get("providers", []) if who.may_see_provider(p["provider_id"])]
    folded, rows = None, []
    for row in content.get("attribution", []):
        if row["provider_id"] is None or who.may_see_provider(row["provider_id"]):
            rows.append(row)
            continue
        if folded is None:
            folded = {
                "provider_id": None,
                "label": "Other providers",
                "incidents": 0,
                "minutes": 0,
                "mean_minutes": None,
                "share": "0",
                "folded": True,
            }
        folded["incidents"] += row["incidents"]
        folded["minutes"] += row["minutes"]
        folded["share"] = _text(Decimal(folded["share"]) + Decimal(row["share"] or "0"))
    if folded is not None:
        rows.append(folded)
    out["attribution"] = rows
    out["major_incidents"] = [
        m
        if m["published"] or who.may_see_provider(m["provider_id"]) and m["provider_id"] is not None
        else {
            **m,
            "summary": "Not published",
            "review": {**m["review"], "cause": "", "actions": "", "lessons": ""},
        }
        for m in content.get("major_incidents", [])
    ]
    out["problems"] = [
        p if p["published"] else {**p, "summary": "Not published"} for p in content.get("problems", [])
    ]
    return out


#: How far back a report may be generated (months).
MAX_MONTHS_BACK = 60


def check_month(month: dt.date, *, now: dt.datetime, field: str = "month") -> dt.date:
    """The first day of ``month``, refused (422 naming ``field``) in the future or over five years back."""
    if not isinstance(month, dt.date):
        raise ActionError("Give the month as YYYY-MM", field=field)
    month = first_of(month)
    this_month = timezone.localtime(now, LONDON).date().replace(day=1)
    if month > this_month:
        raise ActionError("The month is in the future", field=field)
    if month < add_months(this_month, -MAX_MONTHS_BACK):
        raise ActionError(f"The month is more than {MAX_MONTHS_BACK} months ago", field=field)
    return month


def check_provider(provider: Organisation | None, *, field: str = "provider") -> Organisation | None:
    if provider is None:
        return None
    if not isinstance(provider, Organisation) or not provider.is_active or not provider.services.exists():
        raise ActionError(
            "No such provider: a provider report is for an organisation that runs services", field=field
        )
    return provider

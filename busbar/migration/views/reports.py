"""The migration reports (issue 16, item 6), each also as CSV or XLSX (``?format=csv|xlsx``):

* ``/migration/reports/progress/`` (``migration_progress``): industry progress against plan, or one
  supplier's (``?supplier=<organisation id>``: a supplier sees its own only, another's is a 404), for one
  segment (``?segment=smart``…); the migration profile charts with M14 and M15 marked.
* ``/migration/reports/distributors/`` (``migration_distributor_load``): per DNO area and day, planned and
  migrated against the cap in force (``?from=&to=``; today and the next 27 days unless given).
* ``/migration/reports/readiness/`` (``migration_readiness``): per supplier, readiness to M14.
* ``/migration/reports/at-risk/`` (``migration_at_risk``): the participants at risk and why (the
  programme's readers and managers only).

Who sees what is :mod:`busbar.migration.progress`'s; a person with nothing to see gets a 404. The figures
come from the daily aggregates only (never the ledger's rows), in a fixed number of queries.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path

from busbar.lib import export
from busbar.lib.actions import ActionError
from busbar.migration import charts, progress, queries
from busbar.migration.models import EntrantKind


class Rows:
    """A computed table handed to busbar.lib.export (which reads rows with ``.iterator()``)."""

    def __init__(self, rows: list) -> None:
        self.rows = rows

    def iterator(self, chunk_size: int = 0):
        return iter(self.rows)


def _plain(message: str, status: int = 400) -> HttpResponse:
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


def _format(request: HttpRequest) -> str | None:
    return (request.GET.get("format") or "")[:10] or None


# Columns of the exports ---------------------------------------------------------------------------------


def progress_columns(rep: progress.Progress) -> list[export.Column]:
    cols = [
        export.Column("Day", lambda r: r.day.isoformat()),
        export.Column("Planned", lambda r: r.planned),
        export.Column("Migrated, net", lambda r: r.actual),
        export.Column("Migrated", lambda r: r.migrated),
        export.Column("Re-migrated", lambda r: r.remigrated),
        export.Column("Reverse-migrated", lambda r: r.reversed),
        export.Column("Failed", lambda r: r.failed),
        export.Column("Scheduled", lambda r: r.scheduled),
        export.Column("Planned, cumulative", lambda r: r.cum_planned),
        export.Column("Migrated net, cumulative", lambda r: r.cum_actual),
    ]
    for sp in rep.segments:
        cols.append(export.Column(f"{sp.label} planned", lambda r, s=sp.segment: r.segments[s][0]))
        cols.append(export.Column(f"{sp.label} migrated, net", lambda r, s=sp.segment: r.segments[s][1]))
    return cols


LOAD_COLUMNS = [
    export.Column("Distributor", lambda r: r[0].distributor),
    export.Column("Area", lambda r: r[0].name),
    export.Column("Day", lambda r: r[1].day.isoformat()),
    export.Column("Planned", lambda r: r[1].planned),
    export.Column("Migrated", lambda r: r[1].actual),
    export.Column("Reverse-migrated", lambda r: r[1].reversed),
    export.Column("Cap", lambda r: r[1].cap),
    export.Column("Over cap", lambda r: r[1].over),
    export.Column("Excess", lambda r: r[1].excess),
]

READINESS_COLUMNS = [
    export.Column("Supplier", lambda r: r.organisation.name),
    export.Column("Qualification status", lambda r: r.entrant.get_status_display()),
    export.Column("Tranche", lambda r: r.entrant.tranche.name if r.entrant.tranche else ""),
    export.Column("Portfolio", lambda r: r.portfolio),
    export.Column("Migrated, net", lambda r: r.migrated),
    export.Column("% of portfolio", lambda r: r.percent),
    export.Column("Planned to date", lambda r: r.planned_to_date),
    export.Column("Planned in all", lambda r: r.planned_total),
    export.Column("Plan ends", lambda r: r.plan_ends.isoformat() if r.plan_ends else ""),
    export.Column(f"Run rate ({progress.RUN_RATE_DAYS} days, a day)", lambda r: r.run_rate),
    export.Column("Projected completion", lambda r: r.projected.isoformat() if r.projected else ""),
    export.Column("M14", lambda r: r.m14.isoformat() if r.m14 else ""),
    export.Column("M15", lambda r: r.m15.isoformat() if r.m15 else ""),
    export.Column("Status", lambda r: r.status_label),
]

AT_RISK_COLUMNS = [
    export.Column("Participant", lambda r: r.organisation.name),
    export.Column("Kind", lambda r: r.entrant.get_kind_display()),
    export.Column("Qualification status", lambda r: r.entrant.get_status_display()),
    export.Column("Tranche", lambda r: r.entrant.tranche.name if r.entrant.tranche else ""),
    export.Column("Portfolio", lambda r: r.entrant.portfolio),
    export.Column("Reasons", lambda r: ", ".join(r.codes)),
    export.Column("Detail", lambda r: "; ".join(x.text for x in r.reasons)),
]


# Pages --------------------------------------------------------------------------------------------------


def _supplier_choices(request: HttpRequest) -> list[Any]:
    """The suppliers offered in the progress page's selector (those whose entrant the person sees)."""
    v = queries.viewer(request.user)
    if not (v.reads_all or v.organisation_ids):
        return []
    entrants = queries.entrants_visible_to(request.user).filter(kind=EntrantKind.SUPPLIER)
    if not v.reads_all:
        entrants = entrants.filter(organisation_id__in=v.organisation_ids)
    seen: dict[int, Any] = {}
    for e in entrants.order_by("organisation__name")[:500]:
        seen.setdefault(e.organisation_id, e.organisation)
    return list(seen.values())


@login_required
def migration_progress(request: HttpRequest) -> HttpResponse:
    if not progress.sees_progress(request.user):
        raise Http404
    fmt = _format(request)
    if fmt and fmt not in export.FORMATS:
        return _plain("format: choose csv or xlsx")
    segment = request.GET.get("segment") or None
    supplier_id = (request.GET.get("supplier") or "").strip()[:20] or None
    try:
        if supplier_id is not None:
            if not supplier_id.isdigit():
                raise Http404
            rep = progress.supplier(request.user, int(supplier_id), segment=segment)
        else:
            rep = progress.industry(request.user, segment=segment)
    except ActionError as exc:
        if fmt:
            return _plain(f"{exc.field}: {exc}")
        context = {"error": exc, "segments": progress.SEGMENT_LABELS, "suppliers": _supplier_choices(request)}
        return render(request, "migration/reports/progress.html", context, status=400)
    if fmt:
        stem = "migration-progress" + (f"-{supplier_id}" if supplier_id else "")
        stem += f"-{segment}" if segment else ""
        return export.response(Rows(rep.days), progress_columns(rep), fmt=fmt, stem=stem)
    context = {
        "rep": rep,
        "drawn": charts.profile(rep),
        "segments": progress.SEGMENT_LABELS,
        "suppliers": _supplier_choices(request),
        "chosen_segment": segment or "",
        "chosen_supplier": supplier_id or "",
        "query": request.GET.urlencode(),
        "links": _report_links(request.user),
    }
    return render(request, "migration/reports/progress.html", context)


@login_required
def migration_distributor_load(request: HttpRequest) -> HttpResponse:
    if not progress.sees_distributor_load(request.user):
        raise Http404
    fmt = _format(request)
    if fmt and fmt not in export.FORMATS:
        return _plain("format: choose csv or xlsx")
    day_from, day_to = request.GET.get("from", "")[:20], request.GET.get("to", "")[:20]
    try:
        start, end = progress.load_range(day_from or None, day_to or None)
        loads = progress.distributor_load(request.user, day_from=start, day_to=end)
    except ActionError as exc:
        if fmt:
            return _plain(f"{exc.field}: {exc}")
        context = {
            "error": exc,
            "values": {"from": day_from, "to": day_to},
            "max_days": progress.MAX_LOAD_DAYS,
        }
        return render(request, "migration/reports/distributors.html", context, status=400)
    if fmt:
        rows = [(load, day) for load in loads for day in load.days]
        stem = f"migration-distributor-load-{start.isoformat()}-to-{end.isoformat()}"
        return export.response(Rows(rows), LOAD_COLUMNS, fmt=fmt, stem=stem)
    context = {
        "loads": [{"load": load, "drawn": charts.distributor_load(load)} for load in loads],
        "values": {"from": start.isoformat(), "to": end.isoformat()},
        "start": start,
        "end": end,
        "max_days": progress.MAX_LOAD_DAYS,
        "query": f"from={start.isoformat()}&to={end.isoformat()}",
        "links": _report_links(request.user),
    }
    return render(request, "migration/reports/distributors.html", context)


@login_required
def migration_readiness(request: HttpRequest) -> HttpResponse:
    if not progress.sees_readiness(request.user):
        raise Http404
    fmt = _format(request)
    if fmt and fmt not in export.FORMATS:
        return _plain("format: choose csv or xlsx")
    rows = progress.readiness(request.user)
    if not rows and not queries.viewer(request.user).reads_all:
        raise Http404
    if fmt:
        return export.response(Rows(rows), READINESS_COLUMNS, fmt=fmt, stem="migration-readiness")
    cutovers = list(queries.cutovers_visible_to(request.user).order_by("-day", "segment")[:20])
    totals = queries.cutover_totals(request.user, [c.pk for c in cutovers])
    context = {
        "rows": rows,
        "run_days": progress.RUN_RATE_DAYS,
        "links": _report_links(request.user),
        "cutovers": [(c, totals[c.pk]) for c in cutovers],
    }
    return render(request, "migration/reports/readiness.html", context)


@login_required
def migration_at_risk(request: HttpRequest) -> HttpResponse:
    if not progress.sees_at_risk(request.user):
        raise Http404
    fmt = _format(request)
    if fmt and fmt not in export.FORMATS:
        return _plain("format: choose csv or xlsx")
    rows = progress.at_risk(request.user)
    if fmt:
        return export.response(Rows(rows), AT_RISK_COLUMNS, fmt=fmt, stem="migration-at-risk")
    context = {"rows": rows, "labels": progress.REASON_LABELS, "links": _report_links(request.user)}
    return render(request, "migration/reports/at_risk.html", context)


def _report_links(user: Any) -> list[tuple[str, str]]:
    """The reports the person may open: (url name, label). No query (the viewer is cached)."""
    v = queries.viewer(user)
    links = [("migration_progress", "Progress")]
    if progress.sees_distributor_load(v):
        links.append(("migration_distributor_load", "Distributor load"))
    if v.reads_all or (v.organisation_ids and not v.distributors):
        links.append(("migration_readiness", "Readiness to M14"))
    if progress.sees_at_risk(v):
        links.append(("migration_at_risk", "At-risk participants"))
    return links


urlpatterns = [
    path("migration/reports/progress/", migration_progress, name="migration_progress"),
    path("migration/reports/distributors/", migration_distributor_load, name="migration_distributor_load"),
    path("migration/reports/readiness/", migration_readiness, name="migration_readiness"),
    path("migration/reports/at-risk/", migration_at_risk, name="migration_at_risk"),
]

"""Pages: service levels — the ten KPIs for a month (``/kpis/``), one KPI's 13-month trend
(``/kpis/<code>/``), the incidents or changes behind a figure (``/kpis/<code>/incidents/``) and the
tables as CSV or XLSX (``/kpis/export/``).

Every signed-in person may open them; what each sees is :mod:`busbar.reports.kpitables`'s rule (the
audience of :func:`busbar.reports.queries.audience`). Asking for a slice the viewer may not see (another
provider's figures, any provider for a participant, another participant's incidents) is a 404 — the same
answer as a provider that does not exist. A malformed query argument is a 400 page naming the field; a
month after this one says there are no figures yet. The drill-down lists only the incidents the viewer
may see (:func:`busbar.incidents.queries.visible_to`), paginated.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Subquery
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone

from busbar.reports import charts, engine, exports, kpis, kpitables
from busbar.reports.forms import kpis as kpiforms
from busbar.reports.queries import Audience, audience

PAGE_SIZE = 50
#: The highest page number looked at (beyond: the last page).
MAX_PAGE = 10_000
CHANGE_KPIS = ("major_changes", "emergency_changes")


def _now() -> dt.datetime:
    """Now (tests set it: the service-level world lives in 2027)."""
    return timezone.now()


def _kpi(code: str) -> kpis.Kpi:
    try:
        return kpis.get(code)
    except KeyError:
        raise Http404("No such KPI") from None


def _filters_context(q: kpiforms.KpiQuery | None, who: Audience, request: HttpRequest) -> dict:
    """The filter form: the values asked for and the choices the viewer may slice by."""
    raw = {f: request.GET.get(f, "")[:20] for f in kpiforms.FIELDS}
    if q is not None:
        raw.update(
            month=f"{q.month:%Y-%m}",
            provider=str(q.provider.id) if q.provider else "",
            service=str(q.service.id) if q.service else "",
        )
    return {
        "values": raw,
        "provider_choices": kpiforms.provider_choices(who),
        "service_choices": kpiforms.service_choices(),
        "severity_choices": kpiforms.severity_choices(),
        "who": who,
    }


def _parse(request: HttpRequest, who: Audience, *, trend: bool = False):
    """The query, or the 400 page naming the field; a hidden slice raises 404."""
    try:
        return kpiforms.parse(request.GET, who, trend=trend, now=_now()), None
    except kpiforms.Hidden:
        raise Http404("No such figures") from None
    except kpiforms.QueryError as exc:
        return None, exc


def _bad(request: HttpRequest, who: Audience, exc: kpiforms.QueryError, template: str, extra=None):
    context = {**_filters_context(None, who, request), "error": exc, **(extra or {})}
    return render(request, template, context, status=400)


@login_required
def kpi_overview(request: HttpRequest) -> HttpResponse:
    who = audience(request.user)
    q, error = _parse(request, who)
    if error:
        return _bad(request, who, error, "reports/kpis/overview.html")
    data = kpitables.overview(q, who, now=_now())
    context = {
        **_filters_context(q, who, request),
        "q": q,
        "data": data,
        "month_label": kpitables.month_label(q.month),
        "query": q.qs(),
        "kpis": kpis.KPIS,
    }
    return render(request, "reports/kpis/overview.html", context)


@login_required
def kpi_detail(request: HttpRequest, code: str) -> HttpResponse:
    kpi = _kpi(code)
    who = audience(request.user)
    q, error = _parse(request, who, trend=True)
    if error:
        return _bad(request, who, error, "reports/kpis/detail.html", {"kpi": kpi})
    now = _now()
    trend = kpitables.trend(kpi, q, who, now=now)
    points = [
        charts.Point(line.label, line.cells[0].value, line.cells[0].judgement.target, line.cells[0].met)
        for line in trend.months
    ]
    trend.chart = charts.trend_chart(points, unit=kpi.unit, title=f"{kpi.name} by month", key="trend")
    context = {
        **_filters_context(q, who, request),
        "q": q,
        "kpi": kpi,
        "trend": trend,
        "month_label": kpitables.month_label(q.month),
        "query": q.qs(),
    }
    if who.may_compare_providers and q.provider is None:
        lines, end_to_end = kpitables.comparison(kpi, q, now=now)
        bars = [
            charts.Point(line.label, line.cells[0].value, line.cells[0].judgement.target, line.cells[0].met)
            for line in lines
        ]
        context["comparison"] = lines
        context["end_to_end"] = end_to_end
        if bars:
            context["comparison_chart"] = charts.comparison_chart(
                bars,
                unit=kpi.unit,
                title=f"{kpi.name} by provider, {kpitables.month_label(q.month)}",
                target=end_to_end.target,
            )
    context["severities"] = kpitables.by_severity(kpi, q, now=now)
    return render(request, "reports/kpis/detail.html", context)


def _page_number(request: HttpRequest) -> int:
    raw = request.GET.get("page", "1")[:8]
    return min(int(raw), MAX_PAGE) if raw.isdigit() and int(raw) > 0 else 1


@login_required
def kpi_drill(request: HttpRequest, code: str) -> HttpResponse:
    from busbar.changes.queries import visible_to as changes_visible_to
    from busbar.incidents import queries as incident_queries

    kpi = _kpi(code)
    who = audience(request.user)
    q, error = _parse(request, who)
    if error:
        return _bad(request, who, error, "reports/kpis/drill.html", {"kpi": kpi})
    context = {
        **_filters_context(q, who, request),
        "q": q,
        "kpi": kpi,
        "month_label": kpitables.month_label(q.month),
        "query": q.qs(),
        "changes": code in CHANGE_KPIS,
        "page": None,
    }
    if not q.is_future:
        filters = q.filters()
        if code in CHANGE_KPIS:
            behind = engine.changes_behind(filters, code)
            qs = changes_visible_to(request.user).filter(pk__in=Subquery(behind.values("pk")))
            qs = qs.order_by("-planned_start", "-pk")
        else:
            behind = engine.incidents_behind(filters, code)
            qs = (
                incident_queries.visible_to(request.user)
                .filter(pk__in=Subquery(behind.values("pk")))
                .select_related("kpi_fact")
                .order_by("-created_at", "-pk")
            )
        paginator = Paginator(qs, PAGE_SIZE)
        page = paginator.get_page(_page_number(request))
        if code not in CHANGE_KPIS:
            for incident in page.object_list:
                incident.shows_provider = incident_queries.sees_internal(request.user, incident)
                incident.fact = getattr(incident, "kpi_fact", None)
        context["page"] = page
        context["extra_qs"] = q.qs()
        context["behind"] = behind.count()
    return render(request, "reports/kpis/drill.html", context)


@login_required
def kpi_export(request: HttpRequest) -> HttpResponse:
    who = audience(request.user)
    fmt = request.GET.get("format", "csv")[:10]
    view = request.GET.get("view", "overview")[:20]
    if fmt not in exports.FORMATS:
        return exports.plain("format: choose csv or xlsx")
    if view not in exports.VIEWS:
        return exports.plain(f"view: choose one of {', '.join(exports.VIEWS)}")
    code = request.GET.get("kpi", "")[:40]
    if view == "trend" and code:
        _kpi(code)
    try:
        q = kpiforms.parse(request.GET, who, trend=view == "trend", now=_now())
    except kpiforms.Hidden:
        raise Http404("No such figures") from None
    except kpiforms.QueryError as exc:
        return exports.plain(f"{exc.field}: {exc.message}")
    if view == "providers" and not who.may_compare_providers:
        raise Http404("No such figures")
    return exports.download(view, q, who, fmt=fmt, kpi_code=code or None, now=_now())


urlpatterns = [
    path("kpis/", kpi_overview, name="kpi_overview"),
    path("kpis/export/", kpi_export, name="kpi_export"),
    path("kpis/<slug:code>/", kpi_detail, name="kpi_detail"),
    path("kpis/<slug:code>/incidents/", kpi_drill, name="kpi_drill"),
]

"""Page: change-notification reports for a period (``?from=&to=``, London dates; this quarter unless
given; at most two years) — by provider and status, by type, late notifications and the CCG's exceptions,
failed and backed-out changes, emergency changes and their retrospective reviews, major changes and their
post-implementation reviews, the mean notice given. Each table also as CSV or XLSX
(``?format=csv&table=providers``).

The desk only (:func:`busbar.changes.permissions.can_report`); anyone else signed in gets the 403 page.
The figures are :mod:`busbar.changes.reports`'s.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone

from busbar.changes import pages, permissions, reports
from busbar.lib import export
from busbar.parties.queries import scope_for


class Rows:
    """A computed table handed to busbar.lib.export (which reads rows with ``.iterator()``)."""

    def __init__(self, rows: list) -> None:
        self.rows = rows

    def iterator(self, chunk_size: int = 0):
        return iter(self.rows)


def _col(header: str, attr: str) -> export.Column:
    return export.Column(header, lambda t: getattr(t, attr))


def _decimal(header: str, attr: str) -> export.Column:
    return export.Column(header, lambda t: None if getattr(t, attr) is None else float(getattr(t, attr)))


COLUMNS: dict[str, list[export.Column]] = {
    "providers": [
        export.Column("Provider", lambda t: t.label),
        *(export.Column(label, lambda t, key=key: t.groups[key]) for key, label, _ in reports.STATUS_GROUPS),
        _col("Total", "total"),
        _col("Late", "late"),
        _col("Late accepted as exceptions", "exceptions"),
        _decimal("Mean notice given (working days)", "mean_notice"),
    ],
    "types": [
        export.Column("Type", lambda t: t.label),
        _col("Notifications", "total"),
        _col("Late", "late"),
        _col("Late accepted as exceptions", "exceptions"),
        _col("Implemented", "implemented"),
        _col("Failed", "failed"),
        _col("Backed out", "backed_out"),
        _decimal("Mean notice given (working days)", "mean_notice"),
    ],
    "late": [
        export.Column("Provider", lambda t: t.label),
        _col("Notifications", "total"),
        _col("Late", "late"),
        _decimal("% late", "late_percent"),
        _col("Accepted as exceptions", "exceptions"),
    ],
    "failed": [
        export.Column("Provider", lambda t: t.label),
        _col("Implemented", "implemented"),
        _col("Failed", "failed"),
        _col("Backed out", "backed_out"),
        _decimal("% failed or backed out", "failed_percent"),
    ],
    "emergency": [
        export.Column("Provider", lambda t: t.label),
        _col("Emergency changes", "emergency"),
        _col("Retrospective reviews done", "retro_done"),
        _col("Retrospective reviews outstanding", "retro_outstanding"),
    ],
    "major": [
        export.Column("Provider", lambda t: t.label),
        _col("Major changes", "major"),
        _col("Implemented", "major_implemented"),
        _col("Post-implementation reviews done", "pir_done"),
        _col("Post-implementation reviews outstanding", "pir_outstanding"),
    ],
}


def _table_rows(rep: reports.Report, table: str) -> list[reports.Tally]:
    """A table's rows, the total last."""
    if table == "types":
        return [*rep.types, rep.total]
    return [*rep.providers, rep.total]


def _plain(message: str, status: int = 400) -> HttpResponse:
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


@login_required
def change_reports(request: HttpRequest) -> HttpResponse:
    reason = permissions.can_report(scope_for(request.user))
    if reason:
        return pages.forbidden(request, reason)
    today = timezone.localdate(timezone=reports.LONDON)
    fmt = request.GET.get("format")
    try:
        period = reports.parse_period(request.GET, today=today)
    except reports.PeriodError as exc:
        if fmt:
            return _plain(f"{exc.field}: {exc.message}")
        context = {
            **pages.base_context(request, "reports"),
            "error": exc,
            "values": {"from": request.GET.get("from", "")[:20], "to": request.GET.get("to", "")[:20]},
            "max_days": reports.MAX_DAYS,
        }
        return render(request, "changes/reports/reports.html", context, status=400)
    if fmt:
        if fmt not in export.FORMATS:
            return _plain("format: choose csv or xlsx")
        table = request.GET.get("table", "providers")
        if table not in COLUMNS:
            return _plain(f"table: choose one of {', '.join(COLUMNS)}")
        rep = reports.report(request.user, period)
        stem = f"change-notifications-{table}-{period.start.isoformat()}-to-{period.end.isoformat()}"
        return export.response(Rows(_table_rows(rep, table)), COLUMNS[table], fmt=fmt, stem=stem)
    rep = reports.report(request.user, period)
    context = {
        **pages.base_context(request, "reports"),
        "rep": rep,
        "period": period,
        "values": {"from": period.start.isoformat(), "to": period.end.isoformat()},
        "groups": reports.STATUS_GROUPS,
        "tables": reports.TABLES,
        "query": f"from={period.start.isoformat()}&to={period.end.isoformat()}",
        "max_days": reports.MAX_DAYS,
    }
    return render(request, "changes/reports/reports.html", context)


urlpatterns = [path("changes/reports/", change_reports, name="change_reports")]

"""The demand analysis (RQ-15: "conduct trend analysis to understand and anticipate demand"), drawn on the
server as SVG (:mod:`busbar.lib.svgchart`: no JavaScript).

* :func:`trends`: per service and per week (Monday to Sunday, UK time) over the last weeks, how many demand
  notices cover the week and how many incidents were raised on the service. Whatever the number of
  services and weeks, four queries at most: the busiest services (when none are named), the services, one
  conditional aggregate over the notices' lines, one over the incidents.
* :func:`notice_chart`: a notice's own lines, expected daily volume against the filer's normal and the
  tolerance limit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.safestring import SafeString

from busbar.lib.svgchart import Chart, Series

DEFAULT_WEEKS = 26
MAX_WEEKS = 104
MIN_WEEKS = 4
#: At most this many services drawn at once (those with the most notices in the window).
MAX_SERVICES = 12


def week_starts(weeks: int, today: dt.date) -> list[dt.date]:
    """The Mondays of the last ``weeks`` weeks, oldest first, the current week last."""
    monday = today - dt.timedelta(days=today.weekday())
    return [monday - dt.timedelta(weeks=weeks - 1 - i) for i in range(weeks)]


def _instant(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min), timezone.get_default_timezone())


@dataclass
class ServiceTrend:
    service: Any
    notices: list[int]
    incidents: list[int]

    def chart(self, labels: Sequence[str]) -> Chart:
        return Chart(
            title=f"{self.service.name}: demand notices and incidents per week",
            labels=list(labels),
            series=[
                Series("Demand notices covering the week", self.notices),
                Series("Incidents raised", self.incidents),
            ],
            description=(
                "Per week, the demand notices covering the week and the incidents raised on "
                f"{self.service.name}."
            ),
            label_heading="Week from",
            key=f"trend-{self.service.pk}",
        )


@dataclass
class Trends:
    weeks: list[dt.date]
    services: list[ServiceTrend]

    @property
    def labels(self) -> list[str]:
        return [f"{w:%d %b}" for w in self.weeks]

    def drawn(self) -> list[dict[str, Any]]:
        """For the page: each service's chart as SVG and as a table."""
        out = []
        for t in self.services:
            chart = t.chart(self.labels)
            out.append({"service": t.service, "svg": chart.lines(), "table": chart.table(), "trend": t})
        return out


def trends(
    *, services: Sequence[Any] | None = None, weeks: int = DEFAULT_WEEKS, today: dt.date | None = None
) -> Trends:
    """Weekly notices and incidents for ``services`` (default: the services with notices in the window, the
    busiest :data:`MAX_SERVICES`). Withdrawn notices are not counted."""
    from busbar.demand.models import DemandLine, DemandStatus
    from busbar.incidents.models import Incident
    from busbar.services.models import Service

    weeks = max(MIN_WEEKS, min(MAX_WEEKS, int(weeks)))
    today = today or timezone.localdate()
    starts = week_starts(weeks, today)
    first, end = starts[0], starts[-1] + dt.timedelta(days=7)
    lines = DemandLine.objects.filter(notice__starts_on__lt=end, notice__ends_on__gte=first).exclude(
        notice__status=DemandStatus.WITHDRAWN
    )
    if services is None:
        busiest = (
            lines.values("service_id")
            .annotate(n=Count("notice_id", distinct=True))
            .order_by("-n", "service_id")[:MAX_SERVICES]
        )
        chosen = list(Service.objects.filter(pk__in=[row["service_id"] for row in busiest]).order_by("name"))
    else:
        chosen = list(services)[:MAX_SERVICES]
    ids = [s.pk for s in chosen]
    if not ids:
        return Trends(weeks=starts, services=[])
    notice_counts = {
        f"w{i}": Count(
            "notice_id",
            distinct=True,
            filter=Q(notice__starts_on__lt=w + dt.timedelta(days=7), notice__ends_on__gte=w),
        )
        for i, w in enumerate(starts)
    }
    noticed = {
        row["service_id"]: row
        for row in lines.filter(service_id__in=ids).values("service_id").annotate(**notice_counts).order_by()
    }
    bounds = [_instant(w) for w in [*starts, end]]
    incident_counts = {
        f"w{i}": Count("pk", filter=Q(created_at__gte=bounds[i], created_at__lt=bounds[i + 1]))
        for i in range(weeks)
    }
    raised = {
        row["service_id"]: row
        for row in Incident.objects.filter(
            service_id__in=ids, created_at__gte=bounds[0], created_at__lt=bounds[-1]
        )
        .values("service_id")
        .annotate(**incident_counts)
        .order_by()
    }
    out = []
    for service in chosen:
        n_row, i_row = noticed.get(service.pk, {}), raised.get(service.pk, {})
        out.append(
            ServiceTrend(
                service=service,
                notices=[n_row.get(f"w{i}", 0) for i in range(weeks)],
                incidents=[i_row.get(f"w{i}", 0) for i in range(weeks)],
            )
        )
    return Trends(weeks=starts, services=out)


@dataclass
class LineVerdict:
    """A notice line with the tolerance it was judged against."""

    line: Any
    tolerance: Any
    limit: int | None


def verdicts(notice: Any, lines: Sequence[Any]) -> list[LineVerdict]:
    """Each line with the tolerance in force on the notice's first day and the largest volume within it."""
    from busbar.demand import steps

    found = steps.tolerances_on([ln.service_id for ln in lines], notice.starts_on)
    return [
        LineVerdict(
            line=ln,
            tolerance=found.get(ln.service_id),
            limit=steps.threshold(ln.normal_per_day, found.get(ln.service_id)),
        )
        for ln in lines
    ]


def notice_chart(notice: Any, judged: Sequence[LineVerdict]) -> tuple[SafeString, SafeString] | None:
    """Bars per line: the filer's normal, the tolerance limit and the expected daily volume."""
    if not judged:
        return None
    chart = Chart(
        title=f"{notice.reference}: expected daily volume against normal and tolerance",
        labels=[v.line.service.name for v in judged],
        series=[
            Series("Normal a day", [v.line.normal_per_day for v in judged]),
            Series("Tolerance limit a day", [v.limit or 0 for v in judged]),
            Series("Expected a day", [v.line.expected_per_day for v in judged]),
        ],
        description=(
            "For each service on the notice, the filer's normal daily volume, the largest volume within "
            "tolerance and the volume expected."
        ),
        label_heading="Service",
        key=f"notice-{notice.pk}",
    )
    return chart.bars(), chart.table()

"""The desk's figures on its home page: open incidents by severity and by provider, breaching soon, today's
raised and resolved, and the last 14 days as a chart.

Every figure is an aggregate query over the incidents the viewer may see (``queries.visible_to``), so the
page costs the same few queries however many incidents there are. Days are UK days (Europe/London): their
boundaries are worked out here, in Python, so a day of 23 or 25 hours around a clock change counts exactly
what happened between its two midnights, on PostgreSQL and SQLite alike.

The desk sees every incident; a provider sees the same panel for the incidents assigned to it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from busbar.incidents import queries
from busbar.incidents.models import Incident
from busbar.lib.svgchart import Chart, Series
from busbar.parties.queries import scope_for

LONDON = ZoneInfo("Europe/London")
DAYS = 14
SOON = dt.timedelta(hours=2)


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The UTC instants at which the UK ``day`` starts and ends (23 or 25 h apart when the clocks change)."""
    start = dt.datetime.combine(day, dt.time.min, tzinfo=LONDON)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=LONDON)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


def london_today(now: dt.datetime) -> dt.date:
    return now.astimezone(LONDON).date()


def scoped(user, kind: str) -> QuerySet[Incident] | None:
    """The incidents the figures count for ``user`` on home page ``kind``; None: no figures for them (the
    figures are for the desk, analysts and operations managers, and for a provider its own incidents)."""
    scope = scope_for(user)
    base = queries.visible_to(user)
    if kind == "desk" and scope.is_desk:
        return base
    if kind == "provider" and scope.is_resolver:
        return base.filter(provider_id__in=scope.resolver_for)
    return None


@dataclass(frozen=True)
class Figure:
    label: str
    count: int
    url: str
    detail: str = ""


def _list_url(**params: object) -> str:
    return reverse("incident_list") + "?" + urlencode({k: v for k, v in params.items() if v is not None})


def figures(user, kind: str, now: dt.datetime | None = None) -> dict:
    """The panel's context: empty for anyone who is not shown figures."""
    qs = scoped(user, kind)
    if qs is None:
        return {}
    now = now or timezone.now()
    queue = "mine" if kind == "provider" else "open"
    open_qs = qs.filter(queries.OPEN_Q)

    rows = list(
        open_qs.values(
            "severity_id", "severity__code", "severity__label", "severity__scheme__name", "severity__rank"
        )
        .annotate(n=Count("pk"))
        .order_by("severity__scheme__name", "severity__rank", "severity_id")
    )
    schemes = len({row["severity__scheme__name"] for row in rows})
    by_severity = [
        Figure(
            (f"{row['severity__scheme__name']}: " if schemes > 1 else "")
            + f"Severity {row['severity__code']}",
            row["n"],
            _list_url(queue=queue, severity=row["severity_id"]),
            detail=row["severity__label"],
        )
        for row in rows
    ]
    by_provider = []
    if kind == "desk":
        for row in (
            open_qs.values("provider_id", "provider__name").annotate(n=Count("pk")).order_by("provider__name")
        ):
            if row["provider_id"] is None:
                by_provider.append(Figure("Not yet assigned", row["n"], _list_url(queue="unassigned")))
            else:
                by_provider.append(
                    Figure(
                        row["provider__name"], row["n"], _list_url(queue="open", provider=row["provider_id"])
                    )
                )
        # Unassigned first: it is the desk's own work.
        by_provider.sort(key=lambda c: (c.url.endswith("unassigned") is False, c.label))

    today = london_today(now)
    days = [today - dt.timedelta(days=n) for n in range(DAYS - 1, -1, -1)]
    bounds = [day_bounds(d) for d in days]
    first = bounds[0][0]
    counts = {"soon": Count("pk", filter=queries.breaching_soon_q(SOON))}
    for i, (start, end) in enumerate(bounds):
        counts[f"raised_{i}"] = Count("pk", filter=Q(created_at__gte=start, created_at__lt=end))
        counts[f"resolved_{i}"] = Count("pk", filter=Q(resolved_at__gte=start, resolved_at__lt=end))
    totals = qs.filter(queries.OPEN_Q | Q(created_at__gte=first) | Q(resolved_at__gte=first)).aggregate(
        **counts
    )
    raised = [totals[f"raised_{i}"] for i in range(DAYS)]
    resolved = [totals[f"resolved_{i}"] for i in range(DAYS)]
    chart = Chart(
        title=f"Incidents raised and resolved per day, last {DAYS} days",
        description=(
            f"UK days from {days[0]:%a %-d %b} to {days[-1]:%a %-d %b %Y}"
            + (", the incidents assigned to your organisation." if kind == "provider" else ".")
        ),
        labels=[f"{d:%-d %b}" for d in days],
        series=[Series("Raised", raised), Series("Resolved", resolved)],
        label_heading="Day",
        key=f"figures-{kind}",
    )
    return {
        "by_severity": by_severity,
        "by_provider": by_provider,
        "open_total": sum(c.count for c in by_severity),
        "open_url": _list_url(queue=queue),
        "soon": totals["soon"],
        "soon_url": _list_url(queue="soon") if kind == "desk" else _list_url(queue="mine"),
        "today": today,
        "raised_today": raised[-1],
        "resolved_today": resolved[-1],
        "chart_svg": chart.bars(),
        "chart_table": chart.table(caption=f"Raised and resolved per UK day, last {DAYS} days"),
        "kind": kind,
    }

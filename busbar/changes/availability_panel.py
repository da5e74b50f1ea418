"""The availability panel of a service's page (registered in ``registrations.py`` with
:func:`busbar.services.panels.service_panel`): the last 12 months (this one so far) from
:func:`busbar.changes.availability.for_services`, as a bar chart against the target
(:mod:`busbar.changes.charts`) and as a table, with interruptions, planned maintenance and the number of
major and emergency changes (CH-15 to CH-17). The service page has already checked that the viewer sees
the service; availability is published to every signed-in participant."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from busbar.changes import availability, charts
from busbar.parties.queries import scope_for

MONTHS = 12


def _now() -> dt.datetime:
    """Now (the tests move it)."""
    return timezone.now()


def last_months(today: dt.date, count: int = MONTHS) -> list[tuple[int, int]]:
    """(year, month) of the ``count`` months ending with ``today``'s, oldest first."""
    index = today.year * 12 + today.month - 1
    return [(i // 12, i % 12 + 1) for i in range(index - count + 1, index + 1)]


def figures(service, *, now: dt.datetime, count: int = MONTHS) -> list:
    """The service's Figures for the last ``count`` months, oldest first (one batch per calendar year)."""
    months = last_months(timezone.localtime(now).date(), count)
    by_year: dict[int, list[int]] = {}
    for year, month in months:
        by_year.setdefault(year, []).append(month)
    found = []
    for year, wanted in sorted(by_year.items()):
        found += availability.for_services([service], year, months=wanted, now=now)[service.pk]
    return found


def service_context(request, service) -> dict | None:
    if not scope_for(request.user).is_authenticated:
        return None
    now = _now()
    rows = figures(service, now=now)
    if not rows:
        return None
    target = next((f.target for f in rows if f.target is not None), None)
    labels = [f"{dt.date(f.year, f.month, 1):%b %Y}" for f in rows]
    chart = charts.availability_chart(
        [charts.Month(label, f.availability, f.met) for label, f in zip(labels, rows, strict=True)],
        target=target,
        title=f"Availability of {service.name}, last {len(rows)} months",
        key=f"availability-{service.slug}",
    )
    known = [f for f in rows if f.availability is not None]
    return {
        "service": service,
        "rows": list(zip(labels, rows, strict=True)),
        "chart": chart,
        "target": target,
        "planned_counts": rows[-1].planned_counts,
        "latest": known[-1] if known else None,
        "latest_label": f"{dt.date(known[-1].year, known[-1].month, 1):%B %Y}" if known else "",
        "missed": sum(1 for f in known if f.met is False),
        "interruptions": sum(f.interruptions for f in rows),
    }

"""The monthly KPI aggregates (:class:`~busbar.reports.models.KpiMonth`), kept incrementally from the
incident facts so a 13-month trend reads a few hundred rows instead of every incident.

One row per (month, provider, service, severity). Its columns count incidents *in different months*,
each KPI's own (:attr:`busbar.reports.kpis.Kpi.month_of`):

* raised in month M: ``raised``, ``majors``, ``responded``, ``response_minutes``, ``response_met``;
* resolved in month M: ``resolved``, ``resolution_minutes``, ``resolution_met``, ``desk_minutes``;
* escalated (resolution target passed) in month M: ``escalated``.

So an incident raised in May and resolved in June adds to May's ``raised`` and June's ``resolved``; the
provider, service and severity are the fact's current ones in every column.

:func:`refresh_months` replaces the rows of some months by a GROUP BY over the facts of those months
(three queries, one per kind of month, and a delete and an insert); :func:`rebuild` does every month;
:func:`differences` compares the kept rows with a full recomputation (``busbar kpis check``, and a test).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Count, F, Q, Sum

from busbar.reports.models import IncidentFact, KpiMonth

__all__ = ["COLUMNS", "computed", "differences", "kept", "rebuild", "refresh_months"]

#: The counted columns of a KpiMonth row, by the month they count in.
RAISED_COLUMNS = ("raised", "majors", "responded", "response_minutes", "response_met")
RESOLVED_COLUMNS = ("resolved", "resolution_minutes", "resolution_met", "desk_minutes")
ESCALATED_COLUMNS = ("escalated",)
COLUMNS = RAISED_COLUMNS + RESOLVED_COLUMNS + ESCALATED_COLUMNS

Key = tuple[dt.date, int | None, int, str]

#: (month field of the fact, {column: aggregate}) for each kind of month.
_SOURCES: tuple[tuple[str, dict], ...] = (
    (
        "month",
        {
            "raised": Count("pk"),
            "majors": Count("pk", filter=Q(is_major=True)),
            "responded": Count("response_minutes"),
            "response_minutes": Sum("response_minutes"),
            "response_met": Count("pk", filter=Q(response_met=True)),
        },
    ),
    (
        "resolved_month",
        {
            "resolved": Count("pk"),
            "resolution_minutes": Sum("resolution_minutes"),
            "resolution_met": Count("pk", filter=Q(resolution_met=True)),
            "desk_minutes": Sum("desk_minutes"),
        },
    ),
    ("escalated_month", {"escalated": Count("pk")}),
)


def computed(months: Iterable[dt.date] | None = None) -> dict[Key, dict[str, int]]:
    """The aggregates recomputed from the facts, for ``months`` (None: every month); only non-empty rows."""
    wanted = None if months is None else sorted(set(months))
    rows: dict[Key, dict[str, int]] = {}
    if wanted == []:
        return rows
    for month_field, aggregates in _SOURCES:
        qs = IncidentFact.objects.filter(**{f"{month_field}__isnull": False})
        if wanted is not None:
            qs = qs.filter(**{f"{month_field}__in": wanted})
        named = {f"agg_{name}": agg for name, agg in aggregates.items()}
        values = qs.values(
            agg_month=F(month_field),
            agg_provider=F("provider_id"),
            agg_service=F("service_id"),
            agg_severity=F("severity_code"),
        ).annotate(**named)
        for v in values.order_by():
            key = (v["agg_month"], v["agg_provider"], v["agg_service"], v["agg_severity"])
            row = rows.setdefault(key, dict.fromkeys(COLUMNS, 0))
            for name in aggregates:
                row[name] = int(v[f"agg_{name}"] or 0)
    return rows


def kept(months: Iterable[dt.date] | None = None) -> dict[Key, dict[str, int]]:
    """The kept KpiMonth rows, for ``months`` (None: every month)."""
    qs = KpiMonth.objects.all()
    if months is not None:
        qs = qs.filter(month__in=sorted(set(months)))
    return {
        (r["month"], r["provider_id"], r["service_id"], r["severity_code"]): {c: r[c] for c in COLUMNS}
        for r in qs.values("month", "provider_id", "service_id", "severity_code", *COLUMNS)
    }


def _insert(rows: dict[Key, dict[str, int]]) -> None:
    KpiMonth.objects.bulk_create(
        [
            KpiMonth(month=m, provider_id=p, service_id=s, severity_code=sev, **cols)
            for (m, p, s, sev), cols in sorted(rows.items(), key=lambda i: (i[0][0], i[0][1] or 0, i[0][2:]))
        ],
        batch_size=2000,
    )


def refresh_months(months: Iterable[dt.date]) -> int:
    """Replace the KpiMonth rows of ``months`` by a recomputation from the facts; the rows written."""
    wanted = sorted(set(months))
    if not wanted:
        return 0
    with transaction.atomic():
        rows = computed(wanted)
        KpiMonth.objects.filter(month__in=wanted).delete()
        _insert(rows)
    return len(rows)


def rebuild() -> int:
    """Replace every KpiMonth row by a recomputation from the facts; the rows written."""
    with transaction.atomic():
        rows = computed()
        KpiMonth.objects.all().delete()
        _insert(rows)
    return len(rows)


def differences() -> list[str]:
    """How the kept aggregates differ from a full recomputation (empty when they agree)."""
    want, have = computed(), kept()
    out = []
    for key in sorted(set(want) | set(have), key=lambda k: (k[0], k[1] or 0, k[2], k[3])):
        a, b = want.get(key), have.get(key)
        label = f"{key[0]:%Y-%m} provider={key[1]} service={key[2]} severity={key[3]}"
        if b is None:
            out.append(f"{label}: missing (expected {a})")
        elif a is None:
            if any(b.values()):
                out.append(f"{label}: kept {b}, expected nothing")
        elif a != b:
            diff = {c: (b[c], a[c]) for c in COLUMNS if a[c] != b[c]}
            out.append(f"{label}: kept→expected {diff}")
    return out

"""The daily migration aggregates (:class:`~busbar.migration.models.DailyProgress`) two ways: as stored
(kept up to date by every load, what the progress pages read) and recounted from the ledger's events — a
test proves them equal after loads with reverse and re-migrations.

Both answer ``{(day, segment, supplier id, distributor): {"scheduled", "migrated", "remigrated", "failed",
"reversed"}}`` without the rows that count nothing. ``migrated`` counts every migrate event (re-migrations
too), ``remigrated`` the re-migrations among them; the MPANs migrated on a day's end are therefore
Σ migrated − Σ reversed up to that day.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Count, F, OuterRef, Subquery

from busbar.migration import ledger
from busbar.migration.models import DailyProgress, EventKind, LedgerEvent, LedgerState, Mpan

Key = tuple[dt.date, str, int, str]
COUNTS = ("scheduled", "migrated", "remigrated", "failed", "reversed")
_FIELD = {
    EventKind.SCHEDULE.value: "scheduled",
    EventKind.MIGRATE.value: "migrated",
    EventKind.FAIL.value: "failed",
    EventKind.REVERSE.value: "reversed",
}
#: An MPAN core's first two digits: the core divided by this (integer division in SQL).
_DISTRIBUTOR_DIVISOR = 10**11


def _empty() -> dict[str, int]:
    return dict.fromkeys(COUNTS, 0)


def stored() -> dict[Key, dict[str, int]]:
    """The daily aggregates as stored."""
    out: dict[Key, dict[str, int]] = {}
    for row in DailyProgress.objects.values_list("day", "segment", "supplier_id", "distributor", *COUNTS):
        counts = dict(zip(COUNTS, row[4:], strict=True))
        if any(counts.values()):
            out[(row[0], row[1], row[2], row[3])] = counts
    return out


def recount() -> dict[Key, dict[str, int]]:
    """The daily aggregates counted again from every event of the ledger (a full scan: for tests and
    repairs, never for a page)."""
    out: dict[Key, dict[str, int]] = defaultdict(_empty)
    if ledger.EVENT_HAS_CONTEXT:
        rows = (
            LedgerEvent.objects.annotate(dist=F("core") / _DISTRIBUTOR_DIVISOR)
            .values("on", "segment", "supplier_id", "dist", "kind", "state")
            .annotate(n=Count("id"))
            .values_list("on", "segment", "supplier_id", "dist", "kind", "state", "n")
            .order_by()
        )
        for on, segment, supplier_id, dist, kind, state, n in rows:
            counts = out[(on, segment, supplier_id, f"{int(dist):02d}")]
            counts[_FIELD[kind]] += n
            if kind == EventKind.MIGRATE and state == LedgerState.REMIGRATED:
                counts["remigrated"] += n
        return dict(out)
    # Until the events keep the MPAN's segment and supplier (requested of the lead): the MPAN's current
    # ones, and a migrate is a re-migration when a reverse of the same MPAN came before it.
    mpan = Mpan.objects.filter(core=OuterRef("core"))
    rows = (
        LedgerEvent.objects.annotate(
            seg=Subquery(mpan.values("segment")[:1]), sup=Subquery(mpan.values("supplier_id")[:1])
        )
        .values_list("core", "on", "kind", "seg", "sup", "id")
        .order_by("core", "on", "id")
    )
    reversed_before: set[int] = set()
    for core, on, kind, segment, supplier_id, _id in rows.iterator(chunk_size=5000):
        counts = out[(on, segment, supplier_id, f"{core:013d}"[:2])]
        counts[_FIELD[kind]] += 1
        if kind == EventKind.REVERSE:
            reversed_before.add(core)
        elif kind == EventKind.MIGRATE and core in reversed_before:
            counts["remigrated"] += 1
    return dict(out)


def differences(limit: int = 20) -> list[tuple[Key, dict[str, int], dict[str, int]]]:
    """Up to ``limit`` keys where the stored aggregates and the recount disagree: (key, stored, recount)."""
    a, b = stored(), recount()
    keys = sorted(set(a) | set(b), key=lambda k: (k[0], k[1], k[2], k[3]))
    wrong = [(k, a.get(k, _empty()), b.get(k, _empty())) for k in keys if a.get(k) != b.get(k)]
    return wrong[:limit]

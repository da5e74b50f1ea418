"""The Change Notification list: its filters, its sortable columns and its export columns, per viewer
(:mod:`busbar.lib.listing`, :mod:`busbar.lib.export`).

- **Filters**: status ("open": not yet ended; "all"; or one status), type, provider, service (with its
  components), late, has conflicts, and search text (words of the title, or a CHG reference: ``CHG0000012``,
  ``chg12``, ``12``). Conflicts are read only by those who review a change (``queries.INTERNAL_FIELDS``):
  the desk and the CCG's members filter and sort every row by them; a provider only its own rows.
- **Sorting**: what every viewer sees on every row; the number of conflicts only for those who review
  every change they see. Planned start (soonest first) is the list's own order.
- **Export**: the same rows (visible, filtered, sorted) with the columns every viewer sees; the internal
  columns (team, risk, back-out plan, who raised it, the emergency reason, conflicts) only for those who may
  read them on some row, each cell filled only where ``queries.field_visible`` lets the viewer read it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from busbar.changes import queries
from busbar.changes.models import ENDED, ChangeNotification, ChangeService, ChangeStatus
from busbar.lib.export import Column
from busbar.lib.keyset import Key
from busbar.lib.listing import Sort, Sorting
from busbar.parties.queries import scope_for
from busbar.services.models import Service

#: Not yet ended (still to be decided, done or reviewed).
OPEN = frozenset(ChangeStatus.values) - ENDED
STATUS_CHOICES = [("open", "Open"), ("all", "All"), *ChangeStatus.choices]
DEFAULT_STATUS = "open"
DEFAULT_SORT = "start"
#: The longest search text looked at.
MAX_SEARCH = 200

_COMMON = [
    Sort("start", "Planned start", (Key("planned_start"),)),
    Sort("end", "Planned end", (Key("planned_end"),)),
    Sort("reference", "Reference", (Key("reference"),)),
    Sort("title", "Title", (Key("title"),)),
    Sort("type", "Type", (Key("change_type"),)),
    Sort("status", "Status", (Key("status"),)),
    Sort("provider", "Provider", (Key("provider__name"),)),
    Sort("notice", "Notice given", (Key("notice_given", nulls_last=True),)),
]
#: Earliest created first as the last word: the order is total whatever the column.
_TIE = (Key("id"),)
SORTING = Sorting(_COMMON, tie=_TIE)
REVIEW_SORTING = Sorting([*_COMMON, Sort("conflicts", "Conflicts", (Key("conflict_count"),))], tie=_TIE)

_REFERENCE = re.compile(r"(?:chg)?0*(\d{1,7})", re.IGNORECASE)


def reviews_all(user) -> bool:
    """Reads the review (conflicts, consultations) of every change the viewer sees: the desk and the
    CCG's members."""
    return scope_for(user).is_central or queries.is_ccg_member(user)


def filters_conflicts(user) -> bool:
    """Offered the "has conflicts" filter: whoever reviews some changes (the desk, the CCG, providers)."""
    return reviews_all(user) or scope_for(user).is_resolver


def sorting_for(user) -> Sorting:
    return REVIEW_SORTING if reviews_all(user) else SORTING


def reference_of(text: str) -> str | None:
    """``CHG0000012`` for ``CHG0000012``, ``chg12`` or ``12``; None when ``text`` is not one."""
    match = _REFERENCE.fullmatch(text.strip())
    return f"CHG{int(match.group(1)):07d}" if match else None


def search(qs: QuerySet[ChangeNotification], text: str) -> QuerySet[ChangeNotification]:
    """Changes whose title holds ``text`` (every word of it), or whose reference it is."""
    text = (text or "").strip()[:MAX_SEARCH]
    if not text:
        return qs
    words = Q()
    for word in text.split()[:10]:
        words &= Q(title__icontains=word)
    reference = reference_of(text)
    return qs.filter(words | Q(reference=reference)) if reference else qs.filter(words)


def apply_filters(user, qs: QuerySet[ChangeNotification], data: Mapping[str, Any]) -> QuerySet:
    """``qs`` narrowed by the list's filters (``data``: a filter form's cleaned data; missing keys do not
    filter, a blank status is "open")."""
    status = data.get("status") or DEFAULT_STATUS
    if status == "open":
        qs = qs.filter(status__in=OPEN)
    elif status != "all":
        qs = qs.filter(status=status)
    if data.get("type"):
        qs = qs.filter(change_type=data["type"])
    if data.get("provider") is not None:
        qs = qs.filter(provider=data["provider"])
    service = data.get("service")
    if service is not None:
        rows = ChangeService.objects.filter(change_id=OuterRef("pk")).filter(
            Q(service=service) | Q(service__parent=service)
        )
        qs = qs.filter(Exists(rows))
    if data.get("late"):
        qs = qs.filter(is_late=True)
    if data.get("conflicts"):
        qs = qs.filter(conflict_count__gt=0)
        if not reviews_all(user):
            qs = qs.filter(provider_id__in=scope_for(user).organisation_ids)
    return search(qs, data.get("q") or "")


def listed(user, data: Mapping[str, Any], sort: str | None) -> tuple[QuerySet[ChangeNotification], str]:
    """The changes ``user`` sees, filtered by ``data`` and sorted by ``sort`` (planned start when it is
    none of the allowed sorts): (queryset, the sort applied)."""
    sorting = sorting_for(user)
    applied = sorting.valid(sort) or DEFAULT_SORT
    qs = apply_filters(user, queries.visible_to(user), data)
    return sorting.apply(qs, applied), applied


def page_rows(qs: QuerySet[ChangeNotification]) -> QuerySet[ChangeNotification]:
    """What a row of the list shows, read in a fixed number of queries whatever the page's size."""
    services = Service.objects.only("id", "name", "slug", "parent_id").order_by("name")
    return qs.prefetch_related(Prefetch("services", queryset=services))


# Export -----------------------------------------------------------------------------------------------


def shows_internal(user) -> bool:
    """Whether the viewer may read the internal fields of some change they see (the columns are then in
    the export; each cell is still filled only where that change lets them read it)."""
    scope = scope_for(user)
    if scope.is_central or scope.is_resolver or queries.is_ccg_member(user):
        return True
    return bool(scope.organisation_ids) and (
        ChangeNotification.objects.filter(provider_id__in=scope.organisation_ids).exists()
    )


def _internal(user, field: str, value: Callable[[ChangeNotification], Any]):
    def read(change: ChangeNotification):
        return value(change) if queries.field_visible(user, change, field) else None

    return read


def _names(change: ChangeNotification) -> str:
    return ", ".join(s.name for s in change.services.all())


def export_columns(user) -> list[Column]:
    """The columns of the export for ``user`` (reads only what :func:`export_rows` selects)."""
    columns = [
        Column("Reference", lambda c: c.reference),
        Column("Title", lambda c: c.title),
        Column("Type", lambda c: c.get_change_type_display()),
        Column("Status", lambda c: c.get_status_display()),
        Column("Provider", lambda c: c.provider.name),
        Column("Services", _names),
        Column("Planned start ({zone})", lambda c: c.planned_start),
        Column("Planned end ({zone})", lambda c: c.planned_end),
        Column("Outage", lambda c: c.is_outage),
        Column("Expected impact", lambda c: c.expected_impact),
        Column("Submitted ({zone})", lambda c: c.submitted_at),
        Column("Notice required (working days)", lambda c: c.notice_required),
        Column("Notice given (working days)", lambda c: c.notice_given),
        Column("Late", lambda c: c.is_late),
        Column("Accepted as a late exception", lambda c: c.late_exception),
        Column("Emergency", lambda c: c.is_emergency),
        Column("Actual start ({zone})", lambda c: c.actual_start),
        Column("Actual end ({zone})", lambda c: c.actual_end),
    ]
    if shows_internal(user):
        columns += [
            Column("Team", _internal(user, "team", lambda c: c.team)),
            Column("Risk", _internal(user, "risk", lambda c: c.get_risk_display())),
            Column("Back-out plan", _internal(user, "backout_plan", lambda c: c.backout_plan)),
            Column(
                "Raised by",
                _internal(user, "raised_by", lambda c: c.raised_by.display_name if c.raised_by else None),
            ),
            Column("Emergency reason", _internal(user, "emergency_reason", lambda c: c.emergency_reason)),
            Column("Conflicts", _internal(user, "conflicts", lambda c: c.conflict_count)),
        ]
    return columns


def export_rows(qs: QuerySet[ChangeNotification]) -> QuerySet[ChangeNotification]:
    """The export's queryset: what the columns read joined in (one query per chunk of rows for the
    services, none per row)."""
    return page_rows(qs.select_related("provider", "raised_by"))

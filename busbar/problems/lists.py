"""The problem list's sortable columns and its export columns (:mod:`busbar.lib.listing`,
:mod:`busbar.lib.export`): only what every viewer of a problem sees on the list (its reference, summary,
service, status, whether it is known, whether a workaround is offered, when it was recorded); the
owner, the root cause and the notes stay on the problem's page for those who work it."""

from __future__ import annotations

from django.db.models import QuerySet

from busbar.lib.export import Column
from busbar.lib.keyset import Key
from busbar.lib.listing import Sort, Sorting
from busbar.problems.models import Problem

SORTING = Sorting(
    [
        Sort("reference", "Reference", (Key("reference"),)),
        Sort("summary", "Summary", (Key("summary"),)),
        Sort("service", "Service", (Key("service__name"),)),
        Sort("status", "Status", (Key("status"),)),
        Sort("created", "Recorded", (Key("created_at"),)),
    ],
    tie=(Key("id", descending=True),),
)

COLUMNS = [
    Column("Reference", lambda p: p.reference),
    Column("Summary", lambda p: p.summary),
    Column("Service", lambda p: p.service.name),
    Column("Status", lambda p: p.get_status_display()),
    Column("Known problem", lambda p: p.is_known),
    Column("Workaround offered", lambda p: p.shows_workaround),
    Column("Published", lambda p: p.is_published),
    Column("Recorded ({zone})", lambda p: p.created_at),
]


def export_rows(qs: QuerySet[Problem]) -> QuerySet[Problem]:
    """What the columns read, joined in (no query per row)."""
    return qs.select_related("service")

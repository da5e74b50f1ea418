"""The incident list's sortable columns and its export columns, for the pages and the API alike.

Sorting (:mod:`busbar.lib.listing`): every viewer sorts by what every viewer sees; the raising
organisation and the provider sort only the lists of those who see them on every row (the desk; a
provider sees its own rows' parties), so an order never hints at a hidden field.

Exports (:mod:`busbar.lib.export`): the same rows as the list (visible to the viewer, the same filters,
the same order), the fields each viewer may see: the columns of how it was raised and who works it (the
channel, the contact, the assignee; the provider unless it is shown to everyone) are left out for
participants, and on every row a cell is filled only where ``queries.FIELD_AUDIENCE`` lets this viewer
see that field (blank otherwise).
"""

from __future__ import annotations

from django.db.models import QuerySet

from busbar.incidents import queries
from busbar.incidents.models import Incident
from busbar.lib.export import Column
from busbar.lib.keyset import Key
from busbar.lib.listing import Sort, Sorting
from busbar.parties.queries import Scope

_COMMON = [
    Sort("reference", "Reference", (Key("reference"),)),
    Sort("summary", "Summary", (Key("summary"),)),
    Sort("severity", "Severity", (Key("severity__rank"),)),
    Sort("status", "Status", (Key("status"),)),
    Sort("service", "Service", (Key("service__name"),)),
    Sort("sla_due", "SLA", (Key("record__resolution_due_at", nulls_last=True),)),
    Sort("created", "Raised", (Key("created_at"),)),
    Sort("updated", "Updated", (Key("updated_at"),)),
]
#: Newest first as the last word: the order is total whatever the column.
_TIE = (Key("id", descending=True),)
PARTICIPANT_SORTING = Sorting(_COMMON, tie=_TIE)
_BY_PROVIDER = Sort("provider", "Provider", (Key("provider__name", nulls_last=True),))
#: Providers also see other parties' published incidents, whose raiser is hidden from them: sorting by the
#: raiser would order those rows by a name they may not read. Only the desk sorts by it.
PROVIDER_SORTING = Sorting([*_COMMON, _BY_PROVIDER], tie=_TIE)
INTERNAL_SORTING = Sorting(
    [*_COMMON, Sort("organisation", "Raised by", (Key("organisation__name"),)), _BY_PROVIDER],
    tie=_TIE,
)


def sorting_for(scope: Scope) -> Sorting:
    """The desk sorts by the raiser too; providers by the provider; participants by what every viewer sees."""
    if scope.is_central:
        return INTERNAL_SORTING
    return PROVIDER_SORTING if scope.is_resolver else PARTICIPANT_SORTING


def _shown(scope: Scope, field: str, value):
    """The value read from the row only where this viewer may see the field."""

    def read(incident: Incident):
        audience = queries.FIELD_AUDIENCE.get(field)
        if audience is not None and not queries.in_audience(scope, audience, incident):
            return None
        return value(incident)

    return read


def export_columns(scope: Scope) -> list[Column]:
    """The columns of the export for the viewer of ``scope``. Reads only what ``visible_to`` selects."""
    columns = [
        Column("Reference", lambda i: i.reference),
        Column("Summary", lambda i: i.summary),
        Column("Status", lambda i: i.get_status_display()),
        Column("Severity", lambda i: f"{i.severity.code} {i.severity.label}".strip()),
        Column("Service", lambda i: i.service.name),
        Column("Impact", lambda i: i.get_impact_display()),
        Column("Service-affecting", lambda i: i.is_published),
        Column("Raised ({zone})", lambda i: i.created_at),
        Column("Updated ({zone})", lambda i: i.updated_at),
        Column("Response due ({zone})", lambda i: i.record.response_due_at),
        Column("Resolution due ({zone})", lambda i: i.record.resolution_due_at),
        Column("Response breached", lambda i: i.record.response_breached),
        Column("Resolution breached", lambda i: i.record.resolution_breached),
        Column("Resolved ({zone})", lambda i: i.resolved_at),
        Column("Closed ({zone})", lambda i: i.closed_at),
        Column("Raised by", _shown(scope, "organisation", lambda i: i.organisation.name)),
    ]
    works = scope.is_central or scope.is_resolver
    if works or "provider" not in queries.FIELD_AUDIENCE:  # the provider organisation, if shown to all
        columns.append(
            Column("Provider", _shown(scope, "provider", lambda i: i.provider.name if i.provider else None))
        )
    if works:
        columns += [
            Column("Channel", _shown(scope, "channel", lambda i: i.get_channel_display())),
            Column("Contact", _shown(scope, "contact_name", lambda i: i.contact_name)),
            Column("Assignee", _shown(scope, "assignee", lambda i: str(i.assignee) if i.assignee else None)),
        ]
    return columns


def export_rows(qs: QuerySet[Incident]) -> QuerySet[Incident]:
    """The export's queryset: what the columns read joined in, nothing else (no per-row query)."""
    return qs.select_related("record", "service", "severity", "organisation", "provider", "assignee")

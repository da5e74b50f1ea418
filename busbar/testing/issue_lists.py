"""The testing-issue list shared by its page and its API: sortable columns, export columns, filters, and
the organisations of a programme (owners and raisers to filter by)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from busbar.lib import export
from busbar.lib.forms import parse_id
from busbar.lib.keyset import Key
from busbar.lib.listing import Sort, Sorting
from busbar.parties.models import Organisation
from busbar.testing.models import OPEN_ISSUE_STATUSES, Participation, Programme, ProgrammeParty, TestingIssue

SORTING = Sorting(
    [
        Sort("reference", "Reference", (Key("reference"),)),
        Sort("summary", "Summary", (Key("summary"),)),
        Sort("status", "Status", (Key("status"),)),
        Sort("category", "Category", (Key("category", nulls_last=True),)),
        Sort("created", "Raised", (Key("created_at"),)),
    ],
    tie=(Key("id", descending=True),),
)

COLUMNS = [
    export.Column("Reference", lambda i: i.reference),
    export.Column("Summary", lambda i: i.summary),
    export.Column("Phase", lambda i: i.phase.name),
    export.Column("Status", lambda i: i.get_status_display()),
    export.Column("Category", lambda i: i.category),
    export.Column("Root cause", lambda i: i.get_root_cause_display() if i.root_cause else ""),
    export.Column("Owner", lambda i: i.owner.name if i.owner_id else ""),
    export.Column(
        "Raised by", lambda i: i.raised_by_organisation.name if i.raised_by_organisation_id else ""
    ),
    export.Column("Participant", lambda i: i.participation.organisation.name if i.participation_id else ""),
    export.Column(
        "Escalation impact", lambda i: i.get_escalation_impact_display() if i.escalation_impact else ""
    ),
    export.Column("Raised ({zone})", lambda i: i.created_at),
    export.Column("Triaged ({zone})", lambda i: i.triaged_at),
    export.Column("Resolved ({zone})", lambda i: i.resolved_at),
]


def programme_organisations(programme: Programme) -> list[Organisation]:
    """The organisations of a programme: those holding a function and those taking part (one query)."""
    parties = ProgrammeParty.objects.filter(programme=programme).values("organisation_id")
    taking_part = Participation.objects.filter(phase__programme=programme).values("organisation_id")
    return list(
        Organisation.objects.filter(Q(pk__in=parties) | Q(pk__in=taking_part)).order_by("name").distinct()
    )


def filter_issues(qs: QuerySet[TestingIssue], data: dict) -> QuerySet[TestingIssue]:
    """``qs`` narrowed by the list's (cleaned) filters."""
    if data.get("phase"):
        qs = qs.filter(phase__code=data["phase"])
    if data.get("state") == "open":
        qs = qs.filter(status__in=OPEN_ISSUE_STATUSES)
    elif data.get("state") == "closed":
        qs = qs.exclude(status__in=OPEN_ISSUE_STATUSES)
    if data.get("status"):
        qs = qs.filter(status=data["status"])
    if data.get("category") == "none":
        qs = qs.filter(category__isnull=True)
    elif data.get("category"):
        qs = qs.filter(category=int(data["category"]))
    if data.get("root_cause"):
        qs = qs.filter(root_cause="" if data["root_cause"] == "none" else data["root_cause"])
    if owner := parse_id(data.get("owner")):
        qs = qs.filter(owner_id=owner)
    if raiser := parse_id(data.get("raised_by")):
        qs = qs.filter(raised_by_organisation_id=raiser)
    q = (data.get("q") or "").strip()
    if q:
        qs = qs.filter(Q(reference__iexact=q) | Q(summary__icontains=q))
    return qs


def fairness_reason(access, programme: Programme) -> str | None:
    """The fairness report compares every party: for those who read the programme in full."""
    if access.reads_all(programme.pk):
        return None
    return "The triage-fairness report is for the SI, the assurers and the programme's boards"

"""API schemas and the routers of the incidents API."""

import datetime as dt
from typing import Any, Literal

from django.db.models import F, Q, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from ninja import Field, FilterSchema, Router, Schema

from busbar.incidents import permissions, queries, sla
from busbar.incidents.models import (
    OPEN_STATUSES,
    UPDATE_INTERVAL_HELP,
    UPDATE_INTERVAL_MAX,
    UPDATE_INTERVAL_MIN,
    Communication,
    Incident,
    MajorIncident,
)
from busbar.incidents.models import Status as IncidentStatus
from busbar.lib.actions import ActionError
from busbar.lib.forms import parse_id
from busbar.lib.schema import Code, Id, IdOrSlug, InputSchema, Instant, Ref, SearchText, Text
from busbar.parties.queries import scope_for
from busbar.records import queries as record_queries
from busbar.records.api import SuggestionOut, suggested
from busbar.records.models import Attachment
from busbar.records.models import Entry as Update

router = Router(tags=["Incidents"])
transitions = Router(tags=["Incident transitions"])
majors = Router(tags=["Major incidents"])
email = Router(tags=["Email"])

ImpactCode = Literal["single", "several", "market"]
LinkKind = Literal["duplicate_of", "caused_by", "related_to", "fixed_by", "documented_in"]
Ordering = Literal["created", "-created", "resolution_due", "severity", "relevance"]
IncidentStatusFilter = Literal[tuple(["open", *IncidentStatus.values])]  # type: ignore[valid-type]
ORDERINGS: dict[str, tuple[Any, ...]] = {
    "created": ("created_at", "id"),
    "-created": ("-created_at", "-id"),
    "resolution_due": (F("record__resolution_due_at").asc(nulls_last=True), "-created_at", "-id"),
    "severity": ("severity__rank", "-created_at", "-id"),
}
PROBLEM_RESPONSES = (403, 404, 409, 422)


# Schemas: out ----------------------------------------------------------------------------------------------


def _suggested(obj: Incident, context: dict[str, Any]) -> list[dict[str, Any]]:
    """What the registered suggesters offer on an open incident, worked out once per reply."""
    if not obj.is_open:
        return []
    if not hasattr(obj, "_suggested"):
        obj._suggested = suggested("incident", context["request"].user, obj)
    return obj._suggested


class Problem(Schema):
    """RFC 9457 problem details (``application/problem+json``)."""

    type: str
    title: str
    status: int
    instance: str
    detail: str = ""
    errors: list[dict[str, Any]] = []


class PersonRef(Schema):
    id: int
    name: str


class IncidentService(Schema):
    id: int
    name: str
    slug: str


class SeverityBrief(Schema):
    code: str
    label: str
    rank: int
    is_major: bool


class ClockOut(Schema):
    """One SLA clock. Durations are working time on the clock's calendar, in whole seconds."""

    name: Literal["response", "resolution"]
    status: Literal["met", "breached", "paused", "warning", "running"]
    target: str = Field(..., description="The target as worded, e.g. '4 hours'")
    calendar: str
    target_seconds: int
    elapsed_seconds: int
    remaining_seconds: int = Field(..., description="Negative once breached: the time overdue")
    percent: float = Field(..., description="Elapsed as a percentage of the target (over 100 once breached)")
    paused: bool
    stopped: bool
    started_at: dt.datetime
    stopped_at: dt.datetime | None
    due_at: dt.datetime | None = Field(
        ..., description="When the target is reached if the clock keeps running"
    )
    warned_at: dt.datetime | None
    breached: bool
    breached_at: dt.datetime | None


class SlaOut(Schema):
    as_at: dt.datetime
    response: ClockOut | None
    resolution: ClockOut | None


def _now(request: HttpRequest) -> dt.datetime:
    """One evaluation instant per request, so every clock on a page is measured at the same moment."""
    if not hasattr(request, "_incidents_now"):
        request._incidents_now = timezone.now()  # type: ignore[attr-defined]
    return request._incidents_now  # type: ignore[attr-defined]


def _clock(clock: sla.Clock) -> dict[str, Any]:
    s = clock.state
    return {
        "name": clock.name,
        "status": clock.status,
        "target": clock.target_label,
        "calendar": clock.calendar_name,
        "target_seconds": int(s.target.total_seconds()),
        "elapsed_seconds": int(s.elapsed.total_seconds()),
        "remaining_seconds": int(s.remaining.total_seconds()),
        "percent": round(s.percent, 1),
        "paused": s.paused,
        "stopped": s.stopped,
        "started_at": s.started_at,
        "stopped_at": s.stopped_at,
        "due_at": s.due_at,
        "warned_at": s.warned_at,
        "breached": s.breached,
        "breached_at": s.breached_at,
    }


def _sla(request: HttpRequest, incident: Incident) -> dict[str, Any]:
    now = _now(request)
    clocks = {c.name: _clock(c) for c in sla.clocks_for(incident, now)}
    return {"as_at": now, "response": clocks.get("response"), "resolution": clocks.get("resolution")}


def _person(user: Any) -> dict[str, Any] | None:
    return None if user is None else {"id": user.pk, "name": user.display_name}


def _sees_internal(context: dict[str, Any], incident: Incident) -> bool:
    return queries.sees_internal(context["request"].user, incident)


def _shown(context: dict[str, Any], incident: Incident, field: str) -> bool:
    """The one field-visibility rule (queries.FIELD_AUDIENCE), as the caller may see ``field``."""
    return queries.field_visible(context["request"].user, incident, field)


class IncidentOut(Schema):
    reference: str
    summary: str
    status: IncidentStatus
    severity: SeverityBrief
    service: IncidentService
    impact: ImpactCode
    channel: str | None = Field(..., description="How it was raised (for the raiser, desk and provider)")
    organisation: Ref | None = Field(
        ..., description="The participant organisation that raised it (for the raiser, desk and provider)"
    )
    provider: Ref | None = Field(
        ..., description="The provider organisation working it (everyone who sees it); null until assigned"
    )
    assignee: PersonRef | None = Field(
        ...,
        description="The person at the provider working it: for the desk and the provider (and participants "
        "when BUSBAR_SHOW_RESOLVERS_TO_PARTICIPANTS is on)",
    )
    is_published: bool
    is_major: bool
    created_at: dt.datetime
    updated_at: dt.datetime
    responded_at: dt.datetime | None
    resolved_at: dt.datetime | None
    closed_at: dt.datetime | None
    response_due_at: dt.datetime | None
    resolution_due_at: dt.datetime | None
    response_breached: bool
    resolution_breached: bool
    sla_paused: bool

    @staticmethod
    def resolve_channel(obj: Incident, context: dict[str, Any]) -> str | None:
        return obj.channel if _shown(context, obj, "channel") else None

    @staticmethod
    def resolve_organisation(obj: Incident, context: dict[str, Any]) -> Any:
        return obj.organisation if _shown(context, obj, "organisation") else None

    @staticmethod
    def resolve_provider(obj: Incident, context: dict[str, Any]) -> Any:
        return queries.resolver_shown(context["request"].user, obj).provider

    @staticmethod
    def resolve_assignee(obj: Incident, context: dict[str, Any]) -> dict[str, Any] | None:
        return _person(queries.resolver_shown(context["request"].user, obj).assignee)

    @staticmethod
    def resolve_is_major(obj: Incident) -> bool:
        return hasattr(obj, "major")


class AttachmentOut(Schema):
    id: int
    filename: str
    content_type: str
    size: int
    is_internal: bool
    update_id: int | None = Field(None, description="The update it came with, if any")
    created_at: dt.datetime
    download_url: str

    @staticmethod
    def resolve_update_id(obj: Attachment) -> int | None:
        return obj.entry_id

    @staticmethod
    def resolve_download_url(obj: Attachment) -> str:
        # The record is selected with every attachment read (no query here); its reference is the incident's.
        return reverse(
            "api:incident_attachment", kwargs={"reference": obj.record.reference, "attachment_id": obj.pk}
        )


class UpdateOut(Schema):
    id: int
    body: str
    is_internal: bool
    author_label: str = Field(
        ...,
        description="Who wrote it; the provider's people are named by their organisation to participants "
        "(unless BUSBAR_SHOW_RESOLVERS_TO_PARTICIPANTS is on)",
    )
    author_organisation: Ref | None
    channel: str
    created_at: dt.datetime
    attachments: list[AttachmentOut]

    @staticmethod
    def resolve_author_label(obj: Update, context: dict[str, Any]) -> str:
        return queries.author_shown(context["request"].user, obj.shown_on, obj)[0]

    @staticmethod
    def resolve_author_organisation(obj: Update, context: dict[str, Any]) -> Any:
        return queries.author_shown(context["request"].user, obj.shown_on, obj)[1]

    @staticmethod
    def resolve_attachments(obj: Update) -> list[Attachment]:
        return list(obj.attachments.all())


class LinkOut(Schema):
    direction: Literal["out", "in"] = Field(
        ..., description="out: this incident is <kind> the other; in: the other is <kind> this one"
    )
    kind: LinkKind
    label: str = Field(..., description="The link as read from this incident, e.g. Caused by, Duplicated by")
    type: str = Field(..., description="The other record's type: incident, problem, knowledge article…")
    reference: str
    summary: str
    status: str = Field(..., description="The other record's status in its own type's terms")


class MajorSummary(Schema):
    id: int
    state: str
    trigger: str
    manager: PersonRef | None
    opened_at: dt.datetime
    update_interval_minutes: int
    next_update_due_at: dt.datetime | None
    review_completed_at: dt.datetime | None

    @staticmethod
    def resolve_manager(obj: MajorIncident) -> dict[str, Any] | None:
        return _person(obj.manager)


class IncidentDetail(IncidentOut):
    sla: SlaOut = Field(..., description="Both clocks in full, as at now (a list's rows carry the due times)")
    description: str
    resolution: str
    raised_by: PersonRef | None = Field(
        ..., description="Shown to the raising organisation, desk and provider"
    )
    contact_name: str
    affected: list[Ref] | None = Field(
        ..., description="Other affected organisations (for the raiser, desk and provider)"
    )
    updates: list[UpdateOut] = Field(..., description="Internal notes are included for the desk and provider")
    attachments: list[AttachmentOut]
    links: list[LinkOut]
    major: MajorSummary | None
    allowed_actions: list[str] = Field(
        ...,
        description="What the caller may do to this incident now (the same rule the actions enforce): "
        "triage, assign, start, pending, resolve, close, reopen, cancel, reply, link, major-declare, "
        "major-manager, major-communicate, major-interval, major-review",
    )

    known_problems: list[SuggestionOut] = Field(
        ..., description="Open known problems on its service, not yet linked, with their workarounds"
    )
    watching: bool = Field(
        ..., description="Whether the caller follows it (POST/DELETE /records/{reference}/watch)"
    )

    suggested_articles: list[SuggestionOut] = Field(
        ..., description="Published knowledge articles matching its summary, not yet linked to it"
    )

    @staticmethod
    def resolve_sla(obj: Incident, context: dict[str, Any]) -> dict[str, Any]:
        return _sla(context["request"], obj)

    @staticmethod
    def resolve_known_problems(obj: Incident, context: dict[str, Any]) -> list[dict[str, Any]]:
        return [s for s in _suggested(obj, context) if s["type"] == "problem"]

    @staticmethod
    def resolve_suggested_articles(obj: Incident, context: dict[str, Any]) -> list[dict[str, Any]]:
        return [s for s in _suggested(obj, context) if s["type"] == "article"]

    @staticmethod
    def resolve_watching(obj: Incident, context: dict[str, Any]) -> bool:
        return record_queries.is_watching(context["request"].user, obj)

    @staticmethod
    def resolve_allowed_actions(obj: Incident, context: dict[str, Any]) -> list[str]:
        return permissions.available(scope_for(context["request"].user), obj)

    @staticmethod
    def resolve_raised_by(obj: Incident, context: dict[str, Any]) -> dict[str, Any] | None:
        return _person(obj.raised_by) if _shown(context, obj, "raised_by") else None

    @staticmethod
    def resolve_contact_name(obj: Incident, context: dict[str, Any]) -> str:
        return obj.contact_name if _shown(context, obj, "contact_name") else ""

    @staticmethod
    def resolve_affected(obj: Incident, context: dict[str, Any]) -> list[Any] | None:
        return list(obj.affected.all()) if _shown(context, obj, "affected") else None

    @staticmethod
    def resolve_updates(obj: Incident) -> list[Update]:
        return obj.api_updates  # type: ignore[attr-defined]

    @staticmethod
    def resolve_attachments(obj: Incident) -> list[Attachment]:
        return obj.api_attachments  # type: ignore[attr-defined]

    @staticmethod
    def resolve_links(obj: Incident) -> list[dict[str, Any]]:
        return obj.api_links  # type: ignore[attr-defined]

    @staticmethod
    def resolve_major(obj: Incident) -> MajorIncident | None:
        return getattr(obj, "major", None)


class TimelineOut(Schema):
    """One journal entry, already redacted for the caller by ``queries.timeline_visible_to``."""

    id: int
    at: dt.datetime
    actor_label: str = Field(..., description="Who acted, named as for update authors")
    channel: str
    action: str
    changes: dict[str, Any]
    note: str


class IncidentBrief(Schema):
    reference: str
    summary: str
    status: IncidentStatus
    severity: str
    is_published: bool

    @staticmethod
    def resolve_severity(obj: Incident) -> str:
        return obj.severity.code


class CommunicationOut(Schema):
    id: int
    subject: str
    body: str
    sent_at: dt.datetime
    sent_by: PersonRef | None = Field(..., description="Shown to the desk and the provider only")
    recipient_count: int | None = Field(..., description="Shown to the desk and the provider only")

    @staticmethod
    def resolve_sent_by(obj: Communication, context: dict[str, Any]) -> dict[str, Any] | None:
        return _person(obj.sent_by) if _sees_internal(context, obj.major.incident) else None

    @staticmethod
    def resolve_recipient_count(obj: Communication, context: dict[str, Any]) -> int | None:
        return obj.recipient_count if _sees_internal(context, obj.major.incident) else None


class ReviewOut(Schema):
    cause: str
    actions: str
    lessons: str
    completed_at: dt.datetime
    completed_by: PersonRef | None


class MajorOut(MajorSummary):
    incident: IncidentBrief
    review: ReviewOut | None = Field(..., description="The post-incident review: desk and provider only")

    @staticmethod
    def resolve_review(obj: MajorIncident, context: dict[str, Any]) -> dict[str, Any] | None:
        if obj.review_completed_at is None or not _sees_internal(context, obj.incident):
            return None
        return {
            "cause": obj.review_cause,
            "actions": obj.review_actions,
            "lessons": obj.review_lessons,
            "completed_at": obj.review_completed_at,
            "completed_by": _person(obj.review_completed_by),
        }


class MajorDetail(MajorOut):
    communications: list[CommunicationOut]

    @staticmethod
    def resolve_communications(obj: MajorIncident) -> list[Communication]:
        return list(obj.communications.all())


class EmailReceived(Schema):
    reference: str
    update_id: int


# Schemas: in -----------------------------------------------------------------------------------------------


class IncidentIn(InputSchema):
    service: IdOrSlug = Field(..., description="Service id or slug")
    summary: str = Field(..., min_length=1, max_length=200)
    description: Text = Field(..., min_length=1)
    severity: Code | None = Field(
        None, description="Severity code in the service's scheme (default: least severe)"
    )
    impact: ImpactCode = "single"
    organisation: Id | None = Field(
        None, description="Service desk only: the organisation raised for (e.g. taken by phone)"
    )
    contact_name: str = Field("", max_length=150, description="Who called, for incidents taken by phone")
    affected: list[Id] = Field([], max_length=100, description="Ids of other affected organisations")
    confirm: bool = Field(
        False,
        description="Service desk, major severity only: must be true, as it opens a major incident published "
        "to every participant (a 422 naming confirm says who would be told)",
    )


class UpdateIn(InputSchema):
    body: Text = Field(..., min_length=1)
    internal: bool = Field(False, description="An internal note, seen by the desk and provider only")


class TriageIn(InputSchema):
    severity: Code | None = Field(None, description="Severity code")
    service: IdOrSlug | None = Field(None, description="Service id or slug")
    impact: ImpactCode | None = None
    is_published: bool | None = Field(None, description="Publish to every participant (service-affecting)")
    confirm: bool = Field(
        False,
        description="Major severity only: must be true, as it opens a major incident published to every "
        "participant (a 422 naming confirm says who would be told)",
    )


class AssignIn(InputSchema):
    provider: Id | None = Field(
        None, description="Provider organisation id (default: the service's provider)"
    )
    assignee: Id | None = Field(None, description="User id of a person at the provider")


class StartIn(InputSchema):
    note: Text = Field("", description="Optional public update")


class PendIn(InputSchema):
    awaiting: Literal["participant", "provider"] = Field(
        ..., description="participant: the resolution clock pauses; provider: it keeps running"
    )
    note: Text = Field("", description="Required when awaiting the participant: what you need from them")


class ResolveIn(InputSchema):
    resolution: Text = Field(..., min_length=1, description="How the incident was resolved")
    article: str = Field(
        "",
        max_length=20,
        description="The knowledge article used (e.g. KB0000012): the incident is linked to it",
    )


class ReasonIn(InputSchema):
    reason: Text = Field(..., min_length=1)


class LinkIn(InputSchema):
    target: str = Field(..., max_length=20, description="Reference of the other incident, e.g. INC0000042")
    kind: LinkKind = Field(..., description="This incident is <kind> the target")


class DeclareIn(InputSchema):
    trigger: Literal["desk", "bcdr"] = "desk"
    confirm: bool = Field(
        False,
        description="Must be true: declaring publishes the incident to every participant and tells the desk "
        "(a 422 naming confirm says who would be told)",
    )


class CommunicationIn(InputSchema):
    subject: str = Field(..., min_length=1, max_length=200)
    body: Text = Field(..., min_length=1)


class ReviewIn(InputSchema):
    cause: Text = Field(..., min_length=1)
    actions: Text = Field(..., min_length=1)
    lessons: Text = Field(..., min_length=1)


class MajorPatch(InputSchema):
    manager: Id | None = Field(None, description="User id of the incident manager (service desk)")
    update_interval_minutes: int | None = Field(
        None,
        ge=UPDATE_INTERVAL_MIN,
        le=UPDATE_INTERVAL_MAX,
        description=f"Minutes between bulletins: {UPDATE_INTERVAL_HELP.lower()}",
    )


def _filter_id(value: Any, field: str) -> int:
    """An id filter's value, or the 422 naming the parameter (never an overflow or a crash)."""
    pk = parse_id(value)
    if pk is None:
        raise ActionError(f"{value!r} is not a valid id", field=field)
    return pk


class IncidentFilter(FilterSchema):
    status: list[IncidentStatusFilter] | None = Field(  # type: ignore[valid-type]
        None,
        max_length=len(IncidentStatus) + 1,
        description="One or more statuses (repeat the parameter); open: every status but resolved, closed, "
        "cancelled",
    )
    severity: Code | None = Field(None, description="Severity code")
    service: Code | None = Field(None, description="Service id or slug")
    provider: Id | None = Field(None, description="Provider organisation id (the desk and providers only)")
    organisation: Id | None = Field(
        None, description="Raising organisation id (only among incidents whose raiser you may see)"
    )
    q: SearchText | None = Field(
        None,
        description="Reference, whole or partial (INC0000013, inc13, 13), or words in the summary, "
        "description, updates, bulletins or a shown organisation's name (ranked unless ordering is given)",
    )
    breached: bool | None = Field(None, description="Either clock breached (true) or neither (false)")
    breaching_within_minutes: int | None = Field(
        None,
        ge=1,
        le=30 * 24 * 60,
        description="Open, not yet breached, a clock due within this many minutes",
    )
    major: bool | None = Field(None, description="Has (true) or has not (false) a major-incident record")
    published: bool | None = Field(None, description="Published to every participant")
    created_after: Instant | None = None
    created_before: Instant | None = None
    ordering: Ordering | None = Field(
        None,
        description="Newest first (-created) unless q is given, then relevance: the 1,000 most recent "
        "matches ranked, summary over description over updates (count_is_estimate when more match). "
        "resolution_due puts incidents with no due time last",
    )

    @property
    def order(self) -> str:
        """The ordering in effect: as asked, else relevance for a word search, else newest first."""
        if self.ordering:
            return self.ordering
        return "relevance" if self.ranks else "-created"

    @property
    def ranks(self) -> bool:
        """A search that is to be ranked (the typed reference first, then by relevance)."""
        return bool(self.q and self.q.strip() and self.ordering in (None, "relevance"))

    def filter_status(self, value: list[str] | None) -> Q:
        if not value:
            return Q()
        statuses = {str(v) for v in value if v != "open"}
        if "open" in value:
            statuses |= {str(s) for s in OPEN_STATUSES}
        return Q(status__in=sorted(statuses))

    def filter_severity(self, value: str | None) -> Q:
        return Q(severity__code=value) if value else Q()

    def filter_service(self, value: str | None) -> Q:
        if not value:
            return Q()
        # Number-like (any Unicode digits, e.g. "²") must be a valid id; anything else is a slug.
        return Q(service_id=_filter_id(value, "service")) if value.isdigit() else Q(service__slug=value)

    # Filters on fields not every viewer may see: applied by apply(), through queries.filter_on_field.
    def filter_provider(self, value: int | None) -> Q:
        return Q()

    def filter_organisation(self, value: int | None) -> Q:
        return Q()

    def filter_major(self, value: bool | None) -> Q:
        return Q(major__isnull=not value)

    def filter_published(self, value: bool | None) -> Q:
        return Q(is_published=value)

    def filter_created_after(self, value: dt.datetime | None) -> Q:
        return Q(created_at__gte=value)

    def filter_created_before(self, value: dt.datetime | None) -> Q:
        return Q(created_at__lt=value)

    # Applied to the queryset by apply(), through the queue helpers in queries.py.
    def filter_q(self, value: str | None) -> Q:
        return Q()

    def filter_breached(self, value: bool | None) -> Q:
        return Q()

    def filter_breaching_within_minutes(self, value: int | None) -> Q:
        return Q()

    def filter_ordering(self, value: str | None) -> Q:
        return Q()

    def apply(self, qs: QuerySet[Incident], user: Any) -> QuerySet[Incident]:
        qs = self.filter(qs)
        if self.provider is not None:
            qs = queries.filter_on_field(
                qs, user, "provider", provider_id=_filter_id(self.provider, "provider")
            )
        if self.organisation is not None:
            org = _filter_id(self.organisation, "organisation")
            qs = queries.filter_on_field(qs, user, "organisation", organisation_id=org)
        if self.q:
            qs = queries.search(qs, self.q, user)
        if self.breached is True:
            qs = queries.breached(qs)
        elif self.breached is False:
            qs = qs.filter(record__response_breached=False, record__resolution_breached=False)
        if self.breaching_within_minutes:
            qs = queries.breaching_soon(qs, within=dt.timedelta(minutes=self.breaching_within_minutes))
        return qs.order_by(*ORDERINGS.get(self.order, ORDERINGS["-created"]))


class MajorFilter(FilterSchema):
    state: Literal["active", "review", "closed"] | None = None

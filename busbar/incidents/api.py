"""API: incidents, their updates, attachments and SLA clocks; major incidents; inbound email.

Every read starts from :func:`busbar.incidents.queries.visible_to` (an incident outside it is a 404) and
every change goes through :mod:`busbar.incidents.actions`.

Status changes are **one endpoint per action** — ``POST /incidents/{reference}/triage``, ``/assign``,
``/start``, ``/pend``, ``/resolve``, ``/close``, ``/reopen``, ``/cancel`` — so each has its own request
schema in OpenAPI and a missing field is named plainly (422). Each replies with the incident as it now is.
A change the status table forbids is a 409 problem naming the current status; it also carries
``current_status`` and ``allowed_statuses``. Not permitted is a 403; an incident you cannot see is a 404.

``POST /incidents`` and ``POST /incidents/{reference}/updates`` take JSON, or ``multipart/form-data`` with
the same fields as form fields plus any number of ``attachments`` files.
"""

import datetime as dt
import json
import typing
from typing import Any, Literal

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.db import transaction
from django.db.models import F, Prefetch, Q, QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from ninja import Field, FilterSchema, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate
from pydantic import ValidationError as PydanticValidationError

from busbar.accounts.queries import users_visible_to
from busbar.audit.models import AuditEntry
from busbar.audit.queries import timeline_for
from busbar.core.api import Page, TokenAuth, problem
from busbar.incidents import actions, queries, sla
from busbar.incidents.models import (
    TRANSITIONS,
    Attachment,
    Communication,
    Incident,
    Link,
    MajorIncident,
    Update,
)
from busbar.incidents.models import Status as IncidentStatus
from busbar.lib.actions import ActionError, Actor, IllegalTransition
from busbar.parties.queries import organisations_visible_to, scope_for
from busbar.services.models import Service, Severity
from busbar.services.queries import services_visible_to

router = Router(tags=["Incidents"])
transitions = Router(tags=["Incident transitions"])
majors = Router(tags=["Major incidents"])
email = Router(tags=["Email"])

ImpactCode = Literal["single", "several", "market"]
LinkKind = Literal["duplicate_of", "caused_by", "related_to"]
Ordering = Literal["created", "-created", "resolution_due", "severity"]
ORDERINGS: dict[str, tuple[Any, ...]] = {
    "created": ("created_at", "id"),
    "-created": ("-created_at", "-id"),
    "resolution_due": (F("resolution_due_at").asc(nulls_last=True), "-created_at", "-id"),
    "severity": ("severity__rank", "-created_at", "-id"),
}
PROBLEM_RESPONSES = (403, 404, 409, 422)


# Schemas: out ----------------------------------------------------------------------------------------------


class Problem(Schema):
    """RFC 9457 problem details (``application/problem+json``)."""

    type: str
    title: str
    status: int
    instance: str
    detail: str = ""
    errors: list[dict[str, Any]] = []


class Ref(Schema):
    id: int
    name: str


class PersonRef(Schema):
    id: int
    name: str


class ServiceRef(Schema):
    id: int
    name: str
    slug: str


class SeverityOut(Schema):
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


def _sees_people(context: dict[str, Any], incident: Incident) -> bool:
    """Who raised it is for the raising organisation, the desk and the provider — not every participant."""
    scope = scope_for(context["request"].user)
    return _sees_internal(context, incident) or incident.organisation_id in scope.organisation_ids


class IncidentOut(Schema):
    reference: str
    summary: str
    status: IncidentStatus
    severity: SeverityOut
    service: ServiceRef
    impact: ImpactCode
    channel: str
    organisation: Ref = Field(..., description="The participant organisation that raised it")
    provider: Ref | None
    assignee: PersonRef | None = Field(..., description="Shown to the desk and the provider only")
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
    sla: SlaOut

    @staticmethod
    def resolve_assignee(obj: Incident, context: dict[str, Any]) -> dict[str, Any] | None:
        return _person(obj.assignee) if _sees_internal(context, obj) else None

    @staticmethod
    def resolve_is_major(obj: Incident) -> bool:
        return hasattr(obj, "major")

    @staticmethod
    def resolve_sla(obj: Incident, context: dict[str, Any]) -> dict[str, Any]:
        return _sla(context["request"], obj)


class AttachmentOut(Schema):
    id: int
    filename: str
    content_type: str
    size: int
    is_internal: bool
    update_id: int | None
    created_at: dt.datetime
    download_url: str

    @staticmethod
    def resolve_download_url(obj: Attachment) -> str:
        # The incident is already cached on every attachment this module reads (no query here).
        if Attachment.incident.is_cached(obj):
            reference = obj.incident.reference
        else:
            reference = obj.update.incident.reference
        return reverse("api:incident_attachment", kwargs={"reference": reference, "attachment_id": obj.pk})


class UpdateOut(Schema):
    id: int
    body: str
    is_internal: bool
    author_label: str
    author_organisation: Ref | None
    channel: str
    created_at: dt.datetime
    attachments: list[AttachmentOut]

    @staticmethod
    def resolve_attachments(obj: Update) -> list[Attachment]:
        return list(obj.attachments.all())


class LinkOut(Schema):
    direction: Literal["out", "in"] = Field(
        ..., description="out: this incident is <kind> the other; in: the other is <kind> this one"
    )
    kind: LinkKind
    label: str
    reference: str
    summary: str
    status: IncidentStatus


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
    description: str
    resolution: str
    raised_by: PersonRef | None = Field(
        ..., description="Shown to the raising organisation, desk and provider"
    )
    contact_name: str
    affected: list[Ref]
    updates: list[UpdateOut] = Field(..., description="Internal notes are included for the desk and provider")
    attachments: list[AttachmentOut]
    links: list[LinkOut]
    major: MajorSummary | None

    @staticmethod
    def resolve_raised_by(obj: Incident, context: dict[str, Any]) -> dict[str, Any] | None:
        return _person(obj.raised_by) if _sees_people(context, obj) else None

    @staticmethod
    def resolve_contact_name(obj: Incident, context: dict[str, Any]) -> str:
        return obj.contact_name if _sees_people(context, obj) else ""

    @staticmethod
    def resolve_affected(obj: Incident) -> list[Any]:
        return list(obj.affected.all())

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


#: Journal entries only the desk and the provider see in full.
INTERNAL_ACTIONS = {"incident.note"}
INTERNAL_NOTE_ACTIONS = {"incident.pending_provider"}


class TimelineOut(Schema):
    id: int
    at: dt.datetime
    actor_label: str
    channel: str
    action: str
    changes: dict[str, Any]
    note: str

    @staticmethod
    def resolve_changes(obj: AuditEntry, context: dict[str, Any]) -> dict[str, Any]:
        if context["request"]._incidents_internal:
            return obj.changes
        return {k: v for k, v in obj.changes.items() if k != "assignee"}

    @staticmethod
    def resolve_note(obj: AuditEntry, context: dict[str, Any]) -> str:
        # A note put while awaiting the provider is an internal note; the journal keeps its text.
        if context["request"]._incidents_internal or obj.action not in INTERNAL_NOTE_ACTIONS:
            return obj.note
        return ""


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
    sent_by: PersonRef | None
    recipient_count: int

    @staticmethod
    def resolve_sent_by(obj: Communication) -> dict[str, Any] | None:
        return _person(obj.sent_by)


class ReviewOut(Schema):
    cause: str
    actions: str
    lessons: str
    completed_at: dt.datetime
    completed_by: PersonRef | None


class MajorOut(MajorSummary):
    incident: IncidentBrief
    review: ReviewOut | None

    @staticmethod
    def resolve_review(obj: MajorIncident) -> dict[str, Any] | None:
        if obj.review_completed_at is None:
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


class IncidentIn(Schema):
    service: int | str = Field(..., description="Service id or slug")
    summary: str = Field(..., min_length=1, max_length=200)
    description: str = Field(..., min_length=1)
    severity: str | None = Field(
        None, description="Severity code in the service's scheme (default: least severe)"
    )
    impact: ImpactCode = "single"
    organisation: int | None = Field(
        None, description="Service desk only: the organisation raised for (e.g. taken by phone)"
    )
    contact_name: str = Field("", max_length=150, description="Who called, for incidents taken by phone")
    affected: list[int] = Field([], description="Ids of other affected organisations")


class UpdateIn(Schema):
    body: str = Field(..., min_length=1)
    internal: bool = Field(False, description="An internal note, seen by the desk and provider only")


class TriageIn(Schema):
    severity: str | None = Field(None, description="Severity code")
    service: int | str | None = Field(None, description="Service id or slug")
    impact: ImpactCode | None = None
    is_published: bool | None = Field(None, description="Publish to every participant (service-affecting)")


class AssignIn(Schema):
    provider: int | None = Field(
        None, description="Provider organisation id (default: the service's provider)"
    )
    assignee: int | None = Field(None, description="User id of a person at the provider")


class StartIn(Schema):
    note: str = Field("", description="Optional public update")


class PendIn(Schema):
    awaiting: Literal["participant", "provider"] = Field(
        ..., description="participant: the resolution clock pauses; provider: it keeps running"
    )
    note: str = Field("", description="Required when awaiting the participant: what you need from them")


class ResolveIn(Schema):
    resolution: str = Field(..., description="How the incident was resolved")


class ReasonIn(Schema):
    reason: str


class LinkIn(Schema):
    target: str = Field(..., description="Reference of the other incident, e.g. INC0000042")
    kind: LinkKind = Field(..., description="This incident is <kind> the target")


class DeclareIn(Schema):
    trigger: Literal["desk", "bcdr"] = "desk"


class CommunicationIn(Schema):
    subject: str = Field(..., max_length=200)
    body: str


class ReviewIn(Schema):
    cause: str
    actions: str
    lessons: str


class MajorPatch(Schema):
    manager: int | None = Field(None, description="User id of the incident manager (service desk)")
    update_interval_minutes: int | None = Field(None, description="Minutes between bulletins (5 to 1440)")


class IncidentFilter(FilterSchema):
    status: list[IncidentStatus] | None = Field(
        None, description="One or more statuses (repeat the parameter)"
    )
    severity: str | None = Field(None, description="Severity code")
    service: str | None = Field(None, description="Service id or slug")
    provider: int | None = Field(None, description="Provider organisation id")
    organisation: int | None = Field(None, description="Raising organisation id")
    q: str | None = Field(None, description="Reference, or words in the summary or description")
    breached: bool | None = Field(None, description="Either clock breached (true) or neither (false)")
    breaching_within_minutes: int | None = Field(
        None,
        ge=1,
        le=30 * 24 * 60,
        description="Open, not yet breached, a clock due within this many minutes",
    )
    major: bool | None = Field(None, description="Has (true) or has not (false) a major-incident record")
    published: bool | None = Field(None, description="Published to every participant")
    created_after: dt.datetime | None = None
    created_before: dt.datetime | None = None
    ordering: Ordering = Field("-created", description="resolution_due puts incidents with no due time last")

    def filter_status(self, value: list[str] | None) -> Q:
        return Q(status__in=value) if value else Q()

    def filter_severity(self, value: str | None) -> Q:
        return Q(severity__code=value) if value else Q()

    def filter_service(self, value: str | None) -> Q:
        if not value:
            return Q()
        return Q(service_id=int(value)) if value.isdigit() else Q(service__slug=value)

    def filter_provider(self, value: int | None) -> Q:
        return Q(provider_id=value)

    def filter_organisation(self, value: int | None) -> Q:
        return Q(organisation_id=value)

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

    def apply(self, qs: QuerySet[Incident]) -> QuerySet[Incident]:
        qs = self.filter(qs)
        if self.q:
            qs = queries.search(qs, self.q)
        if self.breached is True:
            qs = queries.breached(qs)
        elif self.breached is False:
            qs = qs.filter(response_breached=False, resolution_breached=False)
        if self.breaching_within_minutes:
            qs = queries.breaching_soon(qs, within=dt.timedelta(minutes=self.breaching_within_minutes))
        return qs.order_by(*ORDERINGS[self.ordering])


class MajorFilter(FilterSchema):
    state: Literal["active", "review", "closed"] | None = None


# Helpers ---------------------------------------------------------------------------------------------------


def _actor(request: HttpRequest) -> Actor:
    return Actor.from_request(request, channel="api")


def _visible(request: HttpRequest) -> QuerySet[Incident]:
    return queries.visible_to(request.user)


def _incident(request: HttpRequest, reference: str) -> Incident:
    return get_object_or_404(_visible(request), reference=reference.upper())


def _detail(request: HttpRequest, reference: str) -> Incident:
    """The incident with everything :class:`IncidentDetail` shows, read as the caller may see it."""
    user = request.user
    qs = (
        sla.with_clock_data(_visible(request))
        .select_related("major__manager", "raised_by")
        .prefetch_related("affected")
    )
    incident = get_object_or_404(qs, reference=reference.upper())
    incident.api_updates = list(queries.updates_visible_to(user, incident))  # type: ignore[attr-defined]
    incident.api_attachments = list(queries.attachments_visible_to(user, incident))  # type: ignore[attr-defined]
    incident.api_links = _links(request, incident)  # type: ignore[attr-defined]
    return incident


def _links(request: HttpRequest, incident: Incident) -> list[dict[str, Any]]:
    """Links both ways, to incidents the caller can see (a link must not reveal an incident)."""
    visible = _visible(request).values("pk")
    out = Link.objects.filter(source=incident, target__in=visible).select_related("target")
    into = Link.objects.filter(target=incident, source__in=visible).select_related("source")
    rows = [("out", link, link.target) for link in out] + [("in", link, link.source) for link in into]
    return [
        {
            "direction": direction,
            "kind": link.kind,
            "label": link.get_kind_display(),
            "reference": other.reference,
            "summary": other.summary,
            "status": other.status,
        }
        for direction, link, other in sorted(rows, key=lambda r: (r[1].created_at, r[1].pk))
    ]


def _service(request: HttpRequest, value: int | str) -> Service:
    qs = services_visible_to(request.user).select_related("sla_policy")
    lookup = {"pk": int(value)} if isinstance(value, int) or value.isdigit() else {"slug": value}
    service = qs.filter(**lookup).first()
    if service is None:
        raise ActionError(f"No service {value}", field="service")
    return service


def _severity(service: Service, code: str) -> Severity:
    severity = Severity.objects.filter(scheme_id=service.sla_policy.scheme_id, code=code).first()
    if severity is None:
        raise ActionError(f"{service} has no severity {code!r}", field="severity")
    return severity


def _organisation(request: HttpRequest, org_id: int, field: str) -> Any:
    org = organisations_visible_to(request.user).filter(pk=org_id).first()
    if org is None:
        raise ActionError(f"No organisation {org_id}", field=field)
    return org


def _raw_body(request: HttpRequest) -> bytes:
    try:
        return request.body
    except RequestDataTooBig:
        raise HttpError(413, "The request body is too large") from None


def _is_list(annotation: Any) -> bool:
    return typing.get_origin(annotation) is list


Files = list[tuple[str, str, bytes]]


def _invalid(request: HttpRequest, errors: list[tuple[tuple[Any, ...], str]]) -> HttpResponse:
    """The same 422 problem as the API's validation handler, built here so a field named ``body`` is named."""
    rows = [{"field": ".".join(str(p) for p in loc) or None, "message": msg} for loc, msg in errors]
    fields = ", ".join(r["field"] for r in rows if r["field"]) or "the request"
    return problem(
        request,
        status=422,
        title="The request is not valid",
        detail=f"Check {fields}.",
        kind="invalid",
        errors=rows,
    )


def _parse(
    request: HttpRequest, schema: type[Schema], *, files: bool = True
) -> tuple[Any, Files] | HttpResponse:
    """Read ``schema`` from a JSON body, or (if ``files``) multipart form fields plus ``attachments`` files.

    Returns the payload and the files, or the 422 problem response to send.
    """
    uploads: Files = []
    content_type = request.content_type or ""
    if files and content_type == "multipart/form-data":
        data: Any = {}
        for name, field in schema.model_fields.items():
            values = request.POST.getlist(name)
            if values:
                data[name] = values if _is_list(field.annotation) else values[-1]
        uploads = [
            (f.name, f.content_type or "application/octet-stream", f.read())
            for f in request.FILES.getlist("attachments")
        ]
    elif content_type in ("application/json", "text/plain", ""):
        try:
            data = json.loads(_raw_body(request) or b"{}")
        except ValueError:
            return _invalid(request, [((), "The body is not valid JSON")])
        if not isinstance(data, dict):
            return _invalid(request, [((), "The body must be a JSON object")])
    else:
        accepted = "application/json or multipart/form-data" if files else "application/json"
        raise HttpError(415, f"Send {accepted}, not {content_type}")
    try:
        return schema.model_validate(data), uploads
    except PydanticValidationError as exc:
        return _invalid(request, [(e["loc"], e["msg"]) for e in exc.errors()])


def _body_doc(schema: type[Schema], *, files: bool = True) -> dict[str, Any]:
    """OpenAPI for a JSON body or, with ``files``, multipart with the same fields plus ``attachments``."""
    json_schema = schema.model_json_schema()
    content: dict[str, Any] = {"application/json": {"schema": json_schema}}
    if files:
        binary = {"type": "array", "items": {"type": "string", "format": "binary"}}
        content["multipart/form-data"] = {
            "schema": {**json_schema, "properties": {**json_schema["properties"], "attachments": binary}}
        }
    return {"requestBody": {"required": True, "content": content}}


def _problems(*codes: int) -> dict[int, type[Schema]]:
    return dict.fromkeys(codes or PROBLEM_RESPONSES, Problem)


def _change(request: HttpRequest, incident: Incident, func: Any, **kwargs: Any) -> Incident | HttpResponse:
    """Run a status-changing action on a visible incident and reply with the incident as it now is."""
    try:
        func(actor=_actor(request), incident=incident, **kwargs)
    except IllegalTransition as exc:
        current = Incident.objects.filter(pk=incident.pk).values_list("status", flat=True).get()
        return problem(
            request,
            status=exc.status,
            title=exc.title,
            detail=exc.message,
            kind="illegaltransition",
            errors=[{"field": exc.field, "message": exc.message}],
            current_status=current,
            allowed_statuses=sorted(TRANSITIONS.get(current, ())),
        )
    return _detail(request, incident.reference)


# Incidents -------------------------------------------------------------------------------------------------


@router.get("/incidents", response=list[IncidentOut], summary="List incidents", url_name="incident_list")
@paginate(Page)
def list_incidents(request: HttpRequest, filters: Query[IncidentFilter]) -> QuerySet[Incident]:
    """Incidents you may see, with both SLA clocks. Newest first unless ``ordering`` says otherwise."""
    return filters.apply(sla.with_clock_data(_visible(request)).select_related("major"))


@router.post(
    "/incidents",
    response={201: IncidentDetail, **_problems(403, 415, 422)},
    summary="Raise an incident",
    openapi_extra=_body_doc(IncidentIn),
)
def raise_incident(request: HttpRequest) -> Status | HttpResponse:
    """Participants raise for their own organisation; the service desk may raise for any (``organisation``).

    JSON, or ``multipart/form-data`` with the same fields and ``attachments`` files.
    """
    parsed = _parse(request, IncidentIn)
    if isinstance(parsed, HttpResponse):
        return parsed
    payload, files = parsed
    service = _service(request, payload.service)
    incident = actions.raise_incident(
        actor=_actor(request),
        service=service,
        summary=payload.summary,
        description=payload.description,
        severity=_severity(service, payload.severity) if payload.severity else None,
        impact=payload.impact,
        organisation=_organisation(request, payload.organisation, "organisation")
        if payload.organisation
        else None,
        contact_name=payload.contact_name,
        affected=[_organisation(request, pk, "affected") for pk in payload.affected],
        attachments=files,
    )
    return Status(201, _detail(request, incident.reference))


@router.get("/incidents/{reference}", response={200: IncidentDetail, 404: Problem}, summary="One incident")
def get_incident(request: HttpRequest, reference: str) -> Incident:
    return _detail(request, reference)


@router.get(
    "/incidents/{reference}/sla", response={200: SlaOut, 404: Problem}, summary="An incident's SLA clocks"
)
def get_sla(request: HttpRequest, reference: str) -> dict[str, Any]:
    incident = get_object_or_404(sla.with_clock_data(_visible(request)), reference=reference.upper())
    return _sla(request, incident)


@router.get(
    "/incidents/{reference}/timeline",
    response={200: list[TimelineOut], 404: Problem},
    summary="An incident's history (audit journal)",
)
@paginate(Page)
def get_timeline(request: HttpRequest, reference: str) -> QuerySet[AuditEntry]:
    incident = _incident(request, reference)
    internal = queries.sees_internal(request.user, incident)
    request._incidents_internal = internal  # type: ignore[attr-defined]
    entries = timeline_for(incident)
    return entries if internal else entries.exclude(action__in=INTERNAL_ACTIONS)


# Transitions -----------------------------------------------------------------------------------------------

TRANSITION_RESPONSES = {200: IncidentDetail, **_problems()}


@transitions.post(
    "/incidents/{reference}/triage",
    response=TRANSITION_RESPONSES,
    summary="Triage (service desk)",
)
def triage(request: HttpRequest, reference: str, payload: TriageIn) -> Any:
    """Set severity, service, impact or publication. Open incidents only."""
    incident = _incident(request, reference)
    service = _service(request, payload.service) if payload.service is not None else None
    severity = _severity(service or incident.service, payload.severity) if payload.severity else None
    return _change(
        request,
        incident,
        actions.triage_incident,
        severity=severity,
        service=service,
        impact=payload.impact,
        is_published=payload.is_published,
    )


@transitions.post(
    "/incidents/{reference}/assign",
    response=TRANSITION_RESPONSES,
    summary="Assign to a provider or person",
)
def assign(request: HttpRequest, reference: str, payload: AssignIn) -> Any:
    """The desk assigns to a provider (default: the service's); a provider picks a person within it."""
    provider = _organisation(request, payload.provider, "provider") if payload.provider else None
    assignee = None
    if payload.assignee:
        assignee = users_visible_to(request.user).filter(pk=payload.assignee, is_active=True).first()
        if assignee is None:
            raise ActionError(f"No person {payload.assignee}", field="assignee")
    return _change(
        request, _incident(request, reference), actions.assign_incident, provider=provider, assignee=assignee
    )


@transitions.post(
    "/incidents/{reference}/start",
    response=TRANSITION_RESPONSES,
    summary="Start work (desk or provider)",
)
def start(request: HttpRequest, reference: str, payload: StartIn) -> Any:
    return _change(request, _incident(request, reference), actions.start_work, note=payload.note)


@transitions.post(
    "/incidents/{reference}/pend",
    response=TRANSITION_RESPONSES,
    summary="Put on hold awaiting the participant or the provider",
)
def pend(request: HttpRequest, reference: str, payload: PendIn) -> Any:
    """Awaiting the participant pauses the resolution clock; awaiting the provider does not."""
    return _change(
        request,
        _incident(request, reference),
        actions.set_pending,
        awaiting=payload.awaiting,
        note=payload.note,
    )


@transitions.post(
    "/incidents/{reference}/resolve",
    response=TRANSITION_RESPONSES,
    summary="Resolve (desk or provider)",
)
def resolve(request: HttpRequest, reference: str, payload: ResolveIn) -> Any:
    return _change(
        request, _incident(request, reference), actions.resolve_incident, resolution=payload.resolution
    )


@transitions.post(
    "/incidents/{reference}/close",
    response=TRANSITION_RESPONSES,
    summary="Close a resolved incident (desk or raising organisation)",
)
def close(request: HttpRequest, reference: str) -> Any:
    """A major incident needs its post-incident review first."""
    return _change(request, _incident(request, reference), actions.close_incident)


@transitions.post(
    "/incidents/{reference}/reopen",
    response=TRANSITION_RESPONSES,
    summary="Reopen within the window after resolution (desk or raising organisation)",
)
def reopen(request: HttpRequest, reference: str, payload: ReasonIn) -> Any:
    return _change(request, _incident(request, reference), actions.reopen_incident, reason=payload.reason)


@transitions.post(
    "/incidents/{reference}/cancel",
    response=TRANSITION_RESPONSES,
    summary="Cancel an incident raised in error (desk or raising organisation)",
)
def cancel(request: HttpRequest, reference: str, payload: ReasonIn) -> Any:
    return _change(request, _incident(request, reference), actions.cancel_incident, reason=payload.reason)


# Updates, attachments, links -------------------------------------------------------------------------------


@router.get(
    "/incidents/{reference}/updates",
    response={200: list[UpdateOut], 404: Problem},
    summary="Updates (and, for the desk and provider, internal notes)",
)
@paginate(Page)
def list_updates(request: HttpRequest, reference: str) -> QuerySet[Update]:
    incident = _incident(request, reference)
    return queries.updates_visible_to(request.user, incident).order_by("created_at", "id")


@router.post(
    "/incidents/{reference}/updates",
    response={201: UpdateOut, **_problems(403, 404, 415, 422)},
    summary="Add a public update or an internal note",
    openapi_extra=_body_doc(UpdateIn),
)
def add_update(request: HttpRequest, reference: str) -> Status | HttpResponse:
    """JSON, or ``multipart/form-data`` with the same fields and ``attachments`` files."""
    incident = _incident(request, reference)
    parsed = _parse(request, UpdateIn)
    if isinstance(parsed, HttpResponse):
        return parsed
    payload, files = parsed
    update = actions.add_update(
        actor=_actor(request),
        incident=incident,
        body=payload.body,
        internal=payload.internal,
        attachments=files,
    )
    return Status(201, queries.updates_visible_to(request.user, incident).get(pk=update.pk))


@router.get(
    "/incidents/{reference}/attachments/{attachment_id}",
    summary="Download an attachment",
    url_name="incident_attachment",
)
def download_attachment(request: HttpRequest, reference: str, attachment_id: int) -> FileResponse:
    incident = _incident(request, reference)
    attachment = get_object_or_404(queries.attachments_visible_to(request.user, incident), pk=attachment_id)
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.filename,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@router.post(
    "/incidents/{reference}/links",
    response={201: LinkOut, **_problems(403, 404, 422)},
    summary="Link to another incident (service desk)",
)
def add_link(request: HttpRequest, reference: str, payload: LinkIn) -> Status:
    incident = _incident(request, reference)
    target = _visible(request).filter(reference=payload.target.upper()).first()
    if target is None:
        raise ActionError(f"No incident {payload.target} that you can see", field="target")
    link = actions.link_incidents(actor=_actor(request), source=incident, target=target, kind=payload.kind)
    return Status(
        201,
        {
            "direction": "out",
            "kind": link.kind,
            "label": link.get_kind_display(),
            "reference": target.reference,
            "summary": target.summary,
            "status": target.status,
        },
    )


# Major incidents -------------------------------------------------------------------------------------------


def _majors(request: HttpRequest) -> QuerySet[MajorIncident]:
    return queries.majors_visible_to(request.user).select_related("incident__severity", "review_completed_by")


def _major(request: HttpRequest, major_id: int) -> MajorIncident:
    qs = _majors(request).prefetch_related(
        Prefetch(
            "communications",
            queryset=Communication.objects.select_related("sent_by").order_by("sent_at", "id"),
        )
    )
    return get_object_or_404(qs, pk=major_id)


@majors.get(
    "/major-incidents",
    response=list[MajorOut],
    summary="List major incidents",
)
@paginate(Page)
def list_majors(request: HttpRequest, filters: Query[MajorFilter]) -> QuerySet[MajorIncident]:
    return filters.filter(_majors(request)).order_by("-opened_at", "-id")


@majors.get(
    "/major-incidents/{major_id}",
    response={200: MajorDetail, 404: Problem},
    summary="One major incident",
)
def get_major(request: HttpRequest, major_id: int) -> MajorIncident:
    return _major(request, major_id)


@majors.post(
    "/incidents/{reference}/major",
    response={201: MajorDetail, **_problems(403, 404, 422)},
    summary="Declare a major incident (service desk)",
)
def declare_major(request: HttpRequest, reference: str, payload: DeclareIn) -> Status:
    incident = _incident(request, reference)
    major = actions.declare_major_incident(actor=_actor(request), incident=incident, trigger=payload.trigger)
    return Status(201, _major(request, major.pk))


@majors.patch(
    "/major-incidents/{major_id}",
    response={200: MajorDetail, **_problems(403, 404, 422)},
    summary="Change the incident manager or the bulletin interval (service desk)",
)
def update_major(request: HttpRequest, major_id: int, payload: MajorPatch) -> MajorIncident:
    major = _major(request, major_id)
    with transaction.atomic():
        if payload.manager is not None:
            manager = users_visible_to(request.user).filter(pk=payload.manager, is_active=True).first()
            if manager is None:
                raise ActionError(f"No person {payload.manager}", field="manager")
            actions.set_major_manager(actor=_actor(request), major=major, manager=manager)
        if payload.update_interval_minutes is not None:
            actions.set_update_interval(
                actor=_actor(request), major=major, minutes=payload.update_interval_minutes
            )
    return _major(request, major_id)


@majors.post(
    "/major-incidents/{major_id}/communications",
    response={201: CommunicationOut, **_problems(403, 404, 415, 422)},
    summary="Send a bulletin to every affected participant (service desk)",
    openapi_extra=_body_doc(CommunicationIn, files=False),
)
def send_communication(request: HttpRequest, major_id: int) -> Status | HttpResponse:
    major = _major(request, major_id)
    parsed = _parse(request, CommunicationIn, files=False)
    if isinstance(parsed, HttpResponse):
        return parsed
    payload, _ = parsed
    communication = actions.send_communication(
        actor=_actor(request), major=major, subject=payload.subject, body=payload.body
    )
    return Status(201, communication)


@majors.post(
    "/major-incidents/{major_id}/review",
    response={200: MajorDetail, **_problems(403, 404, 422)},
    summary="Record the post-incident review (service desk)",
)
def record_review(request: HttpRequest, major_id: int, payload: ReviewIn) -> MajorIncident:
    major = _major(request, major_id)
    actions.record_review(
        actor=_actor(request),
        major=major,
        cause=payload.cause,
        actions=payload.actions,
        lessons=payload.lessons,
    )
    return _major(request, major_id)


# Inbound email ---------------------------------------------------------------------------------------------


@email.post(
    "/email/inbound",
    auth=TokenAuth(),
    response={201: EmailReceived, **_problems(403, 415, 422)},
    summary="Thread an emailed reply onto its incident (mailbox poller; desk or platform-admin token)",
    openapi_extra={
        "requestBody": {"required": True, "content": {"message/rfc822": {"schema": {"type": "string"}}}}
    },
)
def email_inbound(request: HttpRequest) -> Status:
    """Post the raw RFC 822 message as ``message/rfc822``. A refused message is a 422 giving the reason."""
    scope = scope_for(request.user)
    if not (scope.is_desk or scope.is_platform_admin):
        raise PermissionDenied("Only a service-desk or platform-administrator token may post inbound email")
    if request.content_type != "message/rfc822":
        raise HttpError(415, "Send the raw message as message/rfc822")
    update = actions.receive_email(raw=_raw_body(request))
    return Status(201, {"reference": update.incident.reference, "update_id": update.pk})


router.add_router("", transitions)
router.add_router("", majors)
router.add_router("", email)

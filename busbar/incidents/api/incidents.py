"""Endpoints: incidents, transitions, updates, attachments and links."""

from typing import Any, Literal

from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Schema, Status
from ninja.pagination import paginate

from busbar.accounts.queries import users_visible_to
from busbar.audit.models import AuditEntry
from busbar.incidents import actions, lists, permissions, queries, search, sla
from busbar.incidents.api.helpers import (
    _actor,
    _body_doc,
    _change,
    _detail,
    _id,
    _incident,
    _organisation,
    _parse,
    _problems,
    _service,
    _severity,
    _visible,
)
from busbar.incidents.api.schemas import (
    AssignIn,
    IncidentDetail,
    IncidentFilter,
    IncidentIn,
    IncidentOut,
    LinkIn,
    LinkOut,
    PendIn,
    Problem,
    ReasonIn,
    ResolveIn,
    SlaOut,
    StartIn,
    TimelineOut,
    TriageIn,
    UpdateIn,
    UpdateOut,
    _sla,
    router,
    transitions,
)
from busbar.incidents.major_confirmation import (
    opens_major,
    require_confirmation,
    told_on_raise,
    told_on_triage,
)
from busbar.incidents.models import Incident
from busbar.lib import export
from busbar.lib.actions import ActionError
from busbar.lib.forms import parse_id
from busbar.lib.keyset import Key, KeysetList, KeysetPage, RankedList
from busbar.lib.pagination import Page
from busbar.lib.schema import Id, IdPath, InputSchema, Ref, RefPath
from busbar.parties.queries import scope_for
from busbar.records.models import Entry as Update

# Incidents -------------------------------------------------------------------------------------------------


#: The keys of each list order (the last unique), for keyset pages.
LIST_KEYS = {
    "-created": [Key("created_at", descending=True), Key("id", descending=True)],
    "created": [Key("created_at"), Key("id")],
    "resolution_due": [
        Key("record__resolution_due_at", nulls_last=True),
        Key("created_at", descending=True),
        Key("id", descending=True),
    ],
    "severity": [Key("severity__rank"), Key("created_at", descending=True), Key("id", descending=True)],
}


def _list_rows(pks: list[int]) -> QuerySet[Incident]:
    return Incident.objects.filter(pk__in=pks).select_related(
        "record", "service", "severity", "organisation", "provider", "assignee", "major"
    )


@router.get("/incidents", response=list[IncidentOut], summary="List incidents", url_name="incident_list")
@paginate(KeysetPage)
def list_incidents(request: HttpRequest, filters: Query[IncidentFilter]) -> KeysetList:
    """Incidents you may see, newest first unless ``ordering`` says otherwise, each with its SLA due times
    and breaches (the clocks in full: ``GET /incidents/{reference}`` or ``…/sla``).

    Pages: ``limit`` and ``cursor`` (``next_cursor`` of the page before; ``next`` is its address), or
    ``offset`` for shallow pages. ``count`` is exact up to 10,000 and estimated beyond
    (``count_is_estimate``).

    ``q``: a reference, or words found in the summary, the description or the public updates (and, for
    the desk and the incident's provider, its internal notes). A word search is ranked by relevance unless
    ``ordering`` says otherwise: the 1,000 most recent matches, best first (``count_is_estimate`` when
    more match: add words to narrow it)."""
    if filters.ordering == "relevance" and not (filters.q or "").strip():
        raise ActionError("Relevance orders a word search: give q", field="ordering")
    qs = filters.apply(_visible(request), request.user)
    if filters.ranks:
        return RankedList(hits=lambda: search.ranked_hits(qs, filters.q or ""), rows=_list_rows)
    return KeysetList(qs=qs, keys=LIST_KEYS[filters.order], rows=_list_rows)


_FILE_CONTENT = {
    ctype: {"schema": {"type": "string", "format": "binary"}} for ctype in export.CONTENT_TYPES.values()
}


@router.get(
    "/incidents/export",
    response={200: None, **_problems(422)},
    summary="Export incidents (CSV or XLSX)",
    url_name="incident_export_api",
    openapi_extra={"responses": {200: {"description": "The file", "content": _FILE_CONTENT}}},
)
def export_incidents(
    request: HttpRequest,
    filters: Query[IncidentFilter],
    format: Literal["csv", "xlsx"] = "csv",
) -> HttpResponseBase:
    """The incidents ``GET /incidents`` lists with the same filters, every one of them (not a page), as
    CSV (streamed) or XLSX. The rows you may see and the fields you may see (participants: no provider,
    assignee, channel or contact columns; a raiser shown only on its own incidents). Times in
    Europe/London. Newest first unless ``ordering`` says otherwise (``relevance`` exports newest first)."""
    if filters.ordering == "relevance" and not (filters.q or "").strip():
        raise ActionError("Relevance orders a word search: give q", field="ordering")
    qs = filters.apply(_visible(request), request.user)
    if filters.order == "relevance":
        qs = qs.order_by("-created_at", "-id")
    scope = scope_for(request.user)
    return export.response(lists.export_rows(qs), lists.export_columns(scope), fmt=format, stem="incidents")


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
    actor = _actor(request)
    severity = _severity(service, payload.severity) if payload.severity else None
    organisation = (
        _organisation(request, payload.organisation, "organisation") if payload.organisation else None
    )
    affected = [_organisation(request, pk, "affected") for pk in payload.affected]
    if opens_major(severity=severity, desk=scope_for(request.user).is_desk):
        # The desk's major severity opens a major incident, published to every participant: confirm first.
        require_confirmation(
            confirm=payload.confirm,
            told=lambda: told_on_raise(
                organisation=organisation or actor.organisation, impact=payload.impact, affected=affected
            ),
        )
    incident = actions.raise_incident(
        actor=actor,
        service=service,
        summary=payload.summary,
        description=payload.description,
        severity=severity,
        impact=payload.impact,
        organisation=organisation,
        contact_name=payload.contact_name,
        affected=affected,
        attachments=files,
    )
    return Status(201, _detail(request, incident.reference))


@router.get("/incidents/{reference}", response={200: IncidentDetail, 404: Problem}, summary="One incident")
def get_incident(request: HttpRequest, reference: RefPath) -> Incident:
    return _detail(request, reference)


@router.get(
    "/incidents/{reference}/sla", response={200: SlaOut, 404: Problem}, summary="An incident's SLA clocks"
)
def get_sla(request: HttpRequest, reference: RefPath) -> dict[str, Any]:
    incident = get_object_or_404(sla.with_clock_data(_visible(request)), reference=reference.upper())
    return _sla(request, incident)


@router.get(
    "/incidents/{reference}/timeline",
    response={200: list[TimelineOut], 404: Problem},
    summary="An incident's history (audit journal)",
)
@paginate(Page)
def get_timeline(request: HttpRequest, reference: RefPath) -> list[AuditEntry]:
    """The same history, redacted the same way, as the incident page shows (queries.timeline_visible_to).

    Only those who raised or work the incident read it; anyone else gets a 404.
    """
    entries = queries.timeline_visible_to(request.user, _incident(request, reference))
    if entries is None:
        raise Http404("No such incident, or you may not see its history")
    return entries


# Transitions -----------------------------------------------------------------------------------------------

TRANSITION_RESPONSES = {200: IncidentDetail, **_problems()}


@transitions.post(
    "/incidents/{reference}/triage",
    response=TRANSITION_RESPONSES,
    summary="Triage (service desk)",
)
def triage(request: HttpRequest, reference: RefPath, payload: TriageIn) -> Any:
    """Set severity, service, impact or publication. Open incidents only."""
    incident = _incident(request, reference)
    service = _service(request, payload.service) if payload.service is not None else None
    severity = _severity(service or incident.service, payload.severity) if payload.severity else None
    if opens_major(severity=severity, incident=incident) and "triage" in permissions.available(
        scope_for(request.user), incident
    ):
        # A major severity opens a major incident, published to every participant: confirm first. (Where
        # triage is not offered, the action gives its own refusal.)
        require_confirmation(
            confirm=payload.confirm, told=lambda: told_on_triage(incident, impact=payload.impact)
        )
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
def assign(request: HttpRequest, reference: RefPath, payload: AssignIn) -> Any:
    """The desk assigns to a provider (default: the service's); a provider picks a person within it."""
    provider = _organisation(request, payload.provider, "provider") if payload.provider else None
    assignee = None
    if payload.assignee:
        pk = _id(payload.assignee, "assignee", "person")
        assignee = users_visible_to(request.user).filter(pk=pk, is_active=True).first()
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
def start(request: HttpRequest, reference: RefPath, payload: StartIn) -> Any:
    return _change(request, _incident(request, reference), actions.start_work, note=payload.note)


@transitions.post(
    "/incidents/{reference}/pend",
    response=TRANSITION_RESPONSES,
    summary="Put on hold awaiting the participant or the provider",
)
def pend(request: HttpRequest, reference: RefPath, payload: PendIn) -> Any:
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
def resolve(request: HttpRequest, reference: RefPath, payload: ResolveIn) -> Any:
    return _change(
        request,
        _incident(request, reference),
        actions.resolve_incident,
        resolution=payload.resolution,
        article=payload.article,
    )


@transitions.post(
    "/incidents/{reference}/close",
    response=TRANSITION_RESPONSES,
    summary="Close a resolved incident (desk or raising organisation)",
)
def close(request: HttpRequest, reference: RefPath) -> Any:
    """A major incident needs its post-incident review first."""
    return _change(request, _incident(request, reference), actions.close_incident)


@transitions.post(
    "/incidents/{reference}/reopen",
    response=TRANSITION_RESPONSES,
    summary="Reopen within the window after resolution (desk or raising organisation)",
)
def reopen(request: HttpRequest, reference: RefPath, payload: ReasonIn) -> Any:
    return _change(request, _incident(request, reference), actions.reopen_incident, reason=payload.reason)


@transitions.post(
    "/incidents/{reference}/cancel",
    response=TRANSITION_RESPONSES,
    summary="Cancel an incident raised in error (desk or raising organisation)",
)
def cancel(request: HttpRequest, reference: RefPath, payload: ReasonIn) -> Any:
    return _change(request, _incident(request, reference), actions.cancel_incident, reason=payload.reason)


# Updates, attachments, links -------------------------------------------------------------------------------


@router.get(
    "/incidents/{reference}/updates",
    response={200: list[UpdateOut], 404: Problem},
    summary="Updates (and, for the desk and provider, internal notes)",
)
@paginate(Page)
def list_updates(request: HttpRequest, reference: RefPath) -> QuerySet[Update]:
    incident = _incident(request, reference)
    return queries.updates_visible_to(request.user, incident).order_by("created_at", "id")


@router.post(
    "/incidents/{reference}/updates",
    response={201: UpdateOut, **_problems(403, 404, 415, 422)},
    summary="Add a public update or an internal note",
    openapi_extra=_body_doc(UpdateIn),
)
def add_update(request: HttpRequest, reference: RefPath) -> Status | HttpResponse:
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
def download_attachment(request: HttpRequest, reference: RefPath, attachment_id: IdPath) -> FileResponse:
    incident = _incident(request, reference)
    pk = parse_id(attachment_id)
    if pk is None:
        raise Http404("No such attachment")
    attachment = get_object_or_404(queries.attachments_visible_to(request.user, incident), pk=pk)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404("The file is missing") from None
    response = FileResponse(
        handle,
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
def add_link(request: HttpRequest, reference: RefPath, payload: LinkIn) -> Status:
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
            "type": "incident",
            "reference": target.reference,
            "summary": target.summary,
            "status": target.status,
        },
    )


# "I'm affected too" ----------------------------------------------------------------------------------------


class AffectedTooIn(InputSchema):
    organisation: Id | None = Field(
        None, description="Your organisation to add (default: the first of yours not yet affected)"
    )


class AffectedTooOut(Schema):
    reference: str
    organisation: Ref = Field(..., description="The organisation added to the affected organisations")


@router.post(
    "/incidents/{reference}/affected-too",
    response={200: AffectedTooOut, **_problems(403, 404, 409, 422)},
    summary="I'm affected too: add your organisation to a published major incident",
)
def affected_too(request: HttpRequest, reference: RefPath, payload: AffectedTooIn | None = None) -> dict:
    """For participants whose organisation is not yet affected; the service desk is told. 409 when the
    incident is not a published major incident in progress."""
    from busbar.parties.models import Organisation

    incident = _incident(request, reference)
    organisation = None
    if payload is not None and payload.organisation is not None:
        # Looked up among the caller's own organisations only: another's id and no such id answer alike.
        own = permissions.participant_organisations(scope_for(request.user))
        organisation = Organisation.objects.filter(pk=payload.organisation, pk__in=own).first()
        if organisation is None:
            raise ActionError("No such organisation of yours", field="organisation")
    added = actions.join_affected(actor=_actor(request), incident=incident, organisation=organisation)
    return {"reference": incident.reference, "organisation": {"id": added.pk, "name": added.name}}

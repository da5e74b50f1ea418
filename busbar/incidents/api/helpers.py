"""Shared helpers of the incidents API endpoints."""

import typing
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import get_object_or_404
from ninja import Schema
from ninja.errors import HttpError
from pydantic import ValidationError as PydanticValidationError

from busbar.incidents import queries, sla
from busbar.incidents.api.schemas import (
    PROBLEM_RESPONSES,
    Problem,
)
from busbar.incidents.models import TRANSITIONS, Incident
from busbar.lib.actions import ActionError, Actor, IllegalTransition
from busbar.lib.forms import parse_id
from busbar.lib.json import JsonInputError, loads_bounded
from busbar.lib.problems import invalid_problem, transition_refused
from busbar.parties.queries import organisations_visible_to
from busbar.records import queries as record_queries
from busbar.records.api import linked
from busbar.services.models import Service, Severity
from busbar.services.queries import services_visible_to

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
    qs = record_queries.with_watching(qs, user)
    incident = get_object_or_404(qs, reference=reference.upper())
    updates, attachments = record_queries.conversation_visible_to(user, incident)
    incident.api_updates = updates  # type: ignore[attr-defined]
    incident.api_attachments = attachments  # type: ignore[attr-defined]
    incident.api_links = _links(request, incident)  # type: ignore[attr-defined]
    return incident


def _links(request: HttpRequest, incident: Incident) -> list[dict[str, Any]]:
    """Links both ways, to records of any type the caller can see (a link must not reveal a record)."""
    return linked(request.user, incident)


def _id(value: Any, field: str, what: str) -> int:
    """An id from the request, or the 422 naming ``field`` (never an overflow or a crash)."""
    pk = parse_id(value)
    if pk is None:
        raise ActionError(f"No {what} {value}", field=field)
    return pk


def _service(request: HttpRequest, value: int | str) -> Service:
    """A service by id or slug; anything number-like that is not a valid id is refused, not looked up."""
    qs = services_visible_to(request.user).select_related("sla_policy")
    if isinstance(value, int) or value.isdigit():
        lookup: dict[str, Any] = {"pk": _id(value, "service", "service")}
    else:
        lookup = {"slug": value}
    service = qs.filter(**lookup).first()
    if service is None:
        raise ActionError(f"No service {value}", field="service")
    return service


def _severity(service: Service, code: str) -> Severity:
    levels = list(Severity.objects.filter(scheme_id=service.sla_policy.scheme_id).order_by("rank"))
    severity = next((s for s in levels if s.code == code), None)
    if severity is None:
        codes = ", ".join(s.code for s in levels) or "none"
        raise ActionError(
            f"{service} has no severity {code!r}: its scheme's severities are {codes}", field="severity"
        )
    return severity


def _organisation(request: HttpRequest, org_id: int, field: str) -> Any:
    org = organisations_visible_to(request.user).filter(pk=_id(org_id, field, "organisation")).first()
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
#: Files one request may attach.
MAX_FILES = 20


def _uploads(files: list[Any]) -> Files:
    """The uploaded files as the actions take them, each size checked before it is read into memory."""
    max_bytes = settings.BUSBAR_ATTACHMENT_MAX_BYTES
    if len(files) > MAX_FILES:
        raise ActionError(f"Attach at most {MAX_FILES} files at a time", field="attachments")
    uploads: Files = []
    for index, f in enumerate(files):
        if f.size > max_bytes:
            # The action's own refusal, so the API answers the same 422 whether or not the file was read.
            raise ActionError(
                f"{f.name} is {f.size:,} bytes; the limit is {max_bytes:,}", field=f"attachments[{index}]"
            )
        uploads.append((f.name, f.content_type or "application/octet-stream", f.read()))
    return uploads


def _invalid(request: HttpRequest, errors: list[tuple[tuple[Any, ...], str]]) -> HttpResponse:
    """The API's 422 problem, built here from pydantic locations so a field named ``body`` is named."""
    rows = [{"field": ".".join(str(p) for p in loc) or None, "message": msg} for loc, msg in errors]
    return invalid_problem(request, rows)


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
        try:
            request.POST  # noqa: B018 - parse now, to answer a malformed body with a 422
        except MultiPartParserError as exc:
            return _invalid(request, [((), f"The multipart body could not be read: {exc}")])
        # A field the endpoint does not take is refused, as in JSON, never dropped (a participant's
        # ``is_internal=true`` must not quietly become a public update).
        unknown = sorted(set(request.POST) - set(schema.model_fields))
        if unknown:
            return _invalid(request, [((name,), "Extra inputs are not permitted") for name in unknown])
        for name, field in schema.model_fields.items():
            values = request.POST.getlist(name)
            if values:
                data[name] = values if _is_list(field.annotation) else values[-1]
        uploads = _uploads(request.FILES.getlist("attachments"))
    elif content_type in ("application/json", "text/plain", ""):
        try:
            data = loads_bounded(_raw_body(request) or b"{}")
        except JsonInputError as exc:
            return invalid_problem(request, [{"field": exc.field, "message": exc.message}])
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
        binary = {"type": "array", "maxItems": MAX_FILES, "items": {"type": "string", "format": "binary"}}
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
        return transition_refused(request, exc, current=current, allowed=TRANSITIONS.get(current, ()))
    return _detail(request, incident.reference)

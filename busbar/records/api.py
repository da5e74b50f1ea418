"""API shared by every record type: look a reference up, follow a record."""

import datetime as dt
from typing import Annotated, Literal

from django.http import Http404, HttpRequest
from ninja import Field, Router, Schema, Status

from busbar.lib.actions import ActionError, Actor
from busbar.lib.schema import InputSchema, Ref, RefPath
from busbar.records import actions, registry
from busbar.records.models import Link
from busbar.records.queries import find_visible, is_watching, links_visible_to, title_of

router = Router(tags=["Records"])


class EntryOut(Schema):
    """One entry of a record's conversation: a public update or (for those who work it) an internal note."""

    id: int
    body: str
    is_internal: bool
    author_label: str
    author_organisation: Ref | None
    channel: str
    created_at: dt.datetime


class LinkedOut(Schema):
    """A link as read from this record: ``label`` worded from its side."""

    direction: str = Field(
        ..., description="out: this record is <kind> the other; in: the other is <kind> this"
    )
    kind: str
    label: str
    type: str
    reference: str
    summary: str
    status: str


def linked(user, obj) -> list[dict]:
    """``obj``'s links, to records ``user`` may see, as :class:`LinkedOut`."""
    return [
        {
            "direction": "out" if s.outgoing else "in",
            "kind": s.link.kind,
            "label": s.label,
            "type": s.record_type.kind,
            "reference": s.other.reference,
            "summary": s.title,
            "status": s.status,
        }
        for s in links_visible_to(user, obj)
    ]


class SuggestionOut(Schema):
    """A record offered to whoever raises or works another: a known problem and its workaround."""

    type: str
    reference: str
    title: str
    detail: str = Field(..., description="E.g. the workaround")
    url: str


def suggested(for_kind: str, user, obj) -> list[dict]:
    """What the registered suggesters offer on ``obj`` (a ``for_kind`` record on a service)."""
    return [
        {"type": s.kind, "reference": s.reference, "title": s.title, "detail": s.detail, "url": s.url}
        for s in registry.suggestions(for_kind, user, service=obj.service, obj=obj)
    ]


class RecordOut(Schema):
    type: str = Field(..., description="incident, problem, knowledge article…")
    reference: str
    title: str
    status: str
    url: str = Field(..., description="The record's page")
    watching: bool = Field(..., description="Whether the caller follows it")


def _visible(request: HttpRequest, reference: RefPath):
    obj = find_visible(request.user, reference)
    if obj is None:
        raise Http404("No such record")
    return obj


def _out(request: HttpRequest, obj) -> dict:
    record_type = registry.get(obj.record.kind)
    return {
        "type": record_type.kind,
        "reference": obj.reference,
        "title": title_of(obj),
        "status": getattr(obj, "status", ""),
        "url": record_type.url(obj.reference),
        "watching": is_watching(request.user, obj),
    }


@router.get("/records/{reference}", response=RecordOut, summary="Any record by its reference")
def get_record(request: HttpRequest, reference: RefPath) -> dict:
    """Whatever its type (INC…, PRB…, KB…), if you may see it; 404 otherwise."""
    return _out(request, _visible(request, reference))


@router.post("/records/{reference}/watch", response={201: RecordOut}, summary="Follow a record")
def watch(request: HttpRequest, reference: RefPath) -> Status:
    """Be told of the record's changes. Anyone who may see a record may follow it; 409 if you already do."""
    obj = _visible(request, reference)
    actions.watch(actor=Actor.from_request(request, channel="api"), obj=obj)
    return Status(201, _out(request, obj))


@router.delete("/records/{reference}/watch", response={204: None}, summary="Stop following a record")
def unwatch(request: HttpRequest, reference: RefPath) -> Status:
    obj = _visible(request, reference)
    actions.unwatch(actor=Actor.from_request(request, channel="api"), obj=obj)
    return Status(204, None)


LinkKind = Literal[tuple(Link.Kind.values)]  # type: ignore[valid-type]


class RecordLinkIn(InputSchema):
    target: Annotated[str, Field(min_length=3, max_length=20, description="The other record's reference")]
    kind: LinkKind = Field(  # type: ignore[valid-type]
        ...,
        description="This record is <kind> the target: duplicate_of, caused_by, related_to, fixed_by, "
        "documented_in",
    )


def _target(request: HttpRequest, reference: str):
    target = find_visible(request.user, reference)
    if target is None:
        raise ActionError(f"No record {reference}", field="target")
    return target


@router.get("/records/{reference}/links", response=list[LinkedOut], summary="A record's links")
def list_links(request: HttpRequest, reference: RefPath) -> list[dict]:
    """Both ways, to records of any type; a link to a record you may not see is not shown."""
    return linked(request.user, _visible(request, reference))


@router.post("/records/{reference}/links", response={201: list[LinkedOut]}, summary="Link to another record")
def add_link(request: HttpRequest, reference: RefPath, payload: RecordLinkIn) -> Status:
    """By whoever works the record (e.g. an incident documented in an article). A target you may not see
    is refused as not found; 409 if the link exists."""
    obj = _visible(request, reference)
    actions.link_records(
        actor=Actor.from_request(request, channel="api"),
        source=obj,
        target=_target(request, payload.target),
        kind=payload.kind,
    )
    return Status(201, linked(request.user, obj))


@router.delete("/records/{reference}/links/{target}", response={204: None}, summary="Remove a link")
def remove_link(request: HttpRequest, reference: RefPath, target: RefPath, kind: LinkKind) -> Status:  # type: ignore[valid-type]
    obj = _visible(request, reference)
    actions.unlink_records(
        actor=Actor.from_request(request, channel="api"),
        source=obj,
        target=_target(request, target),
        kind=kind,
    )
    return Status(204, None)

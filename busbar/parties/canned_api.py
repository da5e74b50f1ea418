"""API: canned responses, one's own organisation's only (permissions.can_manage_canned).

Another organisation's response is not found (404), never refused (403): its existence is not told.
"""

import datetime as dt

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from busbar.lib.actions import Actor, NotPermitted
from busbar.lib.pagination import Page
from busbar.lib.schema import Id, IdPath, InputSchema, Text
from busbar.parties import actions
from busbar.parties.models import CannedResponse, Organisation
from busbar.parties.permissions import can_manage_canned
from busbar.parties.queries import canned_organisations, canned_visible_to, scope_for

router = Router(tags=["Canned responses"])
TITLE = CannedResponse._meta.get_field("title").max_length


class CannedOut(Schema):
    id: int
    organisation_id: int
    organisation_name: str = Field(..., alias="organisation.name")
    title: str
    body: str
    created_by: str | None
    updated_at: dt.datetime

    @staticmethod
    def resolve_created_by(obj: CannedResponse) -> str | None:
        return obj.created_by.display_name if obj.created_by is not None else None


class CannedIn(InputSchema):
    title: str = Field(..., min_length=1, max_length=TITLE)
    body: Text = Field(..., min_length=1)
    organisation_id: Id | None = Field(
        None, description="Needed only by someone who keeps more than one organisation's responses"
    )


class CannedPatch(InputSchema):
    title: str | None = Field(None, min_length=1, max_length=TITLE)
    body: Text | None = Field(None, min_length=1)


def _actor(request: HttpRequest) -> Actor:
    return Actor.from_request(request, channel="api")


def _own(request: HttpRequest, canned_id: int) -> CannedResponse:
    return get_object_or_404(canned_visible_to(request.user), pk=canned_id)


def _organisation(request: HttpRequest, organisation_id: int | None) -> Organisation:
    organisations = canned_organisations(request.user)
    if not organisations:
        raise NotPermitted(can_manage_canned(scope_for(request.user), 0) or "", field="organisation_id")
    if organisation_id is None:
        if len(organisations) > 1:
            raise NotPermitted("Say which organisation: organisation_id", field="organisation_id")
        return organisations[0]
    for organisation in organisations:
        if organisation.pk == organisation_id:
            return organisation
    raise NotPermitted(
        can_manage_canned(scope_for(request.user), organisation_id) or "", field="organisation_id"
    )


@router.get("/canned-responses", response=list[CannedOut], summary="Your organisation's canned responses")
@paginate(Page)
def list_canned(request: HttpRequest) -> list[CannedResponse]:
    return canned_visible_to(request.user).order_by("organisation__name", "title", "id")


@router.get("/canned-responses/{canned_id}", response=CannedOut, summary="One canned response")
def get_canned(request: HttpRequest, canned_id: IdPath) -> CannedResponse:
    return _own(request, canned_id)


@router.post("/canned-responses", response={201: CannedOut}, summary="Add a canned response")
def create_canned(request: HttpRequest, payload: CannedIn) -> Status:
    canned = actions.create_canned_response(
        actor=_actor(request),
        organisation=_organisation(request, payload.organisation_id),
        title=payload.title,
        body=payload.body,
    )
    return Status(201, _own(request, canned.pk))


@router.patch("/canned-responses/{canned_id}", response=CannedOut, summary="Change a canned response")
def update_canned(request: HttpRequest, canned_id: IdPath, payload: CannedPatch) -> CannedResponse:
    canned = _own(request, canned_id)
    actions.update_canned_response(
        actor=_actor(request), canned=canned, title=payload.title, body=payload.body
    )
    return _own(request, canned_id)


@router.delete("/canned-responses/{canned_id}", response={204: None}, summary="Delete a canned response")
def delete_canned(request: HttpRequest, canned_id: IdPath) -> Status:
    actions.delete_canned_response(actor=_actor(request), canned=_own(request, canned_id))
    return Status(204, None)

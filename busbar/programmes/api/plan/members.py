"""The programme's member organisations."""

from typing import Any

from django.http import Http404, HttpRequest
from ninja import Status
from ninja.pagination import paginate

from busbar.lib.pagination import Page
from busbar.lib.schema import IdPath
from busbar.programmes import queries
from busbar.programmes.actions import plan as actions
from busbar.programmes.api.plan import router
from busbar.programmes.api.plan._common import (
    ProgrammePath,
    _actor,
    _org,
    _organisation,
    _programme,
    _Rendered,
)
from busbar.programmes.api.plan.schemas import GovPlanMemberIn, GovPlanMemberOut
from busbar.programmes.models import Member


def _member_out(m: Member) -> dict[str, Any]:
    return {
        "id": m.pk,
        "organisation": _org(m.organisation),
        "constituency": m.constituency,
        "joined_on": m.joined_on,
    }


@router.get(
    "/programmes/{programme}/members", response=list[GovPlanMemberOut], summary="Member organisations"
)
@paginate(Page)
def list_members(request: HttpRequest, programme: ProgrammePath) -> Any:
    the_programme = _programme(request, programme)
    qs = (
        queries.in_visible_programme(Member.objects.filter(programme=the_programme), request.user)
        .select_related("organisation")
        .order_by("organisation__name", "pk")
    )
    return _Rendered(qs, _member_out)


@router.post(
    "/programmes/{programme}/members", response={201: GovPlanMemberOut}, summary="Add a member (the office)"
)
def create_member(request: HttpRequest, programme: ProgrammePath, payload: GovPlanMemberIn) -> Status:
    the_programme = _programme(request, programme)
    member = actions.add_member(
        actor=_actor(request),
        programme=the_programme,
        organisation=_organisation(payload.organisation, "organisation"),
        constituency=payload.constituency,
    )
    return Status(201, _member_out(member))


@router.delete(
    "/programmes/{programme}/members/{organisation}",
    response={204: None},
    summary="Remove a member (the office)",
)
def delete_member(request: HttpRequest, programme: ProgrammePath, organisation: IdPath) -> Status:
    the_programme = _programme(request, programme)
    member = Member.objects.filter(programme=the_programme, organisation_id=organisation).first()
    if member is None:
        raise Http404("No such member")
    actions.remove_member(actor=_actor(request), member=member)
    return Status(204, None)

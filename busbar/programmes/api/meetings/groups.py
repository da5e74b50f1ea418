"""API: a programme's governance groups and their members."""

from typing import Annotated, Any, Literal

from django.http import HttpRequest
from ninja import Field, Status
from ninja.pagination import paginate

from busbar.lib.actions import ActionError
from busbar.lib.pagination import Page
from busbar.lib.schema import Id, InputSchema
from busbar.programmes.actions import meetings as actions
from busbar.programmes.api.meetings.common import (
    GovGroupDetail,
    GovGroupMemberOut,
    GovGroupOut,
    GroupCode,
    GroupPath,
    LongText,
    ProgrammePath,
    _actor,
    _group,
    _group_out,
    _groups,
    _meeting_out,
    _organisation,
    _Outs,
    _programme,
    _ref,
    router,
)
from busbar.programmes.models import (
    Group,
    GroupKind,
    GroupMember,
    Meeting,
)
from busbar.testing.models import Programme


class GovGroupIn(InputSchema):
    code: GroupCode
    name: Annotated[str, Field(min_length=1, max_length=200)]
    kind: Literal[tuple(GroupKind.values)] = GroupKind.ADVISORY.value  # type: ignore[valid-type]
    parent: GroupCode | None = Field(
        None, description="The parent group's code (required for a working group)"
    )
    purpose: LongText = ""
    standing_items: Annotated[str, Field(max_length=5000)] = ""


class GovGroupPatch(InputSchema):
    name: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    kind: Literal[tuple(GroupKind.values)] | None = None  # type: ignore[valid-type]
    parent: GroupCode | None = Field(None, description="A code, or null for none")
    purpose: LongText | None = None
    standing_items: Annotated[str, Field(max_length=5000)] | None = None
    is_active: bool | None = None


class GovGroupMemberIn(InputSchema):
    organisation: Id
    role: Annotated[str, Field(max_length=80)] = ""
    constituency: Annotated[str, Field(max_length=120)] = ""


def _group_detail(request: HttpRequest, programme: Programme, code: str) -> dict:
    group = _group(request, programme, code)
    out = _group_out(group)
    out["members"] = [
        {"id": m.pk, "organisation": _ref(m.organisation), "role": m.role, "constituency": m.constituency}
        for m in GroupMember.objects.filter(group=group)
        .select_related("organisation")
        .order_by("organisation__name")
    ]
    out["working_groups"] = list(
        Group.objects.filter(parent=group).order_by("code").values_list("code", flat=True)
    )
    out["meetings"] = [
        _meeting_out(m)
        for m in Meeting.objects.filter(group=group)
        .select_related("group", "minutes_approved_at")
        .order_by("-number")[:50]
    ]
    return out


def _parent(programme: Programme, code: str | None) -> Group | None:
    if code is None:
        return None
    found = Group.objects.filter(programme=programme, code=code.upper()).first()
    if found is None:
        raise ActionError(f"No group {code}", field="parent")
    return found


@router.get(
    "/programmes/{programme}/groups", response=list[GovGroupOut], summary="A programme's governance groups"
)
@paginate(Page)
def list_groups(request: HttpRequest, programme: ProgrammePath) -> Any:
    prog = _programme(request, programme)
    return _Outs(_groups(request, prog).order_by("kind", "code"), _group_out)


@router.post(
    "/programmes/{programme}/groups", response={201: GovGroupDetail}, summary="Add a group (the office)"
)
def create_group(request: HttpRequest, programme: ProgrammePath, payload: GovGroupIn) -> Status:
    prog = _programme(request, programme)
    group = actions.create_group(
        actor=_actor(request),
        programme=prog,
        code=payload.code,
        name=payload.name,
        kind=payload.kind,
        parent=_parent(prog, payload.parent),
        purpose=payload.purpose,
        standing_items=payload.standing_items,
    )
    return Status(201, _group_detail(request, prog, group.code))


@router.get("/programmes/{programme}/groups/{group}", response=GovGroupDetail, summary="A group")
def get_group(request: HttpRequest, programme: ProgrammePath, group: GroupPath) -> Any:
    return _group_detail(request, _programme(request, programme), group)


@router.patch(
    "/programmes/{programme}/groups/{group}", response=GovGroupDetail, summary="Change a group (the office)"
)
def patch_group(
    request: HttpRequest, programme: ProgrammePath, group: GroupPath, payload: GovGroupPatch
) -> Any:
    prog = _programme(request, programme)
    found = _group(request, prog, group)
    fields = payload.model_dump(exclude_unset=True)
    if "parent" in fields:
        fields["parent"] = _parent(prog, fields["parent"])
    for name in ("name", "kind", "purpose", "standing_items", "is_active"):
        if name in fields and fields[name] is None:
            raise ActionError(f"{name} cannot be null", field=name)
    actions.update_group(actor=_actor(request), group=found, **fields)
    return _group_detail(request, prog, found.code)


@router.post(
    "/programmes/{programme}/groups/{group}/members",
    response={201: GovGroupMemberOut},
    summary="Add an organisation to a group (the office)",
)
def add_member(
    request: HttpRequest, programme: ProgrammePath, group: GroupPath, payload: GovGroupMemberIn
) -> Status:
    prog = _programme(request, programme)
    found = _group(request, prog, group)
    member = actions.add_group_member(
        actor=_actor(request),
        group=found,
        organisation=_organisation(payload.organisation, "organisation"),
        role=payload.role,
        constituency=payload.constituency,
    )
    return Status(
        201,
        {
            "id": member.pk,
            "organisation": _ref(member.organisation),
            "role": member.role,
            "constituency": member.constituency,
        },
    )

"""API: organisations, memberships and invitations."""

import datetime as dt

from django.db.models import Prefetch, Q, QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, FilterSchema, Query, Router, Schema, Status
from ninja.pagination import paginate

from busbar.lib.actions import Actor, NotPermitted
from busbar.lib.pagination import Page
from busbar.lib.schema import IdPath, InputSchema, Name, SearchText, Text
from busbar.parties import actions
from busbar.parties.answering import closing_if_void
from busbar.parties.models import (
    Identifier,
    IndustryRole,
    Invitation,
    InvitationStatus,
    Membership,
    MembershipRole,
    Organisation,
)
from busbar.parties.permissions import can_manage_members, can_manage_organisations, can_see_invitations
from busbar.parties.queries import (
    invitation_status_q,
    invitations_addressed_to,
    invitations_visible_to,
    memberships_visible_to,
    open_invitations_for,
    organisations_visible_to,
    scope_for,
)

router = Router(tags=["Organisations"])
#: More identifiers than any organisation holds is a mistake or a probe.
MAX_IDENTIFIERS = 50


class IdentifierSchema(Schema):
    scheme: str = Field(..., max_length=30)
    value: str = Field(..., max_length=40)


class OrganisationOut(Schema):
    id: int
    name: str
    slug: str
    description: str
    contact_email: str
    is_active: bool
    roles: list[str]
    identifiers: list[IdentifierSchema]
    created_at: dt.datetime

    @staticmethod
    def resolve_roles(obj: Organisation) -> list[str]:
        return sorted(obj.role_codes)

    @staticmethod
    def resolve_identifiers(obj: Organisation) -> list[dict]:
        return [{"scheme": i.scheme, "value": i.value} for i in obj.identifiers.all()]


class OrganisationIn(InputSchema):
    name: str = Field(..., min_length=1, max_length=200)
    slug: str = Field("", max_length=60)
    description: Text = ""
    contact_email: str | None = Field(None, max_length=254)
    roles: list[IndustryRole] = Field(..., min_length=1, max_length=len(IndustryRole))
    identifiers: list[IdentifierSchema] = Field([], max_length=MAX_IDENTIFIERS)


class OrganisationPatch(InputSchema):
    name: str | None = Field(None, min_length=1, max_length=200)
    description: Text | None = None
    contact_email: str | None = Field(None, max_length=254)
    roles: list[IndustryRole] | None = Field(None, max_length=len(IndustryRole))
    identifiers: list[IdentifierSchema] | None = Field(None, max_length=MAX_IDENTIFIERS)
    is_active: bool | None = None


class OrganisationFilter(FilterSchema):
    q: SearchText | None = Field(None, description="Name contains")
    role: IndustryRole | None = Field(None, description="Holds this industry role")
    is_active: bool | None = None

    def filter_q(self, value: str | None) -> Q:
        return Q(name__icontains=value) | Q(slug__icontains=value) if value else Q()

    def filter_role(self, value: str | None) -> Q:
        return Q(roles__role=value) if value else Q()


class MembershipOut(Schema):
    id: int
    user_id: int
    user_email: str = Field(..., alias="user.email")
    user_name: str = Field(..., alias="user.full_name")
    organisation_id: int
    organisation_name: str = Field(..., alias="organisation.name")
    role: MembershipRole
    is_active: bool
    created_at: dt.datetime


class InvitationIn(InputSchema):
    email: str = Field(..., min_length=1, max_length=254)
    full_name: Name = Field("", description="Used only if the person creates a new account")
    role: MembershipRole


class InvitationOut(Schema):
    """What the inviter sees: the address as sent, never who (if anyone) it belongs to."""

    id: int
    organisation_id: int
    email: str
    role: MembershipRole
    status: InvitationStatus
    created_at: dt.datetime
    expires_at: dt.datetime

    @staticmethod
    def resolve_status(obj: Invitation) -> str:
        return obj.effective_status


class MyInvitationOut(Schema):
    """An invitation, as its invitee sees it."""

    id: int
    organisation_id: int
    organisation_name: str = Field(..., alias="organisation.name")
    role: MembershipRole
    status: InvitationStatus
    invited_by: str | None
    created_at: dt.datetime
    expires_at: dt.datetime
    membership_id: int | None

    @staticmethod
    def resolve_status(obj: Invitation) -> str:
        return obj.effective_status

    @staticmethod
    def resolve_invited_by(obj: Invitation) -> str | None:
        return obj.invited_by.display_name if obj.invited_by is not None else None


class InvitationFilter(FilterSchema):
    status: InvitationStatus | None = Field(None, description="As shown: a lapsed pending one is expired")

    def filter_status(self, value: str | None) -> Q:
        return invitation_status_q(value) if value else Q()


class MembershipPatch(InputSchema):
    role: MembershipRole | None = None
    is_active: bool | None = None


class MembershipFilter(FilterSchema):
    organisation: int | None = Field(None, ge=1, le=2**63 - 1, description="Organisation id")
    role: MembershipRole | None = None
    is_active: bool | None = None

    def filter_organisation(self, value: int | None) -> Q:
        return Q(organisation_id=value) if value else Q()


def _with_details(qs: QuerySet[Organisation]) -> QuerySet[Organisation]:
    return qs.prefetch_related(Prefetch("identifiers", queryset=Identifier.objects.all()))


def _actor(request: HttpRequest) -> Actor:
    return Actor.from_request(request, channel="api")


def _visible_org(request: HttpRequest, org_id: int) -> Organisation:
    return get_object_or_404(_with_details(organisations_visible_to(request.user)), pk=org_id)


@router.get("/organisations", response=list[OrganisationOut], summary="List organisations")
@paginate(Page)
def list_organisations(request: HttpRequest, filters: Query[OrganisationFilter]) -> QuerySet[Organisation]:
    return (
        filters.filter(_with_details(organisations_visible_to(request.user)))
        .distinct()
        .order_by("name", "id")
    )


@router.get("/organisations/{org_id}", response=OrganisationOut, summary="One organisation")
def get_organisation(request: HttpRequest, org_id: IdPath) -> Organisation:
    return _visible_org(request, org_id)


@router.post(
    "/organisations", response={201: OrganisationOut}, summary="Create an organisation (platform admin)"
)
def create_organisation(request: HttpRequest, payload: OrganisationIn) -> Status:
    org = actions.create_organisation(
        actor=_actor(request),
        name=payload.name,
        slug=payload.slug,
        description=payload.description,
        contact_email=payload.contact_email or "",
        roles=[str(r) for r in payload.roles],
        identifiers=[(i.scheme, i.value) for i in payload.identifiers],
    )
    return Status(201, _visible_org(request, org.pk))


@router.patch(
    "/organisations/{org_id}", response=OrganisationOut, summary="Change an organisation (platform admin)"
)
def update_organisation(request: HttpRequest, org_id: IdPath, payload: OrganisationPatch) -> Organisation:
    org = _visible_org(request, org_id)
    if can_manage_organisations(scope_for(request.user)) is not None:
        raise NotPermitted("Only a platform administrator can manage organisations")
    data = payload.dict(exclude_unset=True)
    active = data.pop("is_active", None)
    if data or (active is not None and active != org.is_active):
        # Details and activation change together or not at all: one action.
        actions.change_organisation(
            actor=_actor(request),
            organisation=org,
            name=data.get("name"),
            description=data.get("description"),
            contact_email=data.get("contact_email"),
            roles=[str(r) for r in data["roles"]] if data.get("roles") is not None else None,
            identifiers=[(i["scheme"], i["value"]) for i in data["identifiers"]]
            if data.get("identifiers") is not None
            else None,
            is_active=active,
        )
    return _visible_org(request, org_id)


@router.get("/memberships", response=list[MembershipOut], summary="List memberships", tags=["Memberships"])
@paginate(Page)
def list_memberships(request: HttpRequest, filters: Query[MembershipFilter]) -> QuerySet[Membership]:
    return filters.filter(memberships_visible_to(request.user)).order_by(
        "organisation__name", "user__full_name", "id"
    )


@router.get(
    "/organisations/{org_id}/memberships",
    response=list[MembershipOut],
    summary="Members of an organisation",
    tags=["Memberships"],
)
@paginate(Page)
def organisation_memberships(request: HttpRequest, org_id: IdPath) -> QuerySet[Membership]:
    org = _visible_org(request, org_id)
    return memberships_visible_to(request.user).filter(organisation=org).order_by("user__full_name", "id")


@router.get(
    "/memberships/{membership_id}", response=MembershipOut, summary="One membership", tags=["Memberships"]
)
def get_membership(request: HttpRequest, membership_id: IdPath) -> Membership:
    return get_object_or_404(memberships_visible_to(request.user), pk=membership_id)


@router.patch(
    "/memberships/{membership_id}",
    response=MembershipOut,
    summary="Change role or deactivate",
    tags=["Memberships"],
)
def update_membership(request: HttpRequest, membership_id: IdPath, payload: MembershipPatch) -> Membership:
    membership = get_object_or_404(memberships_visible_to(request.user), pk=membership_id)
    if can_manage_members(scope_for(request.user), membership.organisation_id) is not None:
        raise NotPermitted(f"You are not an administrator of {membership.organisation}")
    role = payload.role if payload.role != membership.role else None
    active = payload.is_active if payload.is_active != membership.is_active else None
    if role is not None or active is not None:
        # Role and activation change together or not at all: one action.
        actions.change_membership(actor=_actor(request), membership=membership, role=role, is_active=active)
    return memberships_visible_to(request.user).get(pk=membership_id)


# --- Invitations ----------------------------------------------------------------------------------------
# Adding a person is an invitation to their email address that only they can accept. The inviter's answer
# is the same for every valid address and never says whether it has an account, whose, or if it is
# already a member. (The former ``POST /organisations/{org_id}/memberships`` is removed.)


def _administered_org(request: HttpRequest, org_id: int) -> Organisation:
    org = _visible_org(request, org_id)
    if can_see_invitations(scope_for(request.user), org) is not None:
        raise NotPermitted(f"Only administrators of {org} can see its invitations")
    return org


@router.post(
    "/organisations/{org_id}/invitations",
    response={202: InvitationOut},
    summary="Invite a person by email (organisation administrator)",
    tags=["Invitations"],
)
def invite(request: HttpRequest, org_id: IdPath, payload: InvitationIn) -> Status:
    org = _visible_org(request, org_id)
    invitation = actions.invite_user(
        actor=_actor(request),
        organisation=org,
        email=payload.email,
        full_name=payload.full_name,
        role=payload.role,
    )
    return Status(202, invitations_visible_to(request.user).get(pk=invitation.pk))


@router.get(
    "/organisations/{org_id}/invitations",
    response=list[InvitationOut],
    summary="An organisation's invitations (its administrators)",
    tags=["Invitations"],
)
@paginate(Page)
def organisation_invitations(
    request: HttpRequest, org_id: IdPath, filters: Query[InvitationFilter]
) -> QuerySet[Invitation]:
    org = _administered_org(request, org_id)
    return filters.filter(invitations_visible_to(request.user).filter(organisation=org)).order_by(
        "-created_at", "-id"
    )


@router.post(
    "/organisations/{org_id}/invitations/{invitation_id}/revoke",
    response=InvitationOut,
    summary="Revoke a pending invitation",
    tags=["Invitations"],
)
def revoke_invitation(request: HttpRequest, org_id: IdPath, invitation_id: IdPath) -> Invitation:
    invitation = get_object_or_404(
        invitations_visible_to(request.user), pk=invitation_id, organisation_id=org_id
    )
    with closing_if_void(invitation):
        return actions.revoke_invitation(actor=_actor(request), invitation=invitation)


@router.get(
    "/invitations/mine",
    response=list[MyInvitationOut],
    summary="Invitations you may still accept",
    tags=["Invitations"],
)
@paginate(Page)
def my_invitations(request: HttpRequest) -> QuerySet[Invitation]:
    return open_invitations_for(request.user).order_by("-created_at", "-id")


@router.post(
    "/invitations/{invitation_id}/accept",
    response=MyInvitationOut,
    summary="Accept an invitation sent to your address",
    tags=["Invitations"],
)
def accept_invitation(request: HttpRequest, invitation_id: IdPath) -> Invitation:
    invitation = get_object_or_404(invitations_addressed_to(request.user), pk=invitation_id)
    with closing_if_void(invitation):
        actions.accept_invitation(actor=_actor(request), invitation=invitation)
    return invitations_addressed_to(request.user).get(pk=invitation.pk)


@router.post(
    "/invitations/{invitation_id}/decline",
    response=MyInvitationOut,
    summary="Decline an invitation sent to your address",
    tags=["Invitations"],
)
def decline_invitation(request: HttpRequest, invitation_id: IdPath) -> Invitation:
    invitation = get_object_or_404(invitations_addressed_to(request.user), pk=invitation_id)
    with closing_if_void(invitation):
        return actions.decline_invitation(actor=_actor(request), invitation=invitation)

"""API: organisations and memberships."""

import datetime as dt

from django.db import transaction
from django.db.models import Prefetch, Q, QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, FilterSchema, Query, Router, Schema, Status
from ninja.pagination import paginate

from busbar.core.api import Page
from busbar.lib.actions import Actor
from busbar.parties import actions
from busbar.parties.models import Identifier, IndustryRole, Membership, MembershipRole, Organisation
from busbar.parties.queries import memberships_visible_to, organisations_visible_to

router = Router(tags=["Organisations"])


class IdentifierSchema(Schema):
    scheme: str
    value: str


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


class OrganisationIn(Schema):
    name: str = Field(..., min_length=1, max_length=200)
    slug: str = Field("", max_length=60)
    description: str = ""
    contact_email: str | None = Field(None, max_length=254)
    roles: list[IndustryRole] = Field(..., min_length=1)
    identifiers: list[IdentifierSchema] = []


class OrganisationPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = None
    contact_email: str | None = Field(None, max_length=254)
    roles: list[IndustryRole] | None = None
    identifiers: list[IdentifierSchema] | None = None
    is_active: bool | None = None


class OrganisationFilter(FilterSchema):
    q: str | None = Field(None, description="Name contains")
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


class InviteIn(Schema):
    email: str = Field(..., max_length=254)
    full_name: str = ""
    role: MembershipRole


class MembershipPatch(Schema):
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
def get_organisation(request: HttpRequest, org_id: int) -> Organisation:
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
def update_organisation(request: HttpRequest, org_id: int, payload: OrganisationPatch) -> Organisation:
    org = _visible_org(request, org_id)
    data = payload.dict(exclude_unset=True)
    active = data.pop("is_active", None)
    with transaction.atomic():
        _apply_org_patch(request, org, data, active)
    return _visible_org(request, org_id)


def _apply_org_patch(request: HttpRequest, org: Organisation, data: dict, active: bool | None) -> None:
    if data:
        actions.update_organisation(
            actor=_actor(request),
            organisation=org,
            name=data.get("name"),
            description=data.get("description"),
            contact_email=data.get("contact_email"),
            roles=[str(r) for r in data["roles"]] if data.get("roles") is not None else None,
            identifiers=[(i["scheme"], i["value"]) for i in data["identifiers"]]
            if data.get("identifiers") is not None
            else None,
        )
    if active is not None and active != org.is_active:
        actions.set_organisation_active(actor=_actor(request), organisation=org, active=active)


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
def organisation_memberships(request: HttpRequest, org_id: int) -> QuerySet[Membership]:
    org = _visible_org(request, org_id)
    return memberships_visible_to(request.user).filter(organisation=org).order_by("user__full_name", "id")


@router.post(
    "/organisations/{org_id}/memberships",
    response={201: MembershipOut},
    summary="Invite a person",
    tags=["Memberships"],
)
def invite(request: HttpRequest, org_id: int, payload: InviteIn) -> Status:
    org = _visible_org(request, org_id)
    membership = actions.invite_user(
        actor=_actor(request),
        organisation=org,
        email=payload.email,
        full_name=payload.full_name,
        role=payload.role,
    )
    return Status(201, memberships_visible_to(request.user).get(pk=membership.pk))


@router.get(
    "/memberships/{membership_id}", response=MembershipOut, summary="One membership", tags=["Memberships"]
)
def get_membership(request: HttpRequest, membership_id: int) -> Membership:
    return get_object_or_404(memberships_visible_to(request.user), pk=membership_id)


@router.patch(
    "/memberships/{membership_id}",
    response=MembershipOut,
    summary="Change role or deactivate",
    tags=["Memberships"],
)
def update_membership(request: HttpRequest, membership_id: int, payload: MembershipPatch) -> Membership:
    membership = get_object_or_404(memberships_visible_to(request.user), pk=membership_id)
    with transaction.atomic():
        _apply_membership_patch(request, membership, payload)
    return memberships_visible_to(request.user).get(pk=membership_id)


def _apply_membership_patch(request: HttpRequest, membership: Membership, payload: MembershipPatch) -> None:
    if payload.role is not None and payload.role != membership.role:
        membership = actions.change_membership_role(
            actor=_actor(request), membership=membership, role=payload.role
        )
    if payload.is_active is not None and payload.is_active != membership.is_active:
        actions.set_membership_active(actor=_actor(request), membership=membership, active=payload.is_active)

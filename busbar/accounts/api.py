"""API: the signed-in person, people they may see, and their personal tokens."""

import datetime as dt

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, FilterSchema, Query, Router, Schema, Status
from ninja.pagination import paginate

from busbar.accounts import actions
from busbar.accounts.models import ApiToken, User
from busbar.accounts.queries import api_tokens_visible_to, users_visible_to
from busbar.lib.actions import Actor
from busbar.lib.pagination import Page
from busbar.lib.schema import Id, IdPath, InputSchema, Instant, SearchText
from busbar.parties.queries import scope_for

router = Router(tags=["People"])


class MembershipBrief(Schema):
    organisation_id: int
    organisation_name: str
    role: str


class UserOut(Schema):
    id: int
    email: str
    full_name: str
    is_active: bool


class MeOut(UserOut):
    memberships: list[MembershipBrief]
    is_central: bool
    mfa_required: bool


class UserFilter(FilterSchema):
    q: SearchText | None = Field(None, description="Name or email contains")
    organisation: Id | None = Field(None, description="Member of this organisation id")
    is_active: bool | None = None

    def filter_q(self, value: str | None) -> Q:
        return Q(full_name__icontains=value) | Q(email__icontains=value) if value else Q()

    def filter_organisation(self, value: int | None) -> Q:
        return Q(memberships__organisation_id=value) if value else Q()


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: dt.datetime
    expires_at: dt.datetime | None
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


class TokenCreated(TokenOut):
    token: str = Field(..., description="The token itself. Shown once: store it now.")


class TokenIn(InputSchema):
    name: str = Field(..., min_length=1, max_length=100)
    expires_at: Instant | None = Field(None, description="With its time zone, e.g. 2027-01-31T23:59:00Z")


@router.get("/me", response=MeOut, summary="The signed-in person")
def me(request: HttpRequest) -> dict:
    scope = scope_for(request.user)
    user = request.user
    return {
        "id": user.pk,
        "email": user.email,
        "full_name": user.full_name,
        "is_active": user.is_active,
        "memberships": [
            {"organisation_id": m.organisation_id, "organisation_name": m.organisation.name, "role": m.role}
            for m in scope.memberships
        ],
        "is_central": scope.is_central,
        "mfa_required": scope.mfa_required,
    }


@router.get("/users", response=list[UserOut], summary="People you may see")
@paginate(Page)
def list_users(request: HttpRequest, filters: Query[UserFilter]) -> QuerySet[User]:
    return filters.filter(users_visible_to(request.user)).distinct().order_by("full_name", "id")


@router.get("/users/{user_id}", response=UserOut, summary="One person")
def get_user(request: HttpRequest, user_id: IdPath) -> User:
    return get_object_or_404(users_visible_to(request.user), pk=user_id)


@router.get("/tokens", response=list[TokenOut], summary="Your API tokens", tags=["API tokens"])
@paginate(Page)
def list_tokens(request: HttpRequest) -> QuerySet[ApiToken]:
    return api_tokens_visible_to(request.user).order_by("-created_at", "-id")


@router.post("/tokens", response={201: TokenCreated}, summary="Create an API token", tags=["API tokens"])
def create_token(request: HttpRequest, payload: TokenIn) -> Status:
    token, raw = actions.create_api_token(
        actor=Actor.from_request(request, channel="api"),
        user=request.user,
        name=payload.name,
        expires_at=payload.expires_at,
    )
    return Status(201, {**TokenOut.from_orm(token).dict(), "token": raw})


@router.delete("/tokens/{token_id}", response=TokenOut, summary="Revoke an API token", tags=["API tokens"])
def revoke_token(request: HttpRequest, token_id: IdPath) -> ApiToken:
    token = get_object_or_404(api_tokens_visible_to(request.user), pk=token_id)
    return actions.revoke_api_token(actor=Actor.from_request(request, channel="api"), token=token)

"""API: following services (subscriptions and their bulletin preferences), the secret calendar-feed
addresses, and the bulletins sent.

Each person keeps their own subscriptions and feed tokens (another's are a 404); bulletins are published
to every signed-in participant (:func:`busbar.changes.queries.bulletins_visible_to`).
"""

import datetime as dt
from typing import Any, Literal

from django.db.models import Prefetch
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import NoReverseMatch, reverse
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from busbar.changes import actions, queries
from busbar.changes.api import common
from busbar.changes.api.common import ChgServiceKey, ChgServiceRef, ServiceSlugPath
from busbar.changes.models import Bulletin, BulletinKind, FeedToken, ServiceSubscription
from busbar.lib.pagination import Page
from busbar.lib.schema import IdPath, InputSchema, Instant
from busbar.services.models import Service

router = Router(tags=["Service subscriptions and bulletins"])


# Subscriptions ----------------------------------------------------------------------------------------------


class ChgSubscriptionOut(Schema):
    id: int
    service: ChgServiceRef
    by_email: bool = Field(..., description="Bulletins by email too (always in the portal inbox)")
    planned: bool = Field(..., description="Planned outages and reschedules")
    started: bool
    completed: bool = Field(..., description="Completed, failed or backed out")
    overrun: bool
    status: bool = Field(..., description="The service degraded, in outage or restored")
    created_at: dt.datetime


class ChgSubscriptionIn(InputSchema):
    service: ChgServiceKey
    by_email: bool = True
    planned: bool = True
    started: bool = True
    completed: bool = True
    overrun: bool = True
    status: bool = True


def _mine(request: HttpRequest):
    user = request.user
    return ServiceSubscription.objects.filter(user=user).select_related("service")


@router.get("/changes/subscriptions", response=list[ChgSubscriptionOut], summary="The services you follow")
@paginate(Page)
def list_subscriptions(request: HttpRequest) -> Any:
    return _mine(request).order_by("service__name", "id")


@router.post(
    "/changes/subscriptions",
    response={200: ChgSubscriptionOut, 201: ChgSubscriptionOut},
    summary="Follow a service, or change which bulletins you get (201 when new, 200 when changed)",
)
def subscribe_to_service(request: HttpRequest, payload: ChgSubscriptionIn) -> Status:
    service = common.service(request, payload.service)
    existed = _mine(request).filter(service=service).exists()
    subscription = actions.subscribe(
        actor=common.actor(request),
        service=service,
        by_email=payload.by_email,
        planned=payload.planned,
        started=payload.started,
        completed=payload.completed,
        overrun=payload.overrun,
        status=payload.status,
    )
    return Status(200 if existed else 201, _mine(request).get(pk=subscription.pk))


@router.delete(
    "/changes/subscriptions/{service_slug}", response={204: None}, summary="Stop following a service"
)
def unsubscribe_from_service(request: HttpRequest, service_slug: ServiceSlugPath) -> Status:
    subscription = get_object_or_404(_mine(request), service__slug=service_slug)
    actions.unsubscribe(actor=common.actor(request), service=subscription.service)
    return Status(204, None)


# Feed tokens ------------------------------------------------------------------------------------------------


class ChgFeedTokenOut(Schema):
    id: int
    prefix: str = Field(..., description="The secret's first characters, to tell tokens apart")
    created_at: dt.datetime
    revoked_at: dt.datetime | None
    last_used_at: dt.datetime | None


class ChgFeedTokenCreated(ChgFeedTokenOut):
    secret: str = Field(..., description="Shown once: keep it (only its hash is stored)")
    feed_url: str = Field(..., description="Your iCalendar feed of the forward schedule of change")


def _feed_url(request: HttpRequest, secret: str) -> str:
    try:
        path = reverse("fsc_feed", kwargs={"token": secret})
    except NoReverseMatch:
        path = f"/changes/feed/{secret}/schedule.ics"
    return request.build_absolute_uri(path)


def _tokens(request: HttpRequest):
    return FeedToken.objects.filter(user=request.user)


@router.get("/changes/feed-tokens", response=list[ChgFeedTokenOut], summary="Your calendar-feed tokens")
@paginate(Page)
def list_feed_tokens(request: HttpRequest) -> Any:
    return _tokens(request).order_by("-created_at", "-id")


@router.post(
    "/changes/feed-tokens",
    response={201: ChgFeedTokenCreated},
    summary="A new secret calendar-feed address (the secret is shown once)",
)
def create_feed_token(request: HttpRequest) -> Status:
    token, secret = actions.create_feed_token(actor=common.actor(request))
    return Status(
        201,
        {
            "id": token.pk,
            "prefix": token.prefix,
            "created_at": token.created_at,
            "revoked_at": token.revoked_at,
            "last_used_at": token.last_used_at,
            "secret": secret,
            "feed_url": _feed_url(request, secret),
        },
    )


@router.delete(
    "/changes/feed-tokens/{token_id}",
    response={204: None},
    summary="Revoke a feed address",
)
def revoke_feed_token(request: HttpRequest, token_id: IdPath) -> Status:
    token = get_object_or_404(_tokens(request), pk=token_id)
    actions.revoke_feed_token(actor=common.actor(request), token=token)
    return Status(204, None)


# Bulletins --------------------------------------------------------------------------------------------------


class ChgBulletinOut(Schema):
    id: int
    kind: Literal[tuple(BulletinKind.values)]  # type: ignore[valid-type]
    title: str
    body: str
    change: str | None = Field(..., description="The change's reference")
    services: list[ChgServiceRef]
    sent_at: dt.datetime

    @staticmethod
    def resolve_change(obj: Bulletin) -> str | None:
        return obj.change.reference if obj.change_id else None

    @staticmethod
    def resolve_services(obj: Bulletin) -> list[Any]:
        return list(obj.services.all())


class ChgBulletinFilters(Schema):
    service: ChgServiceKey | None = Field(None, description="About this service (id or slug)")
    kind: Literal[tuple(BulletinKind.values)] | None = None  # type: ignore[valid-type]
    mine: bool = Field(False, description="About the services you follow only")
    since: Instant | None = Field(None, description="Sent at or after this instant")


@router.get("/changes/bulletins", response=list[ChgBulletinOut], summary="Bulletins (newest first)")
@paginate(Page)
def list_bulletins(request: HttpRequest, filters: Query[ChgBulletinFilters]) -> Any:
    services = Service.objects.only("id", "name", "slug").order_by("name")
    qs = queries.bulletins_visible_to(request.user).select_related("change")
    if filters.service is not None:
        service = common.service(request, filters.service)
        qs = qs.filter(services=service)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.mine:
        followed = ServiceSubscription.objects.filter(user=request.user).values("service_id")
        qs = qs.filter(services__in=followed).distinct()
    if filters.since is not None:
        qs = qs.filter(sent_at__gte=filters.since)
    return qs.prefetch_related(Prefetch("services", queryset=services)).order_by("-sent_at", "-id")

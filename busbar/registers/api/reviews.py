"""API of service reviews with providers (``/service-reviews``) and their action log
(``/service-reviews/{id}/actions``). The desk schedules and records reviews; a provider reads its own and
completes the actions its organisation owns; participants see none (404)."""

import datetime as dt
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from busbar.lib.actions import ActionError, Actor
from busbar.lib.pagination import Page
from busbar.lib.schema import Day, Id, IdPath, InputSchema, Instant, Line, Text
from busbar.parties.models import Organisation
from busbar.parties.queries import scope_for
from busbar.registers import actions, permissions, queries
from busbar.registers.models import ReviewAction, ServiceReview

router = Router(tags=["Registers"])

ReviewStatusValue = Literal[tuple(ServiceReview.Status.values)]  # type: ignore[valid-type]
ReviewActionStatusValue = Literal[tuple(ReviewAction.Status.values)]  # type: ignore[valid-type]

Month = Annotated[
    str,
    Field(pattern=r"^(19[7-9][0-9]|2[01][0-9][0-9])-(0[1-9]|1[0-2])$", max_length=7, description="YYYY-MM"),
]


class ReviewActionOut(Schema):
    id: int
    text: str
    owner_organisation: dict
    owner: dict | None
    due_on: dt.date | None
    status: ReviewActionStatusValue  # type: ignore[valid-type]
    improvement: str | None = Field(..., description="The improvement it feeds (reference)")
    done_at: dt.datetime | None
    created_at: dt.datetime
    can_finish: bool

    @staticmethod
    def resolve_owner_organisation(obj: ReviewAction) -> dict:
        return {"id": obj.owner_organisation_id, "name": obj.owner_organisation.name}

    @staticmethod
    def resolve_owner(obj: ReviewAction) -> dict | None:
        return {"id": obj.owner_id, "name": obj.owner.display_name} if obj.owner_id else None

    @staticmethod
    def resolve_improvement(obj: ReviewAction) -> str | None:
        return obj.improvement.reference if obj.improvement_id else None

    @staticmethod
    def resolve_can_finish(obj: ReviewAction, context: dict[str, Any]) -> bool:
        scope = scope_for(context["request"].user)
        return obj.status == "open" and permissions.can_finish_action(scope, obj) is None


class ServiceReviewSummary(Schema):
    id: int
    title: str
    provider: dict
    held_on: dt.datetime
    status: ReviewStatusValue  # type: ignore[valid-type]
    period: str | None = Field(..., description="The month whose KPIs are reviewed, YYYY-MM")

    @staticmethod
    def resolve_provider(obj: ServiceReview) -> dict:
        return {"id": obj.provider_id, "name": obj.provider.name}

    @staticmethod
    def resolve_period(obj: ServiceReview) -> str | None:
        return f"{obj.period:%Y-%m}" if obj.period else None


class ServiceReviewDetail(ServiceReviewSummary):
    chair: dict | None
    attendees: str
    agenda: str
    minutes: str
    actions: list[ReviewActionOut]

    @staticmethod
    def resolve_chair(obj: ServiceReview) -> dict | None:
        return {"id": obj.chair_id, "name": obj.chair.display_name} if obj.chair_id else None

    @staticmethod
    def resolve_actions(obj: ServiceReview) -> list:
        return list(
            obj.actions.select_related("owner_organisation", "owner", "improvement").order_by("due_on", "id")
        )


class ServiceReviewFilters(Schema):
    provider: Id | None = None
    status: ReviewStatusValue | None = None  # type: ignore[valid-type]


class ServiceReviewIn(InputSchema):
    provider: Id
    title: Line
    held_on: Instant
    period: Month | None = None
    agenda: Text = ""
    attendees: Annotated[str, Field(max_length=2000)] = ""


class ServiceReviewMinutesIn(InputSchema):
    minutes: Text
    attendees: Annotated[str, Field(max_length=2000)] | None = None
    held_on: Instant | None = None


class ServiceReviewCancelIn(InputSchema):
    reason: Text


class ReviewActionIn(InputSchema):
    text: Annotated[str, Field(min_length=1, max_length=500)]
    owner_organisation: Id | None = Field(None, description="The provider (default) or the operator")
    due_on: Day | None = None
    improvement: Annotated[str, Field(min_length=1, max_length=20)] | None = Field(
        None, description="An existing improvement it feeds (CSI reference)"
    )
    raise_improvement: bool = Field(False, description="Raise a new improvement from the action")


class ReviewActionFinishIn(InputSchema):
    note: Text = ""


def _actor(request: HttpRequest) -> Actor:
    return Actor.from_request(request, channel="api")


def _review(request: HttpRequest, pk: int) -> ServiceReview:
    return get_object_or_404(queries.reviews_visible_to(request.user), pk=pk)


def _month(value: str | None) -> dt.date | None:
    return dt.date(int(value[:4]), int(value[5:7]), 1) if value else None


@router.get(
    "/service-reviews",
    response=list[ServiceReviewSummary],
    summary="Service reviews you may see",
    operation_id="registers_list_service_reviews",
)
@paginate(Page)
def list_reviews(request: HttpRequest, filters: Query[ServiceReviewFilters]) -> Any:
    qs = queries.reviews_visible_to(request.user)
    if filters.provider is not None:
        qs = qs.filter(provider_id=filters.provider)
    if filters.status:
        qs = qs.filter(status=filters.status)
    return qs.order_by("-held_on", "-id")


@router.post(
    "/service-reviews",
    response={201: ServiceReviewDetail},
    summary="Schedule a service review (desk)",
    operation_id="registers_schedule_service_review",
)
def schedule(request: HttpRequest, payload: ServiceReviewIn) -> Status:
    provider = Organisation.objects.filter(pk=payload.provider, is_active=True).first()
    if provider is None:
        raise ActionError(f"No provider {payload.provider}", field="provider")
    review = actions.schedule_review(
        actor=_actor(request),
        provider=provider,
        title=payload.title,
        held_on=payload.held_on,
        period=_month(payload.period),
        agenda=payload.agenda,
        attendees=payload.attendees,
    )
    return Status(201, _review(request, review.pk))


@router.get(
    "/service-reviews/{review_id}",
    response=ServiceReviewDetail,
    summary="One service review",
    operation_id="registers_get_service_review",
)
def get_review(request: HttpRequest, review_id: IdPath) -> ServiceReview:
    return _review(request, review_id)


@router.post(
    "/service-reviews/{review_id}/minutes",
    response=ServiceReviewDetail,
    summary="Record the minutes (the review is then held)",
    operation_id="registers_service_review_minutes",
)
def minutes(request: HttpRequest, review_id: IdPath, payload: ServiceReviewMinutesIn) -> ServiceReview:
    review = _review(request, review_id)
    actions.hold_review(
        actor=_actor(request),
        review=review,
        minutes=payload.minutes,
        attendees=payload.attendees,
        held_on=payload.held_on,
    )
    return _review(request, review_id)


@router.post(
    "/service-reviews/{review_id}/cancel",
    response=ServiceReviewDetail,
    summary="Cancel a planned review",
    operation_id="registers_cancel_service_review",
)
def cancel(request: HttpRequest, review_id: IdPath, payload: ServiceReviewCancelIn) -> ServiceReview:
    review = _review(request, review_id)
    actions.cancel_review(actor=_actor(request), review=review, reason=payload.reason)
    return _review(request, review_id)


@router.get(
    "/service-reviews/{review_id}/actions",
    response=list[ReviewActionOut],
    summary="The action log",
    operation_id="registers_list_review_actions",
)
def list_actions(request: HttpRequest, review_id: IdPath) -> list:
    review = _review(request, review_id)
    return list(
        review.actions.select_related("owner_organisation", "owner", "improvement").order_by("due_on", "id")
    )


@router.post(
    "/service-reviews/{review_id}/actions",
    response={201: ReviewActionOut},
    summary="Add an action (desk)",
    operation_id="registers_add_review_action",
)
def add_action(request: HttpRequest, review_id: IdPath, payload: ReviewActionIn) -> Status:
    review = _review(request, review_id)
    owner_organisation = None
    if payload.owner_organisation is not None:
        owner_organisation = Organisation.objects.filter(
            pk=payload.owner_organisation, is_active=True
        ).first()
        if owner_organisation is None:
            raise ActionError(f"No organisation {payload.owner_organisation}", field="owner_organisation")
    improvement = None
    if payload.improvement:
        improvement = (
            queries.improvements_visible_to(request.user)
            .filter(reference=payload.improvement.upper())
            .first()
        )
        if improvement is None:
            raise ActionError(f"No improvement {payload.improvement}", field="improvement")
    done = actions.add_review_action(
        actor=_actor(request),
        review=review,
        text=payload.text,
        owner_organisation=owner_organisation,
        due_on=payload.due_on,
        improvement=improvement,
        raise_improvement=payload.raise_improvement,
    )
    return Status(
        201, ReviewAction.objects.select_related("owner_organisation", "owner", "improvement").get(pk=done.pk)
    )


def _finish(request: HttpRequest, review_id: int, action_id: int, func: Any, **kwargs: Any) -> ReviewAction:
    review = _review(request, review_id)
    review_action = get_object_or_404(ReviewAction.objects.all(), pk=action_id, review=review)
    func(actor=_actor(request), review_action=review_action, **kwargs)
    return ReviewAction.objects.select_related("owner_organisation", "owner", "improvement").get(pk=action_id)


@router.post(
    "/service-reviews/{review_id}/actions/{action_id}/done",
    response=ReviewActionOut,
    summary="Complete an action",
    operation_id="registers_complete_review_action",
)
def complete(
    request: HttpRequest, review_id: IdPath, action_id: IdPath, payload: ReviewActionFinishIn
) -> Any:
    return _finish(request, review_id, action_id, actions.complete_review_action, note=payload.note)


@router.post(
    "/service-reviews/{review_id}/actions/{action_id}/drop",
    response=ReviewActionOut,
    summary="Drop an action (say why)",
    operation_id="registers_drop_review_action",
)
def drop(request: HttpRequest, review_id: IdPath, action_id: IdPath, payload: ReviewActionFinishIn) -> Any:
    return _finish(request, review_id, action_id, actions.drop_review_action, reason=payload.note)

"""The data cleanse API (``/api/v1/migration/cleanse``): categories, each participant's cleanse items with
where they stand (% cleansed, next target, on track, overdue targets), readings and targets.

Reads start from :func:`busbar.migration.queries.cleanse_visible_to` (outside it: 404); changes go through
:mod:`busbar.migration.actions.cleanse` (403 for who, 409 for a duplicate, 422 naming the field)."""

import datetime as dt
from typing import Annotated, Any

from django.db.models import Prefetch
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from busbar.lib.actions import ActionError, Actor
from busbar.lib.pagination import Page
from busbar.lib.schema import Day, Id, IdPath, InputSchema, Text
from busbar.migration import queries
from busbar.migration.actions import cleanse as actions
from busbar.migration.common import MAX_VOLUME, today
from busbar.migration.models import CleanseCategory, CleanseReading, CleanseTarget
from busbar.migration.views.cleanse import item_verbs, standing
from busbar.parties.models import Organisation
from busbar.testing.models import Programme

router = Router(tags=["Qualification and migration"])

Volume = Annotated[int, Field(ge=0, le=MAX_VOLUME, description=f"0 to {MAX_VOLUME:,}")]


class MigrationCleanseCategoryOut(Schema):
    id: int
    programme: int
    name: str
    description: str
    order: int

    @staticmethod
    def resolve_programme(obj: Any) -> int:
        return obj.programme_id


class MigrationCleanseTargetOut(Schema):
    id: int
    by_date: dt.date
    outstanding_max: int


class MigrationCleanseReadingOut(Schema):
    on: dt.date
    outstanding: int


class MigrationCleanseItemOut(Schema):
    id: int
    organisation: int
    organisation_name: str
    category: int
    category_name: str
    baseline: int
    outstanding: int
    updated_on: dt.date
    note: str
    percent_cleansed: float
    next_target: MigrationCleanseTargetOut | None
    expected_now: int | None = Field(None, description="What the path to the next target allows today")
    on_track: bool | None = Field(None, description="None: no target to judge by")
    overdue_targets: list[MigrationCleanseTargetOut]
    targets: list[MigrationCleanseTargetOut]

    @staticmethod
    def resolve_organisation(obj: Any) -> int:
        return obj.organisation_id

    @staticmethod
    def resolve_organisation_name(obj: Any) -> str:
        return obj.organisation.name

    @staticmethod
    def resolve_category(obj: Any) -> int:
        return obj.category_id

    @staticmethod
    def resolve_category_name(obj: Any) -> str:
        return obj.category.name

    @staticmethod
    def resolve_percent_cleansed(obj: Any) -> float:
        return _standing(obj).percent

    @staticmethod
    def resolve_next_target(obj: Any) -> Any:
        return _standing(obj).next_target

    @staticmethod
    def resolve_expected_now(obj: Any) -> int | None:
        return _standing(obj).expected

    @staticmethod
    def resolve_on_track(obj: Any) -> bool | None:
        return _standing(obj).on_track

    @staticmethod
    def resolve_overdue_targets(obj: Any) -> list:
        return _standing(obj).overdue

    @staticmethod
    def resolve_targets(obj: Any) -> list:
        return list(obj.targets.all())


class MigrationCleanseItemDetail(MigrationCleanseItemOut):
    readings: list[MigrationCleanseReadingOut]
    allowed_actions: list[str]

    @staticmethod
    def resolve_readings(obj: Any) -> list:
        return list(obj.readings.all())

    @staticmethod
    def resolve_allowed_actions(obj: Any, context: dict[str, Any]) -> list[str]:
        return item_verbs(context["request"].user, obj)


class MigrationCleanseFilters(Schema):
    organisation: Id | None = None
    category: Id | None = None


class MigrationCleanseCategoryIn(InputSchema):
    programme: Id
    name: Annotated[str, Field(min_length=1, max_length=120)]
    description: Text = ""
    order: int = Field(0, ge=0, le=1000)


class MigrationCleanseItemIn(InputSchema):
    category: Id
    organisation: Id
    baseline: Volume
    outstanding: Volume | None = Field(None, description="Default: the baseline")
    on: Day | None = Field(None, description="Default: today")


class MigrationCleanseReadingIn(InputSchema):
    outstanding: Volume
    on: Day | None = Field(None, description="Default: today")
    note: Annotated[str, Field(max_length=500)] | None = None


class MigrationCleanseTargetIn(InputSchema):
    by_date: Day
    outstanding_max: Volume


def _standing(obj: Any) -> Any:
    cached = getattr(obj, "_standing", None)
    if cached is None:
        cached = obj._standing = standing(obj, today(), list(obj.readings.all()), list(obj.targets.all()))
    return cached


def _actor(request: HttpRequest) -> Actor:
    return Actor.from_request(request, channel="api")


def _rows(user: Any) -> Any:
    return queries.cleanse_visible_to(user).prefetch_related(
        Prefetch("readings", queryset=CleanseReading.objects.order_by("on")),
        Prefetch("targets", queryset=CleanseTarget.objects.order_by("by_date")),
    )


def _item(request: HttpRequest, pk: int) -> Any:
    return get_object_or_404(_rows(request.user).select_related("category__programme"), pk=pk)


@router.get(
    "/migration/cleanse/categories",
    response=list[MigrationCleanseCategoryOut],
    summary="The data cleanse categories",
    operation_id="migration_list_cleanse_categories",
)
@paginate(Page)
def list_categories(request: HttpRequest) -> Any:
    if not queries.viewer(request.user).is_authenticated:
        return CleanseCategory.objects.none()
    return CleanseCategory.objects.order_by("programme_id", "order", "name")


@router.post(
    "/migration/cleanse/categories",
    response={201: MigrationCleanseCategoryOut},
    summary="Add a data cleanse category (the programme's migration managers)",
    operation_id="migration_create_cleanse_category",
)
def create_category(request: HttpRequest, payload: MigrationCleanseCategoryIn) -> Status:
    programme = Programme.objects.filter(pk=payload.programme).first()
    if programme is None:
        raise ActionError(f"No programme {payload.programme}", field="programme")
    made = actions.create_category(
        actor=_actor(request),
        programme=programme,
        name=payload.name,
        description=payload.description,
        order=payload.order,
    )
    return Status(201, made)


@router.get(
    "/migration/cleanse",
    response=list[MigrationCleanseItemOut],
    summary="The cleanse items you may see (the programme all, an organisation its own)",
    operation_id="migration_list_cleanse_items",
)
@paginate(Page)
def list_items(request: HttpRequest, filters: Query[MigrationCleanseFilters]) -> Any:
    qs = _rows(request.user)
    if filters.organisation:
        qs = qs.filter(organisation_id=filters.organisation)
    if filters.category:
        qs = qs.filter(category_id=filters.category)
    return qs.order_by("organisation__name", "category__order", "category__name", "pk")


@router.post(
    "/migration/cleanse",
    response={201: MigrationCleanseItemDetail},
    summary="Track a participant's cleanse item (the organisation itself or the managers)",
    operation_id="migration_create_cleanse_item",
)
def create_item(request: HttpRequest, payload: MigrationCleanseItemIn) -> Status:
    category = CleanseCategory.objects.filter(pk=payload.category).first()
    if category is None:
        raise ActionError(f"No category {payload.category}", field="category")
    organisation = Organisation.objects.filter(pk=payload.organisation, is_active=True).first()
    if organisation is None:
        raise ActionError(f"No organisation {payload.organisation}", field="organisation")
    item = actions.create_item(
        actor=_actor(request),
        category=category,
        organisation=organisation,
        baseline=payload.baseline,
        outstanding=payload.outstanding,
        on=payload.on,
    )
    return Status(201, _item(request, item.pk))


@router.get(
    "/migration/cleanse/{item_id}",
    response=MigrationCleanseItemDetail,
    summary="One cleanse item with its readings and targets",
    operation_id="migration_get_cleanse_item",
)
def get_item(request: HttpRequest, item_id: IdPath) -> Any:
    return _item(request, item_id)


@router.post(
    "/migration/cleanse/{item_id}/readings",
    response={201: MigrationCleanseItemDetail},
    summary="Report what is outstanding on a day (a second reading the same day replaces the first)",
    operation_id="migration_report_cleanse_reading",
)
def report(request: HttpRequest, item_id: IdPath, payload: MigrationCleanseReadingIn) -> Status:
    item = _item(request, item_id)
    actions.report_outstanding(
        actor=_actor(request),
        item=item,
        outstanding=payload.outstanding,
        on=payload.on or today(),
        note=payload.note,
    )
    return Status(201, _item(request, item_id))


@router.post(
    "/migration/cleanse/{item_id}/targets",
    response={201: MigrationCleanseItemDetail},
    summary="Set a target: at most so many outstanding by a date (the programme's migration managers)",
    operation_id="migration_set_cleanse_target",
)
def set_target(request: HttpRequest, item_id: IdPath, payload: MigrationCleanseTargetIn) -> Status:
    item = _item(request, item_id)
    actions.set_target(
        actor=_actor(request), item=item, by_date=payload.by_date, outstanding_max=payload.outstanding_max
    )
    return Status(201, _item(request, item_id))


@router.delete(
    "/migration/cleanse/{item_id}/targets/{target_id}",
    response={204: None},
    summary="Remove a target (the programme's migration managers)",
    operation_id="migration_remove_cleanse_target",
)
def remove_target(request: HttpRequest, item_id: IdPath, target_id: IdPath) -> Status:
    item = _item(request, item_id)
    target = get_object_or_404(CleanseTarget.objects.filter(item=item), pk=target_id)
    actions.remove_target(actor=_actor(request), target=target)
    return Status(204, None)

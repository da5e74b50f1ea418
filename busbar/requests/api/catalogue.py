"""API of the request catalogue (``/catalogue``).

Everyone signed in lists and reads the items of their audience (:func:`busbar.requests.queries.items_for`;
an item outside it is a 404), each with its questions described (:func:`busbar.requests.formspec.schema`),
its approvals, tasks and SLA targets. The operator (operations managers, platform administrators) adds
and changes items, retires and restores them (PATCH ``is_active``) and replaces their questions,
approvals and tasks; anyone else is refused with 403. A value the rules refuse is a 422 naming the
field (``fields[2].options``); a name or short name already taken is a 409.
"""

from typing import Annotated, Any, Literal

from django.db.models import Q
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Path, Query, Router, Schema, Status
from ninja.pagination import paginate

from busbar.lib.actions import ActionError, Actor
from busbar.lib.pagination import Page
from busbar.lib.schema import Id, InputSchema, SearchText, Text
from busbar.parties.models import IndustryRole, Organisation
from busbar.parties.queries import scope_for
from busbar.requests import formspec, permissions, queries
from busbar.requests.actions import catalogue as catalogue_actions
from busbar.requests.models import (
    ApproverKind,
    Assignee,
    CatalogueItem,
    FieldKind,
    Fulfilment,
    ItemAudience,
    ItemKind,
)

router = Router(tags=["Service requests"])

SlugPath = Annotated[str, Path(min_length=1, max_length=60, pattern=r"^[-a-zA-Z0-9_]+$")]
RoleCode = Literal[tuple(IndustryRole.values)]  # type: ignore[valid-type]
Bound = Annotated[float, Field(ge=-formspec.NUMBER_LIMIT, le=formspec.NUMBER_LIMIT)]
Days = Annotated[int, Field(ge=-formspec.DAYS_LIMIT, le=formspec.DAYS_LIMIT)]
Length = Annotated[int, Field(ge=0, le=formspec.TEXTAREA_MAX)]


class CatalogueRef(Schema):
    id: int
    name: str


class CatalogueItemSummary(Schema):
    slug: str
    name: str
    category: str
    summary: str
    kind: str = Field(..., description="request, or redirect (explains where to go; creates nothing)")
    audience: str
    industry_roles: list[str]
    admins_only: bool
    is_active: bool


class CatalogueQuestion(Schema):
    key: str
    label: str
    help_text: str
    kind: str
    required: bool
    options: dict[str, Any]
    choices: list[dict[str, str]] = Field(..., description="A choice's or a role's values and labels")
    bounds: dict[str, Any] = Field(..., description="What the answer is held to (lengths, range, days…)")


class CatalogueApproval(Schema):
    order: int
    approver: str
    provider: CatalogueRef | None

    @staticmethod
    def resolve_provider(obj: Any) -> dict | None:
        return {"id": obj.provider_id, "name": obj.provider.name} if obj.provider_id else None


class CatalogueTask(Schema):
    order: int
    title: str
    description: str
    assignee: str
    provider: CatalogueRef | None

    @staticmethod
    def resolve_provider(obj: Any) -> dict | None:
        return {"id": obj.provider_id, "name": obj.provider.name} if obj.provider_id else None


class CatalogueSlaTarget(Schema):
    clock: str = Field(..., description="response or resolution (fulfilment)")
    amount: int
    unit: str
    calendar: str


class CatalogueItemDetail(CatalogueItemSummary):
    description: str = Field(..., description="Markdown")
    redirect_text: str
    redirect_url: str
    fulfilment: str
    sla_policy: CatalogueRef | None
    priority: str
    service: CatalogueRef | None
    order: int
    fields: list[CatalogueQuestion]
    approvals: list[CatalogueApproval]
    tasks: list[CatalogueTask]
    sla_targets: list[CatalogueSlaTarget]
    can_raise: bool = Field(..., description="The caller may raise a request from it (for some organisation)")

    @staticmethod
    def resolve_sla_policy(obj: Any) -> dict | None:
        return {"id": obj.sla_policy_id, "name": obj.sla_policy.name} if obj.sla_policy_id else None

    @staticmethod
    def resolve_service(obj: Any) -> dict | None:
        return {"id": obj.service_id, "name": obj.service.name} if obj.service_id else None

    @staticmethod
    def resolve_fields(obj: Any) -> list[dict]:
        return formspec.schema(obj)

    @staticmethod
    def resolve_approvals(obj: Any) -> list:
        return list(obj.approval_steps.select_related("provider"))

    @staticmethod
    def resolve_tasks(obj: Any) -> list:
        return list(obj.task_templates.select_related("provider"))

    @staticmethod
    def resolve_sla_targets(obj: Any) -> list[dict]:
        if obj.sla_policy_id is None or not obj.priority:
            return []
        from busbar.services.models import SlaTarget

        return [
            {"clock": t.clock, "amount": t.amount, "unit": t.unit, "calendar": t.calendar.name}
            for t in SlaTarget.objects.filter(
                policy_id=obj.sla_policy_id, severity__code=obj.priority
            ).select_related("calendar")
        ]

    @staticmethod
    def resolve_can_raise(obj: Any, context: dict[str, Any]) -> bool:
        user = context["request"].user
        scope = scope_for(user)
        if obj.kind == ItemKind.REDIRECT or not obj.is_active:
            return False
        if scope.is_desk:
            return True
        if not queries.items_for(user).filter(pk=obj.pk).exists():
            return False
        return any(
            permissions.can_raise(scope, obj, m.organisation, may_ask=True) is None for m in scope.memberships
        )


class CatalogueFilters(Schema):
    q: SearchText | None = Field(None, description="Words in the name or summary")
    category: Annotated[str, Field(max_length=60)] | None = None


class CatalogueItemIn(InputSchema):
    name: Annotated[str, Field(min_length=1, max_length=120)]
    summary: Annotated[str, Field(min_length=1, max_length=300)]
    slug: Annotated[str, Field(max_length=60)] = Field("", description="Made from the name if blank")
    category: Annotated[str, Field(max_length=60)] = ""
    description: Text = ""
    kind: Literal[tuple(ItemKind.values)] = ItemKind.REQUEST  # type: ignore[valid-type]
    audience: Literal[tuple(ItemAudience.values)] = ItemAudience.PARTICIPANTS  # type: ignore[valid-type]
    industry_roles: list[RoleCode] = Field(default_factory=list, max_length=len(IndustryRole.values))  # type: ignore[valid-type]
    admins_only: bool = False
    redirect_text: Text = ""
    redirect_url: Annotated[str, Field(max_length=200)] = ""
    fulfilment: Literal[tuple(Fulfilment.values)] = ""  # type: ignore[valid-type]
    sla_policy: Id | None = Field(None, description="An SLA policy's id")
    priority: Annotated[str, Field(max_length=10)] = Field(
        "", description="A severity code of the policy's scheme"
    )
    service: Id | None = None
    order: Annotated[int, Field(ge=0, le=32767)] = 100


class CatalogueItemPatch(InputSchema):
    name: Annotated[str, Field(min_length=1, max_length=120)] | None = None
    summary: Annotated[str, Field(min_length=1, max_length=300)] | None = None
    slug: Annotated[str, Field(min_length=1, max_length=60)] | None = None
    category: Annotated[str, Field(max_length=60)] | None = None
    description: Text | None = None
    kind: Literal[tuple(ItemKind.values)] | None = None  # type: ignore[valid-type]
    audience: Literal[tuple(ItemAudience.values)] | None = None  # type: ignore[valid-type]
    industry_roles: list[RoleCode] | None = Field(None, max_length=len(IndustryRole.values))  # type: ignore[valid-type]
    admins_only: bool | None = None
    redirect_text: Text | None = None
    redirect_url: Annotated[str, Field(max_length=200)] | None = None
    fulfilment: Literal[tuple(Fulfilment.values)] | None = None  # type: ignore[valid-type]
    sla_policy: Id | None = None
    priority: Annotated[str, Field(max_length=10)] | None = None
    service: Id | None = None
    order: Annotated[int, Field(ge=0, le=32767)] | None = None
    is_active: bool | None = Field(None, description="false retires the item, true restores it")


class CatalogueFieldOptionsIn(InputSchema):
    min_length: Length | None = None
    max_length: Length | None = None
    pattern: Annotated[str, Field(max_length=formspec.PATTERN_MAX)] | None = None
    pattern_message: Annotated[str, Field(max_length=formspec.MESSAGE_MAX)] | None = None
    choices: list[Annotated[str, Field(min_length=1, max_length=formspec.CHOICE_MAX)]] | None = Field(
        None, max_length=formspec.CHOICES_MAX
    )
    not_before_days: Days | None = None
    not_after_days: Days | None = None
    min: Bound | None = None
    max: Bound | None = None
    integer: bool | None = None
    industry_roles: list[RoleCode] | None = Field(None, max_length=len(IndustryRole.values))  # type: ignore[valid-type]
    extensions: list[Annotated[str, Field(min_length=1, max_length=10)]] | None = Field(
        None, max_length=formspec.EXTENSIONS_MAX
    )


class CatalogueFieldIn(InputSchema):
    key: Annotated[str, Field(min_length=1, max_length=40)]
    label: Annotated[str, Field(min_length=1, max_length=120)]
    help_text: Annotated[str, Field(max_length=300)] = ""
    kind: Literal[tuple(FieldKind.values)] = FieldKind.TEXT  # type: ignore[valid-type]
    required: bool = True
    options: CatalogueFieldOptionsIn = Field(default_factory=CatalogueFieldOptionsIn)


class CatalogueFieldsIn(InputSchema):
    fields: list[CatalogueFieldIn] = Field(..., max_length=catalogue_actions.MAX_FIELDS)


class CatalogueStepIn(InputSchema):
    approver: Literal[tuple(ApproverKind.values)]  # type: ignore[valid-type]
    provider: Id | None = Field(None, description="A provider organisation's id (provider steps)")


class CatalogueStepsIn(InputSchema):
    steps: list[CatalogueStepIn] = Field(..., max_length=catalogue_actions.MAX_STEPS)


class CatalogueTaskIn(InputSchema):
    title: Annotated[str, Field(min_length=1, max_length=200)]
    description: Text = ""
    assignee: Literal[tuple(Assignee.values)] = Assignee.DESK  # type: ignore[valid-type]
    provider: Id | None = Field(None, description="A provider organisation's id (provider tasks)")


class CatalogueTasksIn(InputSchema):
    tasks: list[CatalogueTaskIn] = Field(..., max_length=catalogue_actions.MAX_TASKS)


# --- Helpers ---------------------------------------------------------------------------------------------


def _actor(request: HttpRequest) -> Actor:
    return Actor.from_request(request, channel="api")


def _detail_qs() -> Any:
    return CatalogueItem.objects.select_related("sla_policy", "service").prefetch_related("fields")


def _item(request: HttpRequest, slug: str) -> CatalogueItem:
    """The item by short name: of the caller's audience, or any (retired too) for the operator."""
    if permissions.can_manage_catalogue(scope_for(request.user)) is None:
        return get_object_or_404(_detail_qs(), slug=slug)
    visible = queries.items_for(request.user)
    return get_object_or_404(_detail_qs().filter(pk__in=visible.values("pk")), slug=slug)


def _organisation(pk: int | None, *, field: str) -> Organisation | None:
    if pk is None:
        return None
    found = Organisation.objects.filter(pk=pk).first()
    if found is None:
        raise ActionError(f"No organisation {pk}", field=field)
    return found


def _resolved(data: dict) -> dict:
    """Ids in a body turned into the objects the actions take (422 naming an unknown one)."""
    from busbar.services.models import Service, SlaPolicy

    if data.get("sla_policy") is not None:
        policy = SlaPolicy.objects.filter(pk=data["sla_policy"]).first()
        if policy is None:
            raise ActionError(f"No SLA policy {data['sla_policy']}", field="sla_policy")
        data["sla_policy"] = policy
    if data.get("service") is not None:
        service = Service.objects.filter(pk=data["service"], is_active=True).first()
        if service is None:
            raise ActionError(f"No active service {data['service']}", field="service")
        data["service"] = service
    return data


# --- Endpoints -------------------------------------------------------------------------------------------


@router.get(
    "/catalogue",
    response=list[CatalogueItemSummary],
    summary="The catalogue items you may ask for, by category",
    operation_id="requests_list_catalogue",
)
@paginate(Page)
def list_catalogue(request: HttpRequest, filters: Query[CatalogueFilters]) -> Any:
    qs = queries.items_for(request.user)
    if filters.q and filters.q.strip():
        q = filters.q.strip()
        qs = qs.filter(Q(name__icontains=q) | Q(summary__icontains=q))
    if filters.category is not None:
        qs = qs.filter(category=filters.category)
    return qs.order_by("category", "order", "name", "pk")


@router.get(
    "/catalogue/{slug}",
    response=CatalogueItemDetail,
    summary="One catalogue item: its questions, approvals, tasks and SLA targets",
    operation_id="requests_get_catalogue_item",
)
def get_catalogue_item(request: HttpRequest, slug: SlugPath) -> Any:
    return _item(request, slug)


@router.post(
    "/catalogue",
    response={201: CatalogueItemDetail},
    summary="Add an item to the catalogue (the operator)",
    operation_id="requests_create_catalogue_item",
)
def create_catalogue_item(request: HttpRequest, payload: CatalogueItemIn) -> Status:
    data = _resolved(payload.dict())
    done = catalogue_actions.create_item(actor=_actor(request), **data)
    return Status(201, _detail_qs().get(pk=done.pk))


@router.patch(
    "/catalogue/{slug}",
    response=CatalogueItemDetail,
    summary="Change an item, retire it or restore it (the operator)",
    operation_id="requests_update_catalogue_item",
)
def update_catalogue_item(request: HttpRequest, slug: SlugPath, payload: CatalogueItemPatch) -> Any:
    item = _item(request, slug)
    data = payload.dict(exclude_unset=True)
    for name in ("name", "summary", "slug", "kind", "audience", "order", "admins_only", "industry_roles"):
        if name in data and data[name] is None:
            raise ActionError(f"{name} cannot be empty", field=name)
    for name in ("category", "description", "redirect_text", "redirect_url", "fulfilment", "priority"):
        if name in data and data[name] is None:
            data[name] = ""
    active = data.pop("is_active", None)
    actor = _actor(request)
    if not data and active is None:
        raise ActionError("Nothing to change", field="body")
    if data:
        item = catalogue_actions.update_item(actor=actor, item=item, fields=_resolved(data))
    if active is not None and active != item.is_active:
        item = catalogue_actions.set_item_active(actor=actor, item=item, active=active)
    elif active is not None and not data:
        raise ActionError(f"{item.name} is already {'offered' if active else 'retired'}", field="is_active")
    return _detail_qs().get(pk=item.pk)


@router.put(
    "/catalogue/{slug}/fields",
    response=CatalogueItemDetail,
    summary="Replace an item's questions (the operator)",
    operation_id="requests_set_catalogue_fields",
)
def set_catalogue_fields(request: HttpRequest, slug: SlugPath, payload: CatalogueFieldsIn) -> Any:
    item = _item(request, slug)
    rows = []
    for row in payload.fields:
        data = row.dict()
        data["options"] = row.options.dict(exclude_none=True)
        rows.append(data)
    catalogue_actions.set_fields(actor=_actor(request), item=item, fields=rows)
    return _detail_qs().get(pk=item.pk)


@router.put(
    "/catalogue/{slug}/approvals",
    response=CatalogueItemDetail,
    summary="Replace an item's approval steps, in order (the operator)",
    operation_id="requests_set_catalogue_approvals",
)
def set_catalogue_approvals(request: HttpRequest, slug: SlugPath, payload: CatalogueStepsIn) -> Any:
    item = _item(request, slug)
    rows = []
    for index, step in enumerate(payload.steps):
        row: dict[str, Any] = {"approver": step.approver}
        if step.provider is not None:
            row["provider"] = _organisation(step.provider, field=f"steps[{index}].provider")
        rows.append(row)
    catalogue_actions.set_approval_steps(actor=_actor(request), item=item, steps=rows)
    return _detail_qs().get(pk=item.pk)


@router.put(
    "/catalogue/{slug}/tasks",
    response=CatalogueItemDetail,
    summary="Replace an item's fulfilment tasks, in order (the operator)",
    operation_id="requests_set_catalogue_tasks",
)
def set_catalogue_tasks(request: HttpRequest, slug: SlugPath, payload: CatalogueTasksIn) -> Any:
    item = _item(request, slug)
    rows = []
    for index, task in enumerate(payload.tasks):
        row: dict[str, Any] = {
            "title": task.title,
            "description": task.description,
            "assignee": task.assignee,
        }
        if task.provider is not None:
            row["provider"] = _organisation(task.provider, field=f"tasks[{index}].provider")
        rows.append(row)
    catalogue_actions.set_task_templates(actor=_actor(request), item=item, tasks=rows)
    return _detail_qs().get(pk=item.pk)

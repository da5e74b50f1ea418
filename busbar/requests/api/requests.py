"""API of service requests: list, raise, read; approve or reject an approval; start, assign, complete or
hand over a task; cancel, wait on the requester, answer, close, reopen; the conversation; the approvals
waiting for me and my organisation's open tasks; email intake.

Every read starts from :func:`busbar.requests.queries.visible_to` (a request outside it is a 404); every
change goes through :mod:`busbar.requests.actions` (403 when the permissions refuse, 409 when the state
does not allow it, 422 naming the field for bad input). ``allowed_actions`` on a request lists what the
caller may do now (``cancel``, ``approve:<approval id>``, ``complete:<task id>``…).

Files are not sent over JSON: an item's file questions and attachments are given on the portal's pages.
"""

import datetime as dt
from typing import Annotated, Any, Literal

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from busbar.accounts.apiauth import TokenAuth
from busbar.accounts.models import User
from busbar.lib.actions import ActionError, Actor, IllegalTransition
from busbar.lib.pagination import Page
from busbar.lib.problems import transition_refused
from busbar.lib.schema import Code, Id, IdPath, InputSchema, Line, RefPath, Text
from busbar.parties.models import Organisation
from busbar.parties.queries import scope_for
from busbar.records import queries as record_queries
from busbar.records.api import EntryOut, LinkedOut, linked
from busbar.requests import actions, lists, mailin, queries, sla
from busbar.requests.models import REQUEST_TRANSITIONS, CatalogueItem, Request, RequestStatus

router = Router(tags=["Service requests"])

ServiceRequestStatus = Literal[tuple(["open", *RequestStatus.values])]  # type: ignore[valid-type]
ServiceRequestSort = Literal[tuple(lists.SORTS)]  # type: ignore[valid-type]
#: An answer: text (dates as YYYY-MM-DD), a number, or an id (organisation, service, person).
AnswerValue = (
    Annotated[int, Field(ge=-(10**15), le=10**18)]
    | Annotated[float, Field(ge=-1e15, le=1e15)]
    | Annotated[str, Field(max_length=10_000)]
    | None
)
#: The largest raw message read: Django refuses bigger bodies unread (DATA_UPLOAD_MAX_MEMORY_SIZE).
MAX_EMAIL_BYTES = settings.DATA_UPLOAD_MAX_MEMORY_SIZE


class ServiceRequestRef(Schema):
    id: int
    name: str


class ServiceRequestSummary(Schema):
    reference: str
    summary: str
    item: str = Field(..., description="The catalogue item's slug")
    item_name: str
    status: str
    organisation: ServiceRequestRef
    requester: ServiceRequestRef | None
    priority: str
    channel: str
    response_due_at: dt.datetime | None
    resolution_due_at: dt.datetime | None
    sla_breached: bool
    sla_paused: bool
    created_at: dt.datetime
    fulfilled_at: dt.datetime | None
    closed_at: dt.datetime | None

    @staticmethod
    def resolve_item(obj: Request) -> str:
        return obj.item.slug

    @staticmethod
    def resolve_item_name(obj: Request) -> str:
        return obj.item.name

    @staticmethod
    def resolve_organisation(obj: Request) -> dict:
        return {"id": obj.organisation_id, "name": obj.organisation.name}

    @staticmethod
    def resolve_requester(obj: Request) -> dict | None:
        return {"id": obj.requester_id, "name": obj.requester.display_name} if obj.requester_id else None

    @staticmethod
    def resolve_priority(obj: Request) -> str:
        return obj.priority or obj.item.priority

    @staticmethod
    def resolve_response_due_at(obj: Request) -> dt.datetime | None:
        return obj.record.response_due_at

    @staticmethod
    def resolve_resolution_due_at(obj: Request) -> dt.datetime | None:
        return obj.record.resolution_due_at

    @staticmethod
    def resolve_sla_breached(obj: Request) -> bool:
        return obj.record.response_breached or obj.record.resolution_breached

    @staticmethod
    def resolve_sla_paused(obj: Request) -> bool:
        return obj.record.sla_paused


class ServiceRequestApprovalOut(Schema):
    id: int
    order: int
    approver: str
    organisation: ServiceRequestRef
    status: str
    decided_by: ServiceRequestRef | None
    decided_at: dt.datetime | None
    reason: str

    @staticmethod
    def resolve_organisation(obj: Any) -> dict:
        return {"id": obj.organisation_id, "name": obj.organisation.name}

    @staticmethod
    def resolve_decided_by(obj: Any) -> dict | None:
        return {"id": obj.decided_by_id, "name": obj.decided_by.display_name} if obj.decided_by_id else None


class ServiceRequestTaskOut(Schema):
    id: int
    order: int
    title: str
    description: str
    organisation: ServiceRequestRef
    assigned_to: ServiceRequestRef | None
    status: str
    note: str
    opened_at: dt.datetime | None
    completed_at: dt.datetime | None

    @staticmethod
    def resolve_organisation(obj: Any) -> dict:
        return {"id": obj.organisation_id, "name": obj.organisation.name}

    @staticmethod
    def resolve_assigned_to(obj: Any) -> dict | None:
        return (
            {"id": obj.assigned_to_id, "name": obj.assigned_to.display_name} if obj.assigned_to_id else None
        )


class ServiceRequestClockOut(Schema):
    name: str
    status: str
    target: str
    calendar: str
    due_at: dt.datetime | None
    breached: bool
    paused: bool
    stopped: bool


class ServiceRequestDetail(ServiceRequestSummary):
    answers: dict[str, Any] = Field(
        ..., description="By question key; a file question holds the attachment id"
    )
    fulfilment_note: str
    approvals: list[ServiceRequestApprovalOut]
    tasks: list[ServiceRequestTaskOut]
    clocks: list[ServiceRequestClockOut]
    updates: list[EntryOut] = Field(..., description="Internal notes only for those who work the request")
    links: list[LinkedOut]
    allowed_actions: list[str] = Field(
        ...,
        description="What the caller may do now: update, note, cancel, wait, answer, close, reopen, "
        "approve:<approval id>, reject:<approval id>, start|assign|complete|reassign:<task id>",
    )
    watching: bool

    @staticmethod
    def resolve_approvals(obj: Request) -> list:
        return obj._approvals

    @staticmethod
    def resolve_tasks(obj: Request) -> list:
        return obj._tasks

    @staticmethod
    def resolve_clocks(obj: Request) -> list[dict]:
        return [
            {
                "name": c.name,
                "status": c.status,
                "target": c.target_label,
                "calendar": c.calendar_name,
                "due_at": c.state.due_at,
                "breached": c.state.breached,
                "paused": c.state.paused,
                "stopped": c.state.stopped,
            }
            for c in sla.clocks_for(obj)
        ]

    @staticmethod
    def resolve_updates(obj: Request, context: dict[str, Any]) -> list:
        return list(
            record_queries.entries_visible_to(context["request"].user, obj).order_by("created_at", "id")
        )

    @staticmethod
    def resolve_links(obj: Request, context: dict[str, Any]) -> list[dict]:
        return linked(context["request"].user, obj)

    @staticmethod
    def resolve_allowed_actions(obj: Request, context: dict[str, Any]) -> list[str]:
        user = context["request"].user
        return lists.offered(user, obj, obj._approvals, obj._tasks, works=queries.works_on(user, obj)).flat()

    @staticmethod
    def resolve_watching(obj: Request, context: dict[str, Any]) -> bool:
        return record_queries.is_watching(context["request"].user, obj)


class ServiceRequestFilters(Schema):
    status: ServiceRequestStatus | None = None  # type: ignore[valid-type]
    item: Code | None = Field(None, description="The item's slug")
    organisation: Id | None = None
    mine: bool | None = Field(None, description="Only your organisations' requests")
    awaiting_my_approval: bool | None = Field(None, description="Only those waiting for your decision")
    sort: ServiceRequestSort = "-created"  # type: ignore[valid-type]


class ServiceRequestIn(InputSchema):
    item: Code = Field(..., description="The catalogue item's slug")
    organisation: Id | None = Field(None, description="The requesting organisation (default: yours)")
    answers: dict[Annotated[str, Field(max_length=40)], AnswerValue] = Field(
        default_factory=dict, max_length=50, description="By question key (see GET /catalogue/{slug})"
    )
    summary: Line = ""
    description: Text = ""
    priority: Annotated[str, Field(max_length=10)] = ""


class ServiceRequestReasonIn(InputSchema):
    reason: Text = ""


class ServiceRequestRejectIn(InputSchema):
    reason: Text


class ServiceRequestNoteIn(InputSchema):
    note: Text = ""


class ServiceRequestAssignIn(InputSchema):
    assignee: Id | None = Field(None, description="A member of the task's organisation; null: nobody")


class ServiceRequestReassignIn(InputSchema):
    organisation: Id


class ServiceRequestQuestionIn(InputSchema):
    question: Text


class ServiceRequestAnswerIn(InputSchema):
    answer: Text


class ServiceRequestEmptyIn(InputSchema):
    pass


class ServiceRequestUpdateIn(InputSchema):
    body: Text
    internal: bool = False


class ServiceRequestEmailReceived(Schema):
    reference: str
    created: bool = Field(..., description="A new request (true) or an update on one (false)")
    update_id: int | None


# Shared -------------------------------------------------------------------------------------------------


def _actor(request: HttpRequest) -> Actor:
    return Actor.from_request(request, channel="api")


def _request(request: HttpRequest, reference: str) -> Request:
    qs = record_queries.with_watching(lists.rows(queries.visible_to(request.user)), request.user)
    found = get_object_or_404(qs.select_related("item__sla_policy"), reference=reference.upper())
    found._approvals = list(found.approvals.select_related("organisation", "decided_by"))
    found._tasks = list(found.tasks.select_related("organisation", "assigned_to"))
    return found


def _change(request: HttpRequest, reference: str, func: Any, **kwargs: Any) -> Any:
    req = _request(request, reference)
    try:
        func(actor=_actor(request), request=req, **kwargs)
    except IllegalTransition as exc:
        current = Request.objects.filter(pk=req.pk).values_list("status", flat=True).get()
        return transition_refused(request, exc, current=current, allowed=REQUEST_TRANSITIONS.get(current, ()))
    return _request(request, reference)


def _on_approval(request: HttpRequest, reference: str, approval_id: int, func: Any, **kwargs: Any) -> Any:
    req = _request(request, reference)
    approval = next((a for a in req._approvals if a.pk == approval_id), None)
    if approval is None:
        raise ActionError(f"No approval {approval_id} on {req.reference}", field="approval_id")
    func(actor=_actor(request), approval=approval, **kwargs)
    return _request(request, reference)


def _on_task(request: HttpRequest, reference: str, task_id: int, func: Any, **kwargs: Any) -> Any:
    req = _request(request, reference)
    task = next((t for t in req._tasks if t.pk == task_id), None)
    if task is None:
        raise ActionError(f"No task {task_id} on {req.reference}", field="task_id")
    func(actor=_actor(request), task=task, **kwargs)
    return _request(request, reference)


# Lists ---------------------------------------------------------------------------------------------------


@router.get(
    "/requests",
    response=list[ServiceRequestSummary],
    summary="The requests you may see",
    operation_id="requests_list_requests",
)
@paginate(Page)
def list_requests(request: HttpRequest, filters: Query[ServiceRequestFilters]) -> Any:
    f = filters
    if f.awaiting_my_approval:
        qs = lists.tab_queryset(request.user, "approvals")
    elif f.mine:
        qs = lists.tab_queryset(request.user, "mine")
    else:
        qs = queries.visible_to(request.user)
    item = None
    if f.item:
        item = CatalogueItem.objects.filter(slug=f.item).values_list("pk", flat=True).first()
        if item is None:
            raise ActionError(f"No catalogue item {f.item!r}", field="item")
    wanted = lists.Filters(status=f.status or "", item=item, organisation=f.organisation, sort=f.sort)
    return lists.rows(lists.apply(qs, wanted))


@router.get(
    "/requests/approvals",
    response=list[ServiceRequestSummary],
    summary="The requests waiting for your approval",
    operation_id="requests_list_my_approvals",
)
@paginate(Page)
def list_my_approvals(request: HttpRequest) -> Any:
    return lists.rows(lists.apply(lists.tab_queryset(request.user, "approvals"), lists.Filters()))


@router.get(
    "/requests/tasks",
    response=list[ServiceRequestSummary],
    summary="The requests with an open task for your organisation",
    operation_id="requests_list_my_tasks",
)
@paginate(Page)
def list_my_tasks(request: HttpRequest) -> Any:
    return lists.rows(lists.apply(lists.tab_queryset(request.user, "tasks"), lists.Filters(sort="sla_due")))


@router.post(
    "/requests/email",
    auth=TokenAuth(),
    response={201: ServiceRequestEmailReceived},
    summary="Raise a request from an email, or thread a reply onto one (mailbox poller; desk or "
    "platform-admin token)",
    operation_id="requests_email_inbound",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"message/rfc822": {"schema": {"type": "string", "maxLength": MAX_EMAIL_BYTES}}},
        }
    },
)
def email_inbound(request: HttpRequest) -> Status:
    """Post the raw RFC 822 message as ``message/rfc822``. A refused message is a 422 giving the reason."""
    from django.core.exceptions import RequestDataTooBig

    scope = scope_for(request.user)
    if not (scope.is_desk or scope.is_platform_admin):
        raise PermissionDenied("Only a service-desk or platform-administrator token may post inbound email")
    if request.content_type != "message/rfc822":
        raise HttpError(415, "Send the raw message as message/rfc822")
    try:
        raw = request.body
    except RequestDataTooBig:
        raise HttpError(413, "The request body is too large") from None
    done = mailin.receive(raw=raw)
    return Status(201, {"reference": done.reference, "created": done.created, "update_id": done.entry_id})


# One request ---------------------------------------------------------------------------------------------


@router.post(
    "/requests",
    response={201: ServiceRequestDetail},
    summary="Raise a request from a catalogue item (files: use the portal)",
    operation_id="requests_create_request",
)
def create_request(request: HttpRequest, payload: ServiceRequestIn) -> Status:
    item = queries.items_for(request.user).filter(slug=payload.item).first()
    if item is None:
        item = CatalogueItem.objects.filter(slug=payload.item).first()
        if item is None:
            raise ActionError(f"No catalogue item {payload.item!r}", field="item")
    if payload.organisation is not None:
        organisation = Organisation.objects.filter(pk=payload.organisation).first()
        if organisation is None:
            raise ActionError(f"No organisation {payload.organisation}", field="organisation")
    else:
        organisation = scope_for(request.user).primary_organisation
    done = actions.raise_request(
        actor=_actor(request),
        item=item,
        organisation=organisation,
        answers={k: v for k, v in payload.answers.items()},
        summary=payload.summary,
        description=payload.description,
        channel="api",
        priority=payload.priority,
    )
    return Status(201, _request(request, done.reference))


@router.get(
    "/requests/{reference}",
    response=ServiceRequestDetail,
    summary="One request",
    operation_id="requests_get_request",
)
def get_request(request: HttpRequest, reference: RefPath) -> Any:
    return _request(request, reference)


@router.post(
    "/requests/{reference}/approvals/{approval_id}/approve",
    response=ServiceRequestDetail,
    summary="Approve (those the approval names; never one's own request)",
    operation_id="requests_approve",
)
def approve(
    request: HttpRequest, reference: RefPath, approval_id: IdPath, payload: ServiceRequestReasonIn
) -> Any:
    return _on_approval(request, reference, approval_id, actions.approve, reason=payload.reason)


@router.post(
    "/requests/{reference}/approvals/{approval_id}/reject",
    response=ServiceRequestDetail,
    summary="Reject, with the reason",
    operation_id="requests_reject",
)
def reject(
    request: HttpRequest, reference: RefPath, approval_id: IdPath, payload: ServiceRequestRejectIn
) -> Any:
    return _on_approval(request, reference, approval_id, actions.reject, reason=payload.reason)


@router.post(
    "/requests/{reference}/tasks/{task_id}/start",
    response=ServiceRequestDetail,
    summary="Take a task on (its organisation)",
    operation_id="requests_start_task",
)
def start_task(
    request: HttpRequest, reference: RefPath, task_id: IdPath, payload: ServiceRequestEmptyIn
) -> Any:
    return _on_task(request, reference, task_id, actions.start_task)


@router.post(
    "/requests/{reference}/tasks/{task_id}/assign",
    response=ServiceRequestDetail,
    summary="Give a task to a member of its organisation",
    operation_id="requests_assign_task",
)
def assign_task(
    request: HttpRequest, reference: RefPath, task_id: IdPath, payload: ServiceRequestAssignIn
) -> Any:
    assignee = None
    if payload.assignee is not None:
        assignee = User.objects.filter(pk=payload.assignee, is_active=True).first()
        if assignee is None:
            raise ActionError(f"No person {payload.assignee}", field="assignee")
    return _on_task(request, reference, task_id, actions.assign_task, assignee=assignee)


@router.post(
    "/requests/{reference}/tasks/{task_id}/complete",
    response=ServiceRequestDetail,
    summary="Complete a task; after the last the request is fulfilled",
    operation_id="requests_complete_task",
)
def complete_task(
    request: HttpRequest, reference: RefPath, task_id: IdPath, payload: ServiceRequestNoteIn
) -> Any:
    return _on_task(request, reference, task_id, actions.complete_task, note=payload.note)


@router.post(
    "/requests/{reference}/tasks/{task_id}/reassign",
    response=ServiceRequestDetail,
    summary="Hand a task to another organisation (the desk)",
    operation_id="requests_reassign_task",
)
def reassign_task(
    request: HttpRequest, reference: RefPath, task_id: IdPath, payload: ServiceRequestReassignIn
) -> Any:
    organisation = Organisation.objects.filter(pk=payload.organisation).first()
    if organisation is None:
        raise ActionError(f"No organisation {payload.organisation}", field="organisation")
    return _on_task(request, reference, task_id, actions.reassign_task, organisation=organisation)


@router.post(
    "/requests/{reference}/cancel",
    response=ServiceRequestDetail,
    summary="Cancel (the requester's side or the desk)",
    operation_id="requests_cancel",
)
def cancel(request: HttpRequest, reference: RefPath, payload: ServiceRequestReasonIn) -> Any:
    return _change(request, reference, actions.cancel_request, reason=payload.reason)


@router.post(
    "/requests/{reference}/wait",
    response=ServiceRequestDetail,
    summary="Ask the requester; the fulfilment clock pauses (the desk)",
    operation_id="requests_wait",
)
def wait(request: HttpRequest, reference: RefPath, payload: ServiceRequestQuestionIn) -> Any:
    return _change(request, reference, actions.wait_on_requester, question=payload.question)


@router.post(
    "/requests/{reference}/answer",
    response=ServiceRequestDetail,
    summary="Answer the desk (the requesting organisation)",
    operation_id="requests_answer",
)
def answer(request: HttpRequest, reference: RefPath, payload: ServiceRequestAnswerIn) -> Any:
    return _change(request, reference, actions.answer_request, answer=payload.answer)


@router.post(
    "/requests/{reference}/close",
    response=ServiceRequestDetail,
    summary="Close a fulfilled, rejected or cancelled request",
    operation_id="requests_close",
)
def close(request: HttpRequest, reference: RefPath, payload: ServiceRequestEmptyIn) -> Any:
    return _change(request, reference, actions.close_request)


@router.post(
    "/requests/{reference}/reopen",
    response=ServiceRequestDetail,
    summary="Reopen a fulfilled request, saying what is missing",
    operation_id="requests_reopen",
)
def reopen(request: HttpRequest, reference: RefPath, payload: ServiceRequestRejectIn) -> Any:
    return _change(request, reference, actions.reopen_request, reason=payload.reason)


@router.post(
    "/requests/{reference}/updates",
    response={201: EntryOut},
    summary="Add a public update, or an internal note (those who work it)",
    operation_id="requests_add_update",
)
def add_update(request: HttpRequest, reference: RefPath, payload: ServiceRequestUpdateIn) -> Status:
    req = _request(request, reference)
    func = actions.add_note if payload.internal else actions.add_update
    entry = func(actor=_actor(request), request=req, body=payload.body)
    return Status(201, record_queries.entries_visible_to(request.user, req).get(pk=entry.pk))

"""The request lists: the tabs (my organisation's requests, those waiting for my approval, my
organisation's tasks, the desk's queue), their filters and sorts, and the export columns.

Every tab starts from :func:`busbar.requests.queries.visible_to`; the page, the CSV export and the API
read the same filtered, ordered queryset (:func:`tab_queryset` then :func:`apply`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import F, Q, QuerySet

from busbar.lib.export import Column
from busbar.parties.queries import Scope, scope_for
from busbar.requests import queries
from busbar.requests.models import (
    OPEN_REQUEST_STATUSES,
    ApprovalStatus,
    ApproverKind,
    RequestApproval,
    RequestTask,
    TaskStatus,
)

TABS = {
    "mine": "My organisation's requests",
    "approvals": "Waiting for my approval",
    "tasks": "My organisation's tasks",
    "queue": "Desk queue",
}
SORTS = {
    "-created": (F("created_at").desc(), F("id").desc()),
    "created": (F("created_at").asc(), F("id").asc()),
    "sla_due": (F("record__resolution_due_at").asc(nulls_last=True), F("id").asc()),
    "-sla_due": (F("record__resolution_due_at").desc(nulls_last=True), F("id").desc()),
    "reference": (F("reference").asc(),),
}
SORT_LABELS = {
    "-created": "Newest first",
    "created": "Oldest first",
    "sla_due": "Fulfilment due, soonest first",
    "-sla_due": "Fulfilment due, latest first",
    "reference": "Reference",
}


@dataclass(frozen=True)
class Filters:
    status: str = ""  # a status, or "open"
    item: int | None = None
    organisation: int | None = None
    sort: str = "-created"


def tabs_for(scope: Scope) -> list[str]:
    """The tabs a person is offered, in order."""
    shown = ["mine"] if scope.organisation_ids else []
    if scope.admin_of or scope.is_operations or scope.resolver_for:
        shown.append("approvals")
    if scope.resolver_for or scope.is_desk:
        shown.append("tasks")
    if scope.is_desk:
        shown.append("queue")
    return shown


def decidable_approvals(scope: Scope) -> QuerySet:
    """The pending approvals a person may decide (their own requests aside)."""
    q = Q(pk__in=[])
    if scope.admin_of:
        q |= Q(approver=ApproverKind.ORG_ADMIN, organisation_id__in=scope.admin_of)
    if scope.is_operations:
        q |= Q(approver=ApproverKind.OPERATOR)
    if scope.resolver_for:
        q |= Q(approver=ApproverKind.PROVIDER, organisation_id__in=scope.resolver_for)
    return RequestApproval.objects.filter(q, status=ApprovalStatus.PENDING)


def task_organisations(scope: Scope) -> set[int]:
    return set(scope.resolver_for) | (set(scope.organisation_ids) if scope.is_desk else set())


def open_tasks(scope: Scope) -> QuerySet:
    """The open tasks a person's organisations work."""
    return RequestTask.objects.filter(status=TaskStatus.OPEN, organisation_id__in=task_organisations(scope))


def tab_queryset(user: Any, tab: str) -> QuerySet:
    """The requests of ``tab`` for ``user`` (a tab they are not offered is empty)."""
    scope = scope_for(user)
    visible = queries.visible_to(user)
    if tab not in tabs_for(scope):
        return visible.none()
    if tab == "mine":
        return visible.filter(organisation_id__in=scope.organisation_ids)
    if tab == "approvals":
        return visible.filter(pk__in=decidable_approvals(scope).values("request_id")).exclude(
            requester_id=scope.user_id
        )
    if tab == "tasks":
        return visible.filter(pk__in=open_tasks(scope).values("request_id"))
    return visible.filter(status__in=OPEN_REQUEST_STATUSES)


def apply(qs: QuerySet, f: Filters) -> QuerySet:
    if f.status == "open":
        qs = qs.filter(status__in=OPEN_REQUEST_STATUSES)
    elif f.status:
        qs = qs.filter(status=f.status)
    if f.item is not None:
        qs = qs.filter(item_id=f.item)
    if f.organisation is not None:
        qs = qs.filter(organisation_id=f.organisation)
    return qs.order_by(*SORTS.get(f.sort, SORTS["-created"]))


def rows(qs: QuerySet) -> QuerySet:
    """What a list row, an export line and an API summary read, joined in (no query per row)."""
    return qs.select_related("record", "item", "organisation", "requester")


COLUMNS = [
    Column("Reference", lambda r: r.reference),
    Column("Summary", lambda r: r.summary),
    Column("Item", lambda r: r.item.name),
    Column("Status", lambda r: r.get_status_display()),
    Column("Organisation", lambda r: r.organisation.name),
    Column("Requester", lambda r: r.requester.display_name if r.requester else None),
    Column("Priority", lambda r: r.priority or r.item.priority),
    Column("Channel", lambda r: r.channel),
    Column("Response due ({zone})", lambda r: r.record.response_due_at),
    Column("Fulfilment due ({zone})", lambda r: r.record.resolution_due_at),
    Column("Breached", lambda r: "yes" if r.record.response_breached or r.record.resolution_breached else ""),
    Column("Raised ({zone})", lambda r: r.created_at),
    Column("Fulfilled ({zone})", lambda r: r.fulfilled_at),
]


# What a viewer may do with one request (its page and the API's allowed_actions) ---------------------------


@dataclass(frozen=True)
class Offered:
    request: list[str]
    approvals: dict[int, list[str]]
    tasks: dict[int, list[str]]

    def flat(self) -> list[str]:
        """As the API lists them: ``cancel``, ``approve:12``, ``complete:7``…"""
        return [
            *self.request,
            *(f"{verb}:{pk}" for pk, verbs in self.approvals.items() for verb in verbs),
            *(f"{verb}:{pk}" for pk, verbs in self.tasks.items() for verb in verbs),
        ]


def offered(user: Any, request: Any, approvals: list, tasks: list, *, works: bool) -> Offered:
    """What ``permissions`` allow ``user`` on ``request`` (already shown to them) and on its
    ``approvals`` and ``tasks`` (already read)."""
    from busbar.requests import permissions as p

    scope = scope_for(user)
    verbs = []
    if p.can_add_update(scope, request, visible=True) is None:
        verbs.append("update")
    if p.can_add_note(scope, request, works=works) is None and request.status != "closed":
        verbs.append("note")
    for verb, check in (
        ("cancel", p.can_cancel),
        ("wait", p.can_wait_on_requester),
        ("answer", p.can_answer),
        ("close", p.can_close),
        ("reopen", p.can_reopen),
    ):
        if check(scope, request) is None:
            verbs.append(verb)
    on_approvals = {
        a.pk: ["approve", "reject"]
        for a in approvals
        if request.status == "awaiting_approval" and p.can_decide(scope, a, request) is None
    }
    on_tasks: dict[int, list[str]] = {}
    working = request.status in ("in_fulfilment", "waiting_on_requester")
    for t in tasks:
        shown = []
        if working and p.can_work_task(scope, t) is None:
            if t.assigned_to_id != scope.user_id:
                shown.append("start")
            shown.append("assign")
            if request.status == "in_fulfilment":
                shown.append("complete")
        if request.is_open and p.can_reassign_task(scope, t) is None:
            shown.append("reassign")
        if shown:
            on_tasks[t.pk] = shown
    return Offered(verbs, on_approvals, on_tasks)

"""Background work for service requests: notifications (inbox and one email per person) and the SLA scan.

What an email says is captured by the action when the event happens (:func:`event_data`); who is told is
decided when the task runs, each person only while they may still see the request:

* ``approval_pending``: the people who decide the pending approval (the requester's organisation's
  administrators, the operator's operations managers, the provider's resolvers), never the requester;
* ``task_open``: the people of the organisation the task is assigned to; ``assigned``: the assignee;
* ``approved``, ``rejected``, ``fulfilled``, ``waiting``, ``cancelled``: the requester and the watchers;
* ``update``, ``answered``: the requester, the open task's organisation and the watchers, not the author.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from busbar.lib.actions import ActionError, Actor
from busbar.parties.models import Membership, MembershipRole
from busbar.records import inbox
from busbar.records import mail as record_mail
from busbar.records.models import Notification
from busbar.records.queries import watcher_users
from busbar.requests.models import ApproverKind, Request, RequestApproval, RequestTask, TaskStatus

#: Requests whose notices one transaction of the scan raises together.
SCAN_BATCH = 500
WORKERS = (MembershipRole.RESOLVER, MembershipRole.ANALYST, MembershipRole.OPERATIONS)
DESK = (MembershipRole.ANALYST, MembershipRole.OPERATIONS)


def page_url(request: Request) -> str:
    return reverse("request_detail", kwargs={"reference": request.reference})


def event_data(request: Request, what: str, **extra: Any) -> dict[str, Any]:
    """What a notification about ``what`` says, as the request stands when it happens."""
    return {
        "what": what,
        "reference": request.reference,
        "summary": request.summary,
        "item": request.item.name,
        "organisation": request.organisation.name,
        "status_label": request.get_status_display(),
        "fulfilment_note": request.fulfilment_note,
        "url": f"{settings.SITE_URL}{page_url(request)}",
        **extra,
    }


def _people(**membership: Any) -> list:
    members = Membership.objects.filter(is_active=True, organisation__is_active=True, **membership)
    return list(
        get_user_model().objects.filter(is_active=True, pk__in=members.values("user_id")).order_by("pk")
    )


def approvers(approval: RequestApproval) -> list:
    """The people who may decide ``approval``."""
    if approval.approver == ApproverKind.ORG_ADMIN:
        return _people(organisation_id=approval.organisation_id, role=MembershipRole.ORG_ADMIN)
    if approval.approver == ApproverKind.OPERATOR:
        return _people(role=MembershipRole.OPERATIONS)
    return _people(organisation_id=approval.organisation_id, role=MembershipRole.RESOLVER)


def task_people(organisation_id: int) -> list:
    """The people who work an organisation's tasks (its resolvers, or the desk's analysts and managers)."""
    return _people(organisation_id=organisation_id, role__in=WORKERS)


def desk_people() -> list:
    return _people(role__in=DESK)


def _may_see(users: list, request: Request) -> list:
    from busbar.requests.queries import visible_to

    return [u for u in users if visible_to(u).filter(pk=request.pk).exists()]


#: what → (email template, inbox kind, email preference)
KINDS = {
    "approval_pending": ("approval_pending", Notification.Kind.ASSIGNMENT, "request.approval"),
    "task_open": ("task_open", Notification.Kind.ASSIGNMENT, "request.update"),
    "assigned": ("task_assigned", Notification.Kind.ASSIGNMENT, "request.update"),
    "approved": ("approved", Notification.Kind.BULLETIN, "request.update"),
    "rejected": ("rejected", Notification.Kind.BULLETIN, "request.update"),
    "fulfilled": ("fulfilled", Notification.Kind.BULLETIN, "request.update"),
    "waiting": ("waiting", Notification.Kind.BULLETIN, "request.update"),
    "cancelled": ("cancelled", Notification.Kind.BULLETIN, "request.update"),
    "update": ("update", Notification.Kind.BULLETIN, "request.update"),
    "answered": ("answered", Notification.Kind.BULLETIN, "request.update"),
}
TITLES = {
    "approval_pending": "{reference} waits for your approval: {summary}",
    "task_open": "New task on {reference}: {task}",
    "assigned": "{reference}: {task} is assigned to you",
    "approved": "{reference} is approved: {summary}",
    "rejected": "{reference} is rejected: {summary}",
    "fulfilled": "{reference} is fulfilled: {summary}",
    "waiting": "{reference} waits for your answer: {summary}",
    "cancelled": "{reference} is cancelled: {summary}",
    "update": "New update on {reference}: {summary}",
    "answered": "The requester answered on {reference}: {summary}",
}


def recipients(request: Request, what: str, event: dict[str, Any]) -> list:
    """Who hears of ``what`` (before the visibility check)."""
    requester = [request.requester] if request.requester_id else []
    if what == "approval_pending":
        approval = RequestApproval.objects.get(pk=event["approval_id"])
        return [u for u in approvers(approval) if u.pk != request.requester_id]
    if what == "task_open":
        task = RequestTask.objects.get(pk=event["task_id"])
        return task_people(task.organisation_id)
    if what == "assigned":
        return list(get_user_model().objects.filter(pk=event["user_id"], is_active=True))
    watchers = watcher_users(request)
    if what in ("update", "answered"):
        open_task = request.tasks.filter(status=TaskStatus.OPEN).first()
        workers = task_people(open_task.organisation_id) if open_task else []
        people = requester + workers + watchers
        return [u for u in people if u.pk != event.get("author_id")]
    people = requester + watchers
    if what == "cancelled":
        people = [u for u in people if u.pk != event.get("author_id")]
    return people


@task()
def notify_request(request_id: int, what: str, event: dict[str, Any]) -> int:
    """Tell who should hear of ``what``: one inbox notification and one email each; how many emails."""
    request = Request.objects.select_related("record", "item", "organisation", "requester").get(pk=request_id)
    template, kind, preference = KINDS[what]
    people = _may_see(list({u.pk: u for u in recipients(request, what, event)}.values()), request)
    if "task_id" in event:
        event = {**event, "task": RequestTask.objects.get(pk=event["task_id"]).title}
    title = TITLES[what].format_map(_Defaults(event))
    inbox.deliver(recipients=people, kind=kind, record=request, title=title, url=page_url(request))
    return record_mail.send(
        request.reference,
        event.get("url") or f"{settings.SITE_URL}{page_url(request)}",
        record_mail.addresses(people, preference),
        f"requests/email/{template}.txt",
        {"event": event},
    )


class _Defaults(dict):
    def __missing__(self, key: str) -> str:
        return ""


def sla_inbox(due: dict[int, list[tuple[str, str]]], requests: dict[int, Request]) -> None:
    """The inbox of whoever holds each request now hears of its warnings and breaches (called by the
    scan's action, in its transaction)."""
    open_tasks = {
        t.request_id: t.organisation_id
        for t in RequestTask.objects.filter(request_id__in=list(due), status=TaskStatus.OPEN)
    }
    desk = None
    by_org: dict[int, list] = {}
    deliveries = []
    for pk, notices in due.items():
        request = requests[pk]
        org = open_tasks.get(pk)
        if org is None:
            desk = desk if desk is not None else desk_people()
            people = desk
        else:
            people = by_org.setdefault(org, task_people(org))
        for clock, kind in notices:
            what = "breached" if kind == "breach" else "nearly due"
            deliveries.append(
                inbox.Delivery(
                    recipients=people,
                    kind=Notification.Kind.SLA_WARNING,
                    record=request,
                    title=f"{request.reference}: the {clock} target is {what} ({request.summary})",
                    url=page_url(request),
                )
            )
    inbox.deliver_many(deliveries)


@task()
def scan_sla(now_iso: str | None = None) -> dict[str, int]:
    """Raise each due warning and breach once, reading only the requests whose next check time has come."""
    from busbar.requests import actions, sla

    now = dt.datetime.fromisoformat(now_iso) if now_iso else timezone.now()
    candidates = sla.with_clock_data(
        Request.objects.filter(record__sla_next_check_at__lte=now).order_by("pk")
    )
    raised = {"warning": 0, "breach": 0}
    batch: list[int] = []

    def flush() -> None:
        try:
            done = actions.raise_sla_notices(actor=Actor.system(), request_ids=list(batch), now=now)
        except ActionError:
            pass  # raised meanwhile by a concurrent scan: exactly once still holds
        else:
            for kind, n in done.items():
                raised[kind] += n
        batch.clear()

    for request in candidates.iterator(chunk_size=SCAN_BATCH):
        if sla.due_notices(request, now, set()):
            batch.append(request.pk)
        if len(batch) == SCAN_BATCH:
            flush()
    if batch:
        flush()
    return raised


#: For the lead: the periodic tasks of this module (registered in registrations.py).
PERIODIC = [scan_sla]

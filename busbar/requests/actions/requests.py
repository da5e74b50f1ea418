"""The life of a service request (RQ-01…RQ-14): raised from a catalogue item (portal, API, email),
approved step by step, fulfilled by tasks worked one after another by the desk or a provider, with a
conversation, attachments, watchers and SLA clocks from the record kernel; then closed.

Every function is an action: one transaction, refused by :mod:`busbar.requests.permissions`, state moves
through ``REQUEST_TRANSITIONS`` (409 otherwise), journalled as ``request.*`` on the request (its
timeline), the SLA clocks kept in step (:func:`busbar.requests.sla.sync`), notifications queued on commit
(:mod:`busbar.requests.tasks`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from busbar.audit.journal import Entry as JournalEntry
from busbar.audit.journal import record as journal
from busbar.audit.journal import record_many
from busbar.lib.actions import (
    ActionError,
    Actor,
    Conflict,
    IllegalTransition,
    action,
    check_transition,
    refuse,
)
from busbar.lib.limits import SHORT_TEXT, check_text
from busbar.parties.models import OPERATOR_ROLES, Membership, Organisation
from busbar.parties.queries import scope_of
from busbar.records import steps
from busbar.records.models import Entry, Record, SlaNotice
from busbar.requests import permissions, queries, sla, tasks
from busbar.requests.models import (
    REQUEST_TRANSITIONS,
    ApprovalStatus,
    ApproverKind,
    Assignee,
    CatalogueItem,
    Request,
    RequestApproval,
    RequestStatus,
    RequestTask,
    TaskStatus,
)

CHANNELS = ("portal", "api", "email", "phone")
#: Files one update may carry.
MAX_FILES = 10
SUMMARY_MAX = Request._meta.get_field("summary").max_length


# Shared steps ------------------------------------------------------------------------------------------


def _lock(request: Request) -> Request:
    return (
        Request.objects.select_for_update(of=("self",))
        .select_related("record", "item__sla_policy", "organisation", "requester")
        .get(pk=request.pk)
    )


def _journal(actor: Actor, request: Request, what: str, changes: dict | None = None, note: str = "") -> None:
    journal(
        actor=actor.acting_for(request.organisation),
        action=what,
        obj=request,
        owner=request.organisation,
        changes=changes,
        note=note[:500],
    )


def _move(request: Request, status: str, now: dt.datetime) -> list:
    check_transition(REQUEST_TRANSITIONS, request.status, status, what=request.reference)
    change = [request.status, status]
    request.status = status
    request.updated_at = now
    if status == RequestStatus.FULFILLED:
        request.fulfilled_at = now
    elif status == RequestStatus.CLOSED:
        request.closed_at = now
    return change


def _notify(request: Request, what: str, **extra: Any) -> None:
    event = tasks.event_data(request, what, **extra)
    transaction.on_commit(lambda: tasks.notify_request.enqueue(request.pk, what, event))


def _operator() -> Organisation:
    """The organisation that runs the desk (holds the switching operator or service desk role)."""
    found = Organisation.objects.filter(is_active=True, roles__role__in=OPERATOR_ROLES).order_by("pk").first()
    if found is None:
        raise ActionError("No organisation runs the service desk", field="item")
    return found


def _text(value: str, *, field: str, required: bool = False, what: str = "Write something") -> str:
    value = (value or "").strip()
    if required and not value:
        raise ActionError(what, field=field)
    return check_text(value, field=field) if value else ""


def _fulfilling(actor: Actor, request: Request) -> bool:
    """Whether the actor acts for the fulfilling side (the desk, a provider working it): what they say
    publicly is a response."""
    if actor.user is None:
        return actor.channel == "system"
    return queries.works_on(actor.user, request)


def _files(request: Request, entry: Entry | None, files: Sequence, *, actor: Actor, internal: bool) -> list:
    files = list(files or ())
    if len(files) > MAX_FILES:
        raise ActionError(f"Attach at most {MAX_FILES} files at a time", field="attachments")
    return steps.add_attachments(request.record, entry, files, actor=actor, internal=internal)


def _open_task(task: RequestTask, now: dt.datetime) -> None:
    task.status = TaskStatus.OPEN
    task.opened_at = now
    task.save(update_fields=["status", "opened_at"])


def _advance(actor: Actor, request: Request, now: dt.datetime) -> tuple[str, RequestTask | None]:
    """After the last approval or a completed task: open the next waiting task, else fulfil. Returns
    the event (``task_open`` or ``fulfilled``) and the task opened."""
    nxt = request.tasks.filter(status=TaskStatus.WAITING).order_by("order", "id").first()
    if nxt is not None:
        if request.status != RequestStatus.IN_FULFILMENT:
            _move(request, RequestStatus.IN_FULFILMENT, now)
        _open_task(nxt, now)
        return "task_open", nxt
    _move(request, RequestStatus.FULFILLED, now)
    return "fulfilled", None


def _wind_down(request: Request) -> None:
    """A request that ends before fulfilment: its undecided approvals are withdrawn, its tasks cancelled."""
    request.approvals.filter(status__in=[ApprovalStatus.WAITING, ApprovalStatus.PENDING]).update(
        status=ApprovalStatus.WITHDRAWN
    )
    request.tasks.filter(status__in=[TaskStatus.WAITING, TaskStatus.OPEN]).update(status=TaskStatus.CANCELLED)


def _priority(item: CatalogueItem, priority: str) -> str:
    priority = (priority or "").strip()
    if not priority:
        return ""
    if item.sla_policy is None:
        raise ActionError("This item has no SLA policy to set a priority on", field="priority")
    from busbar.services.models import Severity

    if not Severity.objects.filter(scheme_id=item.sla_policy.scheme_id, code=priority[:10]).exists():
        raise ActionError(f"No priority {priority[:10]!r} in {item.sla_policy.scheme}", field="priority")
    return priority


def _store_files(record: Record, answers: dict, *, actor: Actor) -> dict:
    """File answers become attachments on the record; the answer keeps the attachment's id."""
    for key, value in list(answers.items()):
        if not hasattr(value, "read"):
            continue
        name = getattr(value, "name", key) or key
        content = value.read()
        try:
            saved = steps.add_attachments(
                record,
                None,
                [(name, getattr(value, "content_type", "") or "", content)],
                actor=actor,
                internal=False,
            )
        except ActionError as exc:
            raise ActionError(exc.message, field=key) from None
        answers[key] = saved[0].pk
    return answers


def _approval_org(step: Any, organisation: Organisation, operator: Organisation) -> Organisation:
    if step.approver == ApproverKind.ORG_ADMIN:
        return organisation
    if step.approver == ApproverKind.OPERATOR:
        return operator
    if step.provider is None:
        raise ActionError(f"The item's approval step {step.order} names no provider", field="item")
    return step.provider


def _task_org(template: Any, operator: Organisation) -> Organisation:
    if template.assignee == Assignee.DESK:
        return operator
    if template.provider is None:
        raise ActionError(f"The item's task {template.title!r} names no provider", field="item")
    return template.provider


# Raise -------------------------------------------------------------------------------------------------


@action
def raise_request(
    *,
    actor: Actor,
    item: CatalogueItem,
    organisation: Organisation,
    answers: Mapping[str, Any],
    summary: str = "",
    description: str = "",
    channel: str = "portal",
    priority: str = "",
    email_message_id: str = "",
    now: dt.datetime | None = None,
) -> Request:
    """Raise a request from ``item`` for ``organisation``: the answers checked against the item's form,
    its approvals and tasks copied, the clocks started, file answers attached."""
    from busbar.requests import formspec

    now = now or timezone.now()
    scope = scope_of(actor)
    if organisation is None:
        raise ActionError("Name the organisation the request is for", field="organisation")
    may_ask = actor.user is None or queries.items_for(actor.user).filter(pk=item.pk).exists()
    refuse(permissions.can_raise(scope, item, organisation, may_ask=may_ask))
    if not organisation.is_active:
        raise ActionError(f"{organisation} is not active", field="organisation")
    actor = actor.acting_for(organisation)
    if channel not in CHANNELS:
        raise ActionError(f"No channel {str(channel)[:20]!r}: one of {', '.join(CHANNELS)}", field="channel")
    summary = " ".join((summary or "").split()) or item.name
    if len(summary) > min(SUMMARY_MAX, SHORT_TEXT):
        raise ActionError(
            f"Keep the summary within {min(SUMMARY_MAX, SHORT_TEXT)} characters", field="summary"
        )
    description = _text(description, field="description")
    priority = _priority(item, priority)
    cleaned = dict(
        formspec.clean_answers(
            item, answers or {}, organisation=organisation, user=actor.user, today=timezone.localdate(now)
        )
    )
    steps_ = list(item.approval_steps.select_related("provider").order_by("order", "id"))
    templates = list(item.task_templates.select_related("provider").order_by("order", "id"))
    needs_desk = not (steps_ or templates) or any(s.approver == ApproverKind.OPERATOR for s in steps_)
    operator = _operator() if needs_desk or any(t.assignee == Assignee.DESK for t in templates) else None
    record = steps.new_record("request", created_at=now)
    request = Request.objects.create(
        record=record,
        reference=record.reference,
        item=item,
        summary=summary,
        organisation=organisation,
        requester=actor.user,
        answers={},
        status=RequestStatus.AWAITING_APPROVAL if steps_ else RequestStatus.IN_FULFILMENT,
        priority=priority,
        channel=channel,
        created_at=now,
        updated_at=now,
    )
    request.answers = _store_files(record, cleaned, actor=actor)
    request.save(update_fields=["answers"])
    approvals = RequestApproval.objects.bulk_create(
        [
            RequestApproval(
                request=request,
                order=index,
                approver=step.approver,
                organisation=_approval_org(step, organisation, operator),
                status=ApprovalStatus.PENDING if index == 0 else ApprovalStatus.WAITING,
            )
            for index, step in enumerate(steps_)
        ]
    )
    if not steps_ and not templates:
        # Nothing configured: the request waits in fulfilment for the desk, as a task of its own.
        task_rows = [RequestTask(request=request, order=0, title="Handle the request", organisation=operator)]
    else:
        task_rows = [
            RequestTask(
                request=request,
                order=index,
                title=t.title,
                description=t.description,
                organisation=_task_org(t, operator),
            )
            for index, t in enumerate(templates)
        ]
    created_tasks = RequestTask.objects.bulk_create(task_rows)
    if email_message_id and not description:
        description = summary
    if description:
        steps.add_entry(
            record,
            actor=actor,
            body=description,
            internal=False,
            now=now,
            field="description",
            email_message_id=email_message_id,
        )
    opened = None
    if not approvals and created_tasks:
        opened = sorted(created_tasks, key=lambda t: (t.order, t.pk))[0]
        _open_task(opened, now)
    sla.sync(request, now)
    _journal(
        actor,
        request,
        "request.raise",
        {
            "item": [None, item.name],
            "summary": [None, summary],
            "status": [None, request.status],
            "channel": [None, channel],
        },
    )
    if approvals:
        _notify(request, "approval_pending", approval_id=approvals[0].pk)
    if opened is not None:
        _notify(request, "task_open", task_id=opened.pk)
    return request


# Approvals ---------------------------------------------------------------------------------------------


def _decision(actor: Actor, approval: RequestApproval) -> tuple[Request, RequestApproval]:
    request = _lock(approval.request)
    approval = RequestApproval.objects.select_for_update(of=("self",)).get(pk=approval.pk)
    if request.status != RequestStatus.AWAITING_APPROVAL:
        raise IllegalTransition(f"{request.reference} is not awaiting approval", field="status")
    if approval.status != ApprovalStatus.PENDING:
        raise IllegalTransition("This approval is not waiting for a decision", field="approval")
    refuse(permissions.can_decide(scope_of(actor), approval, request))
    return request, approval


@action
def approve(
    *, actor: Actor, approval: RequestApproval, reason: str = "", now: dt.datetime | None = None
) -> RequestApproval:
    """Approve ``approval``. The next step becomes pending; after the last one the item's fulfilment runs
    (access items, in this transaction: its failure refuses the approval) and the first task opens, or the
    request is fulfilled when it has none."""
    now = now or timezone.now()
    request, approval = _decision(actor, approval)
    reason = _text(reason, field="reason")
    approval.status = ApprovalStatus.APPROVED
    approval.decided_by = actor.user
    approval.decided_at = now
    approval.reason = reason
    approval.save(update_fields=["status", "decided_by", "decided_at", "reason"])
    changes: dict[str, list] = {
        f"approval_{approval.order + 1}": [ApprovalStatus.PENDING, ApprovalStatus.APPROVED]
    }
    nxt = request.approvals.filter(status=ApprovalStatus.WAITING).order_by("order", "id").first()
    event, opened = "", None
    if nxt is not None:
        nxt.status = ApprovalStatus.PENDING
        nxt.save(update_fields=["status"])
        request.updated_at = now
        event = "approval_pending"
    else:
        if request.item.fulfilment:
            from busbar.requests import fulfilment

            note = fulfilment.perform(actor=actor, request=request) or ""
            request.fulfilment_note = str(note)[:5000]
            changes["fulfilment"] = [
                None,
                request.fulfilment_note[:200] or request.item.get_fulfilment_display(),
            ]
        old = request.status
        event, opened = _advance(actor, request, now)
        changes["status"] = [old, request.status]
    request.save()
    sla.sync(request, now, responded=approval.approver != ApproverKind.ORG_ADMIN)
    _journal(actor, request, "request.approve", changes, note=reason)
    if event == "approval_pending":
        _notify(request, "approval_pending", approval_id=nxt.pk)
    else:
        _notify(request, "fulfilled" if event == "fulfilled" else "approved", reason=reason)
        if opened is not None:
            _notify(request, "task_open", task_id=opened.pk)
    return approval


@action
def reject(
    *, actor: Actor, approval: RequestApproval, reason: str, now: dt.datetime | None = None
) -> RequestApproval:
    """Reject ``approval`` with a reason: the request is rejected, its other steps withdrawn."""
    now = now or timezone.now()
    request, approval = _decision(actor, approval)
    reason = _text(reason, field="reason", required=True, what="Say why the request is rejected")
    approval.status = ApprovalStatus.REJECTED
    approval.decided_by = actor.user
    approval.decided_at = now
    approval.reason = reason
    approval.save(update_fields=["status", "decided_by", "decided_at", "reason"])
    change = _move(request, RequestStatus.REJECTED, now)
    _wind_down(request)
    request.save()
    sla.sync(request, now, responded=True)
    _journal(actor, request, "request.reject", {"status": change}, note=reason)
    _notify(request, "rejected", reason=reason)
    return approval


# Tasks -------------------------------------------------------------------------------------------------


def _task(actor: Actor, task: RequestTask, *, working: tuple[str, ...]) -> tuple[Request, RequestTask]:
    request = _lock(task.request)
    task = RequestTask.objects.select_for_update(of=("self",)).select_related("organisation").get(pk=task.pk)
    refuse(permissions.can_work_task(scope_of(actor), task))
    if request.status not in working:
        raise IllegalTransition(
            f"{request.reference} is {request.get_status_display().lower()}: its tasks wait", field="status"
        )
    return request, task


@action
def start_task(*, actor: Actor, task: RequestTask, now: dt.datetime | None = None) -> RequestTask:
    """Take ``task`` on: it is assigned to the actor, and the request has had its response."""
    now = now or timezone.now()
    request, task = _task(
        actor, task, working=(RequestStatus.IN_FULFILMENT, RequestStatus.WAITING_ON_REQUESTER)
    )
    if actor.user is None:
        raise ActionError("A person starts a task", field="task")
    if task.assigned_to_id == actor.user.pk:
        raise Conflict("You have already started this task", field="task")
    old = task.assigned_to
    task.assigned_to = actor.user
    task.save(update_fields=["assigned_to"])
    request.updated_at = now
    request.save(update_fields=["updated_at"])
    sla.sync(request, now, responded=True)
    _journal(
        actor,
        request,
        "request.task_start",
        {f"task_{task.order + 1}_assigned_to": [old, actor.user]},
        note=task.title,
    )
    return task


@action
def assign_task(
    *, actor: Actor, task: RequestTask, assignee: Any, now: dt.datetime | None = None
) -> RequestTask:
    """Give ``task`` to ``assignee``, an active member of the organisation it is assigned to (None:
    nobody in person)."""
    now = now or timezone.now()
    request, task = _task(
        actor, task, working=(RequestStatus.IN_FULFILMENT, RequestStatus.WAITING_ON_REQUESTER)
    )
    if (
        assignee is not None
        and not Membership.objects.filter(
            user_id=assignee.pk, organisation_id=task.organisation_id, is_active=True, user__is_active=True
        ).exists()
    ):
        raise ActionError(f"{assignee} is not a member of {task.organisation}", field="assignee")
    if (assignee.pk if assignee else None) == task.assigned_to_id:
        raise Conflict("The task is already assigned so", field="assignee")
    old = task.assigned_to
    task.assigned_to = assignee
    task.save(update_fields=["assigned_to"])
    request.updated_at = now
    request.save(update_fields=["updated_at"])
    _journal(actor, request, "request.task_assign", {f"task_{task.order + 1}_assigned_to": [old, assignee]})
    if assignee is not None and (actor.user is None or assignee.pk != actor.user.pk):
        _notify(request, "assigned", task_id=task.pk, user_id=assignee.pk)
    return task


@action
def complete_task(
    *, actor: Actor, task: RequestTask, note: str = "", now: dt.datetime | None = None
) -> RequestTask:
    """Mark ``task`` done (with a note shown on the request); the next task opens, or after the last the
    request is fulfilled."""
    now = now or timezone.now()
    request, task = _task(actor, task, working=(RequestStatus.IN_FULFILMENT,))
    note = _text(note, field="note")
    task.status = TaskStatus.DONE
    task.note = note
    task.completed_by = actor.user
    task.completed_at = now
    if task.assigned_to_id is None and actor.user is not None:
        task.assigned_to = actor.user
    task.save(update_fields=["status", "note", "completed_by", "completed_at", "assigned_to"])
    old = request.status
    event, opened = _advance(actor, request, now)
    request.save()
    sla.sync(request, now, responded=True)
    changes: dict[str, list] = {f"task_{task.order + 1}": [TaskStatus.OPEN, TaskStatus.DONE]}
    if request.status != old:
        changes["status"] = [old, request.status]
    _journal(
        actor, request, "request.task_complete", changes, note=f"{task.title}: {note}" if note else task.title
    )
    if opened is not None:
        _notify(request, "task_open", task_id=opened.pk)
    if event == "fulfilled":
        _notify(request, "fulfilled", reason=note)
    return task


@action
def reassign_task(
    *, actor: Actor, task: RequestTask, organisation: Organisation, now: dt.datetime | None = None
) -> RequestTask:
    """Hand ``task`` to another organisation (the desk only); nobody in person holds it then."""
    now = now or timezone.now()
    request = _lock(task.request)
    task = RequestTask.objects.select_for_update(of=("self",)).select_related("organisation").get(pk=task.pk)
    refuse(permissions.can_reassign_task(scope_of(actor), task))
    if organisation is None or not organisation.is_active:
        raise ActionError("Name an active organisation", field="organisation")
    if organisation.pk == task.organisation_id:
        raise Conflict(f"The task is already with {organisation}", field="organisation")
    old = task.organisation
    task.organisation = organisation
    task.assigned_to = None
    task.save(update_fields=["organisation", "assigned_to"])
    request.updated_at = now
    request.save(update_fields=["updated_at"])
    _journal(
        actor, request, "request.task_reassign", {f"task_{task.order + 1}_organisation": [old, organisation]}
    )
    if task.status == TaskStatus.OPEN:
        _notify(request, "task_open", task_id=task.pk)
    return task


# Conversation ------------------------------------------------------------------------------------------


@action
def add_update(
    *,
    actor: Actor,
    request: Request,
    body: str,
    attachments: Sequence[tuple[str, str, bytes]] = (),
    email_message_id: str = "",
    now: dt.datetime | None = None,
) -> Entry:
    """A public update (with files) from anyone who sees the request; the fulfilling side's first one
    is the response."""
    now = now or timezone.now()
    request = _lock(request)
    visible = actor.user is None or queries.visible_to(actor.user).filter(pk=request.pk).exists()
    refuse(permissions.can_add_update(scope_of(actor), request, visible=visible))
    actor = actor.acting_for(request.organisation, *_working_orgs(request))
    entry = steps.add_entry(
        request.record, actor=actor, body=body, internal=False, now=now, email_message_id=email_message_id
    )
    files = _files(request, entry, attachments, actor=actor, internal=False)
    request.updated_at = now
    request.save(update_fields=["updated_at"])
    sla.sync(request, now, responded=_fulfilling(actor, request))
    change = {"update": [None, "update"]}
    if files:
        change["attachments"] = [None, ", ".join(f.filename for f in files)]
    _journal(actor, request, "request.update", change)
    _notify(request, "update", body=entry.body, author_id=actor.user.pk if actor.user else None)
    return entry


@action
def add_note(
    *,
    actor: Actor,
    request: Request,
    body: str,
    attachments: Sequence[tuple[str, str, bytes]] = (),
    now: dt.datetime | None = None,
) -> Entry:
    """An internal note, read only by those who work the request."""
    now = now or timezone.now()
    request = _lock(request)
    works = actor.user is None or queries.works_on(actor.user, request)
    refuse(permissions.can_add_note(scope_of(actor), request, works=works))
    entry = steps.add_entry(request.record, actor=actor, body=body, internal=True, now=now)
    files = _files(request, entry, attachments, actor=actor, internal=True)
    request.updated_at = now
    request.save(update_fields=["updated_at"])
    change = {"update": [None, "internal note"]}
    if files:
        change["attachments"] = [None, ", ".join(f.filename for f in files)]
    _journal(actor, request, "request.note", change)
    return entry


def _working_orgs(request: Request) -> list[int]:
    return list(request.tasks.values_list("organisation_id", flat=True)) + list(
        request.approvals.values_list("organisation_id", flat=True)
    )


# The request's own state --------------------------------------------------------------------------------


@action
def cancel_request(
    *, actor: Actor, request: Request, reason: str = "", now: dt.datetime | None = None
) -> Request:
    """Withdraw an open request (the requester's side or the desk): approvals withdrawn, tasks cancelled."""
    now = now or timezone.now()
    request = _lock(request)
    check_transition(REQUEST_TRANSITIONS, request.status, RequestStatus.CANCELLED, what=request.reference)
    refuse(permissions.can_cancel(scope_of(actor), request))
    reason = _text(reason, field="reason")
    change = _move(request, RequestStatus.CANCELLED, now)
    _wind_down(request)
    request.save()
    if reason:
        steps.add_entry(request.record, actor=actor, body=reason, internal=False, now=now, field="reason")
    sla.sync(request, now)
    _journal(actor, request, "request.cancel", {"status": change}, note=reason)
    _notify(request, "cancelled", reason=reason, author_id=actor.user.pk if actor.user else None)
    return request


@action
def wait_on_requester(
    *, actor: Actor, request: Request, question: str, now: dt.datetime | None = None
) -> Request:
    """Ask the requester something (the desk); the resolution clock pauses until they answer."""
    now = now or timezone.now()
    request = _lock(request)
    check_transition(
        REQUEST_TRANSITIONS, request.status, RequestStatus.WAITING_ON_REQUESTER, what=request.reference
    )
    refuse(permissions.can_wait_on_requester(scope_of(actor), request))
    question = _text(question, field="question", required=True, what="Ask the requester something")
    change = _move(request, RequestStatus.WAITING_ON_REQUESTER, now)
    request.save()
    steps.add_entry(request.record, actor=actor, body=question, internal=False, now=now, field="question")
    sla.sync(request, now, responded=True)
    _journal(actor, request, "request.wait", {"status": change})
    _notify(request, "waiting", reason=question)
    return request


@action
def answer_request(
    *,
    actor: Actor,
    request: Request,
    answer: str,
    attachments: Sequence[tuple[str, str, bytes]] = (),
    now: dt.datetime | None = None,
) -> Request:
    """The requesting organisation answers: the request goes back to fulfilment, the clock resumes."""
    now = now or timezone.now()
    request = _lock(request)
    check_transition(REQUEST_TRANSITIONS, request.status, RequestStatus.IN_FULFILMENT, what=request.reference)
    refuse(permissions.can_answer(scope_of(actor), request))
    answer = _text(answer, field="answer", required=True, what="Write your answer")
    actor = actor.acting_for(request.organisation)
    change = _move(request, RequestStatus.IN_FULFILMENT, now)
    request.save()
    entry = steps.add_entry(request.record, actor=actor, body=answer, internal=False, now=now, field="answer")
    _files(request, entry, attachments, actor=actor, internal=False)
    sla.sync(request, now)
    _journal(actor, request, "request.answer", {"status": change})
    _notify(request, "answered", body=answer, author_id=actor.user.pk if actor.user else None)
    return request


@action
def close_request(*, actor: Actor, request: Request, now: dt.datetime | None = None) -> Request:
    """Close a fulfilled, rejected or cancelled request."""
    now = now or timezone.now()
    request = _lock(request)
    check_transition(REQUEST_TRANSITIONS, request.status, RequestStatus.CLOSED, what=request.reference)
    refuse(permissions.can_close(scope_of(actor), request))
    change = _move(request, RequestStatus.CLOSED, now)
    request.save()
    sla.sync(request, now)
    _journal(actor, request, "request.close", {"status": change})
    return request


@action
def reopen_request(*, actor: Actor, request: Request, reason: str, now: dt.datetime | None = None) -> Request:
    """A fulfilled request that was not what was asked for goes back to fulfilment: the desk gets a
    follow-up task, the resolution clock restarts."""
    now = now or timezone.now()
    request = _lock(request)
    if request.status != RequestStatus.FULFILLED:
        raise IllegalTransition(
            f"Only a fulfilled request is reopened; {request.reference} is "
            f"{request.get_status_display().lower()}",
            field="status",
        )
    refuse(permissions.can_reopen(scope_of(actor), request))
    reason = _text(reason, field="reason", required=True, what="Say what is still missing")
    change = _move(request, RequestStatus.IN_FULFILMENT, now)
    request.fulfilled_at = None
    request.save()
    order = (request.tasks.aggregate(m=Max("order"))["m"] or 0) + 1
    task = RequestTask.objects.create(
        request=request,
        order=order,
        title="Follow up the reopened request",
        description=reason,
        organisation=_operator(),
        status=TaskStatus.OPEN,
        opened_at=now,
    )
    steps.add_entry(request.record, actor=actor, body=reason, internal=False, now=now, field="reason")
    sla.sync(request, now)
    _journal(actor, request, "request.reopen", {"status": change}, note=reason)
    _notify(request, "task_open", task_id=task.pk)
    return request


# SLA notices --------------------------------------------------------------------------------------------


@action
def raise_sla_notices(*, actor: Actor, request_ids: list[int], now: dt.datetime) -> dict[str, int]:
    """Raise every warning and breach due by ``now`` on these requests (a batch of the SLA scan), once
    each; the inbox of whoever holds the request now (the open task's organisation, else the desk) is
    told. Refused when nothing is due any more (a concurrent scan raised it)."""
    locked = list(
        sla.with_clock_data(
            Request.objects.select_for_update(of=("self",)).filter(pk__in=request_ids).order_by("pk")
        )
    )
    raised: dict[int, set[tuple[str, str]]] = {}
    for record_id, clock, kind in SlaNotice.objects.filter(
        record_id__in=[r.record_id for r in locked]
    ).values_list("record_id", "clock", "kind"):
        raised.setdefault(record_id, set()).add((clock, kind))
    new: list[SlaNotice] = []
    changed: list[Record] = []
    fields: set[str] = {"sla_notified"}
    by_request: dict[int, list[SlaNotice]] = {}
    for request in locked:
        due = sla.due_notices(request, now, raised.get(request.record_id, set()))
        if not due:
            continue
        for notice in due:
            notice.raised_at = now
            request.record.sla_notified |= sla.NOTICE_BITS[(notice.clock, notice.kind)]
        fields.update(sla.kernel.refresh_cache(request.record, sla.clocks_for(request, now)))
        changed.append(request.record)
        new += due
        by_request[request.pk] = due
    if not new:
        raise ActionError("Nothing is due on these requests any more", field="request_ids")
    SlaNotice.objects.bulk_create(new)
    Record.objects.bulk_update(changed, sorted(fields))
    requests = {r.pk: r for r in locked}
    record_many(
        actor=actor,
        entries=[
            JournalEntry(
                action=f"request.sla_{n.kind}",
                obj=requests[pk],
                owner_id=requests[pk].organisation_id,
                changes={f"{n.clock}_{n.kind}": [None, n.crossed_at]},
            )
            for pk, notices in by_request.items()
            for n in notices
        ],
    )
    tasks.sla_inbox(
        {pk: [(n.clock, n.kind) for n in notices] for pk, notices in by_request.items()}, requests
    )
    return {
        "warning": sum(n.kind == SlaNotice.Kind.WARNING for n in new),
        "breach": sum(n.kind == SlaNotice.Kind.BREACH for n in new),
    }


__all__ = [
    "add_note",
    "add_update",
    "answer_request",
    "approve",
    "assign_task",
    "cancel_request",
    "close_request",
    "complete_task",
    "raise_request",
    "raise_sla_notices",
    "reassign_task",
    "reject",
    "reopen_request",
    "start_task",
    "wait_on_requester",
]

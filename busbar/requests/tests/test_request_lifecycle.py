"""A request end to end: raised, approved in order, its tasks worked one after another, fulfilled, closed;
each step journalled and the conversation kept on the kernel."""

from __future__ import annotations

import datetime as dt

import pytest

from busbar.audit.models import AuditEntry
from busbar.lib.actions import ActionError, IllegalTransition, NotPermitted
from busbar.records.models import Entry
from busbar.requests import actions
from busbar.requests.models import (
    ApprovalStatus,
    Request,
    RequestStatus,
    TaskStatus,
)
from busbar.requests.tests.conftest import NOW, TODAY, actor

pytestmark = pytest.mark.django_db


def network_answers(r) -> dict:
    return {
        "wanted_by": (TODAY + dt.timedelta(days=10)).isoformat(),
        "circuits": "2",
        "service": str(r.css.pk),
    }


def raise_network(r, **kw) -> Request:
    return actions.raise_request(
        actor=actor(r.world.user_a),
        item=r.network,
        organisation=r.world.org_a,
        answers=network_answers(r),
        summary="Connect our new data centre",
        now=kw.pop("now", NOW),
        **kw,
    )


def test_raise_approve_in_order_work_tasks_fulfil_and_close(r) -> None:
    w = r.world
    req = raise_network(r, description="Two circuits please")
    assert req.reference.startswith("REQ") and req.status == RequestStatus.AWAITING_APPROVAL
    assert req.answers["circuits"] == 2 and req.requester == w.user_a
    first, second = req.approvals.order_by("order")
    assert (first.approver, first.organisation, first.status) == (
        "org_admin",
        w.org_a,
        ApprovalStatus.PENDING,
    )
    assert (second.approver, second.organisation, second.status) == ("operator", w.operator, "waiting")
    desk_task, provider_task = req.tasks.order_by("order")
    assert desk_task.organisation == w.operator and provider_task.organisation == w.provider
    assert {desk_task.status, provider_task.status} == {TaskStatus.WAITING}
    assert Entry.objects.get(record=req.record).body == "Two circuits please"

    # The operator cannot decide before Alpha's administrator: their step is not pending yet.
    with pytest.raises(IllegalTransition):
        actions.approve(actor=actor(w.ops), approval=second)
    actions.approve(actor=actor(w.admin_a), approval=first, reason="Budget agreed", now=NOW)
    second.refresh_from_db()
    assert second.status == ApprovalStatus.PENDING
    actions.approve(actor=actor(w.ops), approval=second, now=NOW + dt.timedelta(minutes=5))
    req.refresh_from_db()
    desk_task.refresh_from_db()
    assert req.status == RequestStatus.IN_FULFILMENT and desk_task.status == TaskStatus.OPEN

    # The provider cannot work the desk's task; the desk can.
    with pytest.raises(NotPermitted):
        actions.start_task(actor=actor(w.resolver), task=desk_task)
    actions.start_task(actor=actor(w.analyst), task=desk_task, now=NOW + dt.timedelta(minutes=10))
    actions.complete_task(
        actor=actor(w.analyst), task=desk_task, note="Checked", now=NOW + dt.timedelta(hours=1)
    )
    provider_task.refresh_from_db()
    assert provider_task.status == TaskStatus.OPEN
    actions.complete_task(
        actor=actor(w.resolver), task=provider_task, note="Configured", now=NOW + dt.timedelta(hours=2)
    )
    req.refresh_from_db()
    assert req.status == RequestStatus.FULFILLED and req.fulfilled_at == NOW + dt.timedelta(hours=2)

    actions.close_request(actor=actor(w.user_a), request=req, now=NOW + dt.timedelta(hours=3))
    req.refresh_from_db()
    assert req.status == RequestStatus.CLOSED and req.closed_at is not None
    journal = list(
        AuditEntry.objects.filter(record_id=str(req.pk), action__startswith="request.")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert journal == [
        "request.raise",
        "request.approve",
        "request.approve",
        "request.task_start",
        "request.task_complete",
        "request.task_complete",
        "request.close",
    ]


def test_item_without_approvals_opens_its_first_task_at_once(r) -> None:
    req = actions.raise_request(
        actor=actor(r.world.user_b),
        item=r.info,
        organisation=r.world.org_b,
        answers={"question": "When is the next release?"},
        now=NOW,
    )
    assert req.status == RequestStatus.IN_FULFILMENT and req.summary == "Information request"
    assert req.tasks.get().status == TaskStatus.OPEN


def test_reject_needs_a_reason_and_ends_the_request(r) -> None:
    w = r.world
    req = raise_network(r)
    first = req.approvals.get(order=0)
    with pytest.raises(ActionError) as exc:
        actions.reject(actor=actor(w.admin_a), approval=first, reason="  ")
    assert exc.value.field == "reason"
    actions.reject(actor=actor(w.admin_a), approval=first, reason="Not this year")
    req.refresh_from_db()
    assert req.status == RequestStatus.REJECTED
    assert set(req.approvals.values_list("status", flat=True)) == {"rejected", "withdrawn"}
    assert set(req.tasks.values_list("status", flat=True)) == {"cancelled"}
    actions.close_request(actor=actor(w.analyst), request=req)


def test_bad_answer_names_the_field_and_writes_nothing(r) -> None:
    answers = {**network_answers(r), "circuits": "11"}
    with pytest.raises(ActionError) as exc:
        actions.raise_request(
            actor=actor(r.world.user_a), item=r.network, organisation=r.world.org_a, answers=answers, now=NOW
        )
    assert exc.value.field == "circuits"
    assert not Request.objects.exists()


def test_wait_answer_cancel_reopen(r) -> None:
    w = r.world
    req = actions.raise_request(
        actor=actor(w.user_a), item=r.info, organisation=w.org_a, answers={"question": "Q?"}, now=NOW
    )
    with pytest.raises(ActionError) as exc:
        actions.wait_on_requester(actor=actor(w.analyst), request=req, question="")
    assert exc.value.field == "question"
    actions.wait_on_requester(actor=actor(w.analyst), request=req, question="Which MPAN?")
    req.refresh_from_db()
    assert req.status == RequestStatus.WAITING_ON_REQUESTER
    with pytest.raises(IllegalTransition):
        actions.wait_on_requester(actor=actor(w.analyst), request=req, question="Again?")
    actions.answer_request(actor=actor(w.user_a), request=req, answer="1234")
    req.refresh_from_db()
    assert req.status == RequestStatus.IN_FULFILMENT
    actions.complete_task(actor=actor(w.analyst), task=req.tasks.get(), note="Answered")
    req.refresh_from_db()
    assert req.status == RequestStatus.FULFILLED
    actions.reopen_request(actor=actor(w.user_a), request=req, reason="Still unclear")
    req.refresh_from_db()
    assert req.status == RequestStatus.IN_FULFILMENT and req.fulfilled_at is None
    follow_up = req.tasks.get(status=TaskStatus.OPEN)
    assert follow_up.organisation == w.operator
    actions.cancel_request(actor=actor(w.user_a), request=req, reason="Sorted elsewhere")
    req.refresh_from_db()
    assert req.status == RequestStatus.CANCELLED
    with pytest.raises(IllegalTransition):
        actions.cancel_request(actor=actor(w.user_a), request=req)
    with pytest.raises(IllegalTransition):
        actions.reopen_request(actor=actor(w.user_a), request=req, reason="x")

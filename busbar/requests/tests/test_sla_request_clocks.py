"""A request's clocks: started at raise; paused while its own administrator must approve and while it
waits on the requester; the response stops at the fulfilling side's first response; the fulfilment clock
stops at fulfilment and restarts on reopening. The scan raises each warning and breach once, to the inbox
of whoever holds the request."""

from __future__ import annotations

import datetime as dt

import pytest

from busbar.records.models import ClockEvent, Notification, SlaNotice
from busbar.requests import actions, sla, tasks
from busbar.requests.tests._lifecycle import raise_info, raise_network
from busbar.requests.tests.conftest import NOW, actor

pytestmark = pytest.mark.django_db
H = dt.timedelta(hours=1)


def _kinds(req) -> list[str]:
    return list(
        ClockEvent.objects.filter(record=req.record).order_by("at", "id").values_list("kind", flat=True)
    )


def _clock(req, name, now):
    req.refresh_from_db()
    return next(c for c in sla.clocks_for(req, now) if c.name == name)


def test_clock_pauses_for_own_admin_and_requester_and_stops_at_fulfilment(r) -> None:
    w = r.world
    req = raise_network(r, now=NOW)
    req.record.refresh_from_db()
    assert req.record.sla_paused and req.record.resolution_due_at is None  # waits for Alpha's administrator
    assert _kinds(req) == ["start", "pause"]
    actions.approve(actor=actor(w.admin_a), approval=req.approvals.get(order=0), now=NOW + H)
    assert _kinds(req)[-1] == "resume"  # the organisation administrator's decision is no response
    assert _clock(req, "response", NOW + H).status == "running"
    actions.approve(actor=actor(w.ops), approval=req.approvals.get(order=1), now=NOW + 2 * H)
    assert _kinds(req)[-1] == "responded" and _clock(req, "response", NOW + 2 * H).status == "met"
    req.record.refresh_from_db()
    assert req.record.response_due_at is None and req.record.resolution_due_at is not None
    due_before = req.record.resolution_due_at
    actions.wait_on_requester(actor=actor(w.analyst), request=req, question="Which site?", now=NOW + 3 * H)
    assert _clock(req, "resolution", NOW + 4 * H).status == "paused"
    actions.answer_request(actor=actor(w.user_a), request=req, answer="Leeds", now=NOW + 5 * H)
    req.record.refresh_from_db()
    assert req.record.resolution_due_at == due_before + 2 * H  # two working hours were paused
    for task in req.tasks.order_by("order"):
        actions.complete_task(
            actor=actor(w.analyst if task.organisation == w.operator else w.resolver),
            task=task,
            now=NOW + 6 * H,
        )
    assert _kinds(req)[-1] == "resolved" and _clock(req, "resolution", NOW + 7 * H).status == "met"
    actions.reopen_request(
        actor=actor(w.user_a), request=req, reason="Only one circuit works", now=NOW + 8 * H
    )
    assert _kinds(req)[-1] == "restart" and _clock(req, "resolution", NOW + 9 * H).status == "running"


def test_public_update_by_the_desk_is_the_response_not_the_requesters(r) -> None:
    req = raise_info(r, now=NOW)
    actions.add_update(actor=actor(r.world.user_a), request=req, body="Any news?", now=NOW + H)
    assert "responded" not in _kinds(req)
    actions.add_update(actor=actor(r.world.analyst), request=req, body="Looking now", now=NOW + 2 * H)
    assert _kinds(req)[-1] == "responded"
    req.record.refresh_from_db()
    assert req.record.response_due_at is None


def test_item_without_policy_has_no_clocks(r) -> None:
    r.info.sla_policy = None
    r.info.save()
    req = raise_info(r, now=NOW)
    assert _kinds(req) == [] and sla.clocks_for(req) == []


def test_scan_raises_breaches_once_to_the_task_holders_inbox(r) -> None:
    req = raise_info(r, now=NOW)
    later = (NOW + dt.timedelta(days=30)).isoformat()
    raised = tasks.scan_sla.call(later)
    assert raised == {"warning": 2, "breach": 2}
    assert set(SlaNotice.objects.filter(record=req.record).values_list("clock", "kind")) == {
        ("response", "warning"),
        ("response", "breach"),
        ("resolution", "warning"),
        ("resolution", "breach"),
    }
    told = set(Notification.objects.filter(kind="sla_warning").values_list("recipient_id", flat=True))
    assert told == {r.world.analyst.pk, r.world.ops.pk}  # the desk holds the open task
    assert tasks.scan_sla.call(later) == {"warning": 0, "breach": 0}

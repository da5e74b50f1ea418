"""Who is told, by inbox and one email each: the approvers when an approval becomes pending, the
organisation whose task opens, the requester on approval, rejection, fulfilment and waiting."""

from __future__ import annotations

import pytest
from django.core import mail

from busbar.records.models import Notification
from busbar.requests import actions
from busbar.requests.tests._lifecycle import raise_info, raise_network
from busbar.requests.tests.conftest import NOW, actor

pytestmark = pytest.mark.django_db


def _to(outbox) -> list[str]:
    assert all(len(m.to) == 1 for m in outbox)  # one recipient per message
    return sorted(m.to[0] for m in outbox)


def test_each_step_tells_the_right_people(r, django_capture_on_commit_callbacks) -> None:
    w = r.world
    with django_capture_on_commit_callbacks(execute=True):
        req = raise_network(r)
    assert _to(mail.outbox) == [w.admin_a.email]
    assert "waits for your approval" in Notification.objects.get(recipient=w.admin_a).title
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        actions.approve(actor=actor(w.admin_a), approval=req.approvals.get(order=0), now=NOW)
    assert _to(mail.outbox) == [w.ops.email]  # operations managers decide the operator's step
    assert req.reference in mail.outbox[0].subject
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        actions.approve(actor=actor(w.ops), approval=req.approvals.get(order=1), now=NOW)
    # the requester hears it is approved; the desk that works the first task hears it opened
    assert _to(mail.outbox) == sorted([w.user_a.email, w.analyst.email, w.ops.email])
    mail.outbox.clear()
    desk_task, provider_task = req.tasks.order_by("order")
    with django_capture_on_commit_callbacks(execute=True):
        actions.complete_task(actor=actor(w.analyst), task=desk_task, now=NOW)
    assert _to(mail.outbox) == [w.resolver.email]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        actions.complete_task(actor=actor(w.resolver), task=provider_task, now=NOW)
    assert _to(mail.outbox) == [w.user_a.email] and "Fulfilled" in mail.outbox[0].subject


def test_rejection_and_waiting_reach_the_requester(r, django_capture_on_commit_callbacks) -> None:
    w = r.world
    req = raise_network(r)
    with django_capture_on_commit_callbacks(execute=True):
        actions.reject(actor=actor(w.admin_a), approval=req.approvals.get(order=0), reason="No budget")
    assert _to(mail.outbox) == [w.user_a.email] and "No budget" in mail.outbox[0].body
    mail.outbox.clear()
    info = raise_info(r, user=w.user_b, organisation=w.org_b)
    with django_capture_on_commit_callbacks(execute=True):
        actions.wait_on_requester(actor=actor(w.analyst), request=info, question="Which market?")
    assert _to(mail.outbox) == [w.user_b.email] and "Which market?" in mail.outbox[0].body


def test_nobody_outside_is_told(r, django_capture_on_commit_callbacks) -> None:
    w = r.world
    with django_capture_on_commit_callbacks(execute=True):
        raise_info(r)
    sent = _to(mail.outbox)
    assert w.user_b.email not in sent and w.resolver.email not in sent
    assert sent == sorted([w.analyst.email, w.ops.email])  # the desk's task opened

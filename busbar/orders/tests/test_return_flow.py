"""A supplier returns hubs and follows them to credited: the action flow, counts, clocks, notices, and a
serial returned again after it was rejected."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from busbar.audit.models import AuditEntry
from busbar.lib.actions import IllegalTransition, NotPermitted
from busbar.lib.worktime import england_wales_bank_holidays
from busbar.orders import serials
from busbar.orders.actions import returns as actions
from busbar.orders.models import HubOutcome, HubReturnStatus, ReturnedHub
from busbar.orders.tests.conftest import OmsWorld, actor
from busbar.records.models import ClockEvent, Notification

pytestmark = pytest.mark.django_db


def working_day(after: int = 1) -> dt.date:
    """The ``after``-th working day after today (UK)."""
    day, found = timezone.localdate(), 0
    while found < after:
        day += dt.timedelta(days=1)
        if day.weekday() < 5 and day not in england_wales_bank_holidays(day.year):
            found += 1
    return day


def serial(n: int, prefix: int = 0x001BC50C) -> str:
    return f"{prefix:08X}{n:08X}"


def csv_text(count: int, *, start: int = 0, prefix: int = 0x001BC50C) -> str:
    lines = ["serial,variant,fault,note"]
    lines += [f"{serial(start + i, prefix)},s2-cs-int,F01," for i in range(count)]
    return "\n".join(lines) + "\n"


def raise_for(o: OmsWorld, user=None, *, count: int = 3, start: int = 0, prefix: int = 0x001BC50C, **kw):
    user = user or o.world.user_a
    hubs = [(serial(start + i, prefix), "s2-cs-int", "F01", "") for i in range(count)]
    return actions.raise_return(
        actor=actor(user),
        collection_address="1 Meter Street\nLeeds",
        postcode="ls1 4ap",
        collection_date=working_day(),
        hubs=hubs,
        **kw,
    )


def test_five_thousand_hubs_by_csv_followed_to_credited(o: OmsWorld, django_capture_on_commit_callbacks):
    lines = serials.parse_returns_csv(csv_text(5000), supplier_id=o.world.org_a.pk)
    assert len(lines) == 5000 and lines[0].serial == "00-1B-C5-0C-00-00-00-00" and lines[0].line == 2
    with django_capture_on_commit_callbacks(execute=True):
        hr = actions.raise_return(
            actor=actor(o.world.user_a),
            collection_address="1 Meter Street, Leeds",
            postcode="LS1 4AP",
            collection_date=working_day(),
            hubs=lines,
        )
    assert hr.reference.startswith("RTN") and hr.hub_count == 5000 and hr.postcode == "LS1 4AP"
    assert ReturnedHub.objects.filter(hub_return=hr).count() == 5000
    assert ReturnedHub.objects.get(hub_return=hr, serial="00-1B-C5-0C-00-00-00-00").line == 2
    hr.record.refresh_from_db()
    assert hr.record.response_due_at is not None and hr.record.resolution_due_at is not None
    # DCC is told of the new return, the supplier's raiser has the receipt (inbox and one email each).
    assert Notification.objects.filter(recipient=o.dcc, record=hr.record).exists()
    sent = sorted(m.to[0] for m in mail.outbox if hr.reference in m.subject)
    assert sent == sorted([o.dcc.email, o.world.user_a.email])
    dcc = actor(o.dcc)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        actions.mark_collected(actor=dcc, hub_return=hr, note="Collected by courier")
    hr.record.refresh_from_db()
    assert hr.record.response_due_at is None  # the response clock stopped
    assert [m.to for m in mail.outbox] == [[o.world.user_a.email]]
    actions.mark_received(actor=dcc, hub_return=hr)
    results = "serial,outcome,reason\n" + "".join(
        f"{serial(i)},{'rejected' if i % 10 == 0 else 'credited'},{'No fault found' if i % 10 == 0 else ''}\n"
        for i in range(4000)
    )
    hr = actions.record_test_results(actor=dcc, hub_return=hr, results=serials.parse_results_csv(results))
    assert hr.status == HubReturnStatus.RECEIVED and hr.credited_count == 3600 and hr.rejected_count == 400
    rest = [(serial(i), "credited", "") for i in range(4000, 5000)]
    hr = actions.record_test_results(actor=dcc, hub_return=hr, results=rest)
    assert hr.status == HubReturnStatus.TESTED
    with django_capture_on_commit_callbacks(execute=True):
        hr = actions.credit_return(actor=dcc, hub_return=hr)
    assert hr.status == HubReturnStatus.CREDITED and hr.credited_count == 4600 and hr.rejected_count == 400
    hr.record.refresh_from_db()
    assert hr.record.resolution_due_at is None
    kinds = list(ClockEvent.objects.filter(record=hr.record).values_list("kind", flat=True))
    assert kinds == ["start", "responded", "resolved"]
    actions_done = set(AuditEntry.objects.filter(record_id=str(hr.pk)).values_list("action", flat=True))
    assert {
        "hub_return.raise",
        "hub_return.collected",
        "hub_return.tested",
        "hub_return.credit",
    } <= actions_done
    assert not any(o.world.user_b.email in m.to for m in mail.outbox)


def test_a_rejected_or_withdrawn_serial_may_be_returned_again_a_live_one_not(o: OmsWorld):
    first = raise_for(o, count=2)
    with pytest.raises(serials.LineErrors) as refused:
        raise_for(o, count=1)
    assert "already in a return" in refused.value.message and first.reference in refused.value.message
    # Bravo is told the serial is taken, not whose return holds it.
    with pytest.raises(serials.LineErrors) as refused_b:
        raise_for(o, o.world.user_b, count=1)
    assert first.reference not in refused_b.value.message
    dcc = actor(o.dcc)
    actions.mark_collected(actor=dcc, hub_return=first)
    actions.mark_received(actor=dcc, hub_return=first)
    actions.record_test_results(
        actor=dcc,
        hub_return=first,
        results=[(serial(0), "rejected", "Physical damage"), (serial(1), "credited", "")],
    )
    done = actions.credit_return(actor=dcc, hub_return=first)
    assert done.status == HubReturnStatus.CREDITED
    again = raise_for(o, count=1)  # serial 0 was rejected: it may come back
    assert again.hub_count == 1
    with pytest.raises(serials.LineErrors):
        raise_for(o, count=1, start=1)  # serial 1 was credited: live
    cancelled = actions.cancel_return(actor=actor(o.world.user_a), hub_return=again, reason="Found it works")
    assert cancelled.status == HubReturnStatus.CANCELLED
    assert ReturnedHub.objects.get(hub_return=again).outcome == HubOutcome.WITHDRAWN
    assert raise_for(o, count=1).hub_count == 1  # withdrawn: free again


def test_all_rejected_closes_as_rejected(o: OmsWorld):
    hr = raise_for(o, count=2)
    dcc = actor(o.dcc)
    actions.mark_collected(actor=dcc, hub_return=hr)
    actions.mark_received(actor=dcc, hub_return=hr)
    actions.record_test_results(
        actor=dcc, hub_return=hr, results=[(serial(0), "rejected", "NFF"), (serial(1), "rejected", "NFF")]
    )
    assert actions.credit_return(actor=dcc, hub_return=hr).status == HubReturnStatus.REJECTED


def test_stages_keep_their_order(o: OmsWorld):
    hr = raise_for(o)
    dcc = actor(o.dcc)
    with pytest.raises(IllegalTransition):
        actions.mark_received(actor=dcc, hub_return=hr)
    with pytest.raises(IllegalTransition):
        actions.credit_return(actor=dcc, hub_return=hr)
    actions.mark_collected(actor=dcc, hub_return=hr)
    with pytest.raises(NotPermitted):  # cancelled only before collection
        actions.cancel_return(actor=actor(o.world.user_a), hub_return=hr)


def test_results_name_serials_not_in_the_return_and_already_tested(o: OmsWorld):
    hr = raise_for(o, count=2)
    dcc = actor(o.dcc)
    actions.mark_collected(actor=dcc, hub_return=hr)
    actions.mark_received(actor=dcc, hub_return=hr)
    actions.record_test_results(actor=dcc, hub_return=hr, results=[(serial(0), "credited", "")])
    text = f"serial,outcome,reason\n{serial(0)},credited,\n{serial(99)},rejected,x\n{serial(1)},maybe,\n"
    with pytest.raises(serials.LineErrors) as refused:
        actions.record_test_results(actor=dcc, hub_return=hr, results=serials.parse_results_csv(text))
    assert [e["field"] for e in refused.value.errors()] == ["line 4, outcome"]
    text = f"serial,outcome,reason\n{serial(0)},credited,\n{serial(99)},rejected,x\n"
    with pytest.raises(serials.LineErrors) as refused:
        actions.record_test_results(actor=dcc, hub_return=hr, results=serials.parse_results_csv(text))
    assert [e["field"] for e in refused.value.errors()] == ["line 2, serial", "line 3, serial"]
    hr.refresh_from_db()
    assert hr.credited_count == 1


def test_supplier_adds_and_removes_hubs_before_collection(o: OmsWorld):
    hr = raise_for(o, count=2)
    a = actor(o.world.user_a)
    assert actions.add_hubs(actor=a, hub_return=hr, hubs=[(serial(5), "4g-single-int", "f02", "loose")]) == 1
    hr.refresh_from_db()
    assert hr.hub_count == 3
    actions.remove_hub(actor=a, hub_return=hr, serial=serial(5).lower())
    hr.refresh_from_db()
    assert hr.hub_count == 2
    with pytest.raises(NotPermitted):
        actions.add_hubs(
            actor=actor(o.world.user_b), hub_return=hr, hubs=[(serial(6), "s2-cs-int", "F01", "")]
        )

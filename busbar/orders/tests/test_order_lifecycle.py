"""An order from placing to closing: DCC told of it, confirmation stopping the response clock, dispatch,
a short shipment (redelivered, or its balance cancelled), full delivery stopping the resolution clock,
the supplier told at each step; and who may do each step."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail

from busbar.audit.models import AuditEntry
from busbar.lib.actions import ActionError, IllegalTransition, NotPermitted
from busbar.orders import actions
from busbar.orders.models import HubOrder, OrderStatus
from busbar.orders.tests.conftest import NOW, OmsWorld, actor
from busbar.orders.tests.test_order_helpers import AUGUST, dispatched, forecast, forecast_and_place, place
from busbar.records.models import Notification

pytestmark = pytest.mark.django_db
LATER = NOW + dt.timedelta(hours=3)


def kinds(order: HubOrder) -> list[str]:
    return list(order.record.clock_events.order_by("at", "id").values_list("kind", flat=True))


def test_placing_an_order_starts_its_clocks_and_tells_dcc(
    o: OmsWorld, django_capture_on_commit_callbacks
) -> None:
    forecast(o, o.world.user_a)
    with django_capture_on_commit_callbacks(execute=True):
        order = place(o)
    order.refresh_from_db()
    assert order.reference.startswith("ORD") and order.status == OrderStatus.SUBMITTED
    assert order.supplier == o.world.org_a and order.month == AUGUST and order.postcode == "LS1 4AB"
    assert order.placed_by == o.world.user_a
    assert kinds(order) == ["start"]
    record = order.record
    record.refresh_from_db()
    assert record.response_due_at is not None and record.resolution_due_at > record.response_due_at
    assert Notification.objects.filter(recipient=o.dcc, record=record).exists()
    assert not Notification.objects.filter(recipient=o.world.user_b).exists()
    assert [m.to for m in mail.outbox] == [[o.dcc.email]]
    assert order.reference in mail.outbox[0].subject and "Alpha Energy" in mail.outbox[0].body
    entry = AuditEntry.objects.get(action="hub_order.place")
    assert entry.owner_organisation == o.world.org_a and entry.changes["quantity"] == [None, 480]


def test_an_order_outside_the_tolerance_is_refused_and_nothing_is_written(o: OmsWorld) -> None:
    forecast(o, o.world.user_a, 960)
    place(o, quantity=960)
    with pytest.raises(ActionError) as exc:
        place(o, quantity=144)
    assert exc.value.field == "quantity" and "at most 96 more" in exc.value.message
    assert HubOrder.objects.count() == 1
    assert place(o, quantity=96).quantity == 96  # exactly the ceiling of 1,056


def test_bad_order_fields_are_refused_naming_the_field(o: OmsWorld) -> None:
    forecast(o, o.world.user_a)
    for extra, field in (
        ({"region": "east"}, "region"),
        ({"postcode": "x"}, "postcode"),
        ({"address": "  "}, "address"),
        ({"delivery_date": dt.date(2027, 7, 1)}, "delivery_date"),
        ({"delivery_date": dt.date(2030, 1, 1)}, "delivery_date"),
        ({"variant": o.s2}, "variant"),
        ({"quantity": 50}, "quantity"),
    ):
        with pytest.raises(ActionError) as exc:
            place(o, **extra)
        assert exc.value.field == field, extra
    assert not HubOrder.objects.exists()


def test_full_lifecycle_with_a_short_shipment_redelivered(
    o: OmsWorld, django_capture_on_commit_callbacks
) -> None:
    order = forecast_and_place(o)
    dcc = actor(o.dcc)
    with django_capture_on_commit_callbacks(execute=True):
        actions.confirm_order(actor=dcc, order=order, now=LATER)
    order.refresh_from_db()
    assert order.status == OrderStatus.CONFIRMED and kinds(order) == ["start", "responded"]
    assert order.record.response_due_at is None  # stopped
    assert mail.outbox[-1].to == [o.world.user_a.email] and "confirmed" in mail.outbox[-1].subject
    actions.dispatch_order(actor=dcc, order=order, consignment="PAL-1", now=LATER)
    with django_capture_on_commit_callbacks(execute=True):
        actions.record_delivery(
            actor=dcc, order=order, quantity=432, delivered_on=dt.date(2027, 6, 16), now=LATER
        )
    order.refresh_from_db()
    assert order.status == OrderStatus.PART_DELIVERED and order.short_quantity == 48
    assert "short shipment" in mail.outbox[-1].subject and "48 are outstanding" in mail.outbox[-1].body
    assert Notification.objects.filter(recipient=o.world.user_a, title__contains="short shipment").exists()
    # The balance cannot be dispatched, nor the order closed, before the short shipment is resolved.
    with pytest.raises(IllegalTransition):
        actions.dispatch_order(actor=dcc, order=order, now=LATER)
    with pytest.raises(IllegalTransition):
        actions.close_order(actor=dcc, order=order, now=LATER)
    actions.resolve_short(actor=dcc, order=order, resolution="redeliver", now=LATER)
    with pytest.raises(IllegalTransition):
        actions.resolve_short(actor=dcc, order=order, resolution="cancel_balance", now=LATER)
    actions.dispatch_order(actor=dcc, order=order, now=LATER)
    with pytest.raises(ActionError) as exc:
        actions.record_delivery(actor=dcc, order=order, quantity=96, now=LATER)
    assert exc.value.field == "quantity" and "Only 48" in exc.value.message
    with pytest.raises(ActionError) as exc:
        actions.record_delivery(actor=dcc, order=order, quantity=0, now=LATER)
    assert exc.value.field == "quantity"
    actions.record_delivery(actor=dcc, order=order, quantity=48, now=LATER)
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED and order.delivered_quantity == 480
    assert kinds(order) == ["start", "responded", "resolved"]
    assert [d.quantity for d in order.deliveries.all()] == [432, 48]
    actions.close_order(actor=dcc, order=order, now=LATER)
    order.refresh_from_db()
    assert order.status == OrderStatus.CLOSED and order.closed_at == LATER
    assert kinds(order) == ["start", "responded", "resolved"]  # not stopped twice
    journal = list(AuditEntry.objects.filter(record_id=str(order.pk)).values_list("action", flat=True))
    assert journal.count("hub_order.deliver") == 2 and "hub_order.resolve_short" in journal


def test_a_short_shipment_with_its_balance_cancelled_closes_the_order(o: OmsWorld) -> None:
    order = dispatched(o)
    actions.record_delivery(actor=actor(o.dcc), order=order, quantity=240, now=LATER)
    actions.resolve_short(actor=actor(o.dcc), order=order, resolution="cancel_balance", now=LATER)
    order.refresh_from_db()
    assert order.status == OrderStatus.CLOSED and order.short_resolution == "cancel_balance"
    assert kinds(order)[-1] == "resolved"
    # Only the 240 delivered count against August now: 960 × 1.1 = 1,056 − 240 = 816 left.
    assert place(o, quantity=816).quantity == 816


def test_delivery_date_and_status_checks(o: OmsWorld) -> None:
    order = forecast_and_place(o)
    with pytest.raises(IllegalTransition):
        actions.record_delivery(actor=actor(o.dcc), order=order, quantity=480, now=LATER)
    order = dispatched(o, o.world.user_b)
    with pytest.raises(ActionError) as exc:
        actions.record_delivery(
            actor=actor(o.dcc), order=order, quantity=480, delivered_on=dt.date(2027, 6, 20), now=LATER
        )
    assert exc.value.field == "delivered_on"
    with pytest.raises(ActionError) as exc:
        actions.resolve_short(actor=actor(o.dcc), order=order, resolution="later", now=LATER)
    assert exc.value.field == "resolution"


def test_who_may_do_what(o: OmsWorld) -> None:
    w = o.world
    order = forecast_and_place(o)
    # Confirming, dispatching, delivering, resolving and closing: DCC and the desk only.
    for user in (w.user_a, w.user_b, w.resolver):
        with pytest.raises(NotPermitted):
            actions.confirm_order(actor=actor(user), order=order, now=LATER)
    actions.confirm_order(actor=actor(w.analyst), order=order, now=LATER)  # the desk, as a fallback
    for user in (w.user_a, w.resolver):
        with pytest.raises(NotPermitted):
            actions.dispatch_order(actor=actor(user), order=order, now=LATER)
    # Cancelling: the supplier or DCC, before dispatch; not another supplier nor a non-DCC provider.
    for user in (w.user_b, w.resolver):
        with pytest.raises(NotPermitted):
            actions.cancel_order(actor=actor(user), order=order, now=LATER)
    actions.cancel_order(actor=actor(w.user_a), order=order, reason="Changed plans", now=LATER)
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED and kinds(order) == ["start", "responded", "resolved"]
    # Ordering: a supplier for itself only; DCC, the desk and providers do not order.
    forecast(o, w.user_b)
    with pytest.raises(NotPermitted):
        place(o, w.user_b, supplier=w.org_a)
    for user in (o.dcc, w.analyst, w.resolver):
        with pytest.raises(NotPermitted):
            place(o, user)
    order = dispatched(o, w.user_b)
    with pytest.raises(NotPermitted):
        actions.cancel_order(actor=actor(w.user_b), order=order, now=LATER)  # dispatched: too late


def test_conversation_public_for_both_sides_internal_for_dcc(o: OmsWorld) -> None:
    w = o.world
    order = forecast_and_place(o)
    actions.add_order_update(
        actor=actor(w.user_a), order=order, body="Please deliver to the rear gate", now=LATER
    )
    actions.add_order_update(actor=actor(o.dcc), order=order, body="Noted", now=LATER)
    actions.add_order_update(
        actor=actor(o.dcc), order=order, body="Carrier is late", internal=True, now=LATER
    )
    with pytest.raises(NotPermitted):
        actions.add_order_update(actor=actor(w.user_a), order=order, body="x", internal=True, now=LATER)
    for user in (w.user_b, w.resolver):
        with pytest.raises(NotPermitted):
            actions.add_order_update(actor=actor(user), order=order, body="x", now=LATER)
    assert order.record.entries.count() == 3
    assert AuditEntry.objects.filter(action="hub_order.note").count() == 1

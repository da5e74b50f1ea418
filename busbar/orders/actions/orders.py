"""Hub orders (RQ-24, RQ-25): a supplier places an order against its forecast (the rules in
:mod:`busbar.orders.rules`), DCC confirms, dispatches and records deliveries; a delivery short of what is
outstanding is a short shipment, resolved by redelivering the balance or cancelling it. Orders are kernel
records (ORD…) measured by the OMS order policy: the response clock stops at confirmation, the resolution
clock at delivery (or when the order is closed or cancelled).

The supplier (who placed it) is told of confirmation, dispatch, each delivery and a short shipment; DCC's
people of each new order — in their inbox and by email.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings as django_settings
from django.db import transaction
from django.utils import timezone

from busbar.audit.journal import record as journal
from busbar.lib.actions import ActionError, Actor, IllegalTransition, action, check_transition, refuse
from busbar.lib.limits import SHORT_TEXT, check_text
from busbar.orders import permissions, rules
from busbar.orders.models import (
    ORDER_TRANSITIONS,
    Delivery,
    HubOrder,
    HubVariant,
    OrderStatus,
    Region,
    ShortResolution,
)
from busbar.parties.queries import scope_of
from busbar.records import sla as kernel_sla
from busbar.records import steps as record_steps
from busbar.records.models import ClockEvent, Notification

# Internals ----------------------------------------------------------------------------------------------


def _lock(order: HubOrder) -> HubOrder:
    return (
        HubOrder.objects.select_for_update(of=("self",))
        .select_related("record", "supplier", "variant", "placed_by")
        .get(pk=order.pk)
    )


def _journal(actor: Actor, order: HubOrder, what: str, changes: dict | None = None, note: str = "") -> None:
    journal(
        actor=actor.acting_for(order.supplier_id),
        action=f"hub_order.{what}",
        obj=order,
        owner=order.supplier,
        changes=changes,
        note=note[:500],
    )


def _clock(order: HubOrder, kind: str, now: dt.datetime) -> None:
    """Log a clock event and refresh the SLA cache, when the OMS settings name an order policy."""
    from busbar.orders.registrations import order_sla_basis

    policy, priority = order_sla_basis(order)
    if policy is None:
        return
    if kind != ClockEvent.Kind.START and not order.record.clock_events.exists():
        return  # placed before a policy was set: no clocks to stop
    if (
        kind in (ClockEvent.Kind.RESPONDED, ClockEvent.Kind.RESOLVED)
        and order.record.clock_events.filter(kind=kind).exists()
    ):
        return
    # Never before the last event (a clock log runs forwards, whatever the caller's "now").
    last = order.record.clock_events.order_by("-at").values_list("at", flat=True).first()
    at = max(now, last) if last is not None else now
    record_steps.log_clock(order.record, kind, at, priority if kind == ClockEvent.Kind.START else "")
    changed = kernel_sla.refresh_cache(order.record, kernel_sla.compute(order.record, policy, priority, at))
    if changed:
        order.record.save(update_fields=changed)


def _note(note: str) -> str:
    return check_text((note or "").strip(), field="note", limit=SHORT_TEXT)


def _url(order: HubOrder) -> str:
    return f"/hubs/orders/{order.reference}/"


def _tell(order: HubOrder, *, who: str, what: str, title: str, event: dict) -> None:
    """Inbox now (inside the transaction), email once it commits: ``who`` is "supplier" (the person who
    placed the order) or "dcc" (the resolvers of the DCC organisations)."""
    from busbar.records import inbox

    people = _supplier_people(order) if who == "supplier" else _dcc_people()
    kind = Notification.Kind.ASSIGNMENT if who == "dcc" else Notification.Kind.BULLETIN
    inbox.deliver(recipients=people, kind=kind, record=order.record, title=title, url=_url(order))
    reference, pks = order.reference, [u.pk for u in people]
    data = {**event, "reference": reference, "title": title}
    transaction.on_commit(lambda: _email(reference, pks, what, data))


def _supplier_people(order: HubOrder) -> list:
    from busbar.parties.models import Membership

    if order.placed_by_id and order.placed_by.is_active:
        return [order.placed_by]
    members = Membership.objects.filter(
        organisation_id=order.supplier_id, is_active=True, user__is_active=True
    )
    return [m.user for m in members.select_related("user").order_by("id")[:20]]


def _dcc_people() -> list:
    from busbar.orders.queries import dcc_ids
    from busbar.parties.models import Membership, MembershipRole

    members = Membership.objects.filter(
        organisation_id__in=dcc_ids(),
        role=MembershipRole.RESOLVER,
        is_active=True,
        organisation__is_active=True,
        user__is_active=True,
    ).select_related("user")
    return list({m.user.pk: m.user for m in members}.values())


def _email(reference: str, user_pks: list[int], what: str, event: dict) -> int:
    from django.contrib.auth import get_user_model

    from busbar.orders.queries import orders_visible_to
    from busbar.records import mail as record_mail

    users = get_user_model().objects.filter(pk__in=user_pks, is_active=True)
    people = [u for u in users if orders_visible_to(u).filter(reference=reference).exists()]
    url = f"{django_settings.SITE_URL}/hubs/orders/{reference}/"
    return record_mail.send(
        reference,
        url,
        record_mail.addresses(people, "hub_order"),
        f"orders/email/order_{what}.txt",
        {"event": event},
    )


def _event(order: HubOrder) -> dict:
    return {
        "supplier": order.supplier.name,
        "quantity": order.quantity,
        "variant": order.variant.name,
        "region": Region(order.region).label,
        "delivery_date": order.delivery_date.strftime("%a %d %b %Y"),
        "delivered": order.delivered_quantity,
        "short": order.short_quantity,
        "status": OrderStatus(order.status).label,
    }


def _move(actor: Actor, order: HubOrder, status: str, now: dt.datetime) -> str:
    check_transition(ORDER_TRANSITIONS, order.status, status, what=order.reference)
    before = order.status
    order.status = status
    order.updated_at = now
    if status in (OrderStatus.CLOSED, OrderStatus.CANCELLED):
        order.closed_at = now
    return before


def _check_day(value: Any, *, field: str, today: dt.date) -> dt.date:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise ActionError("Give a date, e.g. 2027-09-30", field=field)
    if value > today + dt.timedelta(days=2 * 366):
        raise ActionError("Give a date within the next two years", field=field)
    return value


# Placing and cancelling ---------------------------------------------------------------------------------


@action
def place_order(
    *,
    actor: Actor,
    region: str,
    variant: HubVariant,
    quantity: int,
    delivery_date: dt.date,
    address: str,
    postcode: str,
    supplier: Any = None,
    contact: str = "",
    purchase_order: str = "",
    now: dt.datetime | None = None,
) -> HubOrder:
    """Order ``quantity`` hubs of ``variant`` for ``region``, delivered on ``delivery_date``: whole packs,
    at least the minimum, with the rule's lead time, within the month's forecast tolerance."""
    now = now or timezone.now()
    supplier = supplier if supplier is not None else actor.organisation
    if supplier is None:
        raise ActionError("Name the supplier", field="supplier")
    refuse(permissions.can_order(scope_of(actor), supplier), field="supplier")
    actor = actor.acting_for(supplier)
    if (code := rules.region_of(region)) is None:
        raise ActionError(
            f"No region {str(region)[:20]!r}: one of {', '.join(Region.values)}", field="region"
        )
    if variant is None:
        raise ActionError("Choose the hub variant", field="variant")
    delivery_date = _check_day(delivery_date, field="delivery_date", today=timezone.localdate(now))
    address = check_text((address or "").strip(), field="address", limit=1000)
    if not address:
        raise ActionError("Give the delivery address", field="address")
    postcode = " ".join((postcode or "").upper().split())
    if not 5 <= len(postcode) <= 8:
        raise ActionError("Give the delivery postcode, e.g. SW1A 1AA", field="postcode")
    contact = check_text((contact or "").strip(), field="contact", limit=200)
    purchase_order = check_text((purchase_order or "").strip(), field="purchase_order", limit=40)
    # Serialise orders on the same cell so two at once cannot both take the last of the allowance.
    from busbar.parties.models import Organisation

    Organisation.objects.select_for_update().filter(pk=supplier.pk).first()
    rule = rules.check_order(
        supplier=supplier,
        region=code,
        variant=variant,
        quantity=quantity,
        delivery_date=delivery_date,
        now=now,
    )
    record = record_steps.new_record("hub_order", created_at=now)
    order = HubOrder.objects.create(
        record=record,
        reference=record.reference,
        supplier=supplier,
        placed_by=actor.user,
        region=code,
        variant=variant,
        quantity=quantity,
        delivery_date=delivery_date,
        month=rules.month_start(delivery_date),
        address=address,
        postcode=postcode,
        contact=contact,
        purchase_order=purchase_order,
        created_at=now,
        updated_at=now,
    )
    _clock(order, ClockEvent.Kind.START, now)
    _journal(
        actor,
        order,
        "place",
        {
            "quantity": [None, quantity],
            "variant": [None, variant.code],
            "region": [None, code],
            "delivery_date": [None, delivery_date],
            "rule": [None, str(rule)],
        },
    )
    _tell(
        order,
        who="dcc",
        what="placed",
        title=f"New hub order {order.reference}: {quantity:,} × {variant.name} from {supplier.name}",
        event=_event(order),
    )
    return order


@action
def cancel_order(
    *, actor: Actor, order: HubOrder, reason: str = "", now: dt.datetime | None = None
) -> HubOrder:
    """Cancel an order before it is dispatched (the supplier, or DCC)."""
    now = now or timezone.now()
    order = _lock(order)
    refuse(permissions.can_cancel_order(scope_of(actor), order))
    reason = _note(reason)
    before = _move(actor, order, OrderStatus.CANCELLED, now)
    order.save(update_fields=["status", "updated_at", "closed_at"])
    _clock(order, ClockEvent.Kind.RESPONDED, now)
    _clock(order, ClockEvent.Kind.RESOLVED, now)
    _journal(actor, order, "cancel", {"status": [before, order.status]}, note=reason)
    return order


# DCC ----------------------------------------------------------------------------------------------------


@action
def confirm_order(
    *, actor: Actor, order: HubOrder, note: str = "", now: dt.datetime | None = None
) -> HubOrder:
    """DCC accepts the order (the response clock stops)."""
    now = now or timezone.now()
    order = _lock(order)
    refuse(permissions.can_fulfil_order(scope_of(actor), order))
    note = _note(note)
    before = _move(actor, order, OrderStatus.CONFIRMED, now)
    order.save(update_fields=["status", "updated_at"])
    _clock(order, ClockEvent.Kind.RESPONDED, now)
    _journal(actor, order, "confirm", {"status": [before, order.status]}, note=note)
    _tell(
        order,
        who="supplier",
        what="confirmed",
        title=f"{order.reference} confirmed by DCC",
        event=_event(order),
    )
    return order


@action
def dispatch_order(
    *, actor: Actor, order: HubOrder, consignment: str = "", note: str = "", now: dt.datetime | None = None
) -> HubOrder:
    """The hubs (or a short shipment's balance, to be redelivered) are on their way."""
    now = now or timezone.now()
    order = _lock(order)
    refuse(permissions.can_fulfil_order(scope_of(actor), order))
    note = _note(note)
    consignment = check_text((consignment or "").strip(), field="consignment", limit=40)
    if order.status == OrderStatus.PART_DELIVERED and order.short_resolution != ShortResolution.REDELIVER:
        raise IllegalTransition(
            f"{order.reference} is short by {order.short_quantity:,}: resolve the short shipment as a "
            "redelivery before dispatching the balance",
            field="status",
        )
    before = _move(actor, order, OrderStatus.DISPATCHED, now)
    order.save(update_fields=["status", "updated_at"])
    changes = {"status": [before, order.status]}
    if consignment:
        changes["consignment"] = [None, consignment]
    _journal(actor, order, "dispatch", changes, note=note)
    event = {**_event(order), "consignment": consignment}
    _tell(order, who="supplier", what="dispatched", title=f"{order.reference} dispatched", event=event)
    return order


@action
def record_delivery(
    *,
    actor: Actor,
    order: HubOrder,
    quantity: int,
    delivered_on: dt.date | None = None,
    consignment: str = "",
    note: str = "",
    now: dt.datetime | None = None,
) -> Delivery:
    """Confirm a delivery of ``quantity`` hubs (more than 0, at most what is outstanding). Short of the
    outstanding quantity, the order is part delivered until the short shipment is resolved."""
    now = now or timezone.now()
    order = _lock(order)
    refuse(permissions.can_fulfil_order(scope_of(actor), order))
    today = timezone.localdate(now)
    outstanding = order.quantity - order.delivered_quantity
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
        raise ActionError("Give the number of hubs delivered (at least 1)", field="quantity")
    if quantity > outstanding:
        raise ActionError(f"Only {outstanding:,} hubs are outstanding on {order.reference}", field="quantity")
    delivered_on = (
        today if delivered_on is None else _check_day(delivered_on, field="delivered_on", today=today)
    )
    if delivered_on > today:
        raise ActionError(
            "A delivery is recorded once it has arrived: not a future date", field="delivered_on"
        )
    if delivered_on < order.created_at.date() - dt.timedelta(days=1):
        raise ActionError("The delivery cannot be before the order was placed", field="delivered_on")
    consignment = check_text((consignment or "").strip(), field="consignment", limit=40)
    note = _note(note)
    full = quantity == outstanding
    target = OrderStatus.DELIVERED if full else OrderStatus.PART_DELIVERED
    before = _move(actor, order, target, now)
    delivery = Delivery.objects.create(
        order=order,
        delivered_on=delivered_on,
        quantity=quantity,
        consignment=consignment,
        confirmed_by=actor.user,
        note=note,
        created_at=now,
    )
    order.delivered_quantity += quantity
    order.short_resolution = "" if not full else order.short_resolution
    order.save(update_fields=["status", "updated_at", "delivered_quantity", "short_resolution"])
    if full:
        _clock(order, ClockEvent.Kind.RESOLVED, now)
    _journal(
        actor,
        order,
        "deliver",
        {
            "status": [before, order.status],
            "delivered_quantity": [order.delivered_quantity - quantity, order.delivered_quantity],
        },
        note=note,
    )
    event = {**_event(order), "this_delivery": quantity, "delivered_on": delivered_on.strftime("%a %d %b %Y")}
    if full:
        _tell(order, who="supplier", what="delivered", title=f"{order.reference} delivered", event=event)
    else:
        _tell(
            order,
            who="supplier",
            what="short",
            title=f"{order.reference}: short shipment, {order.short_quantity:,} hubs outstanding",
            event=event,
        )
    return delivery


@action
def resolve_short(
    *, actor: Actor, order: HubOrder, resolution: str, note: str = "", now: dt.datetime | None = None
) -> HubOrder:
    """Settle a short shipment: ``redeliver`` the balance (dispatch it again) or ``cancel_balance`` (the
    order closes with what was delivered)."""
    now = now or timezone.now()
    order = _lock(order)
    refuse(permissions.can_fulfil_order(scope_of(actor), order))
    if resolution not in (ShortResolution.REDELIVER, ShortResolution.CANCEL_BALANCE):
        raise ActionError("Choose redeliver or cancel_balance", field="resolution")
    if order.status != OrderStatus.PART_DELIVERED:
        raise IllegalTransition(f"{order.reference} has no short shipment to resolve", field="status")
    if order.short_resolution:
        raise IllegalTransition(
            f"{order.reference}'s short shipment is already resolved "
            f"({order.get_short_resolution_display()})",
            field="status",
        )
    note = _note(note)
    changes: dict[str, list] = {"short_resolution": [None, resolution]}
    order.short_resolution = resolution
    order.updated_at = now
    if resolution == ShortResolution.CANCEL_BALANCE:
        before = _move(actor, order, OrderStatus.CLOSED, now)
        changes["status"] = [before, order.status]
    order.save(update_fields=["status", "updated_at", "short_resolution", "closed_at"])
    if resolution == ShortResolution.CANCEL_BALANCE:
        _clock(order, ClockEvent.Kind.RESOLVED, now)
    _journal(actor, order, "resolve_short", changes, note=note)
    return order


@action
def close_order(*, actor: Actor, order: HubOrder, note: str = "", now: dt.datetime | None = None) -> HubOrder:
    """Close a delivered order."""
    now = now or timezone.now()
    order = _lock(order)
    refuse(permissions.can_fulfil_order(scope_of(actor), order))
    if order.status == OrderStatus.PART_DELIVERED:
        raise IllegalTransition(
            f"{order.reference} is short by {order.short_quantity:,}: resolve the short shipment first",
            field="status",
        )
    note = _note(note)
    before = _move(actor, order, OrderStatus.CLOSED, now)
    order.save(update_fields=["status", "updated_at", "closed_at"])
    _clock(order, ClockEvent.Kind.RESOLVED, now)
    _journal(actor, order, "close", {"status": [before, order.status]}, note=note)
    return order


@action
def add_order_update(
    *, actor: Actor, order: HubOrder, body: str, internal: bool = False, now: dt.datetime | None = None
) -> Any:
    """A message on the order's conversation (the supplier and DCC); an internal note for DCC and the desk."""
    now = now or timezone.now()
    scope = scope_of(actor)
    fulfils = permissions.can_fulfil_order(scope, order)
    if internal or permissions.can_order(scope, order.supplier) is not None:
        refuse(fulfils)
    entry = record_steps.add_entry(
        order.record, actor=actor.acting_for(order.supplier_id), body=body, internal=internal, now=now
    )
    _journal(actor, order, "note" if internal else "update", note=entry.body[:200] if not internal else "")
    return entry

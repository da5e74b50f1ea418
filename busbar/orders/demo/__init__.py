"""The hub orders demo (issue 15, item 7): rolling forecasts of 4G hubs for Brightwater, Kestrel and
Northern Lights (a submission four months ago covering the last three months and the next two, and last
week's covering the next six), orders against them in every state (submitted, confirmed, dispatched, a
short shipment part delivered, delivered, closed, cancelled), and 200 returns of faulty hubs (5 to 40
realistic EUI-64 serials each) in every return state. Played through the orders actions as the suppliers'
people and DCC with back-dated times. Loading twice changes nothing (the first supplier's first
submission note marks the demo as loaded)."""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from busbar.lib.actions import Actor
from busbar.lib.worktime import england_wales_bank_holidays
from busbar.orders import actions, rules
from busbar.orders import defaults as oms_defaults
from busbar.orders.models import FaultCode, ForecastSubmission, HubVariant
from busbar.parties.queries import scope_for

DCC = "resolver@dcc.example"
DAY = dt.timedelta(days=1)
HOUR = dt.timedelta(hours=1)
NOTE = "Demo: rolling forecast"
#: supplier slug, person, regions, depot address, postcode
SUPPLIERS = [
    ("brightwater", "supplier@brightwater.example", ["central", "south"],
     "Brightwater Field Services, Unit 7 Avonside Park, Bristol", "BS2 0JP"),
    ("kestrel", "supplier@kestrel.example", ["north"],
     "Kestrel Power Metering Depot, 14 Tyne Road, Gateshead", "NE8 3HB"),
    ("northern-lights", "supplier@northernlights.example", ["north", "central"],
     "Northern Lights Installations, Bay 3 Pennine Way, Wakefield", "WF2 0XR"),
]  # fmt: skip
VARIANTS = ["4g-single-int", "4g-dual-int"]
RETURNS = 200


def actor(ctx, email: str) -> Actor:
    user = ctx.people[email]
    return Actor(user=user, organisation=scope_for(user).primary_organisation, channel="web")


def quantity(supplier: int, month: dt.date, region: int, variant: int) -> int:
    """A deterministic forecast (whole pallets of 48), so every submission agrees on frozen months."""
    return 48 * (40 + 10 * supplier + 6 * region - 12 * variant + (month.month * 7 + supplier) % 9)


def load(ctx) -> None:
    if DCC not in ctx.people or "brightwater" not in ctx.orgs:
        ctx.lines.append("No demo people: the hub orders demo is skipped.")
        return
    oms_defaults.ensure()
    if ForecastSubmission.objects.filter(supplier=ctx.orgs["brightwater"], note=NOTE).exists():
        ctx.lines.append("Demo hub forecasts, orders and returns already present: left as they are.")
        return
    now = timezone.now()
    variants = {v.code: v for v in HubVariant.objects.all()}
    dcc = actor(ctx, DCC)
    orders = 0
    for s, (slug, email, regions, address, postcode) in enumerate(SUPPLIERS):
        who = actor(ctx, email)
        supplier = ctx.orgs[slug]
        for when in (now - 125 * DAY, now - 8 * DAY):
            months = rules.horizon(timezone.localdate(when))
            actions.submit_forecast(
                actor=who,
                supplier=supplier,
                lines=[
                    {"month": f"{m:%Y-%m}", "region": r, "variant": v, "quantity": quantity(s, m, ri, vi)}
                    for m in months
                    for ri, r in enumerate(regions)
                    for vi, v in enumerate(VARIANTS)
                ],
                note=NOTE,
                now=when,
            )
        orders += _orders(who, dcc, supplier, s, regions, address, postcode, variants, now)
    returns = _returns(ctx, dcc, now)
    ctx.lines.append(
        f"Hub orders: forecasts for {len(SUPPLIERS)} suppliers, {orders} orders in every state and {returns} "
        "returns; see /hubs/ (suppliers see their own; DCC: resolver@dcc.example sees all)."
    )


def _orders(who, dcc, supplier, s, regions, address, postcode, variants, now) -> int:
    """Orders placed 100 down to 5 days ago, each moved as far as its age allows: (days ago placed,
    path). Short shipment: part delivered, the balance to be redelivered."""
    rule = rules.rule_for(variants[VARIANTS[0]], timezone.localdate(now))
    plan = [
        (110, "closed"),
        (95, "closed"),
        (80, "short"),
        (70, "delivered"),
        (60, "cancelled"),
        (40, "dispatched"),
        (30, "confirmed"),
        (8, "submitted"),
    ]
    if s == 0:
        plan.append((50, "short_closed"))
    made = 0
    for n, (ago, path) in enumerate(plan):
        placed = now - ago * DAY
        earliest = rules.earliest_delivery(rule, placed)
        delivery = earliest + (n % 3) * DAY
        while delivery.weekday() >= 5:
            delivery += DAY
        region = regions[n % len(regions)]
        variant = variants[VARIANTS[n % 2]]
        order = actions.place_order(
            actor=who,
            supplier=supplier,
            region=region,
            variant=variant,
            quantity=48 * (8 + (n * 5 + s * 3) % 12),
            delivery_date=delivery,
            address=address,
            postcode=postcode,
            contact="Stores manager, 0117 496 0000",
            purchase_order=f"PO-{supplier.slug[:3].upper()}-{4100 + n}",
            now=placed,
        )
        made += 1
        if path == "submitted":
            continue
        if path == "cancelled":
            actions.cancel_order(
                actor=who, order=order, reason="Installation programme re-phased.", now=placed + DAY
            )
            continue
        actions.confirm_order(
            actor=dcc, order=order, note="Confirmed against the forecast.", now=placed + 5 * HOUR
        )
        if path == "confirmed":
            continue
        out = dt.datetime.combine(delivery, dt.time(7), tzinfo=dt.UTC) - 2 * DAY
        actions.dispatch_order(
            actor=dcc, order=order, consignment=f"DCC-CN-{order.pk:06d}", now=min(out, now - HOUR)
        )
        if path == "dispatched":
            continue
        at = dt.datetime.combine(delivery, dt.time(14), tzinfo=dt.UTC)
        if at > now:
            continue
        if path in ("short", "short_closed"):
            actions.record_delivery(
                actor=dcc,
                order=order,
                quantity=order.quantity - 96,
                delivered_on=delivery,
                consignment=f"DCC-CN-{order.pk:06d}",
                note="Two pallets short: damaged in transit.",
                now=at,
            )
            if path == "short_closed":
                actions.resolve_short(
                    actor=dcc,
                    order=order,
                    resolution="cancel_balance",
                    note="Supplier agreed to cancel the balance.",
                    now=at + DAY,
                )  # closes the order
            else:
                actions.resolve_short(
                    actor=dcc,
                    order=order,
                    resolution="redeliver",
                    note="Balance on the next run.",
                    now=at + DAY,
                )
            continue
        actions.record_delivery(
            actor=dcc, order=order, quantity=order.quantity, delivered_on=delivery, now=at
        )
        if path == "closed":
            actions.close_order(actor=dcc, order=order, now=at + 3 * DAY)
    return made


def _next_working_day(day: dt.date) -> dt.date:
    day += DAY
    while day.weekday() >= 5 or day in england_wales_bank_holidays(day.year):
        day += DAY
    return day


def _returns(ctx, dcc, now) -> int:
    """200 consignments over the last 120 days, by age: the newest requested, then collected, received,
    tested; older credited (most), rejected or cancelled."""
    rng = random.Random(15)
    faults = list(FaultCode.objects.filter(is_active=True).values_list("code", flat=True))
    returnable = ["s2-cs-int", "s2-cs-ext", "s2-north", "4g-single-int", "4g-dual-int"]
    made = 0
    for n in range(RETURNS):
        slug, email, _regions, address, postcode = SUPPLIERS[n % len(SUPPLIERS)]
        supplier = ctx.orgs[slug]
        who = actor(ctx, email)
        ago = 120 * (RETURNS - n) / RETURNS
        raised = now - ago * DAY
        size = rng.randint(5, 40)
        variant = rng.choice(returnable)
        base = 0x001BC50C00000000 + (n + 1) * 0x10000 + rng.randint(0, 0xFF) * 0x100
        hubs = []
        for k in range(size):
            h = f"{base + k * 7:016X}"
            serial = "-".join(h[i : i + 2] for i in range(0, 16, 2))
            fault = rng.choice(faults)
            hubs.append((serial, variant if rng.random() < 0.9 else rng.choice(returnable), fault, ""))
        hub_return = actions.raise_return(
            actor=who,
            supplier=supplier,
            collection_address=address,
            postcode=postcode,
            collection_date=_next_working_day(timezone.localdate(raised)),
            hubs=hubs,
            contact="Returns desk, 0113 496 0000",
            now=raised,
        )
        made += 1
        if ago < 3:
            continue
        if n % 17 == 5:
            actions.cancel_return(
                actor=who,
                hub_return=hub_return,
                reason="Hubs found working after a reboot.",
                now=raised + 5 * HOUR,
            )
            continue
        actions.mark_collected(actor=dcc, hub_return=hub_return, now=raised + 1.5 * DAY)
        if ago < 6:
            continue
        actions.mark_received(actor=dcc, hub_return=hub_return, now=raised + 3 * DAY)
        if ago < 9:
            continue
        rejected_all = n % 11 == 3
        results = []
        for serial, _variant, fault, _note in hubs:
            bad = rejected_all or (fault == "F08" and rng.random() < 0.7) or rng.random() < 0.04
            results.append(
                (serial, "rejected" if bad else "credited", "No fault found on test" if bad else "")
            )
        actions.record_test_results(actor=dcc, hub_return=hub_return, results=results, now=raised + 6 * DAY)
        if ago < 12:
            continue
        actions.credit_return(actor=dcc, hub_return=hub_return, now=raised + 7 * DAY)
    return made

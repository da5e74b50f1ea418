"""The ordering rules as data: which rule is in force, the lead time in working days (weekends and bank
holidays), minimum and pack size, orderable variants, the forecast and its tolerance (exact boundary)."""

from __future__ import annotations

import datetime as dt

import pytest

from busbar.lib.actions import ActionError
from busbar.orders import rules
from busbar.orders.models import Forecast, ForecastSubmission, HubOrder, HubVariant, OrderRule, OrderStatus
from busbar.orders.tests.conftest import NOW, OmsWorld
from busbar.records.models import Record

pytestmark = pytest.mark.django_db


def forecast(
    o: OmsWorld, supplier, month: dt.date, quantity: int, *, region="north", variant=None
) -> Forecast:
    sub = ForecastSubmission.objects.create(supplier=supplier, first_month=month)
    return Forecast.objects.create(
        supplier=supplier,
        month=month,
        region=region,
        variant=variant or o.g4,
        quantity=quantity,
        submission=sub,
    )


def existing_order(o: OmsWorld, supplier, month: dt.date, quantity: int, **extra) -> HubOrder:
    n = HubOrder.objects.count() + 1
    record = Record.objects.create(kind="hub_order", reference=f"ORD9{n:06d}")
    return HubOrder.objects.create(
        record=record,
        reference=record.reference,
        supplier=supplier,
        region="north",
        variant=o.g4,
        quantity=quantity,
        delivery_date=month.replace(day=20),
        month=month,
        address="1 Road",
        postcode="AB1 2CD",
        **extra,
    )


def check(o: OmsWorld, quantity: int, delivery=dt.date(2027, 8, 20), supplier=None, variant=None):
    return rules.check_order(
        supplier=supplier or o.world.org_a,
        region="north",
        variant=variant or o.g4,
        quantity=quantity,
        delivery_date=delivery,
        now=NOW,
    )


def test_the_variants_own_rule_wins_over_the_all_variants_rule_from_its_date(o: OmsWorld) -> None:
    default = rules.rule_for(o.g4, dt.date(2027, 6, 16))
    assert default.variant is None and default.pack_size == 48
    own = OrderRule.objects.create(
        variant=o.g4,
        effective_from=dt.date(2027, 7, 1),
        pack_size=24,
        min_quantity=24,
        calendar=default.calendar,
    )
    later_all = OrderRule.objects.create(
        variant=None, effective_from=dt.date(2027, 9, 1), pack_size=96, calendar=default.calendar
    )
    assert rules.rule_for(o.g4, dt.date(2027, 6, 30)) == default
    assert rules.rule_for(o.g4, dt.date(2027, 7, 1)) == own
    assert rules.rule_for(o.g4, dt.date(2027, 10, 1)) == own  # its own rule still
    other = HubVariant.objects.get(code="4g-dual-int")
    assert rules.rule_for(other, dt.date(2027, 10, 1)) == later_all


def test_lead_time_counts_working_days_skipping_weekends(o: OmsWorld) -> None:
    rule = rules.rule_for(None, dt.date(2027, 6, 16))
    # Wed 16 June 2027 + 20 working days (four weekends, no bank holiday) = Wed 14 July.
    assert rules.earliest_delivery(rule, NOW) == dt.date(2027, 7, 14)
    # Placed on Friday evening: counts from Monday's opening.
    friday_evening = dt.datetime(2027, 6, 18, 18, 30, tzinfo=dt.UTC)
    assert rules.earliest_delivery(rule, friday_evening) == dt.date(2027, 7, 19)


def test_lead_time_skips_the_august_bank_holiday(o: OmsWorld) -> None:
    rule = rules.rule_for(None, dt.date(2027, 8, 4))
    # Wed 4 Aug 2027 + 20 working days passes Mon 30 Aug (summer bank holiday): Thu 2 Sep, not Wed 1 Sep.
    placed = dt.datetime(2027, 8, 4, 9, 0, tzinfo=dt.UTC)
    assert rules.earliest_delivery(rule, placed) == dt.date(2027, 9, 2)


def test_delivery_before_the_lead_time_is_refused_on_delivery_date(o: OmsWorld) -> None:
    forecast(o, o.world.org_a, dt.date(2027, 7, 1), 1000)
    with pytest.raises(ActionError) as exc:
        check(o, 480, delivery=dt.date(2027, 7, 13))
    assert exc.value.field == "delivery_date"
    assert "Wed 14 Jul 2027" in exc.value.message
    assert check(o, 480, delivery=dt.date(2027, 7, 14)).pk


def test_minimum_and_pack_size(o: OmsWorld) -> None:
    forecast(o, o.world.org_a, dt.date(2027, 8, 1), 1000)
    with pytest.raises(ActionError) as exc:
        check(o, 0)
    assert exc.value.field == "quantity"
    with pytest.raises(ActionError) as exc:
        check(o, 47)
    assert exc.value.field == "quantity" and "minimum order is 48" in exc.value.message
    with pytest.raises(ActionError) as exc:
        check(o, 100)
    assert exc.value.field == "quantity" and "packs of 48" in exc.value.message and "96" in exc.value.message
    assert check(o, 96)


def test_a_returns_only_variant_is_refused_on_variant(o: OmsWorld) -> None:
    with pytest.raises(ActionError) as exc:
        check(o, 96, variant=o.s2)
    assert exc.value.field == "variant"


def test_no_forecast_for_the_cell_is_refused_naming_it(o: OmsWorld) -> None:
    forecast(o, o.world.org_a, dt.date(2027, 8, 1), 1000, region="south")
    with pytest.raises(ActionError) as exc:
        check(o, 96)
    assert exc.value.field == "quantity"
    assert exc.value.message.startswith("No forecast for 2027-08 North 4G hub, single band, internal aerial")


def test_tolerance_boundary_is_exact(o: OmsWorld) -> None:
    # Forecast 960, 10%: at most 1,056 a month (exactly 22 packs of 48).
    forecast(o, o.world.org_a, dt.date(2027, 8, 1), 960)
    existing_order(o, o.world.org_a, dt.date(2027, 8, 1), 960)
    assert check(o, 96)  # 1,056: exactly at the ceiling
    existing_order(o, o.world.org_a, dt.date(2027, 8, 1), 48)
    with pytest.raises(ActionError) as exc:
        check(o, 96)  # 1,104 > 1,056
    assert exc.value.field == "quantity"
    message = exc.value.message
    assert "forecast is 960" in message and "10% tolerance" in message and "at most 1,056" in message
    assert "1,008 already ordered" in message and "at most 48 more" in message
    assert check(o, 48)


def test_cancelled_orders_do_not_count_and_other_suppliers_do_not_either(o: OmsWorld) -> None:
    forecast(o, o.world.org_a, dt.date(2027, 8, 1), 480)
    existing_order(o, o.world.org_a, dt.date(2027, 8, 1), 528, status=OrderStatus.CANCELLED)
    forecast(o, o.world.org_b, dt.date(2027, 8, 1), 480)
    existing_order(o, o.world.org_b, dt.date(2027, 8, 1), 528)
    assert check(o, 528)
    assert rules.ordered_total(o.world.org_a, dt.date(2027, 8, 1), "north", o.g4) == 0
    assert rules.ordered_total(o.world.org_b, dt.date(2027, 8, 1), "north", o.g4) == 528


def test_a_short_shipment_whose_balance_was_cancelled_counts_what_was_delivered(o: OmsWorld) -> None:
    existing_order(
        o,
        o.world.org_a,
        dt.date(2027, 8, 1),
        480,
        delivered_quantity=240,
        short_resolution="cancel_balance",
        status=OrderStatus.CLOSED,
    )
    assert rules.ordered_total(o.world.org_a, dt.date(2027, 8, 1), "north", o.g4) == 240


def test_horizon_and_frozen_months_follow_the_settings() -> None:
    today = dt.date(2027, 6, 16)
    months = rules.horizon(today)
    assert months[0] == dt.date(2027, 7, 1) and months[-1] == dt.date(2027, 12, 1) and len(months) == 6
    assert rules.frozen(today) == [dt.date(2027, 7, 1)]
    assert rules.parse_month("2027-8") == dt.date(2027, 8, 1)
    assert rules.parse_month("2027-13") is None

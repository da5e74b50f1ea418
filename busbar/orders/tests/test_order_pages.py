"""The order pages per persona: the list (filters, pages, constant queries), placing an order (the rule in
force, the allowance, errors on the field), an order's page (DCC's forms offered by the permissions, the
short shipment, clocks, conversation, history) and its action forms; the rules page for DCC and the desk."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from busbar.orders import actions, rules
from busbar.orders.models import Forecast, ForecastSubmission, HubOrder, OrderRule, OrderStatus
from busbar.orders.tests.conftest import OmsWorld, actor
from busbar.orders.tests.test_order_helpers import dispatched, forecast_and_place

pytestmark = pytest.mark.django_db


def test_the_list_shows_each_supplier_its_own(o: OmsWorld) -> None:
    a = forecast_and_place(o)
    b = forecast_and_place(o, o.world.user_b)
    body = o.client(o.world.user_a).get("/hubs/orders/").content.decode()
    assert a.reference in body and b.reference not in body
    body = o.client(o.world.user_b).get("/hubs/orders/").content.decode()
    assert b.reference in body and a.reference not in body
    for user in (o.dcc, o.world.analyst):
        body = o.client(user).get("/hubs/orders/").content.decode()
        assert a.reference in body and b.reference in body
    body = o.client(o.dcc).get(f"/hubs/orders/?supplier={o.world.org_b.pk}").content.decode()
    assert b.reference in body and a.reference not in body
    assert o.client(o.world.resolver).get("/hubs/orders/").status_code == 404
    assert o.client(None).get("/hubs/orders/").status_code == 302


def test_list_filters_and_bad_filters(o: OmsWorld) -> None:
    a = forecast_and_place(o)
    client = o.client(o.world.user_a)
    assert a.reference in client.get("/hubs/orders/?status=open&month=2027-08&region=north").content.decode()
    assert a.reference not in client.get("/hubs/orders/?status=delivered").content.decode()
    assert client.get("/hubs/orders/?month=August").status_code == 400
    assert client.get("/hubs/orders/?status=lost").status_code == 400


def test_the_list_costs_the_same_queries_for_one_order_or_many(
    o: OmsWorld, django_assert_max_num_queries
) -> None:
    forecast_and_place(o, quantity=96)
    client = o.client(o.dcc)
    client.get("/hubs/orders/")
    with django_assert_max_num_queries(12) as few:
        client.get("/hubs/orders/")
    for _ in range(6):
        forecast_and_place(o, o.world.user_b, quantity=96)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get("/hubs/orders/").status_code == 200


def _this_horizon_forecast(o: OmsWorld, quantity: int = 960) -> dt.date:
    """A forecast in the month of the earliest delivery from today (real time), for the order form."""
    rule = rules.rule_for(o.g4, timezone.localdate())
    day = rules.earliest_delivery(rule, timezone.now()) + dt.timedelta(days=1)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    month = rules.month_start(day)
    sub = ForecastSubmission.objects.create(supplier=o.world.org_a, first_month=month)
    Forecast.objects.create(
        supplier=o.world.org_a, month=month, region="north", variant=o.g4, quantity=quantity, submission=sub
    )
    return day


def _order_form(day: dt.date, quantity: int) -> dict:
    return {
        "region": "north",
        "variant": "4g-single-int",
        "quantity": str(quantity),
        "delivery_date": day.isoformat(),
        "address": "1 Hub Way\nLeeds",
        "postcode": "LS1 4AB",
    }


def test_placing_an_order_on_the_page(o: OmsWorld) -> None:
    day = _this_horizon_forecast(o)
    client = o.client(o.world.user_a)
    body = client.get("/hubs/orders/new/").content.decode()
    assert "Rules in force" in body and "10% of the month" in body and "20 working days" in body
    assert "960 · 0 · 1056" in body  # forecast · ordered · left
    response = client.post("/hubs/orders/new/", _order_form(day, 1104))
    assert response.status_code == 422
    body = response.content.decode()
    assert "Outside the forecast tolerance" in body and "at most 1,056 more" in body
    assert not HubOrder.objects.exists()
    response = client.post("/hubs/orders/new/", _order_form(day, 480))
    order = HubOrder.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/hubs/orders/{order.reference}/"


def test_only_suppliers_get_the_order_form(o: OmsWorld) -> None:
    for user in (o.dcc, o.world.analyst):
        assert o.client(user).get("/hubs/orders/new/").status_code == 403
        assert o.client(user).post("/hubs/orders/new/", {}).status_code == 403
    assert o.client(o.world.resolver).get("/hubs/orders/new/").status_code == 404
    assert o.client(None).get("/hubs/orders/new/").status_code == 302


def test_the_order_page_per_persona(o: OmsWorld) -> None:
    order = forecast_and_place(o)
    url = f"/hubs/orders/{order.reference}/"
    body = o.client(o.world.user_a).get(url).content.decode()
    assert order.reference in body and "Service levels" in body and 'id="do-cancel"' in body
    assert 'id="do-confirm"' not in body and "Internal note" not in body
    body = o.client(o.dcc).get(url).content.decode()
    assert 'id="do-confirm"' in body and 'id="do-cancel"' in body and "Internal note" in body
    assert 'id="do-confirm"' in o.client(o.world.analyst).get(url).content.decode()
    assert o.client(o.world.user_b).get(url).status_code == 404
    assert o.client(o.world.resolver).get(url).status_code == 404
    assert o.client(o.world.user_a).get("/hubs/orders/ORD9999999/").status_code == 404


def test_dcc_works_the_order_on_its_page_through_a_short_shipment(o: OmsWorld) -> None:
    # In real time throughout: the page records deliveries as of now.
    day = _this_horizon_forecast(o)
    order = actions.place_order(
        actor=actor(o.world.user_a),
        region="north",
        variant=o.g4,
        quantity=480,
        delivery_date=day,
        address="1 Hub Way",
        postcode="LS1 4AB",
    )
    actions.confirm_order(actor=actor(o.dcc), order=order)
    actions.dispatch_order(actor=actor(o.dcc), order=order)
    url = f"/hubs/orders/{order.reference}/"
    dcc = o.client(o.dcc)
    assert 'id="do-deliver"' in dcc.get(url).content.decode()
    response = dcc.post(url + "deliver/", {"deliver-quantity": "1000"})
    assert response.status_code == 422 and "Only 480 hubs are outstanding" in response.content.decode()
    response = dcc.post(url + "deliver/", {"deliver-quantity": "400"})
    assert response.status_code == 302
    body = o.client(o.world.user_a).get(url).content.decode()
    assert "Short shipment" in body and "80 outstanding" in body and 'id="do-resolve-short"' not in body
    body = dcc.get(url).content.decode()
    assert 'id="do-resolve-short"' in body and 'id="do-deliver"' not in body
    assert dcc.post(url + "resolve-short/", {"resolve-short-resolution": "cancel_balance"}).status_code == 302
    order.refresh_from_db()
    assert order.status == OrderStatus.CLOSED
    # A supplier posting a DCC form is refused and nothing changes.
    other = dispatched(o, o.world.user_b)
    response = o.client(o.world.user_b).post(
        f"/hubs/orders/{other.reference}/deliver/", {"deliver-quantity": "48"}
    )
    assert response.status_code == 403
    assert o.client(o.world.user_a).post(f"/hubs/orders/{other.reference}/deliver/", {}).status_code == 404
    assert dcc.get(url + "deliver/").status_code == 302  # GET of a form address: back to the page


def test_messages_on_the_order_page(o: OmsWorld) -> None:
    order = forecast_and_place(o)
    url = f"/hubs/orders/{order.reference}/"
    assert (
        o.client(o.world.user_a).post(url + "update/", {"update-body": "Gate code 1234"}).status_code == 302
    )
    assert (
        o.client(o.dcc)
        .post(url + "update/", {"update-body": "Late van", "update-internal": "on"})
        .status_code
        == 302
    )
    assert "Gate code 1234" in o.client(o.dcc).get(url).content.decode()
    body = o.client(o.world.user_a).get(url).content.decode()
    assert "Gate code 1234" in body and "Late van" not in body
    assert o.client(o.world.user_b).post(url + "update/", {"update-body": "x"}).status_code == 404


def test_the_rules_page_is_for_dcc_and_the_desk(o: OmsWorld) -> None:
    client = o.client(o.dcc)
    body = client.get("/hubs/rules/").content.decode()
    assert "In force" in body and "pallets of 48" in body
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    form = {
        "form": "rule",
        "rule-variant": "4g-dual-int",
        "rule-effective_from": tomorrow.isoformat(),
        "rule-tolerance_percent": "15",
        "rule-lead_time_days": "10",
        "rule-min_quantity": "100",
        "rule-pack_size": "48",
    }
    response = client.post("/hubs/rules/", form)
    assert response.status_code == 422 and "whole number of packs" in response.content.decode()
    assert client.post("/hubs/rules/", {**form, "rule-min_quantity": "96"}).status_code == 302
    assert OrderRule.objects.filter(variant__code="4g-dual-int", tolerance_percent=15).exists()
    settings_form = {
        "form": "settings",
        "settings-forecast_horizon_months": "3",
        "settings-freeze_months": "3",
    }
    assert o.client(o.world.analyst).post("/hubs/rules/", settings_form).status_code == 422
    settings_form["settings-freeze_months"] = "2"
    assert o.client(o.world.analyst).post("/hubs/rules/", settings_form).status_code == 302
    assert rules.settings().forecast_horizon_months == 3
    assert o.client(o.world.user_a).get("/hubs/rules/").status_code == 403
    assert o.client(o.world.user_a).post("/hubs/rules/", form).status_code == 403
    assert o.client(o.world.resolver).get("/hubs/rules/").status_code == 404

"""The hub forecasts and orders API per persona: suppliers see and act on their own only (404 otherwise),
DCC and the desk see all and fulfil; bad input is a 4xx naming the field or the line; lists page with a
fixed number of queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from busbar.orders.models import HubOrder, OrderRule
from busbar.orders.tests.conftest import OmsWorld
from busbar.orders.tests.test_order_helpers import dispatched, forecast, forecast_and_place

pytestmark = pytest.mark.django_db
API = "/api/v1"


def post(client, path: str, body: dict):
    return client.post(API + path, body, content_type="application/json")


def test_orders_are_seen_by_their_supplier_dcc_and_the_desk_only(o: OmsWorld) -> None:
    a = forecast_and_place(o)
    b = forecast_and_place(o, o.world.user_b)
    refs = lambda user: {x["reference"] for x in o.client(user).get(API + "/hub-orders").json()["items"]}  # noqa: E731
    assert refs(o.world.user_a) == {a.reference}
    assert refs(o.world.user_b) == {b.reference}
    assert refs(o.dcc) == refs(o.world.analyst) == {a.reference, b.reference}
    assert refs(o.world.resolver) == set()
    assert o.client(o.world.user_b).get(f"{API}/hub-orders/{a.reference}").status_code == 404
    detail = o.client(o.world.user_a).get(f"{API}/hub-orders/{a.reference}").json()
    assert detail["allowed_actions"] == ["cancel", "update"] and detail["quantity"] == 480
    assert "confirm" in o.client(o.dcc).get(f"{API}/hub-orders/{a.reference}").json()["allowed_actions"]
    assert o.client(None).get(API + "/hub-orders").status_code == 401


def test_the_order_list_costs_fixed_queries(o: OmsWorld, django_assert_max_num_queries) -> None:
    forecast_and_place(o, quantity=96)
    client = o.client(o.dcc)
    with django_assert_max_num_queries(12) as few:
        client.get(API + "/hub-orders")
    for _ in range(5):
        forecast_and_place(o, o.world.user_b, quantity=96)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get(API + "/hub-orders").json()["items"]) == 6


def test_forecast_submission_by_api(o: OmsWorld) -> None:
    # Real time: the horizon starts next month; a month far off is outside it.
    client = o.client(o.world.user_a)
    bad = {"lines": [{"month": "2099-01", "region": "north", "variant": "4g-single-int", "quantity": 5}]}
    response = post(client, "/hub-forecasts", bad)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "lines[0]"
    assert post(client, "/hub-forecasts", {"lines": [{**bad["lines"][0], "quantity": -1}]}).status_code == 422
    assert post(o.client(o.dcc), "/hub-forecasts", bad).status_code == 403
    assert (
        post(o.client(o.world.user_b), "/hub-forecasts", {**bad, "supplier": o.world.org_a.pk}).status_code
        == 403
    )
    forecast(o, o.world.user_a)  # (as of the world's now)
    cells = client.get(API + "/hub-forecasts").json()["items"]
    assert [c["quantity"] for c in cells] == [960]
    assert o.client(o.world.user_b).get(API + "/hub-forecasts").json()["items"] == []
    assert len(o.client(o.dcc).get(API + "/hub-forecasts/submissions").json()["items"]) == 1
    assert o.client(o.world.user_b).get(API + "/hub-forecasts/submissions").json()["items"] == []


def test_placing_an_order_out_of_tolerance_by_api_names_the_field(o: OmsWorld) -> None:
    body = {
        "region": "north",
        "variant": "4g-single-int",
        "quantity": 96,
        "delivery_date": "2099-08-20",
        "address": "1 Road",
        "postcode": "LS1 4AB",
    }
    client = o.client(o.world.user_a)
    response = post(client, "/hub-orders", body)
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "delivery_date"
    response = post(client, "/hub-orders", {**body, "variant": "nope"})
    assert response.json()["errors"][0]["field"] == "variant"
    assert post(o.client(o.dcc), "/hub-orders", body).status_code == 403
    assert not HubOrder.objects.exists()


def test_dcc_works_an_order_by_api_and_suppliers_may_not(o: OmsWorld) -> None:
    order = dispatched(o)
    ref = order.reference
    supplier, dcc = o.client(o.world.user_a), o.client(o.dcc)
    assert post(supplier, f"/hub-orders/{ref}/deliveries", {"quantity": 48}).status_code == 403
    assert (
        post(o.client(o.world.user_b), f"/hub-orders/{ref}/deliveries", {"quantity": 48}).status_code == 404
    )
    assert post(dcc, f"/hub-orders/{ref}/deliveries", {"quantity": 4800}).status_code == 422
    response = post(dcc, f"/hub-orders/{ref}/deliveries", {"quantity": 432, "delivered_on": "2027-06-16"})
    # delivered_on is checked against today (real time): the world's June 2027 is in the future then.
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "delivered_on"
    response = post(dcc, f"/hub-orders/{ref}/close", {})
    assert response.status_code == 409 and response.json()["current_status"] == "dispatched"
    assert post(supplier, f"/hub-orders/{ref}/cancel", {}).status_code == 403
    assert post(dcc, f"/hub-orders/{ref}/resolve-short", {"resolution": "later"}).status_code == 422
    assert post(dcc, f"/hub-orders/{ref}/resolve-short", {"resolution": "redeliver"}).status_code == 409
    fresh = forecast_and_place(o, o.world.user_b, quantity=96)
    assert post(supplier, f"/hub-orders/{fresh.reference}/confirm", {}).status_code == 404
    assert post(o.client(o.world.user_b), f"/hub-orders/{fresh.reference}/confirm", {}).status_code == 403
    assert post(dcc, f"/hub-orders/{fresh.reference}/confirm", {}).json()["status"] == "confirmed"
    assert (
        post(dcc, f"/hub-orders/{fresh.reference}/dispatch", {"consignment": "P1"}).json()["status"]
        == "dispatched"
    )
    assert post(o.client(o.world.user_b), f"/hub-orders/{fresh.reference}/cancel", {}).status_code == 403


def test_variants_and_rules(o: OmsWorld) -> None:
    variants = o.client(o.world.user_a).get(API + "/hub-variants").json()
    assert {v["code"] for v in variants if v["orderable"]} == {
        "4g-single-int",
        "4g-single-ext",
        "4g-dual-int",
    }
    assert o.client(o.world.user_a).get(API + "/hub-order-rules").json()["items"][0]["pack_size"] == 48
    assert o.client(o.world.resolver).get(API + "/hub-order-rules").json()["items"] == []
    rule = {
        "effective_from": (timezone.localdate() + dt.timedelta(days=30)).isoformat(),
        "tolerance_percent": 5,
        "lead_time_days": 10,
        "min_quantity": 96,
        "pack_size": 48,
    }
    assert post(o.client(o.world.user_a), "/hub-order-rules", rule).status_code == 403
    assert post(o.client(o.dcc), "/hub-order-rules", {**rule, "tolerance_percent": 101}).status_code == 422
    assert (
        post(o.client(o.dcc), "/hub-order-rules", {**rule, "effective_from": "2020-01-01"}).status_code == 422
    )
    response = post(o.client(o.dcc), "/hub-order-rules", rule)
    assert response.status_code == 201 and response.json()["variant"] is None
    assert OrderRule.objects.filter(tolerance_percent=5).exists()

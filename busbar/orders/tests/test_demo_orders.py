"""The hub orders demo (issue 15, item 7), loaded once for the module on the core demo's parties: a
quarter of forecasts for three suppliers, orders in every state (a short shipment among them), 200
returns in every state; each supplier sees only its own, DCC all; loading twice changes nothing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from busbar.conftest import ensure_installed_defaults
from busbar.orders import defaults, rules
from busbar.orders import queries as q
from busbar.orders.demo import SUPPLIERS, load
from busbar.orders.models import Forecast, HubOrder, HubReturn, ReturnedHub
from busbar.requests.tests.test_demo_requests import parties

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker) -> Iterator:
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
                ensure_installed_defaults()
                defaults.ensure()
                ctx = parties()
                load(ctx)
            yield ctx
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def counts() -> dict:
    return {
        "forecasts": Forecast.objects.count(),
        "orders": HubOrder.objects.count(),
        "returns": HubReturn.objects.count(),
        "hubs": ReturnedHub.objects.count(),
    }


def test_forecasts_cover_the_past_quarter_and_the_next(demo):
    this = rules.month_start(timezone.localdate())
    for slug, *_rest in SUPPLIERS:
        months = set(Forecast.objects.filter(supplier__slug=slug).values_list("month", flat=True))
        wanted = {rules.add_months(this, n) for n in (-3, -2, -1, 1, 2, 3)}
        assert wanted <= months, slug


def test_orders_in_every_state_with_a_short_shipment(demo):
    states = set(HubOrder.objects.values_list("status", flat=True))
    assert states == {
        "submitted",
        "confirmed",
        "dispatched",
        "part_delivered",
        "delivered",
        "closed",
        "cancelled",
    }
    short = HubOrder.objects.filter(status="part_delivered").first()
    assert short.delivered_quantity < short.quantity
    assert set(HubOrder.objects.values_list("supplier__slug", flat=True)) == {s[0] for s in SUPPLIERS}


def test_two_hundred_returns_in_every_state(demo):
    assert HubReturn.objects.count() == 200
    assert set(HubReturn.objects.values_list("status", flat=True)) == {
        "requested",
        "collected",
        "received",
        "tested",
        "credited",
        "rejected",
        "cancelled",
    }
    sizes = list(HubReturn.objects.values_list("hub_count", flat=True))
    assert min(sizes) >= 5 and max(sizes) <= 40
    assert ReturnedHub.objects.count() == sum(sizes)


def test_each_supplier_sees_only_its_own(demo):
    for slug, email, *_rest in SUPPLIERS:
        user = demo.people[email]
        assert set(q.orders_visible_to(user).values_list("supplier__slug", flat=True)) == {slug}
        assert set(q.returns_visible_to(user).values_list("supplier__slug", flat=True)) == {slug}
    dcc = demo.people["resolver@dcc.example"]
    assert q.returns_visible_to(dcc).count() == 200
    assert not q.returns_visible_to(demo.people["supplier@greenfield.example"]).exists()


def test_loading_twice_changes_nothing(demo):
    before = counts()
    load(demo)
    assert counts() == before

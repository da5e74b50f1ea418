"""The OMS home (/hubs/): a supplier sees its own forecast against orders; DCC and the desk every
supplier's with a supplier filter; a provider that is not DCC, and Bravo for Alpha's figures, see nothing."""

from __future__ import annotations

import pytest
from django.utils import timezone

from busbar.orders import rules
from busbar.orders.models import Forecast, ForecastSubmission
from busbar.orders.tests.conftest import OmsWorld

pytestmark = pytest.mark.django_db


def seed(o: OmsWorld) -> None:
    """Alpha forecasts 7,777 hubs and Bravo 5,555 in next month (real time: the pages use today)."""
    month = rules.horizon(timezone.localdate())[0]
    for org, quantity in ((o.world.org_a, 7777), (o.world.org_b, 5555)):
        sub = ForecastSubmission.objects.create(supplier=org, first_month=month)
        Forecast.objects.create(
            supplier=org, month=month, region="north", variant=o.g4, quantity=quantity, submission=sub
        )


def test_a_supplier_sees_its_own_grid_only(o: OmsWorld) -> None:
    seed(o)
    body = o.client(o.world.user_a).get("/hubs/").content.decode()
    assert "7777" in body and "5555" not in body
    assert 'href="/hubs/returns/"' in body and 'href="/hubs/orders/new/"' in body
    assert "/hubs/rules/" not in body and 'name="supplier"' not in body
    body = o.client(o.world.user_b).get("/hubs/").content.decode()
    assert "5555" in body and "7777" not in body


@pytest.mark.parametrize("who", ["dcc", "analyst"])
def test_dcc_and_the_desk_see_every_supplier_and_can_filter(o: OmsWorld, who: str) -> None:
    seed(o)
    user = o.dcc if who == "dcc" else o.world.analyst
    client = o.client(user)
    body = client.get("/hubs/").content.decode()
    assert "13332" in body  # both suppliers summed
    assert 'name="supplier"' in body and "/hubs/rules/" in body and "/hubs/orders/new/" not in body
    body = client.get(f"/hubs/?supplier={o.world.org_b.pk}").content.decode()
    assert "5555" in body and "7777" not in body


def test_others_are_told_it_is_not_for_them_and_anonymous_signs_in(o: OmsWorld) -> None:
    body = o.client(o.world.resolver).get("/hubs/").content.decode()
    assert "nothing here for you" in body and "/hubs/orders/" not in body.split("<main")[1]
    assert o.client(o.world.resolver).get("/hubs/orders/").status_code == 404
    response = o.client(None).get("/hubs/")
    assert response.status_code == 302 and "login" in response["Location"]


def test_the_home_page_costs_a_fixed_number_of_queries(o: OmsWorld, django_assert_max_num_queries) -> None:
    seed(o)
    client = o.client(o.dcc)
    client.get("/hubs/")
    with django_assert_max_num_queries(25):
        assert client.get("/hubs/").status_code == 200

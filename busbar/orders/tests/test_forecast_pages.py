"""The forecast page per persona: a supplier submits by the grid or a CSV (all or nothing, bad lines
named); DCC and the desk read every supplier's; others get nothing."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from busbar.orders import rules
from busbar.orders.models import Forecast, ForecastSubmission
from busbar.orders.tests.conftest import OmsWorld

pytestmark = pytest.mark.django_db


def test_a_supplier_submits_by_grid_and_by_csv(o: OmsWorld) -> None:
    months = rules.horizon(timezone.localdate())
    client = o.client(o.world.user_a)
    assert "Submit Alpha Energy" in client.get("/hubs/forecasts/").content.decode()
    name = f"grid-q_{months[1]:%Y-%m}_north_4g-single-int"
    assert client.post("/hubs/forecasts/", {"form": "grid", name: "960"}).status_code == 302
    assert Forecast.objects.get(supplier=o.world.org_a).quantity == 960
    bad = (
        f"month,region,variant,quantity\n{months[1]:%Y-%m},mars,4g-single-int,5\n"
        f"{months[2]:%Y-%m},north,x,5\n"
    )
    upload = SimpleUploadedFile("f.csv", bad.encode(), content_type="text/csv")
    response = client.post("/hubs/forecasts/", {"form": "upload", "upload-file": upload})
    body = response.content.decode()
    assert response.status_code == 422 and "Line 2" in body and "Line 3" in body
    assert ForecastSubmission.objects.count() == 1
    assert o.client(o.world.user_b).get("/hubs/forecasts/").content.decode().count("960") == 0
    body = o.client(o.dcc).get("/hubs/forecasts/").content.decode()
    assert "960" in body and "Submit forecast" not in body
    assert o.client(o.dcc).post("/hubs/forecasts/", {"form": "grid"}).status_code == 403
    assert o.client(o.world.analyst).get("/hubs/forecasts/").status_code == 200
    assert o.client(o.world.resolver).get("/hubs/forecasts/").status_code == 404
    assert o.client(None).get("/hubs/forecasts/").status_code == 302

"""The desk sets each provider's KPI return schedule (page and API); providers and participants cannot
(404); bad input is refused naming the field, nothing written."""

from __future__ import annotations

import pytest

from busbar.reports.models import ReturnSchedule
from busbar.reports.tests.conftest import WORKING
from busbar.reports.tests.test_return_helpers import API
from busbar.services.models import Calendar

pytestmark = pytest.mark.django_db


def test_desk_sets_a_schedule_on_the_page(slm, django_assert_max_num_queries) -> None:
    desk = slm.client(slm.desk)
    with django_assert_max_num_queries(12):
        assert desk.get("/kpi-returns/schedules/").status_code == 200
    working = Calendar.objects.get(name=WORKING)
    form = {
        "provider": slm.gas_org.pk,
        "kpis": "availability, resolution_time nominations_on_time_pct",
        "frequency": "quarterly",
        "due_working_days": "10",
        "calendar": working.pk,
        "chase_every_days": "3",
        "is_active": "on",
    }
    assert desk.post("/kpi-returns/schedules/", form).status_code == 302
    schedule = ReturnSchedule.objects.get(provider=slm.gas_org)
    assert schedule.kpis == ["availability", "resolution_time", "nominations_on_time_pct"]
    assert (schedule.frequency, schedule.due_working_days, schedule.chase_every_days) == ("quarterly", 10, 3)
    page = desk.get("/kpi-returns/schedules/").content.decode()
    assert f"schedule-{slm.gas_org.pk}" in page and "Nominations on time pct" in page
    bad = desk.post("/kpi-returns/schedules/", {**form, "kpis": "Bad Code!", "due_working_days": "99"})
    assert bad.status_code == 422
    schedule.refresh_from_db()
    assert schedule.due_working_days == 10
    # Not a provider.
    refused = desk.post("/kpi-returns/schedules/", {**form, "provider": slm.world.org_a.pk})
    assert refused.status_code == 422


def test_only_the_desk(slm) -> None:
    for user in (slm.provider, slm.alpha):
        client = slm.client(user)
        assert client.get("/kpi-returns/schedules/").status_code == 404
        assert client.get(f"{API}/schedules/{slm.gas_org.pk}").status_code == 404
        body = {"kpis": ["incidents"], "calendar": "24x7"}
        response = client.put(
            f"{API}/schedules/{slm.world.provider.pk}", body, content_type="application/json"
        )
        assert response.status_code == 404
    assert not ReturnSchedule.objects.exists()


def test_api_sets_and_reads_a_schedule(slm) -> None:
    desk = slm.client(slm.desk)
    url = f"{API}/schedules/{slm.world.provider.pk}"
    assert desk.get(url).status_code == 404
    body = {"kpis": ["incidents", "first_time_fix_pct"], "calendar": WORKING, "due_working_days": 3}
    response = desk.put(url, body, content_type="application/json")
    assert response.status_code == 200, response.content
    assert desk.get(url).json()["kpis"] == ["incidents", "first_time_fix_pct"]
    for bad, field in (
        ({**body, "due_working_days": 61}, "due_working_days"),
        ({**body, "calendar": "Mars time"}, "calendar"),
        ({**body, "kpis": ["Not A Code"]}, "kpis[0]"),
        ({**body, "kpis": []}, "kpis"),
    ):
        response = desk.put(url, bad, content_type="application/json")
        assert response.status_code == 422
        assert [e["field"] for e in response.json()["errors"]] == [field], response.json()
    assert ReturnSchedule.objects.get(provider=slm.world.provider).due_working_days == 3

"""Bad input to the change API is a 422 problem naming the field, and nothing is written."""

import datetime as dt

import pytest
from django.utils import timezone

from busbar.changes import steps
from busbar.changes.models import BlackoutWindow, ChangeNotification
from busbar.records.models import Record

pytestmark = pytest.mark.django_db
API = "/api/v1/changes"
PROBLEM = "application/problem+json"


def _start() -> dt.datetime:
    return (timezone.now() + dt.timedelta(days=30)).replace(microsecond=0)


def _body(**extra) -> dict:
    start = _start()
    return {
        "title": "CSS patch",
        "services": ["css"],
        "planned_start": start.isoformat(),
        "planned_end": (start + dt.timedelta(hours=2)).isoformat(),
        **extra,
    }


def _refused(chg, body: dict, field: str, *, user=None) -> None:
    before = (ChangeNotification.objects.count(), Record.objects.count())
    response = chg.client(user or chg.provider).post(API, body, content_type="application/json")
    assert response.status_code == 422, response.content
    assert response["Content-Type"] == PROBLEM
    assert [e["field"] for e in response.json()["errors"]] == [field], response.json()
    assert (ChangeNotification.objects.count(), Record.objects.count()) == before


def test_end_before_start(chg) -> None:
    start = _start()
    body = _body(planned_end=(start - dt.timedelta(hours=1)).isoformat())
    _refused(chg, body, "planned_end")


def test_a_window_over_a_year(chg) -> None:
    start = _start()
    _refused(chg, _body(planned_end=(start + dt.timedelta(days=400)).isoformat()), "planned_end")


def test_a_service_the_provider_does_not_run(chg) -> None:
    _refused(chg, _body(services=["uk-link"]), "services")


def test_an_unknown_service(chg) -> None:
    _refused(chg, _body(services=["no-such-service"]), "services")


def test_a_time_without_its_zone(chg) -> None:
    _refused(chg, _body(planned_start="2030-03-30T01:30:00"), "planned_start")


def test_a_title_too_long(chg) -> None:
    _refused(chg, _body(title="x" * (steps.TITLE_MAX + 1)), "title")


def test_too_many_services(chg) -> None:
    _refused(chg, _body(services=[f"s{i}" for i in range(51)]), "services")


def test_an_unknown_field(chg) -> None:
    _refused(chg, _body(sumary="typo"), "sumary")


def test_a_participant_cannot_raise_and_nothing_is_written(chg) -> None:
    before = ChangeNotification.objects.count()
    response = chg.client(chg.alpha).post(API, _body(), content_type="application/json")
    assert response.status_code == 403
    assert ChangeNotification.objects.count() == before


def test_an_edit_with_end_before_start_changes_nothing(chg) -> None:
    start = chg.draft.planned_start
    response = chg.client(chg.provider).patch(
        f"{API}/{chg.draft.reference}",
        {"title": "Renamed", "planned_end": (start - dt.timedelta(hours=1)).isoformat()},
        content_type="application/json",
    )
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "planned_end"
    assert ChangeNotification.objects.get(pk=chg.draft.pk).title == "CSS database patching"


def test_an_empty_edit_and_a_null_title(chg) -> None:
    client = chg.client(chg.provider)
    path = f"{API}/{chg.draft.reference}"
    empty = client.patch(path, {}, content_type="application/json")
    assert empty.status_code == 422 and empty.json()["errors"][0]["field"] == "body"
    null = client.patch(path, {"title": None}, content_type="application/json")
    assert null.status_code == 422 and null.json()["errors"][0]["field"] == "title"


def test_a_reference_that_is_not_one_is_422_or_404(chg) -> None:
    client = chg.client(chg.desk)
    assert client.get(f"{API}/CHG9999999").status_code == 404
    assert client.get(f"{API}/x" + "9" * 30).status_code in (404, 422)


def test_schedule_window_over_400_days(chg) -> None:
    client = chg.client(chg.alpha)
    response = client.get(f"{API}/schedule?from=2027-01-01T00:00:00Z&to=2028-02-10T00:00:00Z")
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "to"
    response = client.get(f"{API}/schedule?from=2027-01-01T00:00:00Z&to=2026-12-01T00:00:00Z")
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "to"
    response = client.get(f"{API}/schedule?from=2027-01-01T00:00:00")
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "from"


def test_availability_year_bounds(chg) -> None:
    client = chg.client(chg.alpha)
    this_year = timezone.localdate().year
    for year, status in ((1999, 422), (this_year - 6, 422), (this_year + 1, 422), (this_year - 5, 200)):
        response = client.get(f"{API}/availability?year={year}&service=css&month=1")
        assert response.status_code == status, (year, response.content)
        if status == 422:
            assert response.json()["errors"][0]["field"] == "year"
    response = client.get(f"{API}/availability?" + "&".join(f"service=s{i}" for i in range(51)))
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "service"


def test_a_blackout_over_a_year_is_refused(chg) -> None:
    before = BlackoutWindow.objects.count()
    response = chg.client(chg.ops).post(
        f"{API}/blackouts",
        {"name": "Long", "starts_at": "2028-01-01T00:00:00Z", "ends_at": "2029-06-01T00:00:00Z"},
        content_type="application/json",
    )
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "ends_at"
    assert BlackoutWindow.objects.count() == before


def test_a_consultation_deadline_out_of_range(chg) -> None:
    deadline = (timezone.localdate() + dt.timedelta(days=200)).isoformat()
    response = chg.client(chg.desk).post(
        f"{API}/{chg.submitted.reference}/consult",
        {"organisations": [chg.world.org_a.pk], "deadline": deadline},
        content_type="application/json",
    )
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "deadline"
    assert not chg.submitted.consultations.exists()

"""A milestone's baseline date is never edited directly — not by the action, the API or the page: only an
approved change request re-baselines. The first baseline is set once; a second "first" is a conflict."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from busbar.audit.models import AuditEntry
from busbar.lib.actions import ActionError, Conflict, NotPermitted
from busbar.programmes.actions import plan as actions
from busbar.programmes.models import Baseline, BaselineDate, Milestone
from busbar.programmes.tests.conftest import actor_for

API = "/api/v1/programmes/mhhs"
PAGE = "/programmes/mhhs/plan"


def _patch(client, url, body):
    return client.patch(url, json.dumps(body), content_type="application/json")


def _post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def _baseline_of(milestone) -> dt.date | None:
    return Milestone.objects.get(pk=milestone.pk).baseline_date


def test_the_action_refuses_a_baseline_date(gov) -> None:
    with pytest.raises(ActionError) as refused:
        actions.update_milestone(
            actor=actor_for(gov.office), milestone=gov.m14, baseline_date=dt.date(2027, 6, 30)
        )
    assert refused.value.field == "baseline_date"
    assert "only an approved change request re-baselines" in refused.value.message.lower()
    assert _baseline_of(gov.m14) == dt.date(2027, 3, 31)
    # A participant is refused for who they are first.
    with pytest.raises(NotPermitted):
        actions.update_milestone(
            actor=actor_for(gov.alpha), milestone=gov.m14, baseline_date=dt.date(2027, 6, 30)
        )


def test_the_api_refuses_a_baseline_date_naming_the_field(gov) -> None:
    response = _patch(gov.client(gov.office), f"{API}/milestones/M14", {"baseline_date": "2027-06-30"})
    assert response.status_code == 422 and response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["errors"][0]["field"] == "baseline_date"
    assert "re-baselines" in problem["detail"]
    # Together with a forecast: nothing is changed.
    both = _patch(
        gov.client(gov.office),
        f"{API}/milestones/M14",
        {"forecast_date": "2027-05-03", "baseline_date": None},
    )
    assert both.status_code == 422
    m14 = Milestone.objects.get(pk=gov.m14.pk)
    assert (m14.baseline_date, m14.forecast_date) == (dt.date(2027, 3, 31), dt.date(2027, 4, 7))
    assert (
        _patch(gov.client(gov.alpha), f"{API}/milestones/M14", {"baseline_date": "2027-06-30"}).status_code
        == 403
    )
    assert (
        _patch(gov.client(gov.outsider), f"{API}/milestones/M14", {"baseline_date": "2027-06-30"}).status_code
        == 404
    )


def test_the_page_refuses_a_baseline_date(gov) -> None:
    url = f"{PAGE}/milestones/M14/"
    page = gov.client(gov.office).get(url)
    assert page.status_code == 200
    assert b'name="edit-baseline_date"' not in page.content  # never offered
    body = {
        "edit-name": gov.m14.name,
        "edit-kind": "milestone",
        "edit-forecast_date": "2027-05-03",
        "edit-order": "14",
        "edit-baseline_date": "2027-06-30",
    }
    refused = gov.client(gov.office).post(url, body)
    assert refused.status_code == 422
    assert b"Only an approved change request re-baselines" in refused.content
    m14 = Milestone.objects.get(pk=gov.m14.pk)
    assert (m14.baseline_date, m14.forecast_date) == (dt.date(2027, 3, 31), dt.date(2027, 4, 7))
    del body["edit-baseline_date"]
    done = gov.client(gov.office).post(url, body)
    assert done.status_code == 302
    assert Milestone.objects.get(pk=gov.m14.pk).forecast_date == dt.date(2027, 5, 3)
    assert _baseline_of(gov.m14) == dt.date(2027, 3, 31)


def test_the_first_baseline_only_once(gov) -> None:
    office = actor_for(gov.office)
    with pytest.raises(Conflict) as conflict:
        actions.set_first_baseline(
            actor=office, programme=gov.programme, label="Again", dates={gov.m14: dt.date(2027, 1, 1)}
        )
    assert conflict.value.status == 409 and conflict.value.field == "baseline"
    answer = _post(gov.client(gov.office), f"{API}/baselines", {"label": "Again"})
    assert answer.status_code == 409 and answer.json()["errors"][0]["field"] == "baseline"
    page = gov.client(gov.office).post(f"{PAGE}/baselines/", {"first-label": "Again"})
    assert page.status_code == 409
    assert Baseline.objects.filter(programme=gov.programme).count() == 1
    assert _baseline_of(gov.m14) == dt.date(2027, 3, 31)


def test_setting_the_first_baseline(gov) -> None:
    """Without a baseline the office sets baseline 1 (each milestone's date, by default its forecast);
    then never again."""
    Baseline.objects.filter(programme=gov.programme).delete()
    Milestone.objects.filter(programme=gov.programme).update(baseline_date=None)
    url = f"{PAGE}/baselines/"
    form = gov.client(gov.office).get(url)
    assert (
        b"Set the first baseline" in form.content
        and f'name="first-date_{gov.m14.pk}"'.encode() in form.content
    )
    for user in (gov.alpha, gov.assurer, gov.desk):
        assert gov.client(user).post(url, {"first-label": "Baseline 1"}).status_code == 403
        assert b"Set the first baseline" not in gov.client(user).get(url).content
    assert gov.client(gov.outsider).post(url, {"first-label": "Baseline 1"}).status_code == 404
    body = {
        "first-label": "Programme replan",
        f"first-date_{gov.m10.pk}": "2027-02-01",
        f"first-date_{gov.m14.pk}": "2027-03-31",
    }
    assert gov.client(gov.office).post(url, body).status_code == 302
    baseline = Baseline.objects.get(programme=gov.programme)
    assert (baseline.number, baseline.label, baseline.change_request) == (1, "Programme replan", None)
    assert dict(BaselineDate.objects.filter(baseline=baseline).values_list("milestone__code", "date")) == {
        "M10": dt.date(2027, 2, 1),
        "M14": dt.date(2027, 3, 31),
    }
    assert _baseline_of(gov.m15) is None  # left out, so not baselined
    assert AuditEntry.objects.filter(action="programmes.plan.baseline.first").count() == 1
    assert gov.client(gov.office).post(url, body).status_code == 409


def test_the_first_baseline_through_the_api_defaults_to_forecasts(gov) -> None:
    Baseline.objects.filter(programme=gov.programme).delete()
    Milestone.objects.filter(programme=gov.programme).update(baseline_date=None)
    assert _post(gov.client(gov.alpha), f"{API}/baselines", {"label": "Mine"}).status_code == 403
    assert _post(gov.client(gov.assurer), f"{API}/baselines", {"label": "Mine"}).status_code == 403
    assert _post(gov.client(gov.outsider), f"{API}/baselines", {"label": "Mine"}).status_code == 404
    created = _post(gov.client(gov.office), f"{API}/baselines", {"label": "From forecasts"})
    assert created.status_code == 201
    dates = {d["milestone"]: d["date"] for d in created.json()["dates"]}
    assert dates == {"M10": "2027-02-01", "CP4": "2027-03-31", "M14": "2027-04-07", "M15": "2027-10-29"}
    assert _baseline_of(gov.m14) == dt.date(2027, 4, 7)
    again = _post(
        gov.client(gov.office),
        f"{API}/baselines",
        {"label": "Again", "dates": [{"milestone": "M14", "date": "2027-01-04"}]},
    )
    assert again.status_code == 409
    unknown = _post(
        gov.client(gov.office),
        f"{API}/baselines",
        {"label": "x", "dates": [{"milestone": "M99", "date": "2027-01-04"}]},
    )
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "dates[0].milestone"

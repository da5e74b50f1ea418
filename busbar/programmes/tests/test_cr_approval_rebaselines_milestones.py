"""Approving CR001 (GV-07) writes baseline 2 moving M14 (a regulatory milestone: the regulator's approval is
noted) while baseline 1 keeps its dates; the CR keeps the date each milestone had, and its page links to the
comparison of the two baselines."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.urls import NoReverseMatch, reverse

from busbar.lib.actions import ActionError, Conflict
from busbar.programmes.actions import changes as actions
from busbar.programmes.models import Baseline, BaselineDate, CrStatus, Decision, MilestoneChange
from busbar.programmes.tests.conftest import actor_for

APPROVED_AT = dt.datetime(2027, 1, 12, 14, 0, tzinfo=dt.UTC)


def _dates(baseline: Baseline) -> dict[str, dt.date]:
    return dict(BaselineDate.objects.filter(baseline=baseline).values_list("milestone__code", "date"))


def _compare_url(gov) -> str | None:
    try:
        return reverse("programmes_baselines", kwargs={"programme": gov.programme.code})
    except NoReverseMatch:
        return None


def test_approval_writes_baseline_2_and_baseline_1_keeps_its_dates(gov) -> None:
    office = actor_for(gov.office)
    before = _dates(gov.baseline1)
    actions.close_responses(actor=office, cr=gov.cr1)
    with pytest.raises(ActionError) as refused:
        actions.approve_cr(actor=office, cr=gov.cr1, note="Approved by the SRO")
    assert (
        refused.value.field == "regulator_approval"
        and "M14 is a regulatory milestone" in refused.value.message
    )
    gov.cr1.refresh_from_db()
    assert gov.cr1.status == CrStatus.REVIEW and not Baseline.objects.filter(number=2).exists()

    actions.approve_cr(
        actor=office,
        cr=gov.cr1,
        note="Approved by the SRO",
        regulator_approval="Ofgem approved the Level 1 milestone change on 8 Jan 2027",
        meeting=gov.tmag20,
        now=APPROVED_AT,
    )
    cr = gov.cr1
    cr.refresh_from_db()
    assert (cr.status, cr.decided_on) == (CrStatus.APPROVED, dt.date(2027, 1, 12))
    assert "Regulator approval: Ofgem approved" in cr.decision_note
    second = Baseline.objects.get(programme=gov.programme, number=2)
    assert (second.change_request, second.label, second.approved_by) == (
        cr,
        "CR001 Move M14 by a month",
        gov.office,
    )
    assert _dates(second) == {**before, "M14": dt.date(2027, 4, 30)}
    assert _dates(gov.baseline1) == before and before["M14"] == dt.date(2027, 3, 31)
    gov.m14.refresh_from_db()
    assert gov.m14.baseline_date == dt.date(2027, 4, 30)
    change = MilestoneChange.objects.get(change_request=cr, milestone=gov.m14)
    assert (change.previous_date, change.proposed_date) == (dt.date(2027, 3, 31), dt.date(2027, 4, 30))
    decision = Decision.objects.get(change_request=cr)
    assert (decision.outcome, decision.meeting, decision.number) == ("approved", gov.tmag20, 2)

    page = gov.client(gov.alpha).get(f"/programmes/change-requests/{cr.reference}/").content.decode()
    assert "baseline 2" in page and "baseline 1 keeps the dates it had" in page
    assert "Baseline before" in page and "31 Mar 2027" in page and "30 Apr 2027" in page
    assert "+22 working days" in page  # 31 Mar → 30 Apr 2027: every weekday of April
    compare = _compare_url(gov)
    if compare:
        assert f'href="{compare}?a=1&amp;b=2"' in page
    with pytest.raises(Conflict):  # a decided CR changes no more (409)
        actions.set_milestone_change(
            actor=office, cr=cr, milestone=gov.m15, proposed_date=dt.date(2027, 12, 1)
        )


def test_approval_through_the_page_and_the_api(gov) -> None:
    office = gov.client(gov.office)
    url = f"/programmes/change-requests/{gov.cr1.reference}/"
    assert office.post(url + "close-responses/", {"close-responses-note": "Round closed"}).status_code == 302
    refused = office.post(url + "approve/", {"approve-note": "SRO approved"})
    assert refused.status_code == 422 and "is a regulatory milestone" in refused.content.decode()
    assert not Baseline.objects.filter(number=2).exists()
    done = office.post(
        url + "approve/",
        {
            "approve-note": "SRO approved",
            "approve-regulator_approval": "Ofgem letter of 8 Jan",
            "approve-decided_by": "SRO",
            "approve-meeting": gov.tmag20.pk,
        },
    )
    assert done.status_code == 302 and Baseline.objects.filter(number=2, change_request=gov.cr1).exists()

    detail = gov.client(gov.assurer).get(f"/api/v1/programmes/change-requests/{gov.cr1.reference}").json()
    assert (detail["status"], detail["baseline"], detail["previous_baseline"]) == ("approved", 2, 1)
    assert detail["milestone_changes"] == [
        {
            "milestone": "M14",
            "name": gov.m14.name,
            "regulatory": True,
            "current_baseline": "2027-03-31",
            "proposed_date": "2027-04-30",
            "shift_working_days": 22,
            "note": "",
        }
    ]
    assert [d["outcome"] for d in detail["decisions"]] == ["approved"]


def test_api_approval_of_a_cr_moving_no_regulatory_milestone(gov) -> None:
    client = gov.client(gov.office)
    created = client.post(
        f"/api/v1/programmes/{gov.programme.code}/change-requests",
        json.dumps(
            {
                "title": "Move M15 by a week",
                "description": "Follows M14",
                "milestone_changes": [{"milestone": "M15", "proposed_date": "2027-11-05"}],
            }
        ),
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    ref = created.json()["reference"]
    base = f"/api/v1/programmes/change-requests/{ref}"
    assert client.post(f"{base}/issue").status_code == 200
    assert client.post(f"{base}/close-responses", "{}", content_type="application/json").status_code == 200
    approved = client.post(
        f"{base}/approve", json.dumps({"decided_by": "PSG"}), content_type="application/json"
    )
    assert approved.status_code == 200, approved.content
    assert approved.json()["baseline"] == 2
    gov.m15.refresh_from_db()
    assert gov.m15.baseline_date == dt.date(2027, 11, 5)
    unknown = client.post(
        f"/api/v1/programmes/{gov.programme.code}/change-requests",
        json.dumps(
            {
                "title": "X",
                "description": "Y",
                "milestone_changes": [{"milestone": "M99", "proposed_date": "2027-11-05"}],
            }
        ),
        content_type="application/json",
    )
    assert (
        unknown.status_code == 422
        and unknown.json()["errors"][0]["field"] == "milestone_changes[0].milestone"
    )

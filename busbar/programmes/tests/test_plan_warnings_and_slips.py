"""A milestone forecast before its predecessor's is allowed and warned about on the plan; a participant's
milestone dated after its programme milestone shows on both plans ("2 participants forecast after M14"),
and so does a programme milestone brought forward before a participant's."""

from __future__ import annotations

import datetime as dt
import json

from busbar.programmes import plan_view
from busbar.programmes.actions import plan as actions
from busbar.programmes.models import Milestone, PartyMilestone
from busbar.programmes.tests.conftest import actor_for
from busbar.testing.access import access_for

API = "/api/v1/programmes/mhhs"
PAGE = "/programmes/mhhs/plan"


def test_forecast_before_the_predecessor_is_warned_not_refused(gov) -> None:
    # M14 follows M10 (forecast 1 Feb 2027); moving M14 to 20 Jan 2027 is allowed.
    response = gov.client(gov.office).patch(
        f"{API}/milestones/M14", json.dumps({"forecast_date": "2027-01-20"}), content_type="application/json"
    )
    assert response.status_code == 200
    warning = response.json()["warning"]
    assert "before its predecessor M10's forecast 1 Feb 2027" in warning and "by 8 working days" in warning
    assert Milestone.objects.get(pk=gov.m14.pk).forecast_date == dt.date(2027, 1, 20)
    for user in (gov.office, gov.alpha, gov.bravo, gov.assurer, gov.desk):
        page = gov.client(user).get(f"{PAGE}/").content.decode()
        assert "Warnings" in page and "Before M10" in page and "before its predecessor M10" in page
    detail = gov.client(gov.alpha).get(f"{PAGE}/milestones/M14/").content.decode()
    assert "before its predecessor M10" in detail
    csv = b"".join(gov.client(gov.office).get(f"{PAGE}/export/?format=csv").streaming_content).decode()
    assert "before its predecessor M10" in csv
    # Achieved milestones are not warned about; nor a forecast on or after the predecessor's.
    actions.update_milestone(
        actor=actor_for(gov.office), milestone=gov.m14, forecast_date=dt.date(2027, 2, 1)
    )
    table = plan_view.plan_table(gov.programme, access_for(gov.office))
    assert table.warnings == []


def test_a_participant_slip_shows_on_the_programme_milestone_and_its_plan(gov) -> None:
    alpha_ms = PartyMilestone.objects.get(plan=gov.alpha_plan)
    # Alpha's milestone (for M14, forecast 7 Apr 2027) slips to 21 Apr 2027.
    answer = gov.client(gov.alpha).patch(
        f"{API}/subsidiary-plans/{gov.world.org_a.pk}/milestones/{alpha_ms.pk}",
        json.dumps({"forecast_date": "2027-04-21"}),
        content_type="application/json",
    )
    assert answer.status_code == 200
    assert answer.json()["working_days_after_programme"] == 10 and "after M14" in answer.json()["warning"]
    # The programme plan, for everyone who reads it: one participant forecast after M14.
    for user in (gov.office, gov.alpha, gov.bravo, gov.assurer, gov.desk):
        page = gov.client(user).get(f"{PAGE}/").content.decode()
        assert "1 participant forecast after M14" in page, user
    # Named only to those who read every plan, and to Alpha itself.
    office = gov.client(gov.office).get(f"{API}/milestones/M14").json()
    assert office["late_participants"] == 1
    assert office["slips"] == [
        {
            "organisation": gov.world.org_a.pk,
            "organisation_name": "Alpha Energy",
            "milestone": "Alpha ready to access MPANs",
            "date": "2027-04-21",
            "working_days_after": 10,
        }
    ]
    assert (
        gov.client(gov.alpha).get(f"{API}/milestones/M14").json()["slips"][0]["organisation_name"]
        == "Alpha Energy"
    )
    bravo = gov.client(gov.bravo).get(f"{API}/milestones/M14").json()
    assert bravo["late_participants"] == 1 and bravo["slips"] == []
    assert "Alpha" not in gov.client(gov.bravo).get(f"{PAGE}/").content.decode()
    assert "Alpha ready" not in gov.client(gov.desk).get(f"{PAGE}/milestones/M14/").content.decode()
    # Alpha's own plan shows it against M14.
    plan = gov.client(gov.alpha).get(f"{PAGE}/participants/{gov.world.org_a.pk}/").content.decode()
    assert "Against the programme plan" in plan and "10 working days after M14 (7 Apr 2027)" in plan
    # A second participant late against M14: "2 participants".
    bravo_plan = actions.create_subsidiary_plan(
        actor=actor_for(gov.bravo), programme=gov.programme, organisation=gov.world.org_b, name="Bravo plan"
    )
    actions.add_party_milestone(
        actor=actor_for(gov.bravo),
        plan=bravo_plan,
        name="Bravo migration ready",
        planned_date=dt.date(2027, 3, 1),
        forecast_date=dt.date(2027, 5, 4),
        programme_milestone=gov.m14,
    )
    assert "2 participants forecast after M14" in gov.client(gov.office).get(f"{PAGE}/").content.decode()
    bravo = gov.client(gov.bravo).get(f"{API}/milestones/M14").json()
    assert bravo["late_participants"] == 2 and [s["organisation_name"] for s in bravo["slips"]] == [
        "Bravo Energy"
    ]
    listing = gov.client(gov.office).get(f"{API}/subsidiary-plans").json()
    assert {p["organisation"]["name"]: p["late"] for p in listing["items"]} == {
        "Alpha Energy": 1,
        "Bravo Energy": 1,
    }


def test_a_programme_milestone_brought_forward_shows_on_the_participant_plan(gov) -> None:
    # Alpha's milestone is forecast 22 Mar 2027, before M14 (forecast 7 Apr, baseline 31 Mar): fine.
    plan_url = f"{PAGE}/participants/{gov.world.org_a.pk}/"
    assert "Against the programme plan" not in gov.client(gov.alpha).get(plan_url).content.decode()
    # The office brings M14 forward to 15 Mar 2027, before Alpha's 22 Mar.
    actions.update_milestone(
        actor=actor_for(gov.office), milestone=gov.m14, forecast_date=dt.date(2027, 3, 15)
    )
    page = gov.client(gov.alpha).get(plan_url).content.decode()
    assert "Against the programme plan" in page
    assert "M14 is now forecast 15 Mar 2027, earlier than its baseline 31 Mar 2027" in page
    assert "5 working days after it" in page
    detail = gov.client(gov.alpha).get(f"{API}/subsidiary-plans/{gov.world.org_a.pk}").json()
    assert detail["late"] == 1 and detail["milestones"][0]["working_days_after_programme"] == 5
    # And the programme milestone shows it too.
    assert "1 participant forecast after M14" in gov.client(gov.office).get(f"{PAGE}/").content.decode()

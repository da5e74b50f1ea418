"""Impact assessments are one per organisation per round, private to the responding organisation (the office
and assurers read them all and see who has not answered), and flagged late after the deadline."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from busbar.lib.actions import ActionError, NotPermitted
from busbar.programmes.actions import changes as actions
from busbar.programmes.models import ChangeRequest, ImpactResponse
from busbar.programmes.tests.conftest import actor_for

API = "/api/v1/programmes/change-requests"
BRAVO_TEXT = "Bravo cannot migrate its portfolio in time."


def _open_window(gov, days: int = 5) -> None:
    """CR001's deadline moved relative to today, so the pages and the API (which answer now) see it open."""
    ChangeRequest.objects.filter(pk=gov.cr1.pk).update(
        ia_deadline=timezone.localdate() + dt.timedelta(days=days)
    )
    gov.cr1.refresh_from_db()


def _bravo_responds(gov, **extra):
    body = {"impact": "high", "position": "oppose", "response": BRAVO_TEXT, "cost_or_effort": "60 days"}
    body.update(extra)
    return gov.client(gov.bravo).post(
        f"{API}/{gov.cr1.reference}/responses", json.dumps(body), content_type="application/json"
    )


def test_each_participant_reads_only_its_own_response(gov) -> None:
    _open_window(gov)
    created = _bravo_responds(gov)
    assert created.status_code == 201, created.content
    assert created.json()["organisation"]["name"] == "Bravo Energy" and created.json()["late"] is False

    def orgs(user):
        response = gov.client(user).get(f"{API}/{gov.cr1.reference}/responses")
        assert response.status_code == 200
        return sorted(r["organisation"]["name"] for r in response.json()["items"])

    assert orgs(gov.alpha) == ["Alpha Energy"]
    assert orgs(gov.bravo) == ["Bravo Energy"]
    assert orgs(gov.office) == orgs(gov.assurer) == ["Alpha Energy", "Bravo Energy"]
    assert orgs(gov.desk) == []
    assert gov.client(gov.outsider).get(f"{API}/{gov.cr1.reference}/responses").status_code == 404

    office = gov.client(gov.office).get(f"{API}/{gov.cr1.reference}").json()
    assert {o["name"] for o in office["non_responders"]} == {
        "Meter Agent Co",
        "Programme SI",
        "Design Authority",
    }
    assert gov.client(gov.alpha).get(f"{API}/{gov.cr1.reference}").json()["non_responders"] is None

    alpha_page = (
        gov.client(gov.alpha).get(f"/programmes/change-requests/{gov.cr1.reference}/").content.decode()
    )
    assert "We need the extra month." in alpha_page and BRAVO_TEXT not in alpha_page
    assert "Not yet responded" not in alpha_page
    office_page = (
        gov.client(gov.office).get(f"/programmes/change-requests/{gov.cr1.reference}/").content.decode()
    )
    assert BRAVO_TEXT in office_page and "We need the extra month." in office_page
    assert "2 of 5</strong> organisations have responded" in office_page and "Meter Agent Co" in office_page
    # The history does not give another organisation's assessment away either.
    assert alpha_page.count("sent an impact assessment") == 0
    assert office_page.count("sent an impact assessment") == 1
    bravo_page = (
        gov.client(gov.bravo).get(f"/programmes/change-requests/{gov.cr1.reference}/").content.decode()
    )
    assert bravo_page.count("sent an impact assessment") == 1 and "We need the extra month." not in bravo_page


def test_answering_again_replaces_the_answer_of_the_round(gov) -> None:
    _open_window(gov)
    assert _bravo_responds(gov).status_code == 201
    again = _bravo_responds(gov, position="neutral", response="With CR support we can.")
    assert again.status_code == 201
    rows = ImpactResponse.objects.filter(change_request=gov.cr1, organisation=gov.world.org_b)
    assert list(rows.values_list("round", "position", "response")) == [
        (1, "neutral", "With CR support we can.")
    ]


def test_an_answer_after_the_deadline_is_taken_and_flagged_late(gov) -> None:
    after = dt.datetime(2026, 12, 8, 9, 0, tzinfo=dt.UTC)  # the deadline was Monday 7 December
    late = actions.respond(
        actor=actor_for(gov.bravo),
        cr=gov.cr1,
        organisation=gov.world.org_b,
        impact="medium",
        position="support",
        response="Sorry we are late.",
        now=after,
    )
    assert late.late
    on_time = actions.respond(
        actor=actor_for(gov.alpha),
        cr=gov.cr1,
        organisation=gov.world.org_a,
        impact="low",
        position="support",
        response="Updated on the last day.",
        now=dt.datetime(2026, 12, 7, 16, 0, tzinfo=dt.UTC),
    )
    assert not on_time.late
    page = gov.client(gov.office).get(f"/programmes/change-requests/{gov.cr1.reference}/").content.decode()
    assert page.count('<span class="badge danger">Late</span>') == 1


def test_who_may_respond(gov) -> None:
    _open_window(gov)
    body = {"impact": "low", "position": "support", "response": "Fine"}
    for user in (gov.assurer, gov.desk):
        response = gov.client(user).post(
            f"{API}/{gov.cr1.reference}/responses", json.dumps(body), content_type="application/json"
        )
        assert response.status_code == 403, user
    # Alpha cannot answer for Bravo.
    response = gov.client(gov.alpha).post(
        f"{API}/{gov.cr1.reference}/responses",
        json.dumps({**body, "organisation": gov.world.org_b.pk}),
        content_type="application/json",
    )
    assert response.status_code == 403
    # The office runs the consultation; it is not asked to answer it.
    response = gov.client(gov.office).post(
        f"{API}/{gov.cr1.reference}/responses", json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 403 and response.json()["errors"][0]["field"] == "organisation"
    assert "participants answer it" in response.json()["detail"]
    with pytest.raises(ActionError):
        actions.respond(
            actor=actor_for(gov.bravo),
            cr=gov.cr1,
            organisation=gov.world.org_b,
            impact="huge",
            position="support",
            response="x",
        )
    actions.close_responses(actor=actor_for(gov.office), cr=gov.cr1)
    with pytest.raises(NotPermitted):  # the round is closed
        actions.respond(
            actor=actor_for(gov.bravo),
            cr=gov.cr1,
            organisation=gov.world.org_b,
            impact="low",
            position="support",
            response="Too late: the round is closed",
        )
    page = gov.client(gov.bravo).post(
        f"/programmes/change-requests/{gov.cr1.reference}/respond/",
        {"respond-impact": "low", "respond-position": "support", "respond-response": "x"},
    )
    assert page.status_code == 403


def test_the_respond_form_on_the_page(gov) -> None:
    _open_window(gov)
    url = f"/programmes/change-requests/{gov.cr1.reference}/"
    bravo = gov.client(gov.bravo)
    assert "Send the impact assessment" in bravo.get(url).content.decode()
    for user in (gov.office, gov.assurer, gov.desk):
        assert "Send the impact assessment" not in gov.client(user).get(url).content.decode(), user
    sent = bravo.post(
        url + "respond/",
        {
            "respond-organisation": gov.world.org_b.pk,
            "respond-impact": "high",
            "respond-position": "oppose",
            "respond-response": BRAVO_TEXT,
        },
    )
    assert sent.status_code == 302
    assert (
        ImpactResponse.objects.get(change_request=gov.cr1, organisation=gov.world.org_b).response
        == BRAVO_TEXT
    )
    refused = bravo.post(
        url + "respond/", {"respond-organisation": gov.world.org_b.pk, "respond-impact": "x"}
    )
    assert refused.status_code == 422

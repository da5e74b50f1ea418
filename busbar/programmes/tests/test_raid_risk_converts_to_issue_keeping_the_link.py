"""A risk that happens becomes an issue (GV-25): a new item numbered next, carrying the risk's columns, its
``converted_from`` the risk, a kernel link between the two records shown on both pages and in the API,
the risk kept as "converted". Only an open risk converts; the issue is as visible as the risk was."""

from __future__ import annotations

import json

import pytest

from busbar.lib.actions import ActionError, IllegalTransition
from busbar.programmes.actions import raid as actions
from busbar.programmes.models import RaidItem, RaidKind, RaidStatus
from busbar.programmes.tests.conftest import actor_for
from busbar.records.models import Link, Watcher

API = "/api/v1/programmes"


def test_conversion_creates_a_linked_issue(gov) -> None:
    Watcher.objects.create(record_id=gov.r1.record_id, user=gov.bravo)
    issue = actions.convert_to_issue(actor=actor_for(gov.office), item=gov.r1, impact_text="Cohort 2 is late")
    risk = RaidItem.objects.get(pk=gov.r1.pk)
    assert (issue.kind, issue.display_ref, issue.status) == (RaidKind.ISSUE, "R5", RaidStatus.OPEN)
    assert issue.converted_from == risk and risk.converted_to == issue
    assert risk.status == RaidStatus.CONVERTED and risk.closed_on is not None
    for name in (
        "title",
        "theme",
        "phase",
        "activities",
        "impact_level",
        "likelihood",
        "impact_score",
        "rag",
    ):
        assert getattr(issue, name) == getattr(risk, name), name
    assert (issue.exposure, issue.owner_organisation, issue.is_public) == (12, risk.owner_organisation, True)
    assert issue.impact_text == "Cohort 2 is late"
    link = Link.objects.get(source=issue.record, target=risk.record)
    assert link.kind == Link.Kind.CAUSED_BY
    assert Watcher.objects.filter(record_id=issue.record_id, user=gov.bravo).exists()  # watchers follow it
    # Without a new impact the risk's potential impact becomes the issue's current one.
    other = actions.raise_item(
        actor=actor_for(gov.office), programme=gov.programme, kind="risk", title="B", impact_text="Late"
    )
    assert actions.convert_to_issue(actor=actor_for(gov.office), item=other).impact_text == "Late"


def test_only_an_open_risk_converts(gov) -> None:
    office = actor_for(gov.office)
    with pytest.raises(ActionError) as refused:
        actions.convert_to_issue(actor=office, item=gov.r3)  # an issue already
    assert refused.value.field == "kind"
    with pytest.raises(ActionError):
        actions.convert_to_issue(actor=office, item=gov.r4)  # a dependency
    actions.convert_to_issue(actor=office, item=gov.r1)
    with pytest.raises(IllegalTransition):
        actions.convert_to_issue(actor=office, item=gov.r1)  # converted already
    with pytest.raises(IllegalTransition):
        actions.reopen_item(actor=office, item=gov.r1, reason="no")
    with pytest.raises(IllegalTransition):
        actions.edit_item(actor=office, item=gov.r1, rag="red")
    actions.close_item(actor=office, item=gov.r2, reason="gone")
    with pytest.raises(IllegalTransition):
        actions.convert_to_issue(actor=office, item=gov.r2)  # closed
    assert RaidItem.objects.filter(programme=gov.programme, kind=RaidKind.ISSUE).count() == 2


def test_both_pages_and_the_api_show_the_link(gov) -> None:
    office = gov.client(gov.office)
    done = office.post(f"/programmes/raid/{gov.r1.reference}/convert/", {"convert-impact_text": ""})
    issue = RaidItem.objects.get(converted_from=gov.r1)
    assert done.status_code == 302 and done["Location"] == f"/programmes/raid/{issue.reference}/"
    for user in (gov.office, gov.alpha, gov.bravo, gov.desk):
        client = gov.client(user)
        risk_page = client.get(f"/programmes/raid/{gov.r1.reference}/").content
        assert b"Converted into an issue" in risk_page and issue.reference.encode() in risk_page
        assert b"converted it into an issue" in risk_page
        issue_page = client.get(f"/programmes/raid/{issue.reference}/").content
        assert b"Was a risk" in issue_page and gov.r1.reference.encode() in issue_page
        risk = client.get(f"{API}/raid/{gov.r1.reference}").json()
        assert risk["status"] == "converted" and risk["converted_to"] == issue.reference
        assert risk["allowed_actions"] == []
        got = client.get(f"{API}/raid/{issue.reference}").json()
        assert got["converted_from"] == gov.r1.reference and got["kind"] == "issue"
        assert [(x["reference"], x["kind"], x["direction"]) for x in got["links"]] == [
            (gov.r1.reference, "caused_by", "out")
        ]
    # The converted risk is counted as such; the issue shows among the issues.
    assert office.get(f"{API}/mhhs/raid?status=converted").json()["count"] == 1
    assert office.get(f"{API}/mhhs/raid?kind=issue").json()["count"] == 2


def test_a_private_risk_becomes_a_private_issue(gov) -> None:
    response = gov.client(gov.office).post(
        f"{API}/raid/{gov.r2.reference}/convert",
        json.dumps({"impact_text": "Agent late"}),
        content_type="application/json",
    )
    assert response.status_code == 201
    issue = response.json()
    assert (issue["ref"], issue["is_public"], issue["owner_organisation"]["name"]) == (
        "R5",
        False,
        "Alpha Energy",
    )
    assert gov.client(gov.alpha).get(f"{API}/raid/{issue['reference']}").status_code == 200
    assert gov.client(gov.bravo).get(f"{API}/raid/{issue['reference']}").status_code == 404
    assert gov.client(gov.bravo).get(f"/programmes/raid/{issue['reference']}/").status_code == 404
    again = gov.client(gov.office).post(
        f"{API}/raid/{gov.r2.reference}/convert", "{}", content_type="application/json"
    )
    assert again.status_code == 409 and again.json()["current_status"] == "converted"
    issue_again = gov.client(gov.office).post(
        f"{API}/raid/{issue['reference']}/convert", "{}", content_type="application/json"
    )
    assert issue_again.status_code == 422 and issue_again.json()["errors"][0]["field"] == "kind"

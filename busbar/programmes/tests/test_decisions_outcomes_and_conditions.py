"""Decisions (GV-34): outcome approved / approved with conditions (conditions required then) / rejected /
deferred, the document and version approved, at a meeting or by a named body; numbered D001…; conditions
tracked to closure (met, or waived with the reason); the office records them, everyone in the programme
reads them (pages and API, allowed and denied per persona)."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from busbar.lib.actions import ActionError, Conflict, NotPermitted
from busbar.programmes.actions import meetings as actions
from busbar.programmes.models import Decision, DecisionConditionStatus, DecisionOutcome
from busbar.programmes.tests.conftest import actor_for
from busbar.records.models import Notification

API = "/api/v1/programmes/mhhs"


def _conditional(gov, django_capture_on_commit_callbacks=None):
    return actions.record_decision(
        actor=actor_for(gov.office),
        programme=gov.programme,
        title="Migration, Cutover and Data Strategy",
        outcome=DecisionOutcome.APPROVED_WITH_CONDITIONS,
        decided_on=gov.tmag20.date,
        meeting=gov.tmag20,
        agenda_item=gov.tmag20.agenda.get(position=3),
        document_title="Migration, Cutover and Data Strategy",
        document_version="1.0",
        summary="Approved, **subject to any open comments being addressed**.",
        conditions=[
            {
                "text": "Open comments addressed",
                "owner_organisation": gov.world.org_a,
                "due_date": dt.date(2027, 1, 15),
            },
            {"text": "Comments log published", "owner_organisation": None, "due_date": None},
        ],
    )


def test_outcomes_document_version_and_numbering(gov, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        d2 = _conditional(gov)
    assert d2.number == 2 and d2.display_ref == "D002" and d2.decided_by == "TMAG"
    assert [c.text for c in d2.conditions.order_by("id")] == [
        "Open comments addressed",
        "Comments log published",
    ]
    assert Notification.objects.filter(
        recipient=gov.alpha, title__contains="D002"
    ).exists()  # the owner is told
    office = actor_for(gov.office)
    sro = actions.record_decision(
        actor=office,
        programme=gov.programme,
        title="Programme Replan and Baseline Decision",
        outcome=DecisionOutcome.APPROVED,
        decided_on=dt.date(2026, 12, 1),
        decided_by="Programme SRO",
    )
    assert sro.number == 3 and sro.meeting is None
    with pytest.raises(ActionError) as none_given:
        actions.record_decision(
            actor=office,
            programme=gov.programme,
            title="x",
            outcome="approved_with_conditions",
            decided_on=dt.date(2026, 12, 1),
        )
    assert none_given.value.field == "conditions"
    with pytest.raises(ActionError) as not_conditional:
        actions.record_decision(
            actor=office,
            programme=gov.programme,
            title="x",
            outcome="rejected",
            decided_on=dt.date(2026, 12, 1),
            conditions=[{"text": "y"}],
        )
    assert not_conditional.value.field == "conditions"
    with pytest.raises(ActionError):
        actions.record_decision(
            actor=office, programme=gov.programme, title="x", outcome="maybe", decided_on=dt.date(2026, 12, 1)
        )
    with pytest.raises(ActionError) as version_only:
        actions.record_decision(
            actor=office,
            programme=gov.programme,
            title="x",
            outcome="approved",
            decided_on=dt.date(2026, 12, 1),
            document_version="0.4",
        )
    assert version_only.value.field == "document_title"
    with pytest.raises(ActionError):  # an agenda item of another meeting
        actions.record_decision(
            actor=office,
            programme=gov.programme,
            title="x",
            outcome="deferred",
            decided_on=dt.date(2026, 12, 1),
            meeting=gov.tmag19,
            agenda_item=gov.tmag20.agenda.first(),
        )
    for user in (gov.alpha, gov.bravo, gov.assurer, gov.desk):
        with pytest.raises(NotPermitted):
            actions.record_decision(
                actor=actor_for(user),
                programme=gov.programme,
                title="x",
                outcome="deferred",
                decided_on=dt.date(2026, 12, 1),
            )


def test_conditions_tracked_to_closure(gov) -> None:
    d2 = _conditional(gov)
    first, second = d2.conditions.order_by("id")
    office = actor_for(gov.office)
    with pytest.raises(NotPermitted):
        actions.close_condition(actor=actor_for(gov.alpha), condition=first, status="met", note="Done")
    with pytest.raises(ActionError) as why:
        actions.close_condition(actor=office, condition=second, status="waived")
    assert why.value.field == "note"
    met = actions.close_condition(actor=office, condition=first, status="met", note="Addressed in v1.1")
    assert met.status == DecisionConditionStatus.MET and met.closed_on is not None
    with pytest.raises(Conflict):
        actions.close_condition(actor=office, condition=first, status="met")
    with pytest.raises(ActionError):
        actions.close_condition(actor=office, condition=second, status="open")


def test_pages_read_by_everyone_forms_for_the_office(gov, django_assert_max_num_queries) -> None:
    d2 = _conditional(gov)
    condition = d2.conditions.order_by("id").first()
    for user in (gov.office, gov.alpha, gov.bravo, gov.assurer, gov.desk, gov.si):
        client = gov.client(user)
        listing = client.get("/programmes/mhhs/decisions/")
        assert (
            listing.status_code == 200
            and b"D002" in listing.content
            and b"Approved with conditions" in listing.content
        )
        detail = client.get("/programmes/mhhs/decisions/2/")
        assert detail.status_code == 200 and b"version 1.0" in detail.content
        assert b"<strong>subject to any open comments being addressed</strong>" in detail.content  # Markdown
        offered = b"Close the condition" in detail.content
        assert offered == (user == gov.office), user
        assert (b"Record a decision" in listing.content) == (user == gov.office)
        export = client.get("/programmes/mhhs/decisions/export/?format=csv")
        assert export.status_code == 200 and b"Migration, Cutover and Data Strategy" in b"".join(
            export.streaming_content
        )
    outsider = gov.client(gov.outsider)
    for url in (
        "/programmes/mhhs/decisions/",
        "/programmes/mhhs/decisions/2/",
        "/programmes/mhhs/decisions/export/",
    ):
        assert outsider.get(url).status_code == 404, url
    close = f"/programmes/mhhs/decisions/2/conditions/{condition.pk}/close/"
    body = {f"k{condition.pk}-status": "met", f"k{condition.pk}-note": "Done"}
    for user in (gov.alpha, gov.bravo, gov.assurer, gov.desk):
        assert gov.client(user).post(close, body).status_code == 403
    assert outsider.post(close, body).status_code == 404
    assert gov.client(gov.office).post(close, body).status_code == 302
    record = {
        "decision-decision_title": "Fast Track Implementation Group",
        "decision-outcome": "approved",
        "decision-decided_on": "2026-12-01",
        "decision-decided_by": "Programme SRO",
    }
    for user in (gov.alpha, gov.assurer, gov.desk):
        assert gov.client(user).post("/programmes/mhhs/decisions/", record).status_code == 403
    assert gov.client(gov.office).post("/programmes/mhhs/decisions/", record).status_code == 302
    bad = gov.client(gov.office).post(
        "/programmes/mhhs/decisions/", {**record, "decision-outcome": "approved_with_conditions"}
    )
    assert bad.status_code == 422 and b"at least one condition" in bad.content
    assert gov.client(gov.office).get("/programmes/mhhs/decisions/export/?format=pdf").status_code == 400
    client = gov.client(gov.alpha)
    with django_assert_max_num_queries(25):
        client.get("/programmes/mhhs/decisions/")
    for n in range(3):
        actions.record_decision(
            actor=actor_for(gov.office),
            programme=gov.programme,
            title=f"More {n}",
            outcome="deferred",
            decided_on=dt.date(2026, 12, 1),
        )
    with django_assert_max_num_queries(25):
        assert client.get("/programmes/mhhs/decisions/").status_code == 200


def test_api_allowed_and_denied(gov) -> None:
    office = gov.client(gov.office)
    body = {
        "title": "Release Management and Configuration Approach",
        "outcome": "approved_with_conditions",
        "decided_on": "2026-12-09",
        "group": "TMAG",
        "meeting": 20,
        "agenda_item": 3,
        "document_title": "Release Management and Configuration Approach",
        "document_version": "0.5",
        "conditions": [
            {"text": "Comments addressed", "owner_organisation": gov.world.org_b.pk, "due_date": "2027-01-15"}
        ],
    }
    for user in (gov.alpha, gov.bravo, gov.assurer, gov.desk):
        refused = gov.client(user).post(f"{API}/decisions", json.dumps(body), content_type="application/json")
        assert refused.status_code == 403, user
    assert (
        gov.client(gov.outsider)
        .post(f"{API}/decisions", json.dumps(body), content_type="application/json")
        .status_code
        == 404
    )
    made = office.post(f"{API}/decisions", json.dumps(body), content_type="application/json")
    assert made.status_code == 201, made.content
    out = made.json()
    assert out["ref"] == "D002" and out["document_version"] == "0.5" and out["agenda_item"] == 3
    assert out["conditions"][0]["owner_organisation"]["name"] == "Bravo Energy"
    no_conditions = office.post(
        f"{API}/decisions", json.dumps({**body, "conditions": []}), content_type="application/json"
    )
    assert no_conditions.status_code == 422 and no_conditions.json()["errors"][0]["field"] == "conditions"
    for user in (gov.office, gov.alpha, gov.bravo, gov.assurer, gov.desk):
        client = gov.client(user)
        listing = client.get(f"{API}/decisions?outcome=approved_with_conditions")
        assert listing.status_code == 200 and [d["ref"] for d in listing.json()["items"]] == ["D002"]
        assert client.get(f"{API}/decisions/1").json()["document_version"] == "0.4"
    assert gov.client(gov.outsider).get(f"{API}/decisions").status_code == 404
    assert gov.client(gov.outsider).get(f"{API}/decisions/1").status_code == 404
    condition = out["conditions"][0]["id"]
    close = f"{API}/decisions/2/conditions/{condition}/close"
    for user in (gov.alpha, gov.bravo, gov.assurer, gov.desk):
        assert (
            gov.client(user).post(close, {"status": "met"}, content_type="application/json").status_code
            == 403
        )
    done = office.post(close, {"status": "met", "note": "Done"}, content_type="application/json")
    assert done.status_code == 200 and done.json()["status"] == "met"
    again = office.post(close, {"status": "met"}, content_type="application/json")
    assert again.status_code == 409
    assert Decision.objects.get(number=2).conditions.get().status == DecisionConditionStatus.MET

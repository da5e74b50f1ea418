"""A change request's lifecycle (GV-35): a participant raises a draft, the office issues it for impact
assessment (respondents told in their inbox), closes the round, re-issues it for a further round, holds,
resumes, approves or rejects it (each a Decision) or withdraws it; every other status change is a 409."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core import mail

from busbar.audit.queries import timeline_for
from busbar.lib.actions import ActionError, Conflict, IllegalTransition, NotPermitted
from busbar.programmes.actions import changes as actions
from busbar.programmes.models import Baseline, CrStatus, Decision, DecisionOutcome
from busbar.programmes.tests.conftest import actor_for
from busbar.records.models import Notification

S = CrStatus
UTC = dt.UTC
MONDAY = dt.datetime(2027, 1, 4, 10, 0, tzinfo=UTC)


def _draft(gov, user=None, **fields):
    return actions.raise_cr(
        actor=actor_for(user or gov.alpha),
        programme=gov.programme,
        title=fields.pop("title", "Extend SIT by two weeks"),
        description=fields.pop("description", "Cohort 2 needs more time."),
        **fields,
    )


def test_any_participant_raises_a_draft_numbered_next(gov) -> None:
    cr = _draft(
        gov,
        criticality="high",
        needed_by=dt.date(2027, 2, 26),
        milestone_changes={gov.m15: dt.date(2027, 11, 30)},
    )
    assert (cr.number, cr.display_ref, cr.status, cr.round) == (2, "CR002", S.DRAFT, 0)
    assert cr.reference.startswith("PCR") and cr.record.kind == "programme_cr"
    assert cr.raised_by == gov.world.org_a
    assert list(cr.milestone_changes.values_list("milestone__code", "proposed_date")) == [
        ("M15", dt.date(2027, 11, 30))
    ]
    assert _draft(gov, user=gov.bravo).display_ref == "CR003"
    assert _draft(gov, user=gov.office).raised_by == gov.prog.pm_org
    for reader in (gov.assurer, gov.desk, gov.outsider):
        with pytest.raises(NotPermitted):
            _draft(gov, user=reader)
    with pytest.raises(ActionError) as bad:
        _draft(gov, criticality="urgent")
    assert bad.value.field == "criticality"
    with pytest.raises(ActionError) as bad:
        _draft(gov, title="  ")
    assert bad.value.field == "title"
    with pytest.raises(ActionError) as bad:
        _draft(gov, milestone_changes={gov.m15: dt.date(2150, 1, 1)})
    assert bad.value.field == "milestone_changes"


def test_the_whole_lifecycle_with_a_reissue(gov, django_capture_on_commit_callbacks) -> None:
    office = actor_for(gov.office)
    cr = _draft(gov)
    with django_capture_on_commit_callbacks(execute=True):
        actions.issue_for_assessment(actor=office, cr=cr, now=MONDAY)
    cr.refresh_from_db()
    assert (cr.status, cr.round, cr.issued_on) == (S.IMPACT_ASSESSMENT, 1, dt.date(2027, 1, 4))
    assert (cr.ia_deadline, cr.assurance_deadline) == (dt.date(2027, 1, 18), dt.date(2027, 1, 25))
    told = set(Notification.objects.filter(record=cr.record).values_list("recipient_id", flat=True))
    assert {gov.alpha.pk, gov.bravo.pk} <= told
    assert not told & {gov.office.pk, gov.assurer.pk, gov.desk.pk, gov.outsider.pk}
    emailed = {address for m in mail.outbox if "CR002" in m.subject for address in m.to}
    assert {gov.alpha.email, gov.bravo.email} <= emailed and gov.assurer.email not in emailed

    actions.respond(
        actor=actor_for(gov.bravo),
        cr=cr,
        organisation=gov.world.org_b,
        impact="high",
        position="oppose",
        response="Two weeks is not enough.",
        now=MONDAY,
    )
    actions.close_responses(actor=office, cr=cr, now=MONDAY + dt.timedelta(days=15))
    cr.refresh_from_db()
    assert cr.status == S.REVIEW
    later = dt.datetime(2027, 2, 1, 9, 0, tzinfo=UTC)
    actions.reissue_cr(actor=office, cr=cr, note="Amend to four weeks", now=later)
    cr.refresh_from_db()
    assert (cr.status, cr.round, cr.issued_on, cr.ia_deadline) == (
        S.IMPACT_ASSESSMENT,
        2,
        dt.date(2027, 2, 1),
        dt.date(2027, 2, 15),
    )
    actions.close_responses(actor=office, cr=cr, now=later)
    actions.hold_cr(actor=office, cr=cr, note="Waiting for Ofgem", now=later)
    cr.refresh_from_db()
    assert cr.status == S.ON_HOLD
    actions.resume_cr(actor=office, cr=cr, now=later)
    actions.approve_cr(actor=office, cr=cr, note="Agreed at DAG", now=later)
    cr.refresh_from_db()
    assert (cr.status, cr.decided_on) == (S.APPROVED, dt.date(2027, 2, 1))
    decision = Decision.objects.get(change_request=cr)
    assert (decision.outcome, decision.decided_by, decision.title) == (
        DecisionOutcome.APPROVED,
        "SRO",
        "CR002 Extend SIT by two weeks",
    )
    # A CR moving no milestone approves without a new baseline.
    assert list(Baseline.objects.filter(programme=gov.programme).values_list("number", flat=True)) == [1]
    assert [e.action for e in timeline_for(cr)] == [
        "programmes.cr_raise",
        "programmes.cr_issue",
        "programmes.cr_respond",
        "programmes.cr_close_responses",
        "programmes.cr_reissue",
        "programmes.cr_close_responses",
        "programmes.cr_hold",
        "programmes.cr_resume",
        "programmes.cr_approve",
    ]


def test_reject_and_withdraw(gov) -> None:
    office = actor_for(gov.office)
    actions.close_responses(actor=office, cr=gov.cr1)
    with pytest.raises(ActionError) as bad:
        actions.reject_cr(actor=office, cr=gov.cr1, note="")
    assert bad.value.field == "note"
    done = actions.reject_cr(
        actor=office, cr=gov.cr1, note="Not justified", decided_by="DAG", meeting=gov.tmag20
    )
    assert done.status == S.REJECTED and done.decision_note == "Not justified"
    decision = Decision.objects.get(change_request=gov.cr1)
    assert (decision.outcome, decision.decided_by, decision.meeting) == ("rejected", "DAG", gov.tmag20)
    gov.m14.refresh_from_db()
    assert gov.m14.baseline_date == dt.date(2027, 3, 31)  # rejection leaves the baseline alone

    draft = _draft(gov)
    with pytest.raises(NotPermitted):
        actions.withdraw_cr(actor=actor_for(gov.alpha), cr=draft, reason="Raised in error")
    assert actions.withdraw_cr(actor=office, cr=draft, reason="Raised in error").status == S.WITHDRAWN


def test_illegal_transitions_are_409(gov) -> None:
    office = actor_for(gov.office)
    draft = _draft(gov)
    for step in (
        actions.close_responses,
        actions.approve_cr,
        actions.reissue_cr,
        actions.hold_cr,
        actions.resume_cr,
    ):
        with pytest.raises(IllegalTransition) as refused:
            step(actor=office, cr=draft)
        assert refused.value.status == 409 and refused.value.field == "status"
    with pytest.raises(IllegalTransition):
        actions.reject_cr(actor=office, cr=draft, note="No")
    with pytest.raises(IllegalTransition):  # CR001 is already issued
        actions.issue_for_assessment(actor=office, cr=gov.cr1)
    with pytest.raises(IllegalTransition):
        actions.approve_cr(actor=office, cr=gov.cr1, regulator_approval="Ofgem letter")
    actions.withdraw_cr(actor=office, cr=draft)
    for step in (actions.issue_for_assessment, actions.withdraw_cr):
        with pytest.raises(IllegalTransition):
            step(actor=office, cr=draft)
    with pytest.raises(Conflict) as closed:
        actions.edit_cr(actor=office, cr=draft, title="Again")
    assert closed.value.status == 409

    # The API answers with the current status and the allowed ones.
    response = gov.client(gov.office).post(
        f"/api/v1/programmes/change-requests/{gov.cr1.reference}/approve",
        json.dumps({"regulator_approval": "Ofgem letter"}),
        content_type="application/json",
    )
    assert response.status_code == 409 and response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["current_status"] == "impact_assessment"
    assert body["allowed_statuses"] == ["review", "withdrawn"]
    page = gov.client(gov.office).post(f"/programmes/change-requests/{draft.reference}/issue/", {})
    assert page.status_code == 409


def test_editing_a_draft_and_its_milestones(gov) -> None:
    alpha, office = actor_for(gov.alpha), actor_for(gov.office)
    cr = _draft(gov)
    actions.edit_cr(actor=alpha, cr=cr, title="Extend SIT by three weeks", criticality="high")
    actions.set_milestone_change(actor=alpha, cr=cr, milestone=gov.m15, proposed_date=dt.date(2027, 11, 26))
    actions.set_milestone_change(
        actor=alpha, cr=cr, milestone=gov.m15, proposed_date=dt.date(2027, 12, 3), note="After M14"
    )
    cr.refresh_from_db()
    assert (cr.title, cr.criticality) == ("Extend SIT by three weeks", "high")
    assert list(cr.milestone_changes.values_list("milestone__code", "proposed_date", "note")) == [
        ("M15", dt.date(2027, 12, 3), "After M14")
    ]
    with pytest.raises(NotPermitted):
        actions.edit_cr(actor=actor_for(gov.bravo), cr=cr, title="Mine now")
    with pytest.raises(NotPermitted):
        actions.edit_cr(actor=actor_for(gov.assurer), cr=cr, title="Mine now")
    with pytest.raises(ActionError):
        actions.edit_cr(actor=alpha, cr=cr, title="Extend SIT by three weeks")  # nothing changes
    with pytest.raises(TypeError):
        actions.edit_cr(actor=alpha, cr=cr, number=7)
    actions.issue_for_assessment(actor=office, cr=cr)
    with pytest.raises(NotPermitted):  # issued: the office's alone
        actions.edit_cr(actor=alpha, cr=cr, title="Late change")
    actions.remove_milestone_change(actor=office, cr=cr, milestone=gov.m15)
    assert not cr.milestone_changes.exists()
    with pytest.raises(ActionError):
        actions.remove_milestone_change(actor=office, cr=cr, milestone=gov.m15)

"""Answering a readiness assessment: draft answers checked by the question's kind, evidence checked by
content, submit refused while a question is unanswered or evidence is missing, a submitted response
locked until the office returns it, answers refused outside the window (naming the date), and only the
participants asked ever answer."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from busbar.audit.models import AuditEntry
from busbar.lib.actions import ActionError, Conflict, IllegalTransition, NotPermitted
from busbar.programmes import heatmap
from busbar.programmes.actions import readiness as actions
from busbar.programmes.models import Answer, Assessment, AssessmentResponse, AssessmentStatus, Evidence
from busbar.programmes.tests.conftest import actor_for

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def open_now(gov) -> Assessment:
    """RA5 with a window around today (the fixture's dates are fixed)."""
    today = timezone.localdate()
    Assessment.objects.filter(pk=gov.ra5.pk).update(
        opens_on=today - dt.timedelta(days=10), closes_on=today + dt.timedelta(days=30)
    )
    return Assessment.objects.get(pk=gov.ra5.pk)


def answers(gov, q1="yes", q2="amber", q3="PIT exit report attached"):
    q = gov.questions
    return {
        q[0]: {"value": q1, "comment": "Signed off by the design authority"},
        q[1]: {"value": q2, "comment": ""},
        q[2]: {"value": q3, "comment": ""},
    }


def test_bravo_saves_a_draft_then_submits_with_the_required_evidence(gov) -> None:
    ra5 = open_now(gov)
    bravo = actor_for(gov.bravo)
    response = actions.save_answers(
        actor=bravo, assessment=ra5, organisation=gov.world.org_b, answers=answers(gov)
    )
    assert response.status == "draft"
    stored = {a.question.number: a for a in Answer.objects.filter(response=response)}
    assert stored[1].value == "yes" and stored[2].value == "amber"
    assert (stored[3].value, stored[3].comment) == ("PIT exit report attached", "")  # the text is the value
    # Q3 needs evidence: submit refused, naming it.
    with pytest.raises(ActionError, match="Evidence is required.*Q3"):
        actions.submit_response(actor=bravo, response=response)
    actions.save_answers(
        actor=bravo,
        assessment=ra5,
        organisation=gov.world.org_b,
        answers={},
        files={gov.questions[2]: [SimpleUploadedFile("pit-exit.pdf", PDF, content_type="application/pdf")]},
    )
    evidence = Evidence.objects.get(answer__response=response)
    assert (evidence.filename, evidence.content_type, evidence.size) == (
        "pit-exit.pdf",
        "application/pdf",
        len(PDF),
    )
    done = actions.submit_response(actor=bravo, response=response)
    assert done.status == "submitted" and done.submitted_by == gov.bravo and done.submitted_at
    journalled = AuditEntry.objects.filter(action="programmes.assessment_submit", record_id=str(response.pk))
    assert journalled.get().owner_organisation == gov.world.org_b
    # Locked: no more changes until returned.
    with pytest.raises(Conflict, match="submitted"):
        actions.save_answers(
            actor=bravo, assessment=ra5, organisation=gov.world.org_b, answers=answers(gov, q1="no")
        )
    with pytest.raises(Conflict, match="already submitted"):
        actions.submit_response(actor=bravo, response=response)


def test_submit_refused_while_a_question_is_unanswered(gov) -> None:
    ra5 = open_now(gov)
    bravo = actor_for(gov.bravo)
    response = actions.save_answers(
        actor=bravo, assessment=ra5, organisation=gov.world.org_b, answers={gov.questions[0]: {"value": "no"}}
    )
    with pytest.raises(ActionError, match="not answered: Q2, Q3") as refused:
        actions.submit_response(actor=bravo, response=response)
    assert refused.value.field == "q2.value"


@pytest.mark.parametrize(
    ("number", "value", "message"),
    [
        (1, "maybe", "answer yes or no"),
        (2, "purple", "answer green, amber or red"),
    ],
)
def test_answers_are_checked_by_the_question_kind(gov, number, value, message) -> None:
    ra5 = open_now(gov)
    with pytest.raises(ActionError, match=message) as refused:
        actions.save_answers(
            actor=actor_for(gov.bravo),
            assessment=ra5,
            organisation=gov.world.org_b,
            answers={gov.questions[number - 1]: {"value": value}},
        )
    assert refused.value.field == f"q{number}.value"
    assert not AssessmentResponse.objects.filter(assessment=ra5, organisation=gov.world.org_b).exists()


def test_a_text_answer_is_kept_whole_as_its_value_and_the_comment_stays_the_comment(gov) -> None:
    ra5 = open_now(gov)
    bravo = actor_for(gov.bravo)
    q3 = gov.questions[2]  # a text question
    text = "PIT exit report v1.2 approved by the SI.\n\nOpen defects: two, both cosmetic; " + "x" * 200
    response = actions.save_answers(
        actor=bravo,
        assessment=ra5,
        organisation=gov.world.org_b,
        answers={q3: {"value": f"  {text}  ", "comment": "Evidence pack PIT-BW-07"}},
    )
    stored = Answer.objects.get(response=response, question=q3)
    assert (stored.value, stored.comment) == (text, "Evidence pack PIT-BW-07")  # whole, lines kept
    assert heatmap.answer_label(q3, stored) == text
    # A comment alone answers nothing.
    actions.save_answers(
        actor=bravo,
        assessment=ra5,
        organisation=gov.world.org_b,
        answers={q3: {"value": "", "comment": "Report to follow"}},
    )
    stored.refresh_from_db()
    assert (stored.value, stored.comment) == ("", "Report to follow")
    assert q3 in heatmap.missing(response)[0]
    # Bounded: the longest text answer is TEXT_MAX characters.
    with pytest.raises(ActionError, match=f"limit is {actions.TEXT_MAX:,}") as refused:
        actions.save_answers(
            actor=bravo,
            assessment=ra5,
            organisation=gov.world.org_b,
            answers={q3: {"value": "y" * (actions.TEXT_MAX + 1)}},
        )
    assert refused.value.field == "q3.value"
    exact = "z" * actions.TEXT_MAX
    actions.save_answers(
        actor=bravo, assessment=ra5, organisation=gov.world.org_b, answers={q3: {"value": exact}}
    )
    stored.refresh_from_db()
    assert stored.value == exact and stored.comment == ""


def test_a_date_question_takes_an_iso_date_within_bounds(gov) -> None:
    ra5 = Assessment.objects.create(
        programme=gov.programme,
        code="RA6",
        name="Start of Qualification",
        opens_on=timezone.localdate() - dt.timedelta(days=1),
        closes_on=timezone.localdate() + dt.timedelta(days=5),
    )
    office = actor_for(gov.office)
    q = actions.add_question(actor=office, assessment=ra5, text="When will you be ready?", answer_kind="date")
    actions.open_assessment(actor=office, assessment=ra5)
    bravo = actor_for(gov.bravo)
    for bad in ("next week", "1899-01-01"):
        with pytest.raises(ActionError):
            actions.save_answers(
                actor=bravo, assessment=ra5, organisation=gov.world.org_b, answers={q: {"value": bad}}
            )
    done = actions.save_answers(
        actor=bravo, assessment=ra5, organisation=gov.world.org_b, answers={q: {"value": "2027-03-01"}}
    )
    assert Answer.objects.get(response=done).value == "2027-03-01"


def test_evidence_is_checked_by_content_and_size(gov, settings) -> None:
    ra5 = open_now(gov)
    bravo = actor_for(gov.bravo)
    q3 = gov.questions[2]
    with pytest.raises(ActionError, match="content is text"):
        actions.save_answers(
            actor=bravo,
            assessment=ra5,
            organisation=gov.world.org_b,
            answers={},
            files={q3: [("report.pdf", "application/pdf", b"not really a pdf")]},
        )
    settings.BUSBAR_ATTACHMENT_MAX_BYTES = 10
    with pytest.raises(ActionError, match="the limit is 10"):
        actions.save_answers(
            actor=bravo,
            assessment=ra5,
            organisation=gov.world.org_b,
            answers={},
            files={q3: [SimpleUploadedFile("big.pdf", PDF, content_type="application/pdf")]},
        )
    assert not Evidence.objects.exists()


def test_answers_refused_after_the_window_naming_the_date(gov) -> None:
    ra5 = gov.ra5  # 2 Nov 2026 – 5 Feb 2027
    late = dt.datetime(2027, 2, 6, 9, 0, tzinfo=dt.UTC)
    with pytest.raises(Conflict, match="closed for responses on 5 Feb 2027"):
        actions.save_answers(
            actor=actor_for(gov.bravo),
            assessment=ra5,
            organisation=gov.world.org_b,
            answers=answers(gov),
            now=late,
        )
    early = dt.datetime(2026, 11, 1, 9, 0, tzinfo=dt.UTC)
    with pytest.raises(Conflict, match="opens for responses on 2 Nov 2026"):
        actions.save_answers(
            actor=actor_for(gov.bravo),
            assessment=ra5,
            organisation=gov.world.org_b,
            answers=answers(gov),
            now=early,
        )


def test_closed_assessment_takes_no_answers(gov) -> None:
    ra5 = open_now(gov)
    actions.close_assessment(actor=actor_for(gov.office), assessment=ra5)
    with pytest.raises(NotPermitted, match="not open"):
        actions.save_answers(
            actor=actor_for(gov.bravo), assessment=ra5, organisation=gov.world.org_b, answers=answers(gov)
        )
    with pytest.raises(IllegalTransition):
        actions.close_assessment(actor=actor_for(gov.office), assessment=ra5)


def test_only_the_participants_asked_answer_for_their_own_organisation(gov) -> None:
    ra5 = open_now(gov)
    org_a, org_b = gov.world.org_a, gov.world.org_b
    with pytest.raises(NotPermitted, match="only for your own organisation"):
        actions.save_answers(
            actor=actor_for(gov.alpha), assessment=ra5, organisation=org_b, answers=answers(gov)
        )
    with pytest.raises(NotPermitted, match="read programme governance"):
        actions.save_answers(
            actor=actor_for(gov.assurer),
            assessment=ra5,
            organisation=gov.prog.assurer_org,
            answers=answers(gov),
        )
    with pytest.raises(NotPermitted):
        actions.save_answers(
            actor=actor_for(gov.desk),
            assessment=ra5,
            organisation=gov.desk.memberships.first().organisation,
            answers=answers(gov),
        )
    # The office is a party of the programme but never answers.
    with pytest.raises(NotPermitted, match="does not answer"):
        actions.save_answers(
            actor=actor_for(gov.office), assessment=ra5, organisation=gov.prog.pm_org, answers=answers(gov)
        )
    asked = {o.pk for o in heatmap.audience(ra5)}
    assert {org_a.pk, org_b.pk, gov.prog.si_org.pk} <= asked
    assert gov.prog.pm_org.pk not in asked and gov.prog.assurer_org.pk not in asked
    assert not AssessmentResponse.objects.filter(assessment=ra5).exclude(organisation=org_a).exists()


def test_a_phase_assessment_asks_only_that_phase_s_participants(gov) -> None:
    office = actor_for(gov.office)
    today = timezone.localdate()
    dq = actions.create_assessment(
        actor=office,
        programme=gov.programme,
        code="DAQ2",
        name="Cohort 2 Delivery Assurance Questionnaire",
        opens_on=today,
        closes_on=today + dt.timedelta(days=10),
        phase=gov.prog.phase,
    )
    asked = {o.pk for o in heatmap.audience(dq)}
    assert asked == {gov.world.org_a.pk, gov.world.org_b.pk, gov.prog.agent_org.pk}
    assert heatmap.audience_sizes([dq, gov.ra5])[dq.pk] == 3
    q = actions.add_question(
        actor=office, assessment=dq, text="Is your SIT environment ready?", answer_kind="yes_no"
    )
    actions.open_assessment(actor=office, assessment=dq)
    # The SI takes part in the programme, not in the phase as a participant: not asked.
    with pytest.raises(NotPermitted, match="not asked to answer DAQ2"):
        actions.save_answers(
            actor=actor_for(gov.si),
            assessment=dq,
            organisation=gov.prog.si_org,
            answers={q: {"value": "yes"}},
        )
    done = actions.save_answers(
        actor=actor_for(gov.bravo), assessment=dq, organisation=gov.world.org_b, answers={q: {"value": "yes"}}
    )
    assert done.answers.get().value == "yes"


def test_the_office_returns_a_submitted_response_with_the_reason(
    gov, django_capture_on_commit_callbacks, mailoutbox
) -> None:
    ra5 = open_now(gov)
    office = actor_for(gov.office)
    with pytest.raises(NotPermitted):
        actions.return_response(actor=actor_for(gov.alpha), response=gov.alpha_response, reason="Mine")
    with pytest.raises(ActionError, match="reason"):
        actions.return_response(actor=office, response=gov.alpha_response, reason=" ")
    with django_capture_on_commit_callbacks(execute=True):
        returned = actions.return_response(
            actor=office, response=gov.alpha_response, reason="Q3 needs the signed exit report"
        )
    assert returned.status == "draft" and returned.submitted_at is None
    entry = AuditEntry.objects.get(action="programmes.assessment_return")
    assert entry.note == "Q3 needs the signed exit report"
    from busbar.records.models import Notification

    told = Notification.objects.filter(title__contains="returned")
    alpha_people = {gov.alpha, gov.world.admin_a}
    assert set(told.values_list("recipient_id", flat=True)) == {u.pk for u in alpha_people}
    # One message per person, each with only that person's address.
    assert sorted(m.to for m in mailoutbox) == sorted([u.email] for u in alpha_people)
    assert all("Q3 needs the signed exit report" in m.body for m in mailoutbox)
    # Alpha can change its answers again.
    actions.save_answers(
        actor=actor_for(gov.alpha),
        assessment=ra5,
        organisation=gov.world.org_a,
        answers=answers(gov, q1="no"),
    )
    with pytest.raises(Conflict, match="Only a submitted response"):
        actions.return_response(actor=office, response=returned, reason="again")


def test_questions_change_only_while_a_draft(gov) -> None:
    office = actor_for(gov.office)
    today = timezone.localdate()
    ra7 = actions.create_assessment(
        actor=office,
        programme=gov.programme,
        code="RA7",
        name="Start of Migration",
        opens_on=today,
        closes_on=today + dt.timedelta(days=66),
    )
    with pytest.raises(ActionError, match="at least one question"):
        actions.open_assessment(actor=office, assessment=ra7)
    q1 = actions.add_question(
        actor=office, assessment=ra7, text="Is your migration plan approved?", answer_kind="yes_no"
    )
    q2 = actions.add_question(
        actor=office, assessment=ra7, text="Resources in place?", evidence_required=True
    )
    actions.update_question(actor=office, question=q2, area="Resources")
    actions.remove_question(actor=office, question=q1)
    q2.refresh_from_db()
    assert (q2.number, q2.area, q2.evidence_required) == (1, "Resources", True)
    with pytest.raises(NotPermitted):
        actions.add_question(actor=actor_for(gov.alpha), assessment=ra7, text="Mine?")
    actions.open_assessment(actor=office, assessment=ra7)
    with pytest.raises(Conflict, match="only while it is a draft"):
        actions.add_question(actor=office, assessment=ra7, text="Late question")
    with pytest.raises(Conflict):
        actions.update_question(actor=office, question=q2, text="Changed")
    with pytest.raises(Conflict, match="already has an assessment ra7"):
        actions.create_assessment(
            actor=office, programme=gov.programme, code="ra7", name="Dup", opens_on=today, closes_on=today
        )
    with pytest.raises(ActionError, match="before it opens"):
        actions.update_assessment(actor=office, assessment=ra7, closes_on=today - dt.timedelta(days=1))
    assert Assessment.objects.get(pk=ra7.pk).status == AssessmentStatus.OPEN

"""Every readiness page, allowed and denied per persona: the office runs assessments (questions, open,
close, heat map, chase, export, scoring, return); assurers read everything and change nothing; a
participant reads the assessments, answers its own response and sees only its own row and response
(another participant's is a 404); the desk reads the questions only; an outsider gets 404s."""

from __future__ import annotations

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from busbar.programmes.models import Answer, Assessment, AssessmentResponse, Chase, Evidence, Question

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def urls(gov) -> dict[str, str]:
    base = f"/programmes/{gov.programme.code}/readiness/"
    one = f"{base}RA5/"
    return {
        "list": base,
        "detail": one,
        "respond": f"{one}respond/",
        "alpha": f"{one}responses/{gov.world.org_a.pk}/",
        "bravo": f"{one}responses/{gov.world.org_b.pk}/",
        "export": f"{one}export/?format=csv",
    }


def open_now(gov) -> None:
    today = timezone.localdate()
    Assessment.objects.filter(pk=gov.ra5.pk).update(
        opens_on=today - dt.timedelta(days=10), closes_on=today + dt.timedelta(days=30)
    )


def test_list_and_detail_per_persona(gov, django_assert_max_num_queries) -> None:
    u = urls(gov)
    for user in (gov.office, gov.assurer, gov.alpha, gov.bravo, gov.si, gov.desk):
        client = gov.client(user)
        listing = client.get(u["list"])
        assert listing.status_code == 200, user
        assert b"Design &amp; Build Checkpoint 2" in listing.content
        detail = client.get(u["detail"])
        assert detail.status_code == 200, user
        assert b"How confident are you of completing build by M10?" in detail.content
    office_page = gov.client(gov.office).get(u["detail"]).content.decode()
    assert "Heat map: participants × questions" in office_page
    assert "Bravo Energy" in office_page and "Alpha Energy" in office_page
    assert "Chase the non-responders" in office_page and "Close to responses" in office_page
    assert "answered, not scored" in office_page and "not answered" in office_page
    assert "1 of " in office_page and "response rate" in office_page
    assurer_page = gov.client(gov.assurer).get(u["detail"]).content.decode()
    assert "Heat map" in assurer_page and "Chase the non-responders" not in assurer_page
    assert "Close to responses" not in assurer_page
    alpha_page = gov.client(gov.alpha).get(u["detail"]).content.decode()
    assert "Alpha Energy" in alpha_page and "Bravo Energy" not in alpha_page
    assert "Heat map: participants" not in alpha_page and "Chase" not in alpha_page
    bravo_page = gov.client(gov.bravo).get(u["detail"]).content.decode()
    assert "Bravo Energy" in bravo_page and "Alpha Energy" not in bravo_page
    assert "Answer the assessment" in bravo_page
    desk_page = gov.client(gov.desk).get(u["detail"]).content.decode()
    assert "Alpha Energy" not in desk_page and "Bravo Energy" not in desk_page
    # The office's list shows the response rate; a participant's its own status.
    assert b"submitted" in gov.client(gov.office).get(u["list"]).content
    outsider = gov.client(gov.outsider)
    for url in u.values():
        assert outsider.get(url).status_code == 404, url
    # A draft is the office's and the assurers' only.
    Assessment.objects.create(
        programme=gov.programme,
        code="RA6",
        name="Start of Qualification",
        opens_on=dt.date(2027, 1, 4),
        closes_on=dt.date(2027, 3, 1),
    )
    draft = f"/programmes/{gov.programme.code}/readiness/RA6/"
    assert gov.client(gov.office).get(draft).status_code == 200
    assert gov.client(gov.assurer).get(draft).status_code == 200
    for user in (gov.alpha, gov.bravo, gov.desk):
        assert gov.client(user).get(draft).status_code == 404
        assert b"RA6" not in gov.client(user).get(u["list"]).content
    # Constant queries on the list and the heat map.
    client = gov.client(gov.office)
    client.get(u["detail"])
    with django_assert_max_num_queries(40):
        assert client.get(u["detail"]).status_code == 200
    with django_assert_max_num_queries(25):
        assert client.get(u["list"]).status_code == 200


def test_responses_read_by_the_organisation_the_office_and_assurers_only(gov) -> None:
    u = urls(gov)
    for user in (gov.office, gov.assurer, gov.alpha):
        page = gov.client(user).get(u["alpha"])
        assert page.status_code == 200, user
        assert b"PIT exit approved" in page.content
    for user in (gov.bravo, gov.desk, gov.si, gov.outsider):
        assert gov.client(user).get(u["alpha"]).status_code == 404, user
    # Bravo has not started: the office sees that; Bravo its own page; Alpha nothing.
    assert b"No response yet" in gov.client(gov.office).get(u["bravo"]).content
    assert gov.client(gov.bravo).get(u["bravo"]).status_code == 200
    assert gov.client(gov.alpha).get(u["bravo"]).status_code == 404
    # Only the office is offered scoring.
    assert b"Save scores" in gov.client(gov.office).get(u["alpha"]).content
    for user in (gov.assurer, gov.alpha):
        assert b"Save scores" not in gov.client(user).get(u["alpha"]).content


def test_export_of_the_grid(gov) -> None:
    u = urls(gov)
    office = gov.client(gov.office).get(u["export"])
    assert office.status_code == 200
    text = b"".join(office.streaming_content).decode("utf-8-sig")
    assert "Participant" in text and "Q2 How confident" in text
    assert "Alpha Energy,Submitted" in text and "Bravo Energy,Not started" in text
    alpha = b"".join(gov.client(gov.alpha).get(u["export"]).streaming_content).decode("utf-8-sig")
    assert "Alpha Energy" in alpha and "Bravo Energy" not in alpha
    xlsx = gov.client(gov.assurer).get(u["export"].replace("csv", "xlsx"))
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith("application/vnd.openxml")
    assert gov.client(gov.office).get(u["export"].replace("csv", "pdf")).status_code == 400


def test_bravo_answers_on_the_respond_page(gov) -> None:
    open_now(gov)
    u = urls(gov)
    client = gov.client(gov.bravo)
    page = client.get(u["respond"])
    assert page.status_code == 200 and b"Save draft" in page.content
    q1, q2, q3 = gov.questions
    body = {
        "organisation": gov.world.org_b.pk,
        "q1_value": "yes",
        "q1_comment": "Design signed off",
        "q2_value": "green",
        "q3_value": "The PIT exit report is attached.\nOpen defects: none.",
        "q3_comment": "Signed by our test manager",
        "intent": "save",
    }
    saved = client.post(u["respond"], body)
    assert saved.status_code == 302
    response = AssessmentResponse.objects.get(assessment=gov.ra5, organisation=gov.world.org_b)
    assert response.status == "draft"
    text_answer = Answer.objects.get(response=response, question=q3)
    assert (text_answer.value, text_answer.comment) == (
        "The PIT exit report is attached.\nOpen defects: none.",
        "Signed by our test manager",
    )
    # Submitting without the required evidence: refused, the field named.
    refused = client.post(u["respond"], {**body, "intent": "submit"})
    assert refused.status_code == 422 and b"Evidence is required" in refused.content
    bad = client.post(u["respond"], {**body, "q2_value": "purple"})
    assert bad.status_code == 422
    upload = SimpleUploadedFile("pit-exit.pdf", PDF, content_type="application/pdf")
    done = client.post(u["respond"], {**body, "q3_files": upload, "intent": "submit"})
    assert done.status_code == 302
    response.refresh_from_db()
    assert response.status == "submitted" and Evidence.objects.filter(answer__response=response).count() == 1
    # Locked now: the page shows the answers, no form; the text answer whole, its comment beside it.
    locked = client.get(u["respond"]).content
    assert b"Save draft" not in locked
    assert b"The PIT exit report is attached.<br>Open defects: none." in locked
    assert b"Signed by our test manager" in locked
    scoring = gov.client(gov.office).get(u["bravo"]).content
    assert b"The PIT exit report is attached.<br>Open defects: none." in scoring
    assert b"Signed by our test manager" in scoring
    evidence = Evidence.objects.get(answer__response=response)
    download = f"{u['detail']}evidence/{evidence.pk}/"
    for user in (gov.bravo, gov.office, gov.assurer):
        got = gov.client(user).get(download)
        assert got.status_code == 200 and b"".join(got.streaming_content) == PDF
    for user in (gov.alpha, gov.desk, gov.outsider):
        assert gov.client(user).get(download).status_code == 404


def test_who_may_not_answer_gets_403_and_outsiders_404(gov) -> None:
    open_now(gov)
    u = urls(gov)
    for user in (gov.office, gov.assurer, gov.desk):
        assert gov.client(user).get(u["respond"]).status_code == 403, user
        assert gov.client(user).post(u["respond"], {"q1_value": "yes", "intent": "save"}).status_code == 403
    assert gov.client(gov.outsider).post(u["respond"], {"q1_value": "yes"}).status_code == 404
    # Alpha cannot answer for Bravo: its own organisation is used whatever it asks for.
    alpha = gov.client(gov.alpha)
    locked = alpha.post(
        u["respond"], {"organisation": gov.world.org_b.pk, "q1_value": "no", "intent": "save"}
    )
    assert locked.status_code == 409  # Alpha's own response is submitted
    assert not AssessmentResponse.objects.filter(assessment=gov.ra5, organisation=gov.world.org_b).exists()


def test_office_actions_allowed_and_denied(gov, django_capture_on_commit_callbacks) -> None:
    open_now(gov)
    u = urls(gov)
    detail = u["detail"]
    deniers = (gov.assurer, gov.alpha, gov.bravo, gov.desk, gov.si)
    for user in deniers:
        client = gov.client(user)
        assert client.post(f"{detail}chase/").status_code == 403, user
        assert client.post(f"{detail}status/", {"to": "closed"}).status_code == 403
        assert client.post(f"{detail}edit/", {"edit-name": "x"}).status_code == 403
        assert client.post(f"{detail}questions/", {"question-text": "x"}).status_code == 403
        assert client.post(u["alpha"], {"score-q1_rag": "red"}).status_code in (403, 404)
        assert client.post(f"{u['alpha']}return/", {"return-reason": "x"}).status_code in (403, 404)
    outsider = gov.client(gov.outsider)
    for url in (f"{detail}chase/", f"{detail}status/", f"{u['alpha']}return/", u["alpha"]):
        assert outsider.post(url, {}).status_code == 404, url
    office = gov.client(gov.office)
    with django_capture_on_commit_callbacks(execute=True):
        assert office.post(f"{detail}chase/").status_code == 302
    assert Chase.objects.filter(organisation=gov.world.org_b).count() == 1
    office.post(f"{detail}chase/")  # again today: refused with a message, nothing recorded
    assert Chase.objects.filter(organisation=gov.world.org_b).count() == 1
    scored = office.post(
        u["alpha"],
        {
            "score-q1_rag": "green",
            "score-q2_rag": "red",
            "score-q2_note": "Build plan missing",
            "score-q3_rag": "",
        },
    )
    assert scored.status_code == 302
    assert Answer.objects.get(response=gov.alpha_response, question=gov.questions[1]).score_rag == "red"
    page = office.get(detail).content.decode()
    assert "suggested" in page and ">Red<" in page
    returned = office.post(f"{u['alpha']}return/", {"return-reason": "Attach the signed report"})
    assert returned.status_code == 302
    assert AssessmentResponse.objects.get(pk=gov.alpha_response.pk).status == "draft"
    assert office.post(f"{detail}status/", {"to": "closed"}).status_code == 302
    assert Assessment.objects.get(pk=gov.ra5.pk).status == "closed"


def test_office_edits_the_questions_of_a_draft(gov) -> None:
    office = gov.client(gov.office)
    created = office.post(
        urls(gov)["list"],
        {
            "new-code": "RA8",
            "new-name": "Ready to Accept New MPANs",
            "new-opens_on": "2027-08-18",
            "new-closes_on": "2027-11-17",
        },
    )
    assert created.status_code == 302
    ra8 = f"/programmes/{gov.programme.code}/readiness/RA8/"
    added = office.post(
        f"{ra8}questions/", {"question-text": "Can you accept new MPANs?", "question-answer_kind": "yes_no"}
    )
    assert added.status_code == 302
    assert Question.objects.get(assessment__code="RA8").text == "Can you accept new MPANs?"
    saved = office.post(
        f"{ra8}questions/1/",
        {
            "q1-text": "Can you accept new MPANs from day one?",
            "q1-answer_kind": "yes_no",
            "q1-evidence_required": "on",
        },
    )
    assert saved.status_code == 302
    assert Question.objects.get(assessment__code="RA8").evidence_required
    bad = office.post(
        urls(gov)["list"],
        {"new-code": "RA9", "new-name": "x", "new-opens_on": "2027-08-18", "new-closes_on": "2027-01-01"},
    )
    assert bad.status_code == 422 and b"before it opens" in bad.content
    assert office.post(f"{ra8}status/", {"to": "open"}).status_code == 302
    assert Assessment.objects.get(code="RA8").status == "open"
    assert gov.client(gov.alpha).post(f"{ra8}questions/1/", {"remove": "1"}).status_code == 403


def test_evidence_removed_from_a_draft_by_its_organisation_only(gov) -> None:
    open_now(gov)
    u = urls(gov)
    bravo = gov.client(gov.bravo)
    upload = SimpleUploadedFile("draft.pdf", PDF, content_type="application/pdf")
    assert bravo.post(u["respond"], {"q3_files": upload, "intent": "save"}).status_code == 302
    evidence = Evidence.objects.get(answer__response__organisation=gov.world.org_b)
    remove = f"{u['respond']}evidence/{evidence.pk}/remove/"
    for user in (gov.alpha, gov.desk, gov.outsider):
        assert gov.client(user).post(remove).status_code == 404, user
    for user in (gov.office, gov.assurer):
        assert gov.client(user).post(remove).status_code == 403, user
    assert bravo.post(remove).status_code == 302
    assert not Evidence.objects.filter(pk=evidence.pk).exists()

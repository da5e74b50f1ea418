"""The readiness API, allowed and denied per persona: the office creates, opens, closes, scores, returns
and chases; a participant reads and answers its own response (another's is a 404); assurers read
everything and change nothing; the desk reads the assessments only; outsiders get 404s."""

from __future__ import annotations

import datetime as dt
import json

from django.utils import timezone

from busbar.programmes.actions import readiness as actions
from busbar.programmes.models import Answer, Assessment, AssessmentResponse, Chase, Evidence

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def api(gov) -> str:
    return f"/api/v1/programmes/{gov.programme.code}/assessments"


def send(client, method: str, url: str, body=None):
    return getattr(client, method)(url, json.dumps(body or {}), content_type="application/json")


def open_now(gov) -> None:
    today = timezone.localdate()
    Assessment.objects.filter(pk=gov.ra5.pk).update(
        opens_on=today - dt.timedelta(days=10), closes_on=today + dt.timedelta(days=30)
    )


def test_reads_per_persona(gov) -> None:
    base = api(gov)
    alpha_url = f"{base}/RA5/responses/{gov.world.org_a.pk}"
    for user in (gov.office, gov.assurer, gov.alpha, gov.bravo, gov.desk, gov.si):
        client = gov.client(user)
        listing = client.get(base)
        assert listing.status_code == 200, user
        assert [a["code"] for a in listing.json()["items"]] == ["RA5"]
        detail = client.get(f"{base}/RA5")
        assert detail.status_code == 200
        assert [q["number"] for q in detail.json()["questions"]] == [1, 2, 3]
    office = gov.client(gov.office).get(f"{base}/RA5").json()
    assert office["submitted"] == 1 and office["audience"] == 5 and office["response_rate"] == 20.0
    assert {"close", "chase", "score"} <= set(office["allowed_actions"])
    alpha = gov.client(gov.alpha).get(base).json()["items"][0]
    assert alpha["response_rate"] is None and alpha["my_responses"][0]["status"] == "submitted"
    assert gov.client(gov.bravo).get(f"{base}/RA5").json()["allowed_actions"] == ["answer"]
    assert gov.client(gov.assurer).get(f"{base}/RA5").json()["allowed_actions"] == []
    # Responses: the organisation, the office and assurers; another participant, the desk: 404.
    for user in (gov.office, gov.assurer, gov.alpha):
        got = gov.client(user).get(alpha_url)
        assert got.status_code == 200, user
        assert [a["value"] for a in got.json()["answers"]] == ["yes", "amber", "PIT exit approved"]
    for user in (gov.bravo, gov.desk, gov.si, gov.outsider):
        assert gov.client(user).get(alpha_url).status_code == 404, user
    bravo_own = gov.client(gov.bravo).get(f"{base}/RA5/responses/{gov.world.org_b.pk}")
    assert bravo_own.status_code == 200 and bravo_own.json()["status"] == "not_started"
    assert bravo_own.json()["evidence_missing"] == [3]
    # The heat map: every row for the office and assurers, one's own for a participant, none for the desk.
    rows = {
        u: [r["organisation_name"] for r in gov.client(u).get(f"{base}/RA5/heatmap").json()["rows"]]
        for u in (gov.office, gov.assurer, gov.alpha, gov.bravo, gov.desk)
    }
    assert "Bravo Energy" in rows[gov.office] and rows[gov.office] == rows[gov.assurer]
    assert (
        rows[gov.alpha] == ["Alpha Energy"] and rows[gov.bravo] == ["Bravo Energy"] and rows[gov.desk] == []
    )
    heat = gov.client(gov.office).get(f"{base}/RA5/heatmap").json()
    assert heat["full"] and heat["response_rate"] == 20.0
    assert heat["rows"][0]["cells"][0] == {
        "question": 1,
        "state": "answered",
        "label": "answered, not scored",
        "evidence": 0,
    }
    outsider = gov.client(gov.outsider)
    for url in (base, f"{base}/RA5", f"{base}/RA5/heatmap", alpha_url):
        assert outsider.get(url).status_code == 404, url


def test_bravo_answers_attaches_evidence_and_submits(gov) -> None:
    open_now(gov)
    url = f"{api(gov)}/RA5/responses/{gov.world.org_b.pk}"
    client = gov.client(gov.bravo)
    body = {
        "answers": [
            {"question": 1, "value": "yes", "comment": "Signed off"},
            {"question": 2, "value": "green"},
            {"question": 3, "value": "PIT exit report attached.\nNo open defects.", "comment": "v1.2"},
        ]
    }
    saved = send(client, "put", url, body)
    assert saved.status_code == 200, saved.content
    assert saved.json()["status"] == "draft" and saved.json()["not_answered"] == []
    text_answer = saved.json()["answers"][2]  # the text is the value, whole; the comment its own
    assert (text_answer["value"], text_answer["comment"]) == (
        "PIT exit report attached.\nNo open defects.",
        "v1.2",
    )
    too_long = {"answers": [{"question": 3, "value": "x" * (actions.TEXT_MAX + 1)}]}
    assert send(client, "put", url, too_long).status_code == 422
    refused = client.post(f"{url}/submit")
    assert refused.status_code == 422 and "Evidence is required" in refused.json()["detail"]
    bad = send(client, "put", url, {"answers": [{"question": 2, "value": "purple"}]})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "q2.value"
    unknown = send(client, "put", url, {"answers": [{"question": 9, "value": "yes"}]})
    assert unknown.status_code == 422
    not_multipart = send(client, "post", f"{url}/evidence", {"question": 3})
    assert not_multipart.status_code == 415
    from django.core.files.uploadedfile import SimpleUploadedFile

    attached = client.post(
        f"{url}/evidence",
        {"question": "3", "files": [SimpleUploadedFile("pit.pdf", PDF, content_type="application/pdf")]},
    )
    assert attached.status_code == 201, attached.content
    evidence = attached.json()["answers"][2]["evidence"][0]
    assert evidence["filename"] == "pit.pdf" and attached.json()["evidence_missing"] == []
    download = client.get(evidence["url"])
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    assert gov.client(gov.alpha).get(evidence["url"]).status_code == 404
    done = client.post(f"{url}/submit")
    assert done.status_code == 200 and done.json()["status"] == "submitted"
    locked = send(client, "put", url, body)
    assert locked.status_code == 409
    assert Evidence.objects.filter(answer__response__organisation=gov.world.org_b).count() == 1


def test_writes_denied_per_persona(gov) -> None:
    open_now(gov)
    base = api(gov)
    alpha_url = f"{base}/RA5/responses/{gov.world.org_a.pk}"
    bravo_url = f"{base}/RA5/responses/{gov.world.org_b.pk}"
    answers = {"answers": [{"question": 1, "value": "no"}]}
    # Alpha writing Bravo's response: Bravo's response is not Alpha's to read (404).
    assert send(gov.client(gov.alpha), "put", bravo_url, answers).status_code == 404
    # The office and assurers read Bravo's response but never answer it (403).
    for user in (gov.office, gov.assurer):
        assert send(gov.client(user), "put", bravo_url, answers).status_code == 403, user
        assert gov.client(user).post(f"{bravo_url}/submit").status_code == 403
    assert send(gov.client(gov.desk), "put", bravo_url, answers).status_code == 404
    assert send(gov.client(gov.outsider), "put", bravo_url, answers).status_code == 404
    assert not AssessmentResponse.objects.filter(organisation=gov.world.org_b).exists()
    # Office-only writes.
    new = {
        "code": "RA6",
        "name": "Start of Qualification",
        "opens_on": "2027-01-04",
        "closes_on": "2027-03-01",
    }
    for user in (gov.assurer, gov.alpha, gov.bravo, gov.desk, gov.si):
        client = gov.client(user)
        assert send(client, "post", base, new).status_code == 403, user
        assert send(client, "patch", f"{base}/RA5", {"name": "x"}).status_code == 403
        assert client.post(f"{base}/RA5/close").status_code == 403
        assert send(client, "post", f"{base}/RA5/chase").status_code == 403
        assert send(client, "post", f"{alpha_url}/return", {"reason": "x"}).status_code in (403, 404)
        assert send(
            client, "post", f"{alpha_url}/score", {"scores": [{"question": 1, "rag": "red"}]}
        ).status_code in (403, 404)
    outsider = gov.client(gov.outsider)
    assert send(outsider, "post", base, new).status_code == 404
    assert outsider.post(f"{base}/RA5/close").status_code == 404
    assert not Chase.objects.exists() and not Assessment.objects.filter(code="RA6").exists()


def test_office_runs_an_assessment_through_the_api(gov, django_capture_on_commit_callbacks) -> None:
    client = gov.client(gov.office)
    base = api(gov)
    today = timezone.localdate()
    created = send(
        client,
        "post",
        base,
        {
            "code": "DAQ2",
            "name": "Cohort 2 Delivery Assurance Questionnaire",
            "opens_on": today.isoformat(),
            "closes_on": (today + dt.timedelta(days=10)).isoformat(),
            "phase": gov.prog.phase.code,
        },
    )
    assert created.status_code == 201, created.content
    assert created.json()["phase"] == gov.prog.phase.code and created.json()["status"] == "draft"
    assert gov.client(gov.alpha).get(f"{base}/DAQ2").status_code == 404  # a draft
    q = send(
        client,
        "post",
        f"{base}/DAQ2/questions",
        {"text": "Is your SIT environment ready?", "answer_kind": "yes_no"},
    )
    assert q.status_code == 201 and q.json()["number"] == 1
    assert (
        send(client, "post", f"{base}/DAQ2/questions", {"text": "x", "answer_kind": "colour"}).status_code
        == 422
    )
    with django_capture_on_commit_callbacks(execute=True):
        opened = client.post(f"{base}/DAQ2/open")
    assert opened.status_code == 200 and opened.json()["status"] == "open"
    assert opened.json()["audience"] == 3  # Alpha, Bravo and the agent take part in SIT
    assert client.post(f"{base}/DAQ2/open").status_code == 409
    late = send(client, "patch", f"{base}/DAQ2", {"phase": None})
    assert late.status_code == 409  # who is asked is fixed once opened
    moved = send(client, "patch", f"{base}/DAQ2", {"closes_on": (today + dt.timedelta(days=20)).isoformat()})
    assert moved.status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        chased = send(client, "post", f"{base}/DAQ2/chase", {"organisations": [gov.world.org_b.pk]})
    assert chased.status_code == 200 and chased.json()["chased"] == 1
    assert (
        send(client, "post", f"{base}/DAQ2/chase", {"organisations": [gov.world.org_b.pk]}).status_code == 409
    )
    # Scoring Alpha's submitted RA5 response, then returning it.
    alpha_url = f"{base}/RA5/responses/{gov.world.org_a.pk}"
    scored = send(
        client,
        "post",
        f"{alpha_url}/score",
        {
            "scores": [{"question": 1, "rag": "green"}, {"question": 2, "rag": "red", "note": "Late"}],
            "overall_rag": "",
        },
    )
    assert scored.status_code == 200, scored.content
    assert scored.json()["suggested_rag"] == "red" and scored.json()["overall_rag"] == ""
    assert Answer.objects.get(response=gov.alpha_response, question=gov.questions[1]).score_note == "Late"
    assert (
        send(client, "post", f"{alpha_url}/score", {"scores": [{"question": 1, "rag": "blue"}]}).status_code
        == 422
    )
    open_now(gov)
    returned = send(client, "post", f"{alpha_url}/return", {"reason": "Attach the report"})
    assert returned.status_code == 200 and returned.json()["status"] == "draft"
    assert send(client, "post", f"{alpha_url}/return", {"reason": "again"}).status_code == 409
    closed = client.post(f"{base}/RA5/close")
    assert closed.status_code == 200 and closed.json()["status"] == "closed"

"""A Change Notification's life over the API: raised by its provider, submitted, decided by the CCG,
started and completed; an illegal move is a 409 naming the current status and nothing changes."""

import datetime as dt

import pytest
from django.utils import timezone

from busbar.changes.models import CcgDecision, ChangeNotification, ChangeStatus

pytestmark = pytest.mark.django_db
API = "/api/v1/changes"
PROBLEM = "application/problem+json"


def _post(client, path: str, body: dict | None = None):
    return client.post(path, body or {}, content_type="application/json")


def _window(days: int = 40) -> tuple[str, str]:
    start = (timezone.now() + dt.timedelta(days=days)).replace(hour=1, minute=0, second=0, microsecond=0)
    return start.isoformat(), (start + dt.timedelta(hours=2)).isoformat()


def _raise(chg, **extra):
    start, end = _window()
    body = {
        "title": "Registration API patch",
        "change_type": "normal",
        "services": ["css-registration"],
        "planned_start": start,
        "planned_end": end,
        "is_outage": False,
        "description": "Apply the vendor patch",
        "backout_plan": "Reinstall the previous build",
        "team": "CSS platform",
        **extra,
    }
    return _post(chg.client(chg.provider), API, body)


def test_raise_submit_decide_start_complete(chg) -> None:
    provider, desk = chg.client(chg.provider), chg.client(chg.desk)
    raised = _raise(chg)
    assert raised.status_code == 201, raised.content
    body = raised.json()
    ref = body["reference"]
    assert ref.startswith("CHG") and body["status"] == "draft"
    assert body["provider"]["name"] == "CSS Provider" and body["raised_by"]["name"]
    assert {"edit", "submit", "cancel"} <= set(body["allowed_actions"])

    submitted = _post(provider, f"{API}/{ref}/submit")
    assert submitted.status_code == 200, submitted.content
    assert submitted.json()["status"] == "submitted"
    assert submitted.json()["notice_required"] == 5 and submitted.json()["is_late"] is False

    review = _post(desk, f"{API}/{ref}/take-review")
    assert review.status_code == 200 and review.json()["status"] == "under_review"
    assert "decide" in review.json()["allowed_actions"]

    decided = _post(desk, f"{API}/{ref}/decide", {"outcome": "accept", "reason": "No clash with the FSC"})
    assert decided.status_code == 200, decided.content
    body = decided.json()
    assert body["status"] == "accepted"
    assert [(d["outcome"], d["reason"]) for d in body["decisions"]] == [("accept", "No clash with the FSC")]
    assert body["decisions"][0]["decided_by"] == chg.desk.display_name

    # Every participant now reads it on the schedule, without the decider's name.
    seen = chg.client(chg.alpha).get(f"{API}/{ref}").json()
    assert seen["status"] == "accepted" and seen["decisions"][0]["decided_by"] is None

    started = _post(provider, f"{API}/{ref}/start")
    assert started.status_code == 200, started.content
    assert started.json()["status"] == "in_progress" and started.json()["actual_start"]

    completed = _post(provider, f"{API}/{ref}/complete", {"note": "Patched"})
    assert completed.status_code == 200, completed.content
    body = completed.json()
    assert body["status"] == "completed" and body["actual_end"] and body["outcome_note"] == "Patched"
    assert "review" in chg.client(chg.desk).get(f"{API}/{ref}").json()["allowed_actions"]

    reviewed = _post(desk, f"{API}/{ref}/review", {"note": "Closed"})
    assert reviewed.status_code == 200 and reviewed.json()["status"] == "reviewed"


def test_an_illegal_move_is_409_naming_the_current_status(chg) -> None:
    response = _post(chg.client(chg.provider), f"{API}/{chg.draft.reference}/complete", {"note": "x"})
    assert response.status_code == 409 and response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["current_status"] == "draft"
    assert body["allowed_statuses"] == ["cancelled", "submitted"]
    assert ChangeNotification.objects.get(pk=chg.draft.pk).status == ChangeStatus.DRAFT


def test_taking_a_non_submitted_change_into_review_is_409(chg) -> None:
    response = _post(chg.client(chg.desk), f"{API}/{chg.accepted.reference}/take-review")
    assert response.status_code == 409


def test_only_the_desk_decides(chg) -> None:
    body = {"outcome": "accept", "reason": "mine"}
    response = _post(chg.client(chg.provider), f"{API}/{chg.submitted.reference}/decide", body)
    assert response.status_code == 403 and response["Content-Type"] == PROBLEM
    assert not CcgDecision.objects.filter(change=chg.submitted).exists()


def test_a_participant_cannot_start_a_published_change(chg) -> None:
    response = _post(chg.client(chg.alpha), f"{API}/{chg.accepted.reference}/start")
    assert response.status_code == 403
    assert ChangeNotification.objects.get(pk=chg.accepted.pk).status == ChangeStatus.ACCEPTED


def test_accept_with_conditions_needs_them(chg) -> None:
    response = _post(
        chg.client(chg.desk),
        f"{API}/{chg.submitted.reference}/decide",
        {"outcome": "accept_conditions", "reason": "OK if"},
    )
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "conditions"
    assert ChangeNotification.objects.get(pk=chg.submitted.pk).status == ChangeStatus.SUBMITTED


def test_reschedule_moves_an_accepted_change(chg) -> None:
    start = chg.accepted.planned_start + dt.timedelta(days=7)
    body = {
        "new_start": start.isoformat(),
        "new_end": (start + dt.timedelta(hours=3)).isoformat(),
        "reason": "Clashes with the CSS release",
    }
    response = _post(chg.client(chg.desk), f"{API}/{chg.accepted.reference}/reschedule", body)
    assert response.status_code == 200, response.content
    out = response.json()
    assert out["status"] == "accepted"
    assert dt.datetime.fromisoformat(out["planned_start"]) == start
    assert out["decisions"][-1]["outcome"] == "reschedule"


def test_an_emergency_change_needs_its_reason_to_submit(chg) -> None:
    raised = _raise(chg, change_type="emergency")
    ref = raised.json()["reference"]
    response = _post(chg.client(chg.provider), f"{API}/{ref}/submit")
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "emergency_reason"
    assert ChangeNotification.objects.get(reference=ref).status == ChangeStatus.DRAFT


def test_the_desk_records_a_change_for_a_provider(chg) -> None:
    start, end = _window()
    body = {
        "provider": chg.gas_org.pk,
        "title": "Portal certificate renewal",
        "services": ["gas-portal"],
        "planned_start": start,
        "planned_end": end,
    }
    response = _post(chg.client(chg.desk), API, body)
    assert response.status_code == 201, response.content
    assert response.json()["recorded_by_desk"] is True
    assert response.json()["provider"]["id"] == chg.gas_org.pk


def test_updates_and_internal_notes(chg) -> None:
    path = f"{API}/{chg.live.reference}/updates"
    note = _post(chg.client(chg.provider), path, {"body": "Firewall rules staged", "internal": True})
    assert note.status_code == 201 and note.json()["is_internal"] is True
    public = _post(chg.client(chg.provider), path, {"body": "Halfway through"})
    assert public.status_code == 201
    seen = [e["body"] for e in chg.client(chg.alpha).get(path).json()["items"]]
    assert seen == ["Halfway through"]
    assert _post(chg.client(chg.alpha), path, {"body": "When?"}).status_code == 403


def test_consultation_asked_and_answered(chg) -> None:
    deadline = (timezone.localdate() + dt.timedelta(days=10)).isoformat()
    asked = _post(
        chg.client(chg.desk),
        f"{API}/{chg.submitted.reference}/consult",
        {"organisations": [chg.world.org_a.pk], "deadline": deadline},
    )
    assert asked.status_code == 200, asked.content
    consultation = asked.json()["consultations"][0]
    assert consultation["organisation"]["id"] == chg.world.org_a.pk
    # Alpha now sees the change it is asked about, with only its own consultation, and answers it.
    detail = chg.client(chg.alpha).get(f"{API}/{chg.submitted.reference}").json()
    assert [c["id"] for c in detail["consultations"]] == [consultation["id"]]
    assert detail["consultations"][0]["allowed_actions"] == ["respond"]
    mine = chg.client(chg.alpha).get(f"{API}/consultations?unanswered=true").json()
    assert [c["change"] for c in mine["items"]] == [chg.submitted.reference]
    answered = _post(
        chg.client(chg.alpha),
        f"{API}/{chg.submitted.reference}/consultations/{consultation['id']}/respond",
        {"impact": "low", "response": "Our switching continues"},
    )
    assert answered.status_code == 200, answered.content
    assert answered.json()["impact"] == "low" and answered.json()["responded_at"]
    other = _post(
        chg.client(chg.bravo),
        f"{API}/{chg.submitted.reference}/consultations/{consultation['id']}/respond",
        {"impact": "high", "response": "Not ours"},
    )
    assert other.status_code == 404

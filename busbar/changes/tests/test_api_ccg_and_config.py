"""The CCG (members, meetings with their agenda and minutes) and the change rules (notice rules,
maintenance and blackout windows, availability targets) over the API: allowed and denied per persona."""

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from busbar.changes.models import (
    AvailabilityTarget,
    BlackoutWindow,
    CcgMeeting,
    CcgMember,
    MaintenanceWindow,
    NoticeRule,
)

pytestmark = pytest.mark.django_db
API = "/api/v1/changes"


def _post(client, path: str, body: dict | None = None):
    return client.post(path, body or {}, content_type="application/json")


# The CCG ----------------------------------------------------------------------------------------------------


def test_members_are_read_by_the_desk_and_the_ccg_only(chg) -> None:
    for user in (chg.desk, chg.gas):
        rows = chg.client(user).get(f"{API}/ccg/members").json()["items"]
        assert {r["organisation"]["name"] for r in rows} == {"CSS Provider", "Gas CDS", "Switching Operator"}
    assert chg.client(chg.alpha).get(f"{API}/ccg/members").json()["count"] == 0
    assert Client().get(f"{API}/ccg/members").status_code == 401


def test_the_desk_adds_and_removes_a_member(chg) -> None:
    body = {"organisation": chg.world.operator.pk, "user": chg.desk.pk, "role": "deputy"}
    refused = _post(chg.client(chg.provider), f"{API}/ccg/members", body)
    assert refused.status_code == 403
    added = _post(chg.client(chg.ops), f"{API}/ccg/members", body)
    assert added.status_code == 201, added.content
    assert added.json()["role"] == "deputy" and added.json()["user"]["id"] == chg.desk.pk
    member_id = added.json()["id"]
    assert chg.client(chg.provider).delete(f"{API}/ccg/members/{member_id}").status_code == 403
    assert chg.client(chg.ops).delete(f"{API}/ccg/members/{member_id}").status_code == 204
    assert not CcgMember.objects.filter(pk=member_id, is_active=True).exists()


def test_an_unknown_person_is_422_naming_user(chg) -> None:
    body = {"organisation": chg.world.operator.pk, "user": 987654321}
    response = _post(chg.client(chg.ops), f"{API}/ccg/members", body)
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "user"


def test_a_meeting_is_scheduled_with_its_agenda_and_minuted(chg) -> None:
    desk = chg.client(chg.desk)
    held_at = (timezone.now() - dt.timedelta(hours=1)).isoformat()  # minutes once it has been held
    made = _post(desk, f"{API}/ccg/meetings", {"held_at": held_at, "location": "Teams"})
    assert made.status_code == 201, made.content
    meeting = made.json()
    agenda = {item["change"]["reference"] for item in meeting["agenda"]}
    assert chg.submitted.reference in agenda and chg.draft.reference not in agenda
    assert "minutes" in meeting["allowed_actions"]
    number = meeting["number"]

    seen = chg.client(chg.gas).get(f"{API}/ccg/meetings/{number}")
    assert seen.status_code == 200 and seen.json()["allowed_actions"] == []
    assert chg.client(chg.alpha).get(f"{API}/ccg/meetings/{number}").status_code == 404
    assert chg.client(chg.alpha).get(f"{API}/ccg/meetings").json()["count"] == 0

    refreshed = _post(desk, f"{API}/ccg/meetings/{number}/refresh-agenda")
    assert refreshed.status_code == 200
    decided = _post(
        desk,
        f"{API}/{chg.submitted.reference}/decide",
        {"outcome": "more_info", "reason": "Which certificates?", "meeting": number},
    )
    assert decided.status_code == 200, decided.content
    assert decided.json()["decisions"][-1]["meeting"] == number

    minuted = _post(
        desk,
        f"{API}/ccg/meetings/{number}/minutes",
        {"minutes": "One change sent back.", "attendees": [chg.ops.pk, chg.provider.pk]},
    )
    assert minuted.status_code == 200, minuted.content
    body = minuted.json()
    assert body["minutes"] == "One change sent back."
    assert {a["id"] for a in body["attendees"]} == {chg.ops.pk, chg.provider.pk}
    assert [d["change"] for d in body["decision_list"]] == [chg.submitted.reference]
    refused = _post(chg.client(chg.provider), f"{API}/ccg/meetings/{number}/minutes", {"minutes": "x"})
    assert refused.status_code == 403
    assert CcgMeeting.objects.get(number=number).minutes == "One change sent back."


def test_an_unknown_meeting_in_a_decision_is_422(chg) -> None:
    response = _post(
        chg.client(chg.desk),
        f"{API}/{chg.submitted.reference}/decide",
        {"outcome": "reject", "reason": "No", "meeting": 999},
    )
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "meeting"


# Rules and windows ------------------------------------------------------------------------------------------


def test_notice_rules_are_read_by_everyone_signed_in(chg) -> None:
    rows = chg.client(chg.alpha).get(f"{API}/notice-rules").json()["items"]
    names = {r["name"]: r for r in rows}
    rule = names["REC R0055: planned CSS outages"]
    assert rule["min_working_days"] == 8 and rule["service"]["slug"] == "css" and rule["outage_only"]
    assert Client().get(f"{API}/notice-rules").status_code == 401


def test_operations_create_change_and_delete_a_notice_rule(chg) -> None:
    body = {
        "name": "Gas CDS majors",
        "min_working_days": 10,
        "calendar": chg.working.pk,
        "provider": chg.gas_org.pk,
        "change_type": "major",
    }
    assert _post(chg.client(chg.provider), f"{API}/notice-rules", body).status_code == 403
    made = _post(chg.client(chg.ops), f"{API}/notice-rules", body)
    assert made.status_code == 201, made.content
    rule_id = made.json()["id"]
    assert made.json()["provider"]["id"] == chg.gas_org.pk
    patched = chg.client(chg.ops).patch(
        f"{API}/notice-rules/{rule_id}", {"min_working_days": 12}, content_type="application/json"
    )
    assert patched.status_code == 200 and patched.json()["min_working_days"] == 12
    refused = chg.client(chg.alpha).patch(
        f"{API}/notice-rules/{rule_id}", {"min_working_days": 1}, content_type="application/json"
    )
    assert refused.status_code == 403
    assert NoticeRule.objects.get(pk=rule_id).min_working_days == 12
    assert chg.client(chg.ops).delete(f"{API}/notice-rules/{rule_id}").status_code == 204
    assert not NoticeRule.objects.filter(pk=rule_id).exists()


def test_a_notice_rule_with_an_unknown_calendar_is_422(chg) -> None:
    body = {"name": "X", "min_working_days": 3, "calendar": 987654}
    response = _post(chg.client(chg.ops), f"{API}/notice-rules", body)
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "calendar"


def test_maintenance_windows(chg) -> None:
    rows = chg.client(chg.alpha).get(f"{API}/maintenance-windows?service=css").json()["items"]
    assert [(r["weekday"], r["start_time"], r["end_time"]) for r in rows] == [(6, "00:00", "06:00")]
    body = {"service": "css", "weekday": 2, "start_time": "22:00", "end_time": "02:00"}
    assert _post(chg.client(chg.alpha), f"{API}/maintenance-windows", body).status_code == 403
    made = _post(chg.client(chg.ops), f"{API}/maintenance-windows", body)
    assert made.status_code == 201, made.content
    bad = _post(chg.client(chg.ops), f"{API}/maintenance-windows", {**body, "start_time": "25:00"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "start_time"
    window_id = made.json()["id"]
    assert chg.client(chg.ops).delete(f"{API}/maintenance-windows/{window_id}").status_code == 204
    assert not MaintenanceWindow.objects.filter(pk=window_id).exists()


def test_blackouts(chg) -> None:
    rows = chg.client(chg.bravo).get(f"{API}/blackouts").json()["items"]
    assert [r["name"] for r in rows] == ["Year end"] and rows[0]["services"] == []
    body = {
        "name": "Market event",
        "starts_at": "2027-09-01T00:00:00Z",
        "ends_at": "2027-09-03T00:00:00Z",
        "services": ["css", "uk-link"],
    }
    assert _post(chg.client(chg.desk), f"{API}/blackouts", body).status_code == 403
    made = _post(chg.client(chg.ops), f"{API}/blackouts", body)
    assert made.status_code == 201, made.content
    assert {s["slug"] for s in made.json()["services"]} == {"css", "uk-link"}
    blackout_id = made.json()["id"]
    patched = chg.client(chg.ops).patch(
        f"{API}/blackouts/{blackout_id}", {"services": []}, content_type="application/json"
    )
    assert patched.status_code == 200 and patched.json()["services"] == []
    assert chg.client(chg.ops).delete(f"{API}/blackouts/{blackout_id}").status_code == 204
    assert not BlackoutWindow.objects.filter(pk=blackout_id).exists()


def test_availability_targets(chg) -> None:
    shown = chg.client(chg.alpha).get(f"{API}/availability-targets/css").json()
    assert shown["configured"] is True and Decimal(str(shown["target_percent"])) == Decimal("99.5")
    assert chg.client(chg.alpha).get(f"{API}/availability-targets/gas-portal").json()["configured"] is False
    assert chg.client(chg.alpha).get(f"{API}/availability-targets/nope").status_code == 404
    body = {"target_percent": 99.9, "planned_counts": True, "agreement": "UK Link OLA"}
    refused = chg.client(chg.gas).put(
        f"{API}/availability-targets/uk-link", body, content_type="application/json"
    )
    assert refused.status_code == 403
    done = chg.client(chg.ops).put(
        f"{API}/availability-targets/uk-link", body, content_type="application/json"
    )
    assert done.status_code == 200, done.content
    target = AvailabilityTarget.objects.get(service=chg.uk_link)
    assert target.target_percent == Decimal("99.900") and target.planned_counts
    over = chg.client(chg.ops).put(
        f"{API}/availability-targets/uk-link", {"target_percent": 101}, content_type="application/json"
    )
    assert over.status_code == 422 and over.json()["errors"][0]["field"] == "target_percent"

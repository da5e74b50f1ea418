"""The action log API, allowed and denied: everyone in the programme lists and reads actions (RAID links
narrowed to what each may see); the office raises, edits and ratifies; the owner (Alpha, TMAG18-01)
updates and recommends closed but may not ratify; closing directly is a 409; Bravo, the assurer and the
desk change nothing; outsiders get 404s; the list's query count does not grow with its rows."""

from __future__ import annotations

import json

from busbar.programmes.actions import meetings as actions
from busbar.programmes.models import Action, ActionStatus
from busbar.programmes.tests.conftest import actor_for

API = "/api/v1/programmes/mhhs/actions"
A1 = f"{API}/TMAG18-01"


def _post(client, url: str, body: dict):
    return client.post(url, json.dumps(body), content_type="application/json")


def test_reads_and_filters(gov, django_assert_max_num_queries) -> None:
    actions.edit_action(actor=actor_for(gov.office), action=gov.a18_01, raid_items=[gov.r2, gov.r3])
    for user in (gov.office, gov.alpha, gov.bravo, gov.assurer, gov.desk):
        client = gov.client(user)
        listing = client.get(API)
        assert listing.status_code == 200, user
        assert sorted(a["reference"] for a in listing.json()["items"]) == [
            "TMAG18-01",
            "TMAG18-02",
            "TMAG19-01",
        ]
        detail = client.get(A1).json()
        assert detail["owner"]["display"] == "Alpha Energy" and detail["overdue"] is True
    alpha = gov.client(gov.alpha)
    assert [r["ref"] for r in alpha.get(A1).json()["raid_items"]] == ["R2"]  # R3 is Bravo's private issue
    assert [r["ref"] for r in gov.client(gov.bravo).get(A1).json()["raid_items"]] == ["R3"]
    assert [r["ref"] for r in gov.client(gov.office).get(A1).json()["raid_items"]] == ["R2", "R3"]
    assert [a["reference"] for a in alpha.get(f"{API}?mine=true").json()["items"]] == ["TMAG18-01"]
    assert [a["reference"] for a in alpha.get(f"{API}?status=recommend_closed").json()["items"]] == [
        "TMAG19-01"
    ]
    assert [a["reference"] for a in alpha.get(f"{API}?overdue=true").json()["items"]] == ["TMAG18-01"]
    assert alpha.get(f"{API}?status=nope").status_code == 422
    export = alpha.get(f"{API}/export?format=csv&status=all")
    assert export.status_code == 200 and b"TMAG19-01" in b"".join(export.streaming_content)
    outsider = gov.client(gov.outsider)
    for url in (API, A1, f"{API}/export"):
        assert outsider.get(url).status_code == 404, url
    assert gov.client(gov.office).get(f"{API}/TMAG77-01").status_code == 404
    assert gov.client(gov.office).get(f"{API}/not-a-ref").status_code == 422
    with django_assert_max_num_queries(15):
        alpha.get(f"{API}?status=all")
    for n in range(5):
        actions.raise_action(
            actor=actor_for(gov.office),
            meeting=gov.tmag20,
            description=f"More {n}",
            owner_organisation=gov.world.org_b,
            owner_people=[gov.bravo],
            raid_items=[gov.r1],
        )
    with django_assert_max_num_queries(15):
        assert alpha.get(f"{API}?status=all").json()["count"] == 8


def test_raise_and_edit_are_the_offices(gov) -> None:
    body = {
        "group": "TMAG",
        "meeting": 20,
        "description": "Produce a plan-on-a-page for the Test Data deliverables",
        "owner_organisation": gov.prog.pm_org.pk,
        "owner_label": "Programme (pm)",
        "owner_people": [gov.office.pk],
        "due_date": "2027-01-13",
        "raid_items": [1, 4],
    }
    for user in (gov.alpha, gov.bravo, gov.assurer, gov.desk):
        assert _post(gov.client(user), API, body).status_code == 403, user
    assert _post(gov.client(gov.outsider), API, body).status_code == 404
    office = gov.client(gov.office)
    made = _post(office, API, body)
    assert made.status_code == 201, made.content
    out = made.json()
    assert out["reference"] == "TMAG20-01" and out["owner"]["display"] == "Programme (pm)"
    assert [r["ref"] for r in out["raid_items"]] == ["R1", "R4"]
    assert "edit" in out["allowed_actions"]
    assert _post(office, API, {**body, "meeting": 99}).json()["errors"][0]["field"] == "meeting"
    assert _post(office, API, {**body, "raid_items": [99]}).json()["errors"][0]["field"] == "raid_items[0]"
    assert _post(office, API, {**body, "owner_people": [999999]}).status_code == 422
    patch = {"due_date": "2027-02-10", "owner_label": None, "owner_people": []}
    for user in (gov.alpha, gov.bravo, gov.assurer, gov.desk):
        assert (
            gov.client(user).patch(f"{API}/TMAG20-01", patch, content_type="application/json").status_code
            == 403
        )
    changed = office.patch(f"{API}/TMAG20-01", patch, content_type="application/json")
    assert changed.status_code == 200 and changed.json()["owner"]["display"] == gov.prog.pm_org.name
    assert (
        office.patch(f"{API}/TMAG20-01", {"status": "closed"}, content_type="application/json").status_code
        == 422
    )


def test_owner_updates_recommends_office_ratifies(gov) -> None:
    alpha, office = gov.client(gov.alpha), gov.client(gov.office)
    assert gov.client(gov.alpha).get(A1).json()["allowed_actions"] == ["update", "recommend-close"]
    for user in (gov.bravo, gov.assurer, gov.desk):
        client = gov.client(user)
        assert client.get(A1).json()["allowed_actions"] == []
        assert _post(client, f"{A1}/updates", {"text": "Mine"}).status_code == 403
        assert _post(client, f"{A1}/recommend-close", {"text": "Mine"}).status_code == 403
    assert _post(gov.client(gov.outsider), f"{A1}/updates", {"text": "x"}).status_code == 404
    updated = _post(alpha, f"{A1}/updates", {"text": "Plan drafted; see R4", "status": "ongoing"})
    assert updated.status_code == 201 and updated.json()["status"] == "ongoing"
    assert [r["ref"] for r in updated.json()["raid_items"]] == ["R4"]
    closing = _post(alpha, f"{A1}/updates", {"text": "Done", "status": "closed"})
    assert closing.status_code == 409 and closing.json()["current_status"] == "ongoing"
    assert _post(office, f"{A1}/updates", {"status": "closed"}).status_code == 409  # the office neither
    assert (
        _post(alpha, f"{A1}/updates", {"due_date": "2027-03-01"}).status_code == 403
    )  # due dates: the office
    early = _post(office, f"{A1}/ratify", {"meeting": 20})
    assert early.status_code == 409  # not recommended closed yet
    assert _post(alpha, f"{A1}/recommend-close", {"text": "Plan shared with TMAG"}).status_code == 200
    assert _post(alpha, f"{A1}/recommend-close", {"text": "again"}).status_code == 409
    for user in (gov.alpha, gov.bravo, gov.assurer, gov.desk):
        assert _post(gov.client(user), f"{A1}/ratify", {"meeting": 20}).status_code == 403, user
    assert _post(office, f"{A1}/ratify", {"meeting": 18}).status_code == 422  # the meeting that raised it
    assert _post(office, f"{A1}/ratify", {"meeting": 88}).status_code == 422
    done = _post(office, f"{A1}/ratify", {"meeting": 20})
    assert done.status_code == 200, done.content
    out = done.json()
    assert out["status"] == "closed" and out["closed_at_meeting"] == 20
    assert [u["status_to"] for u in out["updates"]] == ["ongoing", "recommend_closed", "closed"]
    assert out["updates"][-1]["meeting"] == 20
    assert Action.objects.get(pk=gov.a18_01.pk).status == ActionStatus.CLOSED
    assert gov.client(gov.office).get("/api/v1/programmes/mhhs/groups/TMAG/meetings/20").json()[
        "actions_closed"
    ] == ["TMAG18-01"]

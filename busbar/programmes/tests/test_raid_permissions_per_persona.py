"""Who may change the RAID log, through its pages and its API, allowed and denied: the programme office
raises, edits, closes, reopens, converts, imports and publishes; the owner organisation (Alpha owns R2)
posts updates and rewrites its planned activities but neither edits nor closes; another participant
(Bravo), an assurer and the desk change nothing (403); someone outside the programme gets 404."""

from __future__ import annotations

import json

from busbar.programmes.models import RaidItem, RaidStatus
from busbar.records.models import Entry

API = "/api/v1/programmes"


def _post(client, url, body=None):
    return client.post(url, json.dumps(body or {}), content_type="application/json")


def _patch(client, url, body):
    return client.patch(url, json.dumps(body), content_type="application/json")


def test_new_and_import_pages_for_the_office_only(gov) -> None:
    for page in (
        "/programmes/mhhs/raid/new/",
        "/programmes/mhhs/raid/new/?kind=risk",
        "/programmes/mhhs/raid/import/",
    ):
        assert gov.client(gov.office).get(page).status_code == 200, page
        for user in (gov.alpha, gov.bravo, gov.si, gov.assurer, gov.desk):
            assert gov.client(user).get(page).status_code == 403, (page, user)
        assert gov.client(gov.outsider).get(page).status_code == 404
    body = {
        "kind": "risk",
        "item": "Cutover window too short",
        "likelihood": "4",
        "impact_score": "5",
        "rag": "red",
    }
    for user in (gov.alpha, gov.bravo, gov.assurer, gov.desk):
        assert gov.client(user).post("/programmes/mhhs/raid/new/", body).status_code == 403
    assert gov.client(gov.outsider).post("/programmes/mhhs/raid/new/", body).status_code == 404
    done = gov.client(gov.office).post("/programmes/mhhs/raid/new/", body)
    assert done.status_code == 302
    item = RaidItem.objects.get(programme=gov.programme, title="Cutover window too short")
    assert (item.number, item.exposure, item.rag) == (5, 20, "red")
    assert done["Location"] == f"/programmes/raid/{item.reference}/"
    bad = gov.client(gov.office).post(
        "/programmes/mhhs/raid/new/", {**body, "item": "", "uncertainty": "high"}
    )
    assert bad.status_code == 422 and RaidItem.objects.filter(programme=gov.programme).count() == 5
    # Forms for a type carry only that type's columns: an assumption's uncertainty is not a risk's.
    risk_form = gov.client(gov.office).get("/programmes/mhhs/raid/new/?kind=risk").content
    assert b"Planned mitigating activities" in risk_form and b'name="uncertainty"' not in risk_form


def test_forms_offered_only_to_who_may_use_them(gov) -> None:
    def page(user, item):
        return gov.client(user).get(f"/programmes/raid/{item.reference}/").content

    office = page(gov.office, gov.r1)
    for verb in ("edit", "update", "close", "convert", "visibility"):
        assert f"/programmes/raid/{gov.r1.reference}/{verb}/".encode() in office, verb
    owner = page(gov.alpha, gov.r2)
    assert f"/programmes/raid/{gov.r2.reference}/update/".encode() in owner
    for verb in ("edit", "close", "convert", "visibility"):
        assert f"/{verb}/".encode() not in owner, verb
    for user, item in ((gov.alpha, gov.r1), (gov.bravo, gov.r1), (gov.assurer, gov.r2), (gov.desk, gov.r1)):
        shown = page(user, item)
        for verb in ("edit", "update", "close", "convert", "visibility"):
            assert f"/programmes/raid/{item.reference}/{verb}/".encode() not in shown, (user, verb)
    # An issue does not offer conversion; a dependency neither.
    assert b"/convert/" not in page(gov.office, gov.r3) and b"/convert/" not in page(gov.office, gov.r4)


def test_page_posts_allowed_and_denied(gov) -> None:
    r1, r2 = gov.r1.reference, gov.r2.reference
    update = {"update-body": "Agent build on track", "update-activities": "Weekly checkpoint"}
    # The owner updates its item, and rewrites the planned activities.
    assert gov.client(gov.alpha).post(f"/programmes/raid/{r2}/update/", update).status_code == 302
    gov.r2.refresh_from_db()
    assert gov.r2.activities == "Weekly checkpoint"
    assert Entry.objects.filter(record_id=gov.r2.record_id, body="Agent build on track").exists()
    # …but neither edits nor closes it.
    assert (
        gov.client(gov.alpha).post(f"/programmes/raid/{r2}/close/", {"close-reason": "done"}).status_code
        == 403
    )
    assert gov.client(gov.alpha).post(f"/programmes/raid/{r2}/edit/", {"edit-item": "x"}).status_code == 403
    assert gov.client(gov.alpha).post(f"/programmes/raid/{r2}/visibility/", {}).status_code == 403
    # A participant who does not own a public item cannot update it; one who cannot see it gets 404.
    assert gov.client(gov.alpha).post(f"/programmes/raid/{r1}/update/", update).status_code == 403
    assert gov.client(gov.bravo).post(f"/programmes/raid/{r2}/update/", update).status_code == 404
    for user in (gov.assurer, gov.desk, gov.bravo):
        assert (
            gov.client(user).post(f"/programmes/raid/{r1}/close/", {"close-reason": "x"}).status_code == 403
        )
        assert gov.client(user).post(f"/programmes/raid/{r1}/update/", update).status_code == 403
    assert gov.client(gov.outsider).post(f"/programmes/raid/{r1}/update/", update).status_code == 404
    assert RaidItem.objects.get(pk=gov.r1.pk).status == RaidStatus.OPEN
    # The office closes and reopens; a reason is needed.
    office = gov.client(gov.office)
    assert office.post(f"/programmes/raid/{r1}/close/", {"close-reason": ""}).status_code == 422
    assert (
        office.post(f"/programmes/raid/{r1}/close/", {"close-reason": "Second environment live"}).status_code
        == 302
    )
    assert RaidItem.objects.get(pk=gov.r1.pk).status == RaidStatus.CLOSED
    assert (
        office.post(f"/programmes/raid/{r1}/reopen/", {"reopen-reason": "It failed again"}).status_code == 302
    )
    # The office edits the columns; the exposure follows.
    edit = office.get(f"/programmes/raid/{r2}/")
    assert edit.status_code == 200
    body = {
        "edit-item": "Alpha's agent build will slip",
        "edit-likelihood": "5",
        "edit-impact_score": "4",
        "edit-rag": "red",
        "edit-owner_organisation": str(gov.world.org_a.pk),
        "edit-raised_on": "2026-10-01",
    }
    assert office.post(f"/programmes/raid/{r2}/edit/", body).status_code == 302
    gov.r2.refresh_from_db()
    assert (gov.r2.title, gov.r2.exposure, gov.r2.is_public) == ("Alpha's agent build will slip", 20, False)
    # Making it public, on its own form, with a reason.
    assert (
        office.post(f"/programmes/raid/{r2}/visibility/", {"visibility-reason": "TMAG19-01"}).status_code
        == 302
    )
    assert RaidItem.objects.get(pk=gov.r2.pk).is_public
    # A verb that is not one is a 404; GET on a form address leads back to the page.
    assert office.post(f"/programmes/raid/{r2}/destroy/", {}).status_code == 404
    assert office.get(f"/programmes/raid/{r2}/close/").status_code == 302


def test_api_writes_allowed_and_denied(gov) -> None:
    r1, r2 = gov.r1.reference, gov.r2.reference
    office, alpha = gov.client(gov.office), gov.client(gov.alpha)
    new = {"kind": "issue", "title": "Test data late", "likelihood": 4, "impact_score": 3, "theme": "Data"}
    for user in (gov.alpha, gov.bravo, gov.si, gov.assurer, gov.desk):
        assert _post(gov.client(user), f"{API}/mhhs/raid", new).status_code == 403, user
    assert _post(gov.client(gov.outsider), f"{API}/mhhs/raid", new).status_code == 404
    made = _post(
        office, f"{API}/mhhs/raid", {**new, "phase": "migration", "owner_organisation": gov.world.org_b.pk}
    )
    assert made.status_code == 201, made.content
    assert (made.json()["ref"], made.json()["exposure"], made.json()["phase"]["code"]) == (
        "R5",
        12,
        "migration",
    )
    assert _post(office, f"{API}/mhhs/raid", {**new, "phase": "nowhere"}).status_code == 422
    assert _post(office, f"{API}/mhhs/raid", {**new, "likelihood": 6}).status_code == 422
    bad = _post(office, f"{API}/mhhs/raid", {**new, "manageable": "yes"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "manageable"

    # allowed_actions says what each may do.
    assert alpha.get(f"{API}/raid/{r2}").json()["allowed_actions"] == ["update"]
    assert set(office.get(f"{API}/raid/{r1}").json()["allowed_actions"]) == {
        "update",
        "edit",
        "visibility",
        "close",
        "convert",
    }
    for user in (gov.assurer, gov.desk, gov.bravo):
        assert gov.client(user).get(f"{API}/raid/{r1}").json()["allowed_actions"] == []

    # Updates: the owner and the office; not another participant, an assurer or the desk.
    update = {"body": "On track", "activities": "Daily stand-up"}
    assert _post(alpha, f"{API}/raid/{r2}/updates", update).status_code == 201
    assert _post(office, f"{API}/raid/{r2}/updates", {"body": "Noted", "internal": True}).status_code == 201
    assert _post(gov.client(gov.assurer), f"{API}/raid/{r2}/updates", update).status_code == 403
    assert _post(gov.client(gov.bravo), f"{API}/raid/{r2}/updates", update).status_code == 404
    assert _post(gov.client(gov.desk), f"{API}/raid/{r1}/updates", update).status_code == 403
    # The internal note is read by the owner and assurers, not by a participant reading the public item.
    notes = [u["body"] for u in gov.client(gov.assurer).get(f"{API}/raid/{r2}").json()["updates"]]
    assert notes == ["On track", "Noted"]

    # Editing: the office only (the owner may not), never the type.
    assert _patch(alpha, f"{API}/raid/{r2}", {"rag": "green"}).status_code == 403
    assert _patch(gov.client(gov.assurer), f"{API}/raid/{r2}", {"rag": "green"}).status_code == 403
    assert _patch(gov.client(gov.desk), f"{API}/raid/{r1}", {"rag": "green"}).status_code == 403
    assert _patch(gov.client(gov.bravo), f"{API}/raid/{r2}", {"rag": "green"}).status_code == 404
    assert _patch(office, f"{API}/raid/{r2}", {"kind": "issue"}).status_code == 422
    edited = _patch(office, f"{API}/raid/{r2}", {"rag": "green", "likelihood": 1})
    assert edited.status_code == 200 and (edited.json()["rag"], edited.json()["exposure"]) == ("green", 3)
    assert _patch(office, f"{API}/raid/{r2}", {}).status_code == 422

    # Closing and reopening: the office; the status table answers 409 with the allowed statuses.
    assert _post(alpha, f"{API}/raid/{r2}/close", {"reason": "done"}).status_code == 403
    assert _post(gov.client(gov.assurer), f"{API}/raid/{r2}/close", {"reason": "done"}).status_code == 403
    closed = _post(office, f"{API}/raid/{r2}/close", {"reason": "Build delivered"})
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    again = _post(office, f"{API}/raid/{r2}/close", {"reason": "twice"})
    assert again.status_code == 409
    assert again.json()["current_status"] == "closed" and again.json()["allowed_statuses"] == ["open"]
    assert _post(alpha, f"{API}/raid/{r2}/updates", update).status_code == 409  # closed: reopen first
    assert _post(alpha, f"{API}/raid/{r2}/reopen", {"reason": "x"}).status_code == 403
    assert _post(office, f"{API}/raid/{r2}/reopen", {"reason": "Slipped again"}).json()["status"] == "open"

    # Public or private: the office only.
    assert _post(alpha, f"{API}/raid/{r2}/visibility", {"is_public": True}).status_code == 403
    shown = _post(office, f"{API}/raid/{r2}/visibility", {"is_public": True, "reason": "TMAG19-01"})
    assert shown.status_code == 200 and shown.json()["is_public"]
    assert gov.client(gov.bravo).get(f"{API}/raid/{r2}").status_code == 200  # now public

    # Converting: the office only.
    for user in (gov.alpha, gov.assurer, gov.desk):
        assert _post(gov.client(user), f"{API}/raid/{r1}/convert", {}).status_code == 403
    assert _post(gov.client(gov.outsider), f"{API}/raid/{r1}/convert", {}).status_code == 404

    # Importing: the office only.
    csv = b"type,title\nrisk,Imported risk\n"
    for user in (gov.alpha, gov.assurer, gov.desk):
        response = gov.client(user).post(f"{API}/mhhs/raid/import?preview=true", csv, content_type="text/csv")
        assert response.status_code == 403
    assert (
        gov.client(gov.outsider).post(f"{API}/mhhs/raid/import", csv, content_type="text/csv").status_code
        == 404
    )
    assert not RaidItem.objects.filter(title="Imported risk").exists()

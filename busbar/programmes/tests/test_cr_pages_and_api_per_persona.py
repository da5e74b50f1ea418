"""Every change-request page and endpoint, allowed and denied: the office runs the lifecycle; Alpha (a
participant) raises and edits its draft and answers for itself; Bravo (another participant) reads and answers
for itself; the assurer and the desk read and change nothing; someone outside the programme gets 404s."""

from __future__ import annotations

import datetime as dt
import json

from django.utils import timezone

from busbar.programmes.actions import changes as actions
from busbar.programmes.models import ChangeRequest, CrStatus
from busbar.programmes.tests.conftest import actor_for
from busbar.records.models import Attachment

API = "/api/v1/programmes"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _readers(gov):
    return [gov.office, gov.alpha, gov.bravo, gov.assurer, gov.desk]


def _alpha_draft(gov) -> ChangeRequest:
    return actions.raise_cr(
        actor=actor_for(gov.alpha),
        programme=gov.programme,
        title="Alpha's draft",
        description="Move M15",
        milestone_changes={gov.m15: dt.date(2027, 11, 12)},
    )


def _post_json(client, url, body=None):
    return client.post(url, json.dumps(body or {}), content_type="application/json")


def _open_window(gov) -> None:
    ChangeRequest.objects.filter(pk=gov.cr1.pk).update(
        ia_deadline=timezone.localdate() + dt.timedelta(days=5)
    )


def test_pages_read_by_everyone_in_the_programme(gov, django_assert_max_num_queries) -> None:
    code = gov.programme.code
    draft = _alpha_draft(gov)
    urls = [
        f"/programmes/{code}/change-requests/",
        f"/programmes/{code}/change-requests/?status=open&criticality=medium",
        f"/programmes/change-requests/{gov.cr1.reference}/",
        f"/programmes/change-requests/{draft.reference}/",
        f"/programmes/{code}/change-requests/export/?format=csv",
        f"/programmes/{code}/change-requests/export/?format=xlsx",
    ]
    for user in _readers(gov):
        client = gov.client(user)
        for url in urls:
            assert client.get(url).status_code == 200, (user, url)
    csv = gov.client(gov.bravo).get(urls[4])
    text = b"".join(csv.streaming_content).decode()
    assert "Ref,Reference,Title" in text and "CR001" in text and "Alpha's draft" in text
    assert (
        gov.client(gov.office).get(f"/programmes/{code}/change-requests/export/?format=pdf").status_code
        == 400
    )
    outsider = gov.client(gov.outsider)
    for url in [*urls, f"/programmes/{code}/change-requests/new/"]:
        assert outsider.get(url).status_code == 404, url
    assert gov.client(gov.alpha).get("/programmes/change-requests/PCR9999999/").status_code == 404

    # The list's query count does not grow with its change requests.
    client = gov.client(gov.office)
    client.get(urls[0])
    with django_assert_max_num_queries(30):
        client.get(urls[0])
    for _ in range(4):
        _alpha_draft(gov)
    with django_assert_max_num_queries(30):
        assert client.get(urls[0]).status_code == 200


def test_raising_from_the_page(gov) -> None:
    url = f"/programmes/{gov.programme.code}/change-requests/new/"
    for user in (gov.office, gov.alpha, gov.bravo):
        assert gov.client(user).get(url).status_code == 200, user
    body = {
        "title": "Bravo needs longer",
        "description": "Data migration",
        "criticality": "high",
        f"ms_{gov.m14.pk}": "2027-05-28",
    }
    for user in (gov.assurer, gov.desk):
        assert gov.client(user).get(url).status_code == 403, user
        assert gov.client(user).post(url, body).status_code == 403, user
    assert gov.client(gov.outsider).post(url, body).status_code == 404
    done = gov.client(gov.bravo).post(url, body)
    assert done.status_code == 302
    cr = ChangeRequest.objects.get(title="Bravo needs longer")
    assert done["Location"] == f"/programmes/change-requests/{cr.reference}/"
    assert cr.raised_by == gov.world.org_b and cr.status == CrStatus.DRAFT
    assert list(cr.milestone_changes.values_list("milestone__code", "proposed_date")) == [
        ("M14", dt.date(2027, 5, 28))
    ]
    bad = gov.client(gov.bravo).post(url, {**body, "needed_by": "2150-01-01"})
    assert bad.status_code == 422 and b"Use a date between" in bad.content


def test_forms_offered_only_to_who_may_use_them(gov) -> None:
    _open_window(gov)
    draft = _alpha_draft(gov)

    def page(user, cr):
        return gov.client(user).get(f"/programmes/change-requests/{cr.reference}/").content.decode()

    office = page(gov.office, gov.cr1)
    assert "Close responses and review" in office and "Withdraw the change request" in office
    assert "Send the impact assessment" not in office and "Internal note" in office
    for user in (gov.alpha, gov.bravo):
        shown = page(user, gov.cr1)
        assert "Send the impact assessment" in shown and "Close responses and review" not in shown
        assert "Edit the change request" not in shown and "Internal note" not in shown
    for user in (gov.assurer, gov.desk):
        shown = page(user, gov.cr1)
        assert "Send the impact assessment" not in shown and "Close responses and review" not in shown
        assert "Add to the conversation" not in shown
    assert "Edit the change request" in page(gov.alpha, draft)
    assert "Edit the change request" not in page(gov.bravo, draft)
    assert "Issue for impact assessment" in page(gov.office, draft)
    assert "Issue for impact assessment" not in page(gov.alpha, draft)


def test_page_posts_allowed_and_denied(gov) -> None:
    draft = _alpha_draft(gov)
    url = f"/programmes/change-requests/{draft.reference}/"
    edit = {
        "edit-cr_title": "Alpha's draft, renamed",
        "edit-description": "Move M15",
        "edit-criticality": "low",
    }
    for user in (gov.bravo, gov.assurer, gov.desk):
        assert gov.client(user).post(url + "edit/", edit).status_code == 403, user
    assert gov.client(gov.outsider).post(url + "edit/", edit).status_code == 404
    assert gov.client(gov.alpha).post(url + "edit/", edit).status_code == 302
    assert gov.client(gov.alpha).post(url + "edit/", {**edit, "edit-cr_title": ""}).status_code == 422
    milestone = {"milestone-milestone": gov.m10.pk, "milestone-proposed_date": "2027-02-15"}
    assert gov.client(gov.bravo).post(url + "milestone/", milestone).status_code == 403
    assert gov.client(gov.alpha).post(url + "milestone/", milestone).status_code == 302
    remove = {"remove-milestone-milestone": gov.m10.pk}
    assert gov.client(gov.bravo).post(url + "remove-milestone/", remove).status_code == 403
    assert gov.client(gov.alpha).post(url + "remove-milestone/", remove).status_code == 302
    draft.refresh_from_db()
    assert (draft.title, draft.criticality) == ("Alpha's draft, renamed", "low")
    assert list(draft.milestone_changes.values_list("milestone__code", flat=True)) == ["M15"]

    for user in (gov.alpha, gov.bravo, gov.assurer, gov.desk):
        assert gov.client(user).post(url + "issue/", {}).status_code == 403, user
    assert gov.client(gov.outsider).post(url + "issue/", {}).status_code == 404
    assert gov.client(gov.office).post(url + "issue/", {}).status_code == 302
    draft.refresh_from_db()
    assert draft.status == CrStatus.IMPACT_ASSESSMENT and draft.round == 1
    assert gov.client(gov.alpha).post(url + "edit/", edit).status_code == 403  # issued: the office's now
    assert gov.client(gov.office).post(url + "nonsense/", {}).status_code == 404
    assert gov.client(gov.office).get(url + "issue/").status_code == 302  # a form address answers GET

    for verb in ("close-responses", "withdraw"):
        for user in (gov.alpha, gov.bravo, gov.assurer, gov.desk):
            assert gov.client(user).post(url + f"{verb}/", {}).status_code == 403, (user, verb)
    assert gov.client(gov.office).post(url + "close-responses/", {}).status_code == 302
    for verb, data in (("hold", {}), ("resume", {}), ("reject", {"reject-note": "Not needed"})):
        assert gov.client(gov.alpha).post(url + f"{verb}/", data).status_code == 403
        assert gov.client(gov.office).post(url + f"{verb}/", data).status_code == 302, verb
    draft.refresh_from_db()
    assert draft.status == CrStatus.REJECTED


def test_the_conversation_and_its_files(gov) -> None:
    url = f"/programmes/change-requests/{gov.cr1.reference}/update/"
    assert gov.client(gov.alpha).post(url, {"update-body": "We support this."}).status_code == 302
    for user in (gov.assurer, gov.desk):
        assert gov.client(user).post(url, {"update-body": "Reading only"}).status_code == 403, user
    assert gov.client(gov.outsider).post(url, {"update-body": "Hello"}).status_code == 404
    assert (
        gov.client(gov.alpha).post(url, {"update-body": "Secret", "update-internal": "on"}).status_code == 403
    )
    from django.core.files.uploadedfile import SimpleUploadedFile

    public = gov.client(gov.office).post(
        url,
        {
            "update-body": "Impact template",
            "update-attachments": SimpleUploadedFile("t.png", PNG, "image/png"),
        },
    )
    assert public.status_code == 302
    internal = gov.client(gov.office).post(
        url,
        {
            "update-body": "Office only",
            "update-internal": "on",
            "update-attachments": SimpleUploadedFile("n.png", PNG, "image/png"),
        },
    )
    assert internal.status_code == 302
    shown = Attachment.objects.get(record=gov.cr1.record, is_internal=False)
    hidden = Attachment.objects.get(record=gov.cr1.record, is_internal=True)
    base = f"/programmes/change-requests/{gov.cr1.reference}/attachments/"
    for user in _readers(gov):
        assert gov.client(user).get(f"{base}{shown.pk}/").status_code == 200, user
    for user in (gov.office, gov.assurer):  # the raiser of CR001 is the office itself
        assert gov.client(user).get(f"{base}{hidden.pk}/").status_code == 200, user
    for user in (gov.alpha, gov.bravo, gov.desk):
        assert gov.client(user).get(f"{base}{hidden.pk}/").status_code == 404, user
    assert gov.client(gov.outsider).get(f"{base}{shown.pk}/").status_code == 404
    bravo = gov.client(gov.bravo).get(f"/programmes/change-requests/{gov.cr1.reference}/").content.decode()
    assert "We support this." in bravo and "Office only" not in bravo


def test_api_reads_allowed_and_denied(gov) -> None:
    code, ref = gov.programme.code, gov.cr1.reference
    reads = [
        f"{API}/{code}/change-requests",
        f"{API}/{code}/change-requests?state=open&criticality=medium",
        f"{API}/{code}/change-requests/metrics",
        f"{API}/change-requests/{ref}",
        f"{API}/change-requests/{ref}/responses",
        f"{API}/change-requests/{ref}/updates",
    ]
    for user in _readers(gov):
        client = gov.client(user)
        for url in reads:
            assert client.get(url).status_code == 200, (user, url)
    listed = gov.client(gov.bravo).get(reads[0]).json()
    assert listed["count"] == 1 and listed["items"][0]["ref"] == "CR001"
    assert listed["items"][0]["raised_by"]["name"] == "Programme Office"
    for url in reads:
        assert gov.client(gov.outsider).get(url).status_code == 404, url

    def allowed(user):
        return gov.client(user).get(reads[3]).json()["allowed_actions"]

    _open_window(gov)
    assert allowed(gov.office) == [
        "edit",
        "milestone",
        "remove-milestone",
        "close-responses",
        "withdraw",
        "update",
        "note",
    ]
    assert allowed(gov.alpha) == allowed(gov.bravo) == ["respond", "update"]
    assert allowed(gov.assurer) == allowed(gov.desk) == []


def test_api_changes_allowed_and_denied(gov) -> None:
    code = gov.programme.code
    body = {"title": "API draft", "description": "From a script", "criticality": "low"}
    for user in (gov.assurer, gov.desk):
        assert _post_json(gov.client(user), f"{API}/{code}/change-requests", body).status_code == 403, user
    assert _post_json(gov.client(gov.outsider), f"{API}/{code}/change-requests", body).status_code == 404
    created = _post_json(gov.client(gov.alpha), f"{API}/{code}/change-requests", body)
    assert created.status_code == 201 and created.json()["status"] == "draft"
    assert created.json()["allowed_actions"] == ["edit", "milestone", "remove-milestone", "update"]
    ref = created.json()["reference"]
    url = f"{API}/change-requests/{ref}"
    patch = json.dumps({"title": "API draft, renamed", "needed_by": "2027-03-01"})
    for user in (gov.bravo, gov.assurer, gov.desk):
        response = gov.client(user).patch(url, patch, content_type="application/json")
        assert response.status_code == 403, user
    assert gov.client(gov.outsider).patch(url, patch, content_type="application/json").status_code == 404
    edited = gov.client(gov.alpha).patch(url, patch, content_type="application/json")
    assert edited.status_code == 200 and edited.json()["needed_by"] == "2027-03-01"
    unknown = gov.client(gov.alpha).patch(url, json.dumps({"number": 5}), content_type="application/json")
    assert unknown.status_code == 422

    for user in (gov.alpha, gov.bravo, gov.assurer, gov.desk):
        assert gov.client(user).post(f"{url}/issue").status_code == 403, user
    assert gov.client(gov.outsider).post(f"{url}/issue").status_code == 404
    issued = gov.client(gov.office).post(f"{url}/issue")
    assert issued.status_code == 200 and issued.json()["round"] == 1

    answer = {"impact": "none", "position": "neutral", "response": "No impact on us"}
    assert _post_json(gov.client(gov.bravo), f"{url}/responses", answer).status_code == 201
    for user in (gov.assurer, gov.desk):
        assert _post_json(gov.client(user), f"{url}/responses", answer).status_code == 403, user
    assert _post_json(gov.client(gov.outsider), f"{url}/responses", answer).status_code == 404

    update = {"body": "A question on the scope"}
    assert _post_json(gov.client(gov.bravo), f"{url}/updates", update).status_code == 201
    assert _post_json(gov.client(gov.desk), f"{url}/updates", update).status_code == 403
    assert (
        _post_json(gov.client(gov.alpha), f"{url}/updates", {**update, "internal": True}).status_code == 403
    )
    assert (
        _post_json(gov.client(gov.office), f"{url}/updates", {**update, "internal": True}).status_code == 201
    )
    notes = gov.client(gov.bravo).get(f"{url}/updates").json()["items"]
    assert [n["is_internal"] for n in notes] == [False]
    assert len(gov.client(gov.alpha).get(f"{url}/updates").json()["items"]) == 2  # Alpha raised it

    for verb, data in (
        ("close-responses", {}),
        ("hold", {}),
        ("resume", {}),
        ("withdraw", {"reason": "Dropped"}),
    ):
        assert _post_json(gov.client(gov.alpha), f"{url}/{verb}", data).status_code == 403, verb
        assert _post_json(gov.client(gov.office), f"{url}/{verb}", data).status_code == 200, verb
    assert gov.client(gov.office).get(url).json()["status"] == "withdrawn"


def test_the_page_does_not_grow_with_responses_and_history(gov, django_assert_max_num_queries) -> None:
    _open_window(gov)
    url = f"/programmes/change-requests/{gov.cr1.reference}/"
    client = gov.client(gov.office)
    client.get(url)
    with django_assert_max_num_queries(25):
        assert client.get(url).status_code == 200
    bravo = actor_for(gov.bravo)
    for n in range(3):
        actions.respond(
            actor=bravo,
            cr=gov.cr1,
            organisation=gov.world.org_b,
            impact="low",
            position="support",
            response=f"v{n}",
        )
        actions.add_update(actor=actor_for(gov.office), cr=gov.cr1, body=f"Update {n}")
    with django_assert_max_num_queries(25):
        page = client.get(url)
    assert page.status_code == 200 and "Update 2" in page.content.decode()

"""The action log's pages, allowed and denied: everyone in the programme reads the log and each action
(filters by status, owner, group, overdue; ageing; CSV/XLSX export as filtered); the owner (Alpha owns
TMAG18-01) updates and recommends closed but does not ratify; Bravo, the assurer and the desk change
nothing (403); the office ratifies and edits; outsiders get 404s; the list keeps its query count."""

from __future__ import annotations

import datetime as dt

from busbar.programmes.actions import meetings as actions
from busbar.programmes.models import Action, ActionStatus
from busbar.programmes.tests.conftest import actor_for

LOG = "/programmes/mhhs/actions/"
A1 = f"{LOG}TMAG18-01/"


def test_log_and_detail_read_by_the_programme(gov) -> None:
    for user in (gov.office, gov.alpha, gov.bravo, gov.assurer, gov.desk, gov.si):
        client = gov.client(user)
        log = client.get(LOG)
        assert log.status_code == 200, user
        text = log.content.decode()
        assert "TMAG18-01" in text and "TMAG19-01" in text and "Ageing of open actions" in text
        detail = client.get(A1)
        assert detail.status_code == 200 and b"Share Alpha&#x27;s migration plan" in detail.content
        assert client.get(f"{LOG}tmag18-01/").status_code == 200
    outsider = gov.client(gov.outsider)
    for url in (LOG, A1, f"{LOG}export/?format=csv"):
        assert outsider.get(url).status_code == 404, url
    assert gov.client(gov.office).get(f"{LOG}TMAG99-01/").status_code == 404


def test_filters_and_export(gov) -> None:
    actions.ratify_closure(actor=actor_for(gov.office), action=gov.a19_01, meeting=gov.tmag20)
    client = gov.client(gov.alpha)

    def refs(query: str) -> list[str]:
        page = client.get(f"{LOG}?{query}")
        assert page.status_code == 200
        return [a.reference for a in page.context["page"].object_list]

    assert sorted(refs("")) == ["TMAG18-01", "TMAG18-02"]  # open by default
    assert sorted(refs("status=all")) == ["TMAG18-01", "TMAG18-02", "TMAG19-01"]
    assert refs("status=closed") == ["TMAG19-01"]
    assert refs("owner=mine") == ["TMAG18-01"]
    assert refs(f"owner={gov.prog.pm_org.pk}") == ["TMAG18-02"]
    assert refs("overdue=on") == ["TMAG18-01"]  # due 30 Nov 2026
    assert refs("q=SIT+plan") == ["TMAG18-02"]
    assert sorted(refs("group=TMAG&status=all")) == ["TMAG18-01", "TMAG18-02", "TMAG19-01"]
    assert refs("status=bogus") == sorted(refs("status=bogus"))  # ignored, not a 500
    csv = client.get(f"{LOG}export/?format=csv&status=all")
    assert csv.status_code == 200
    body = b"".join(csv.streaming_content).decode("utf-8-sig")
    header = body.splitlines()[0]
    assert header.startswith("Ref,Date,Action,Owner,Due,Status,Latest Update")
    assert "TMAG19-01" in body and "TMAG #20" in body and "R1" in body  # closed at TMAG #20, RAID link
    xlsx = gov.client(gov.desk).get(f"{LOG}export/?format=xlsx")
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith("application/vnd.openxml")
    assert client.get(f"{LOG}export/?format=pdf").status_code == 400


def test_private_raid_links_are_not_shown_to_those_who_cannot_see_them(gov) -> None:
    actions.edit_action(actor=actor_for(gov.office), action=gov.a18_01, raid_items=[gov.r1, gov.r2, gov.r3])
    alpha = gov.client(gov.alpha).get(A1).content.decode()
    assert "Alpha&#x27;s agent build may slip" in alpha and "Bravo test data incomplete" not in alpha
    bravo = gov.client(gov.bravo).get(A1).content.decode()
    assert "Bravo test data incomplete" in bravo and "Alpha&#x27;s agent build may slip" not in bravo
    office = gov.client(gov.office).get(A1).content.decode()
    assert "Bravo test data incomplete" in office and "Alpha&#x27;s agent build may slip" in office


def test_owner_updates_and_recommends_but_does_not_ratify(gov) -> None:
    alpha, office = gov.client(gov.alpha), gov.client(gov.office)
    page = alpha.get(A1).content
    assert b"Add an update" in page and b"Recommend closed" in page
    assert b"Ratify the closure" not in page and b"Edit the action" not in page
    for user in (gov.bravo, gov.assurer, gov.desk):
        seen = gov.client(user).get(A1).content
        assert b"Add an update" not in seen and b"Recommend closed</h3>" not in seen
    update = {"update-text": "R4 is the dependency", "update-status": "ongoing"}
    for user in (gov.bravo, gov.assurer, gov.desk):
        assert gov.client(user).post(f"{A1}update/", update).status_code == 403
    assert gov.client(gov.outsider).post(f"{A1}update/", update).status_code == 404
    assert alpha.post(f"{A1}update/", update).status_code == 302
    a = Action.objects.get(pk=gov.a18_01.pk)
    assert a.status == ActionStatus.ONGOING and a.latest_update == "R4 is the dependency"
    assert list(a.raid_items.values_list("number", flat=True)) == [4]
    closing = alpha.post(f"{A1}update/", {"update-text": "done", "update-status": "closed"})
    assert closing.status_code == 422  # "closed" is not offered: only ratification closes
    for user in (gov.bravo, gov.assurer, gov.desk):
        assert gov.client(user).post(f"{A1}recommend/", {"recommend-text": "x"}).status_code == 403
    assert gov.client(gov.outsider).post(f"{A1}recommend/", {"recommend-text": "x"}).status_code == 404
    assert alpha.post(f"{A1}recommend/", {"recommend-text": ""}).status_code == 422
    assert alpha.post(f"{A1}recommend/", {"recommend-text": "Plan shared"}).status_code == 302
    ratify = {"ratify-meeting": gov.tmag20.pk}
    for user in (gov.alpha, gov.bravo, gov.assurer, gov.desk):
        assert gov.client(user).post(f"{A1}ratify/", ratify).status_code == 403, user
    assert b"Ratify the closure" in office.get(A1).content
    assert office.post(f"{A1}ratify/", ratify).status_code == 302
    a.refresh_from_db()
    assert a.status == ActionStatus.CLOSED and a.closed_at_meeting == gov.tmag20
    history = office.get(A1).content.decode()
    assert "Closure ratified at TMAG #20" in history and "Plan shared" in history


def test_only_the_office_edits(gov) -> None:
    edit = {
        "edit-description": "Share Alpha's migration plan (revised)",
        "edit-owner_organisation": gov.world.org_a.pk,
        "edit-owner_people": [gov.alpha.pk],
        "edit-due_date": "2027-01-29",
        "edit-raid": "R2",
    }
    for user in (gov.alpha, gov.bravo, gov.assurer, gov.desk):
        assert gov.client(user).post(f"{A1}edit/", edit).status_code == 403
    assert gov.client(gov.outsider).post(f"{A1}edit/", edit).status_code == 404
    answer = gov.client(gov.office).post(f"{A1}edit/", edit)
    assert answer.status_code == 302, answer.content.decode()[:2000]
    a = Action.objects.get(pk=gov.a18_01.pk)
    assert a.due_date == dt.date(2027, 1, 29) and list(a.owner_people.all()) == [gov.alpha]
    assert gov.client(gov.office).get(f"{A1}edit/").status_code == 302


def test_the_log_keeps_its_query_count(gov, django_assert_max_num_queries) -> None:
    client = gov.client(gov.alpha)
    client.get(LOG)
    with django_assert_max_num_queries(25):
        client.get(f"{LOG}?status=all")
    office = actor_for(gov.office)
    for n in range(6):
        item = actions.raise_action(
            actor=office,
            meeting=gov.tmag20,
            description=f"Action {n}",
            owner_organisation=gov.world.org_b,
            owner_people=[gov.office, gov.bravo],
            raid_items=[gov.r1, gov.r4],
        )
        actions.update_action(actor=office, action=item, text=f"Update {n} on R1")
    with django_assert_max_num_queries(25):
        page = client.get(f"{LOG}?status=all")
    assert page.status_code == 200 and len(page.context["page"].object_list) == 9

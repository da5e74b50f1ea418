"""Every groups-and-meetings page, allowed and denied: everyone who takes part in the programme reads them
(office, Alpha, Bravo, the assurer, the desk); only the office changes them (403 for the others); someone
outside the programme gets 404s. The meeting page shows the agenda with time slots, the minutes approved at
it, the open actions reviewed by exception with one-click ratification, decisions and working-group
reports; the list pages keep a constant number of queries."""

from __future__ import annotations

import datetime as dt

from busbar.programmes.actions import meetings as actions
from busbar.programmes.models import (
    Action,
    ActionStatus,
    AgendaItem,
    Group,
    GroupKind,
    GroupMember,
    Meeting,
    MeetingStatus,
    WorkingGroupReport,
)
from busbar.programmes.tests.conftest import actor_for

BASE = "/programmes/mhhs/groups/"
M20 = f"{BASE}TMAG/20/"


def _readers(gov):
    return [gov.office, gov.alpha, gov.bravo, gov.assurer, gov.desk, gov.si]


def _others(gov):
    return [gov.alpha, gov.bravo, gov.assurer, gov.desk]


def test_pages_read_by_the_programme_and_404_outside(gov) -> None:
    wg = Group.objects.create(
        programme=gov.programme,
        code="SITWG",
        name="SIT Working Group",
        kind=GroupKind.WORKING,
        parent=gov.tmag,
    )
    WorkingGroupReport.objects.create(
        meeting=gov.tmag20, group=wg, upcoming_deliverables="CIT Test Approach (July)"
    )
    for user in _readers(gov):
        client = gov.client(user)
        groups = client.get(BASE)
        assert groups.status_code == 200, user
        assert b"Testing and Migration Advisory Group" in groups.content and b"SITWG" in groups.content
        group = client.get(f"{BASE}TMAG/")
        assert group.status_code == 200 and b"Alpha Energy" in group.content and b"TMAG #19" in group.content
        page = client.get(M20)
        assert page.status_code == 200
        text = page.content.decode()
        assert "10:00-10:05" in text and "10:05-10:15" in text  # time slots from the start time (GV-46)
        assert "TMAG18-01" in text and "TMAG19-01" in text  # open actions to review
        assert "CIT Test Approach (July)" in text  # the working-group matrix (GV-49)
        assert client.get(f"{BASE}tmag/19/").status_code == 200  # codes in any case
    outsider = gov.client(gov.outsider)
    for url in (BASE, f"{BASE}TMAG/", M20, f"{BASE}TMAG/19/"):
        assert outsider.get(url).status_code == 404, url
    office = gov.client(gov.office)
    assert office.get(f"{BASE}NOPE/").status_code == 404
    assert office.get(f"{BASE}TMAG/99/").status_code == 404


def test_forms_offered_only_to_the_office(gov) -> None:
    page = gov.client(gov.office).get(M20).content
    for marker in (
        b"Add an agenda item",
        b"Raise an action",
        b"Record a decision",
        b"Ratify closed",
        b"Mark as held",
        b"Write the minutes",
        b"Approve minutes",
    ):
        assert marker in page, marker
    for user in _others(gov):
        page = gov.client(user).get(M20).content
        for marker in (
            b"Add an agenda item",
            b"Raise an action",
            b"Record a decision",
            b"Ratify closed",
            b"Mark as held",
            b"Write the minutes",
        ):
            assert marker not in page, (user, marker)
        assert b"Add a group" not in gov.client(user).get(BASE).content
        assert b"Schedule a meeting" not in gov.client(user).get(f"{BASE}TMAG/").content
    assert b"Add a group" in gov.client(gov.office).get(BASE).content
    assert b"Schedule a meeting" in gov.client(gov.office).get(f"{BASE}TMAG/").content


def test_group_posts_allowed_and_denied(gov) -> None:
    create = {"group-code": "DAG", "group-name": "Design Advisory Group", "group-kind": "advisory"}
    schedule = {"meeting-date": "2027-01-13", "meeting-version": "1.0", "meeting-extraordinary": "on"}
    member = {"member-organisation": gov.world.operator.pk, "member-role": "Observer"}
    edit = {
        "edit-name": "TMAG renamed",
        "edit-kind": "advisory",
        "edit-is_active": "on",
        "edit-standing_items": "Welcome",
    }
    posts = [
        (BASE, create),
        (f"{BASE}TMAG/schedule/", schedule),
        (f"{BASE}TMAG/members/", member),
        (f"{BASE}TMAG/edit/", edit),
    ]
    for user in _others(gov):
        for url, body in posts:
            assert gov.client(user).post(url, body).status_code == 403, (user, url)
    for url, body in posts:
        assert gov.client(gov.outsider).post(url, body).status_code == 404, url
    office = gov.client(gov.office)
    done = office.post(BASE, create)
    assert done.status_code == 302 and done["Location"] == f"{BASE}DAG/"
    scheduled = office.post(f"{BASE}TMAG/schedule/", schedule)
    assert scheduled.status_code == 302 and scheduled["Location"] == f"{BASE}TMAG/21/"
    assert Meeting.objects.get(group=gov.tmag, number=21).extraordinary
    assert office.post(f"{BASE}TMAG/members/", member).status_code == 302
    assert GroupMember.objects.filter(group=gov.tmag, organisation=gov.world.operator).exists()
    assert office.post(f"{BASE}TMAG/edit/", edit).status_code == 302
    assert Group.objects.get(pk=gov.tmag.pk).name == "TMAG renamed"
    bad = office.post(BASE, {**create, "group-code": "D4G1"})
    assert bad.status_code == 422 and b"ending with a letter" in bad.content
    dup = office.post(BASE, create)
    assert dup.status_code == 409
    the_member = GroupMember.objects.get(group=gov.tmag, organisation=gov.world.operator)
    remove = f"{BASE}TMAG/members/{the_member.pk}/remove/"
    assert gov.client(gov.alpha).post(remove).status_code == 403
    assert (
        office.post(remove).status_code == 302 and not GroupMember.objects.filter(pk=the_member.pk).exists()
    )
    assert office.get(remove).status_code == 302  # a form address answers GET with its page


def test_meeting_posts_allowed_and_denied(gov) -> None:
    item_edit = f"{M20}agenda/3/"
    posts = [
        (f"{M20}edit/", {"cover-date": "2026-12-09", "cover-version": "1.1", "cover-location": "Online"}),
        (
            f"{M20}agenda/",
            {
                "agenda-item": "CIT Test Scenarios",
                "agenda-type": "information",
                "agenda-duration_minutes": "5",
                "agenda-lead": "Lee Cox",
            },
        ),
        (
            item_edit,
            {
                "a3-item": "Qualification Approach and Plan v0.2",
                "a3-type": "decision",
                "a3-duration_minutes": "0",
            },
        ),
        (
            f"{M20}minutes/",
            {"minutes-minutes": "## Attendance\nAll members.", "minutes-note_2": "Minutes of #19 approved."},
        ),
        (f"{M20}approve-minutes/", {"approve-meetings": [gov.tmag19.pk]}),
        (
            f"{M20}actions/",
            {
                "raise-description": "Publish the SIT plan",
                "raise-owner_organisation": gov.world.org_b.pk,
                "raise-raid": "R1, R4",
            },
        ),
        (
            f"{M20}decisions/",
            {
                "decision-decision_title": "Qualification Approach and Plan",
                "decision-outcome": "approved",
                "decision-decided_on": "2026-12-09",
                "decision-document_title": "Qualification Approach and Plan",
                "decision-document_version": "0.2",
            },
        ),
        (f"{M20}ratify/", {"action": "TMAG19-01"}),
        (f"{M20}agenda/1/remove/", {}),
        (f"{M20}hold/", {}),
    ]
    for user in _others(gov):
        for url, body in posts:
            assert gov.client(user).post(url, body).status_code == 403, (user, url)
    for url, body in posts:
        assert gov.client(gov.outsider).post(url, body).status_code == 404, url
    office = gov.client(gov.office)
    for url, body in posts:
        answer = office.post(url, body)
        assert answer.status_code == 302, (url, answer.content.decode()[:3000])
    m20 = Meeting.objects.get(pk=gov.tmag20.pk)
    assert m20.status == MeetingStatus.HELD and m20.version == "1.1" and m20.location == "Online"
    assert "Attendance" in m20.minutes
    assert Meeting.objects.get(pk=gov.tmag19.pk).minutes_approved_at == m20
    raised = Action.objects.get(reference="TMAG20-01")
    assert raised.owner_organisation == gov.world.org_b and set(
        raised.raid_items.values_list("number", flat=True)
    ) == {1, 4}
    assert Action.objects.get(reference="TMAG19-01").closed_at_meeting == m20
    assert m20.decisions.get().document_version == "0.2"
    titles = list(AgendaItem.objects.filter(meeting=m20).order_by("position").values_list("title", flat=True))
    assert titles == ["Minutes and actions", "Qualification Approach and Plan v0.2", "CIT Test Scenarios"]
    page = office.get(M20).content.decode()
    assert "Approval of Minutes from 4 November extraordinary TMAG" in page  # GV-47
    assert "0 mins – taken as read" in page and "<h3>Attendance</h3>" in page
    assert "Minutes of #19 approved." in page
    # Refusals show the page again with the reason and status.
    again = office.post(f"{M20}hold/")
    assert again.status_code == 409 and b"cannot go from" in again.content
    open_one = office.post(f"{M20}ratify/", {"action": "TMAG18-01"})
    assert open_one.status_code == 409
    no_owner = office.post(f"{M20}actions/", {"raise-description": "Nobody's"})
    assert no_owner.status_code == 422 and b"Name the owner" in no_owner.content
    bad_raid = office.post(
        f"{M20}actions/", {"raise-description": "x", "raise-owner_label": "L", "raise-raid": "R99"}
    )
    assert bad_raid.status_code == 422 and b"No RAID item R99" in bad_raid.content


def test_working_group_report_and_ratify_all(gov) -> None:
    wg = actions.create_group(
        actor=actor_for(gov.office),
        programme=gov.programme,
        code="MWG",
        name="Migration Working Group",
        kind=GroupKind.WORKING,
        parent=gov.tmag,
    )
    nxt = actions.schedule_meeting(actor=actor_for(gov.office), group=wg, date=dt.date(2026, 12, 17))
    actions.add_agenda_item(actor=actor_for(gov.office), meeting=nxt, title="Data Cleanse Plan")
    url = f"{M20}reports/MWG/"
    body = {"wg-mwg-upcoming_deliverables": "Data Cleanse Plan (Jul 2023)", "wg-mwg-escalations": "None"}
    for user in _others(gov):
        assert gov.client(user).post(url, body).status_code == 403, user
    assert gov.client(gov.outsider).post(url, body).status_code == 404
    assert gov.client(gov.office).post(url, body).status_code == 302
    assert (
        WorkingGroupReport.objects.get(meeting=gov.tmag20, group=wg).upcoming_deliverables
        == "Data Cleanse Plan (Jul 2023)"
    )
    page = gov.client(gov.bravo).get(M20).content.decode()
    assert (
        "Data Cleanse Plan (Jul 2023)" in page and "17 December 2026" in page
    )  # the WG's next meeting and agenda
    assert gov.client(gov.office).post(f"{M20}reports/NOPE/", body).status_code == 404
    actions.recommend_close(actor=actor_for(gov.alpha), action=gov.a18_01, text="Shared")
    for user in _others(gov):
        assert gov.client(user).post(f"{M20}ratify/", {"action": "all"}).status_code == 403, user
    done = gov.client(gov.office).post(f"{M20}ratify/", {"action": "all"})
    assert done.status_code == 302
    assert set(Action.objects.filter(status=ActionStatus.CLOSED).values_list("reference", flat=True)) == {
        "TMAG18-01",
        "TMAG19-01",
    }


def test_pack_link_only_when_the_pack_exists(gov) -> None:
    from django.urls import NoReverseMatch, reverse

    page = gov.client(gov.alpha).get(M20)
    try:
        url = reverse("programmes_meeting_pack", kwargs={"programme": "mhhs", "group": "TMAG", "number": 20})
    except NoReverseMatch:
        assert page.context["pack_url"] is None
    else:
        assert page.context["pack_url"] == url and url.encode() in page.content


def test_list_pages_keep_their_query_count(gov, django_assert_max_num_queries) -> None:
    client = gov.client(gov.alpha)
    for url in (BASE, f"{BASE}TMAG/", M20):
        client.get(url)
    with django_assert_max_num_queries(30):
        client.get(BASE)
    with django_assert_max_num_queries(30):
        client.get(f"{BASE}TMAG/")
    with django_assert_max_num_queries(40):
        client.get(M20)
    office = actor_for(gov.office)
    for code in ("DAG", "PSG", "CCAG"):
        group = actions.create_group(actor=office, programme=gov.programme, code=code, name=code)
        actions.schedule_meeting(actor=office, group=group, date=dt.date(2027, 1, 13))
    for n in range(4):
        actions.schedule_meeting(actor=office, group=gov.tmag, date=dt.date(2027, 2, n + 1))
        actions.raise_action(
            actor=office,
            meeting=gov.tmag18,
            description=f"More {n}",
            owner_organisation=gov.world.org_a,
            owner_people=[gov.office],
        )
    with django_assert_max_num_queries(30):
        assert client.get(BASE).status_code == 200
    with django_assert_max_num_queries(30):
        assert client.get(f"{BASE}TMAG/").status_code == 200
    with django_assert_max_num_queries(40):
        assert client.get(M20).status_code == 200


def test_cancel_allowed_and_denied(gov) -> None:
    m21 = actions.schedule_meeting(actor=actor_for(gov.office), group=gov.tmag, date=dt.date(2027, 1, 13))
    url = f"{BASE}TMAG/21/cancel/"
    for user in _others(gov):
        assert gov.client(user).post(url, {"reason": "x"}).status_code == 403, user
    assert gov.client(gov.outsider).post(url).status_code == 404
    assert gov.client(gov.office).post(url, {"reason": "Stood down"}).status_code == 302
    assert Meeting.objects.get(pk=m21.pk).status == MeetingStatus.CANCELLED
    again = gov.client(gov.office).post(url)
    assert again.status_code == 409
    refused = gov.client(gov.office).post(f"{M20}cancel/")
    assert refused.status_code == 302  # #20 has no actions yet: it may be cancelled
    raised = gov.client(gov.office).post(f"{BASE}TMAG/18/cancel/")
    assert raised.status_code == 409  # minutes approved

"""The CCG's pages per persona: the desk (analyst) and the operations manager (the chair) read and act;
a provider's representative (a CCG member) reads everything but is offered no form and gets 403 when it
posts; a participant (Alpha) who is not on the CCG gets 404s; anonymous visitors are sent to sign in.
The consultations page shows each organisation its own consultations only. Lists keep a constant number
of queries."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from busbar.changes import actions
from busbar.changes.models import CcgMeeting, CcgMember, CcgRole, ChangeStatus, Consultation
from busbar.changes.tests.conftest import NOW, _raise
from busbar.lib.actions import Actor

HOME = "/changes/ccg/"
MEMBERS = "/changes/ccg/members/"
NEW = "/changes/ccg/meetings/new/"
MINE = "/changes/consultations/"
LONDON = zoneinfo.ZoneInfo("Europe/London")


def _meeting(chg, *, held_at=None) -> CcgMeeting:
    return actions.schedule_meeting(
        actor=Actor(user=chg.ops), held_at=held_at or timezone.now() + dt.timedelta(days=2), location="Room 1"
    )


def test_home_and_members_read_by_the_desk_and_members_404_for_others(chg) -> None:
    for user in (chg.desk, chg.ops, chg.provider, chg.gas):
        client = chg.client(user)
        home = client.get(HOME)
        assert home.status_code == 200, user
        text = home.content.decode()
        assert chg.submitted.reference in text  # awaiting review
        assert chg.done.reference in text  # major change awaiting its post-implementation review
        assert "Gas CDS" in text and "Empowered representative" in text  # members
        assert chg.draft.reference not in text
        members = client.get(MEMBERS)
        assert members.status_code == 200 and b"Chair (change co-ordinator)" in members.content
    for user in (chg.alpha, chg.bravo):
        client = chg.client(user)
        for url in (HOME, MEMBERS, NEW):
            assert client.get(url).status_code == 404, (user, url)
    anonymous = chg.client(None)
    for url in (HOME, MEMBERS, NEW, MINE):
        response = anonymous.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url


def test_forms_offered_to_the_desk_only(chg) -> None:
    for user in (chg.desk, chg.ops):
        client = chg.client(user)
        assert b"Schedule a meeting" in client.get(HOME).content
        page = client.get(MEMBERS).content
        assert b"Add member" in page and b"Remove " in page
        assert client.get(NEW).status_code == 200
    member = chg.client(chg.provider)
    assert b"Schedule a meeting" not in member.get(HOME).content
    page = member.get(MEMBERS).content
    assert b"Add member" not in page and b'name="op" value="remove"' not in page
    assert member.get(NEW).status_code == 403


def test_meeting_page_read_by_members_without_forms(chg) -> None:
    meeting = _meeting(chg)
    url = f"/changes/ccg/meetings/{meeting.number}/"
    desk = chg.client(chg.desk).get(url)
    assert desk.status_code == 200
    text = desk.content.decode()
    assert chg.submitted.reference in text and "Registration API certificate rotation" in text
    assert "Record decision" in text and "Refresh the agenda" in text and "Cancel the meeting" in text
    member = chg.client(chg.provider).get(url)
    assert member.status_code == 200
    text = member.content.decode()
    assert chg.submitted.reference in text
    for marker in ("Record decision", "Refresh the agenda", "Cancel the meeting", "Save the minutes"):
        assert marker not in text, marker
    assert chg.client(chg.alpha).get(url).status_code == 404
    assert chg.client(chg.desk).get("/changes/ccg/meetings/999/").status_code == 404
    assert chg.client(chg.desk).get(f"/changes/ccg/meetings/{'9' * 25}/").status_code == 404


def test_posts_refused_to_members_and_hidden_from_others(chg) -> None:
    meeting = _meeting(chg)
    base = f"/changes/ccg/meetings/{meeting.number}/"
    ref = chg.submitted.reference
    decide = {
        "change": ref,
        "kind": "decision",
        f"{ref.lower()}-decide-outcome": "accept",
        f"{ref.lower()}-decide-reason": "Fine",
    }
    posts = [
        (f"{base}refresh-agenda/", {}),
        (f"{base}cancel/", {}),
        (f"{base}minutes/", {"minutes-minutes": "Met."}),
        (f"{base}decide/", decide),
        (NEW, {"held_at": "2027-07-01T10:00", "location": "Room 2"}),
        (MEMBERS, {"op": "add", "add-membership": "1", "add-role": "deputy"}),
    ]
    for url, body in posts:
        assert chg.client(chg.provider).post(url, body).status_code == 403, url
        assert chg.client(chg.alpha).post(url, body).status_code == 404, url
    meeting.refresh_from_db()
    assert meeting.status == "planned" and not meeting.decisions.exists()
    assert CcgMeeting.objects.count() == 1
    chg.submitted.refresh_from_db()
    assert chg.submitted.status == "submitted"
    # The act address is for POST: a GET goes to the meeting's page.
    response = chg.client(chg.provider).get(f"{base}cancel/")
    assert response.status_code == 302 and response["Location"] == base
    assert chg.client(chg.desk).post(f"{base}nope/", {}).status_code == 404


def test_desk_schedules_a_meeting_with_its_agenda(chg) -> None:
    day = (timezone.now() + dt.timedelta(days=7)).astimezone(LONDON).date()
    response = chg.client(chg.desk).post(NEW, {"held_at": f"{day.isoformat()}T10:30", "location": "Teams"})
    meeting = CcgMeeting.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/changes/ccg/meetings/{meeting.number}/"
    assert meeting.held_at == dt.datetime.combine(day, dt.time(10, 30), tzinfo=LONDON)  # typed in UK time
    assert set(meeting.agenda.values_list("change__reference", flat=True)) >= {
        chg.submitted.reference,
        chg.done.reference,
    }
    bad = chg.client(chg.desk).post(NEW, {"held_at": "", "location": "Teams"})
    assert bad.status_code == 422 and b"This field is required" in bad.content
    assert CcgMeeting.objects.count() == 1


def test_desk_adds_and_removes_members(chg) -> None:
    from busbar.parties.models import Membership

    deputy = Membership.objects.get(user=chg.desk, organisation=chg.world.operator)
    client = chg.client(chg.desk)
    response = client.post(MEMBERS, {"op": "add", "add-membership": deputy.pk, "add-role": CcgRole.DEPUTY})
    assert response.status_code == 302
    member = CcgMember.objects.get(user=chg.desk, is_active=True)
    assert member.role == CcgRole.DEPUTY
    # A second representative for Gas CDS is refused on the form, nothing written.
    gas_again = Membership.objects.get(user=chg.gas)
    clash = client.post(MEMBERS, {"op": "add", "add-membership": gas_again.pk, "add-role": "representative"})
    assert clash.status_code in (409, 422)
    removed = client.post(MEMBERS, {"op": "remove", "remove-member": member.pk})
    assert removed.status_code == 302
    member.refresh_from_db()
    assert not member.is_active
    hostile = client.post(MEMBERS, {"op": "remove", "remove-member": "99999999999999999999999"})
    assert hostile.status_code == 422


def test_my_consultations_shows_my_organisation_only(chg) -> None:
    asked = Consultation.objects.create(
        change=chg.submitted, organisation=chg.world.org_a, deadline=dt.date(2027, 7, 1)
    )
    alpha = chg.client(chg.alpha)
    page = alpha.get(MINE)
    assert page.status_code == 200
    assert chg.submitted.reference in page.content.decode() and b"Send the assessment" in page.content
    bravo = chg.client(chg.bravo)
    assert chg.submitted.reference not in bravo.get(MINE).content.decode()
    body = {
        "consultation": asked.pk,
        f"c{asked.pk}-impact": "low",
        f"c{asked.pk}-response": "Our switching runs pause for an hour.",
    }
    assert bravo.post(MINE, body).status_code == 404
    empty = alpha.post(MINE, {"consultation": asked.pk, f"c{asked.pk}-impact": "low"})
    assert empty.status_code == 422
    asked.refresh_from_db()
    assert asked.responded_at is None
    done = alpha.post(MINE, body)
    assert done.status_code == 302
    asked.refresh_from_db()
    assert asked.impact == "low" and asked.responded_by == chg.alpha


def test_lists_keep_a_constant_number_of_queries(chg, django_assert_max_num_queries) -> None:
    meeting = _meeting(chg)
    client = chg.client(chg.desk)
    client.get(HOME)  # warm the session and caches
    with django_assert_max_num_queries(15):
        assert client.get(HOME).status_code == 200
    url = f"/changes/ccg/meetings/{meeting.number}/"
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for n in range(3):  # three more changes awaiting review, each consulted, on the agenda
        more = _raise(
            chg.provider,
            chg.world.provider,
            f"Extra change {n}",
            [chg.css_reg],
            NOW + dt.timedelta(days=30 + n),
            NOW + dt.timedelta(days=30 + n, hours=1),
            status=ChangeStatus.SUBMITTED,
        )
        Consultation.objects.create(change=more, organisation=chg.gas_org, deadline=dt.date(2027, 7, 1))
    actions.refresh_agenda(actor=Actor(user=chg.ops), meeting=meeting)
    assert meeting.agenda.count() == 5
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few) <= 25
    for n in range(3):
        Consultation.objects.create(
            change=[chg.submitted, chg.accepted, chg.live][n],
            organisation=chg.world.org_a,
            deadline=dt.date(2027, 7, 1),
        )
    alpha = chg.client(chg.alpha)
    alpha.get(MINE)
    with django_assert_max_num_queries(10):
        assert alpha.get(MINE).status_code == 200

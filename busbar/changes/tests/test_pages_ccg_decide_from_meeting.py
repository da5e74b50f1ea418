"""The desk records the CCG's decisions from a meeting's agenda: accept, accept with conditions,
reschedule (new start and end typed in UK time), reject, more information, a late notification accepted
only as an exception, the retrospective review of an emergency change; the decisions then show on the
agenda. Refusals name the field and write nothing. Minutes with attendees once the meeting is held; the
agenda refreshed; the meeting cancelled (no forms after)."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.utils import timezone

from busbar.changes import actions
from busbar.changes.models import CcgDecision, ChangeNotification, ChangeStatus, ChangeType
from busbar.changes.tests.conftest import NOW, _raise
from busbar.lib.actions import Actor

UTC = dt.UTC
LONDON = zoneinfo.ZoneInfo("Europe/London")


def _meeting(chg, *, held_at=None):
    return actions.schedule_meeting(
        actor=Actor(user=chg.ops), held_at=held_at or timezone.now() + dt.timedelta(days=1), location="Room 1"
    )


def _decide(chg, meeting, change, user=None, **fields):
    ref = change.reference.lower()
    body = {"change": change.reference, "kind": fields.pop("kind", "decision")}
    prefix = f"{ref}-retro" if body["kind"] == "retrospective" else f"{ref}-decide"
    body.update({f"{prefix}-{k}": v for k, v in fields.items()})
    return chg.client(user or chg.desk).post(f"/changes/ccg/meetings/{meeting.number}/decide/", body)


def test_accept_from_the_agenda_shows_the_decision(chg) -> None:
    meeting = _meeting(chg)
    response = _decide(chg, meeting, chg.submitted, outcome="accept", reason="No clash with UK Link")
    assert response.status_code == 302
    assert response["Location"] == f"/changes/ccg/meetings/{meeting.number}/#item-{chg.submitted.reference}"
    chg.submitted.refresh_from_db()
    assert chg.submitted.status == ChangeStatus.ACCEPTED
    decision = CcgDecision.objects.get(change=chg.submitted)
    assert decision.meeting == meeting and decision.decided_by == chg.desk and decision.outcome == "accept"
    page = chg.client(chg.provider).get(f"/changes/ccg/meetings/{meeting.number}/").content.decode()
    assert "No clash with UK Link" in page and f"at CCG #{meeting.number}" in page


def test_accept_with_conditions_needs_them(chg) -> None:
    meeting = _meeting(chg)
    refused = _decide(chg, meeting, chg.submitted, outcome="accept_conditions", reason="With care")
    assert refused.status_code == 422
    assert b"Say what the conditions are" in refused.content
    assert not CcgDecision.objects.exists()
    done = _decide(
        chg,
        meeting,
        chg.submitted,
        outcome="accept_conditions",
        reason="With care",
        conditions="Tell the desk when it starts",
    )
    assert done.status_code == 302
    assert CcgDecision.objects.get().conditions == "Tell the desk when it starts"


def test_reschedule_moves_the_window_in_uk_time(chg) -> None:
    meeting = _meeting(chg)
    # Ahead of the clock, and far enough after the fixture's submission (27 May 2027) to be on time.
    day = max(
        (timezone.now() + dt.timedelta(days=40)).astimezone(LONDON).date(), dt.date(2027, 7, 11)
    ).isoformat()
    missing = _decide(chg, meeting, chg.submitted, outcome="reschedule", reason="Clashes")
    assert missing.status_code == 422
    text = missing.content.decode()
    ref = chg.submitted.reference.lower()
    assert f'id="id_{ref}-decide-new_start_error"' in text and "Give the planned start" in text
    backwards = _decide(
        chg,
        meeting,
        chg.submitted,
        outcome="reschedule",
        reason="Clashes",
        new_start=f"{day}T03:00",
        new_end=f"{day}T02:00",
    )
    assert backwards.status_code == 422 and b"The end must be after the start" in backwards.content
    done = _decide(
        chg,
        meeting,
        chg.submitted,
        outcome="reschedule",
        reason="Clashes with the UK Link release",
        new_start=f"{day}T03:00",
        new_end=f"{day}T04:30",
    )
    assert done.status_code == 302
    chg.submitted.refresh_from_db()
    assert chg.submitted.status == ChangeStatus.ACCEPTED
    assert chg.submitted.planned_start == dt.datetime.combine(
        dt.date.fromisoformat(day), dt.time(3), tzinfo=LONDON
    ).astimezone(UTC)  # typed in UK time
    decision = CcgDecision.objects.get()
    assert decision.previous_start == dt.datetime(2027, 7, 4, 1, 0, tzinfo=UTC)
    # Accepted already: only a reschedule is offered now.
    page = chg.client(chg.desk).get(f"/changes/ccg/meetings/{meeting.number}/").content.decode()
    form = page.split(f'aria-label="Decision on {chg.submitted.reference}"')[1].split("</form>")[0]
    assert 'value="reschedule"' in form and 'value="reject"' not in form
    again = _decide(chg, meeting, chg.submitted, outcome="reject", reason="No")
    assert again.status_code == 422
    chg.submitted.refresh_from_db()
    assert chg.submitted.status == ChangeStatus.ACCEPTED


def test_reject_and_more_information(chg) -> None:
    meeting = _meeting(chg)
    assert (
        _decide(chg, meeting, chg.submitted, outcome="more_info", reason="Back-out plan?").status_code == 302
    )
    chg.submitted.refresh_from_db()
    assert chg.submitted.status == ChangeStatus.MORE_INFO
    # Nothing more can be decided on it at this meeting until it is submitted again.
    page = chg.client(chg.desk).get(f"/changes/ccg/meetings/{meeting.number}/").content.decode()
    assert f'aria-label="Decision on {chg.submitted.reference}"' not in page
    late = _decide(chg, meeting, chg.submitted, outcome="reject", reason="Too late")
    assert late.status_code == 409
    assert CcgDecision.objects.count() == 1


def test_late_notification_accepted_only_as_an_exception(chg) -> None:
    ChangeNotification.objects.filter(pk=chg.submitted.pk).update(
        is_late=True, notice_required=8, notice_given=5
    )
    meeting = _meeting(chg)
    page = chg.client(chg.desk).get(f"/changes/ccg/meetings/{meeting.number}/").content.decode()
    assert "5 of 8 working days" in page and "Accept the late notification as an exception" in page
    refused = _decide(chg, meeting, chg.submitted, outcome="accept", reason="Needed")
    assert refused.status_code == 422
    text = refused.content.decode()
    assert (
        "only as an exception" in text
        and 'id="id_' + chg.submitted.reference.lower() + '-decide-late_exception_error"' in text
    )
    chg.submitted.refresh_from_db()
    assert chg.submitted.status == ChangeStatus.SUBMITTED
    done = _decide(
        chg, meeting, chg.submitted, outcome="accept", reason="Needed for security", late_exception="on"
    )
    assert done.status_code == 302
    chg.submitted.refresh_from_db()
    assert chg.submitted.status == ChangeStatus.ACCEPTED and chg.submitted.late_exception


def test_retrospective_review_of_an_emergency_change(chg) -> None:
    emergency = _raise(
        chg.provider,
        chg.world.provider,
        "Emergency certificate fix",
        [chg.css],
        NOW - dt.timedelta(days=2),
        NOW - dt.timedelta(days=2) + dt.timedelta(hours=1),
        kind=ChangeType.EMERGENCY,
        status=ChangeStatus.COMPLETED,
    )
    ChangeNotification.objects.filter(pk=emergency.pk).update(
        retrospective_review_due=True, emergency_reason="Certificate expired overnight"
    )
    meeting = _meeting(chg)
    home = chg.client(chg.provider).get("/changes/ccg/").content.decode()
    assert emergency.reference in home.split('id="retrospective"')[1].split('id="pir"')[0]
    page = chg.client(chg.desk).get(f"/changes/ccg/meetings/{meeting.number}/").content.decode()
    assert "Certificate expired overnight" in page and "Retrospective review of the emergency change" in page
    blank = _decide(chg, meeting, emergency, kind="retrospective", reason="")
    assert blank.status_code == 422
    done = _decide(chg, meeting, emergency, kind="retrospective", reason="Justified: the certificate expired")
    assert done.status_code == 302
    emergency.refresh_from_db()
    assert emergency.retrospective_reviewed_at is not None and not emergency.retrospective_review_due
    assert CcgDecision.objects.get(change=emergency).outcome == "retrospective"


def test_decision_on_a_change_not_on_the_agenda_is_404(chg) -> None:
    meeting = _meeting(chg)
    assert _decide(chg, meeting, chg.draft, outcome="accept", reason="x").status_code == 404
    assert _decide(chg, meeting, chg.accepted, outcome="reschedule", reason="x").status_code == 404


def test_minutes_refresh_and_cancel(chg) -> None:
    held = _meeting(chg, held_at=timezone.now() - dt.timedelta(hours=2))
    base = f"/changes/ccg/meetings/{held.number}/"
    desk = chg.client(chg.desk)
    assert b"Save the minutes" in desk.get(base).content
    response = desk.post(
        f"{base}minutes/",
        {"minutes-minutes": "Reviewed the week's changes.", "minutes-attendees": [chg.ops.pk, chg.gas.pk]},
    )
    assert response.status_code == 302
    held.refresh_from_db()
    assert held.status == "held" and set(held.attendees.all()) == {chg.ops, chg.gas}
    page = desk.get(base).content.decode()
    assert "Reviewed the week&#x27;s changes." in page or "Reviewed the week's changes." in page
    assert "Refresh the agenda" not in page  # held: its agenda stays as it was
    empty = desk.post(f"{base}minutes/", {"minutes-minutes": ""})
    assert empty.status_code == 422
    planned = _meeting(chg)
    url = f"/changes/ccg/meetings/{planned.number}/"
    future = desk.get(url).content.decode()
    assert "once the meeting has taken place" in future
    assert desk.post(f"{url}refresh-agenda/").status_code == 302
    assert desk.post(f"{url}cancel/").status_code == 302
    planned.refresh_from_db()
    assert planned.status == "cancelled"
    after = desk.get(url).content.decode()
    assert "Record decision" not in after and "Cancel the meeting" not in after
    assert desk.post(f"{url}cancel/").status_code == 409


def test_reschedule_that_leaves_too_little_notice_needs_the_exception(chg) -> None:
    ChangeNotification.objects.filter(pk=chg.submitted.pk).update(
        submitted_at=timezone.now() - dt.timedelta(days=1)
    )
    meeting = _meeting(chg)
    page = chg.client(chg.desk).get(f"/changes/ccg/meetings/{meeting.number}/").content.decode()
    assert "Needed only if the new window leaves less notice" in page  # on time now: offered for a move
    day = (timezone.now() + dt.timedelta(days=2)).astimezone(LONDON).date().isoformat()
    move = {
        "outcome": "reschedule",
        "reason": "Sooner",
        "new_start": f"{day}T20:00",
        "new_end": f"{day}T21:00",
    }
    refused = _decide(chg, meeting, chg.submitted, **move)
    assert refused.status_code == 422
    assert (
        f'id="id_{chg.submitted.reference.lower()}-decide-late_exception_error"' in refused.content.decode()
    )
    chg.submitted.refresh_from_db()
    assert chg.submitted.status == ChangeStatus.SUBMITTED and not CcgDecision.objects.exists()
    done = _decide(chg, meeting, chg.submitted, **move, late_exception="on")
    assert done.status_code == 302
    chg.submitted.refresh_from_db()
    assert (
        chg.submitted.is_late
        and chg.submitted.late_exception
        and chg.submitted.status == ChangeStatus.ACCEPTED
    )

"""Meetings are numbered per group, an extraordinary meeting taking the next number (GV-29); a new
meeting's agenda starts from the group's standing items (GV-48); the office keeps the agenda, minutes,
holds the meeting and approves earlier minutes at a later one (GV-47); working groups report (GV-49)."""

from __future__ import annotations

import datetime as dt

import pytest

from busbar.lib.actions import ActionError, Conflict, IllegalTransition, NotPermitted
from busbar.programmes.actions import meetings as actions
from busbar.programmes.models import AgendaType, Group, GroupKind, Meeting, MeetingStatus
from busbar.programmes.tests.conftest import actor_for


def test_next_number_per_group_and_extraordinary_takes_the_next(gov) -> None:
    office = actor_for(gov.office)
    extra = actions.schedule_meeting(
        actor=office, group=gov.tmag, date=dt.date(2026, 12, 16), extraordinary=True
    )
    assert extra.number == 21 and extra.extraordinary
    normal = actions.schedule_meeting(actor=office, group=gov.tmag, date=dt.date(2027, 1, 13))
    assert normal.number == 22 and not normal.extraordinary
    dag = actions.create_group(
        actor=office, programme=gov.programme, code="dag", name="Design Advisory Group"
    )
    assert dag.code == "DAG"
    first = actions.schedule_meeting(actor=office, group=dag, date=dt.date(2027, 1, 13))
    assert first.number == 1  # numbered per group
    assert extra.code == "TMAG21" and first.code == "DAG01"
    with pytest.raises(Conflict):
        actions.schedule_meeting(actor=office, group=gov.tmag, date=dt.date(2026, 1, 1), number=19)
    back = actions.schedule_meeting(actor=office, group=dag, date=dt.date(2026, 1, 1), number=7)
    assert back.number == 7
    assert actions.schedule_meeting(actor=office, group=dag, date=dt.date(2027, 2, 1)).number == 8


def test_standing_items_start_the_agenda(gov) -> None:
    office = actor_for(gov.office)
    meeting = actions.schedule_meeting(actor=office, group=gov.tmag, date=dt.date(2027, 1, 13))
    items = list(meeting.agenda.order_by("position"))
    assert [(i.position, i.title, i.standing) for i in items] == [
        (1, "Minutes and actions review", True),
        (2, "Programme updates", True),
    ]
    assert items[0].type == AgendaType.DECISION  # approving minutes is a decision (GV-34)
    assert items[1].type == AgendaType.INFORMATION
    actions.update_group(
        actor=office,
        group=gov.tmag,
        standing_items="Welcome | | information | Chair | 5\n"
        "Working group report | Updates from the WGs | information | WG leads | 0",
    )
    again = actions.schedule_meeting(actor=office, group=gov.tmag, date=dt.date(2027, 2, 10))
    rows = list(again.agenda.order_by("position").values_list("title", "lead", "duration_minutes"))
    assert rows == [("Welcome", "Chair", 5), ("Working group report", "WG leads", 0)]
    with pytest.raises(ActionError) as bad:
        actions.update_group(actor=office, group=gov.tmag, standing_items="Item | x | vote")
    assert bad.value.field == "standing_items"


def test_agenda_add_insert_move_remove(gov) -> None:
    office = actor_for(gov.office)
    m = gov.tmag20
    item = actions.add_agenda_item(
        actor=office,
        meeting=m,
        title="CIT Test Scenarios",
        type="information",
        lead="Lee Cox",
        start_time=dt.time(10, 10),
        duration_minutes=5,
    )
    assert item.position == 4
    first = actions.add_agenda_item(actor=office, meeting=m, title="Apologies", position=1)
    titles = list(m.agenda.order_by("position").values_list("title", flat=True))
    assert titles == [
        "Apologies",
        "Welcome",
        "Minutes and actions",
        "Qualification Approach and Plan",
        "CIT Test Scenarios",
    ]
    actions.update_agenda_item(actor=office, item=first, position=5, objective="Note apologies")
    titles = list(m.agenda.order_by("position").values_list("title", flat=True))
    assert titles[-1] == "Apologies"
    actions.remove_agenda_item(actor=office, item=m.agenda.get(title="Welcome"))
    assert list(m.agenda.order_by("position").values_list("position", flat=True)) == [1, 2, 3, 4]
    with pytest.raises(ActionError) as bad:
        actions.add_agenda_item(actor=office, meeting=m, title="x", type="vote")
    assert bad.value.field == "type"
    with pytest.raises(ActionError):
        actions.add_agenda_item(actor=office, meeting=m, title="x", duration_minutes=9999)
    for user in (gov.alpha, gov.assurer, gov.desk):
        with pytest.raises(NotPermitted):
            actions.add_agenda_item(actor=actor_for(user), meeting=m, title="Mine")


def test_minutes_hold_and_approval_at_a_later_meeting(gov) -> None:
    office = actor_for(gov.office)
    m20 = gov.tmag20
    actions.record_minutes(
        actor=office, meeting=m20, minutes="# Minutes\nAll present.", item_notes={2: "Approved."}
    )
    assert m20.agenda.get(position=2).notes == "Approved."
    with pytest.raises(ActionError):
        actions.record_minutes(actor=office, meeting=m20, minutes="x", item_notes={9: "no such"})
    m21 = actions.schedule_meeting(actor=office, group=gov.tmag, date=dt.date(2027, 1, 13))
    with pytest.raises(IllegalTransition):  # #20 is planned, not held yet
        actions.approve_minutes(actor=office, meeting=m20, at_meeting=m21)
    # TMAG #19's minutes approved at #20 (GV-47)
    approved = actions.approve_minutes(actor=office, meeting=gov.tmag19, at_meeting=m20)
    assert approved.status == MeetingStatus.MINUTES_APPROVED and approved.minutes_approved_at == m20
    with pytest.raises(Conflict):  # the approved minutes are closed
        actions.record_minutes(actor=office, meeting=gov.tmag19, minutes="changed")
    actions.hold_meeting(actor=office, meeting=m20)
    with pytest.raises(IllegalTransition):
        actions.hold_meeting(actor=office, meeting=m20)
    with pytest.raises(ActionError):  # not a later meeting
        actions.approve_minutes(actor=office, meeting=m21, at_meeting=m20)
    assert actions.approve_minutes(actor=office, meeting=m20, at_meeting=m21).minutes_approved_at == m21
    with pytest.raises(NotPermitted):
        actions.hold_meeting(actor=actor_for(gov.alpha), meeting=m21)


def test_working_group_reports_to_its_parent(gov) -> None:
    office = actor_for(gov.office)
    with pytest.raises(ActionError):
        actions.create_group(
            actor=office, programme=gov.programme, code="SITWG", name="SIT WG", kind=GroupKind.WORKING
        )
    wg = actions.create_group(
        actor=office,
        programme=gov.programme,
        code="SITWG",
        name="SIT Working Group",
        kind=GroupKind.WORKING,
        parent=gov.tmag,
    )
    report = actions.save_working_group_report(
        actor=office,
        meeting=gov.tmag20,
        group=wg,
        upcoming_deliverables="CIT approach (July)",
        escalations="None",
    )
    again = actions.save_working_group_report(
        actor=office,
        meeting=gov.tmag20,
        group=wg,
        upcoming_deliverables="CIT approach (Aug)",
        escalations="None",
    )
    assert again.pk == report.pk and again.upcoming_deliverables == "CIT approach (Aug)"
    other = Group.objects.create(programme=gov.programme, code="DAG", name="DAG")
    with pytest.raises(ActionError):
        actions.save_working_group_report(actor=office, meeting=gov.tmag20, group=other)
    with pytest.raises(ActionError):  # a cycle
        actions.update_group(actor=office, group=gov.tmag, parent=wg)
    with pytest.raises(ActionError):
        actions.create_group(actor=office, programme=gov.programme, code="WG2", name="x")


def test_cancel_keeps_the_number(gov) -> None:
    office = actor_for(gov.office)
    m21 = actions.schedule_meeting(actor=office, group=gov.tmag, date=dt.date(2027, 1, 13))
    actions.cancel_meeting(actor=office, meeting=m21, reason="Stood down")
    assert Meeting.objects.get(pk=m21.pk).status == MeetingStatus.CANCELLED
    assert actions.schedule_meeting(actor=office, group=gov.tmag, date=dt.date(2027, 2, 10)).number == 22
    with pytest.raises(Conflict):
        actions.add_agenda_item(actor=office, meeting=m21, title="x")

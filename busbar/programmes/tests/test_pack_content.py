"""What a meeting pack holds (GV-45…GV-49) on the fixture: the cover, the agenda with its time slots and
sections, decisions needed, the minutes awaiting approval, the action log for ratification, decisions
since the last meeting, the RAID summary (public items only in a Public pack, whoever builds it), the
milestones baseline against forecast, the working-group matrix and the agenda roadmap; a fixed number of
queries whatever the size of the programme."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from busbar.programmes import pack
from busbar.programmes.models import (
    Action,
    ActionStatus,
    AgendaItem,
    AgendaType,
    Decision,
    DecisionOutcome,
    Group,
    GroupKind,
    Meeting,
    MeetingStatus,
    RaidKind,
    WorkingGroupReport,
)
from busbar.programmes.tests.conftest import raid

pytestmark = pytest.mark.django_db


def _refs(rows):
    return [r["ref"] for r in rows]


def test_cover_agenda_and_decisions_needed(gov) -> None:
    data = pack.build(gov.tmag20, gov.office)
    cover = data["cover"]
    assert cover["title"] == "Testing and Migration Advisory Group #20"
    assert (cover["date"], cover["version"], cover["document_ref"]) == (
        dt.date(2026, 12, 9),
        "1.0",
        "MHHS-DEL900",
    )
    assert cover["classification_line"] == "Document Classification: Public"
    assert [(r["position"], r["title"], r["time"], r["section"]) for r in data["agenda"]] == [
        (1, "Welcome", "10:00-10:05 5 mins", None),
        (2, "Minutes and actions", "10:05-10:15 10 mins", "minutes"),
        (3, "Qualification Approach and Plan", "10:15-10:35 20 mins", "topic"),
    ]
    assert data["unclaimed_sections"] == ["updates", "wg", "summary"]
    assert [r["position"] for r in data["decisions_needed"]] == [2, 3]
    # Without its own reference the pack is named from the programme's document prefix.
    assert pack.build(gov.tmag19, gov.office)["cover"]["document_ref"] == "MHHS-DEL-TMAG19"


def test_time_slots_and_sections_by_title() -> None:
    assert pack.time_label(dt.time(10, 5), 5) == "10:05-10:10 5 mins"
    assert pack.time_label(dt.time(10, 5), 0) == "0 mins"
    assert pack.time_label(None, 40) == "40 mins"
    assert pack.time_label(dt.time(10, 55), 1) == "10:55-10:56 1 min"
    assert pack.section_of("Programme updates") == "updates"
    assert pack.section_of("Working group report") == "wg"
    assert pack.section_of("Summary and next steps") == "summary"
    assert pack.section_of("Minutes and actions") == "minutes"
    assert pack.section_of("Welcome") == "welcome"
    assert pack.section_of("CIT Test Scenarios") == "topic"


def test_agenda_runs_on_from_each_slot_and_taken_as_read(gov) -> None:
    AgendaItem.objects.create(
        meeting=gov.tmag20,
        position=4,
        title="Programme updates",
        type=AgendaType.INFORMATION,
        duration_minutes=0,
    )
    AgendaItem.objects.create(
        meeting=gov.tmag20, position=5, title="IPA update", start_time=dt.time(11, 0), duration_minutes=10
    )
    AgendaItem.objects.create(
        meeting=gov.tmag20, position=6, title="Summary and next steps", duration_minutes=5
    )
    rows = pack.build(gov.tmag20, gov.office)["agenda"]
    assert [r["time"] for r in rows[3:]] == ["0 mins", "11:00-11:10 10 mins", "11:10-11:15 5 mins"]
    assert rows[3]["taken_as_read"] and rows[3]["section"] == "updates" and rows[5]["section"] == "summary"
    assert pack.build(gov.tmag20, gov.office)["unclaimed_sections"] == ["wg"]


def test_minutes_and_action_log_for_ratification(gov) -> None:
    data = pack.build(gov.tmag20, gov.office)
    assert data["minutes"]["heading"] == "Approval of minutes from 4 Nov extraordinary TMAG"
    assert [m["number"] for m in data["minutes"]["meetings"]] == [19]  # #18's were approved at #19
    assert data["minutes"]["meetings"][0]["text"] == "Extraordinary TMAG."
    log = data["actions"]
    assert _refs(log["rows"]) == ["TMAG18-01", "TMAG18-02", "TMAG19-01"]
    assert (log["total"], log["recommended"]) == (3, 1)
    row = {r["ref"]: r for r in log["rows"]}
    assert row["TMAG18-02"]["owner"] == "Programme (PMO/PPC)"
    assert row["TMAG19-01"]["status_label"] == "Recommend closed" and row["TMAG19-01"]["raid"] == ["R1"]
    gov.a18_01.owner_people.add(gov.alpha)
    assert pack.build(gov.tmag20, gov.office)["actions"]["rows"][0]["owner"] == (
        f"Alpha Energy ({gov.alpha.display_name})"
    )
    # Closed actions drop out, unless closed at this meeting (the pack of a meeting held shows them).
    Action.objects.filter(pk=gov.a18_01.pk).update(status=ActionStatus.CLOSED, closed_at_meeting=gov.tmag19)
    Action.objects.filter(pk=gov.a19_01.pk).update(status=ActionStatus.CLOSED, closed_at_meeting=gov.tmag20)
    assert _refs(pack.build(gov.tmag20, gov.office)["actions"]["rows"]) == ["TMAG18-02", "TMAG19-01"]
    # The pack of #19 lists only actions raised before #19.
    assert _refs(pack.build(gov.tmag19, gov.office)["actions"]["rows"]) == ["TMAG18-01", "TMAG18-02"]


def test_decisions_since_the_last_meeting(gov) -> None:
    Decision.objects.create(
        programme=gov.programme,
        number=2,
        title="Customer Segment Reverse Migration Exclusion",
        outcome=DecisionOutcome.APPROVED,
        decided_on=dt.date(2026, 11, 20),
        decided_by="The SRO",
    )
    Decision.objects.create(
        programme=gov.programme,
        number=3,
        title="Too old",
        outcome=DecisionOutcome.REJECTED,
        decided_on=dt.date(2026, 10, 1),
    )
    data = pack.build(gov.tmag20, gov.alpha)["decisions"]
    assert data["since"] == dt.date(2026, 11, 4)
    assert [(d["ref"], d["version"]) for d in data["rows"]] == [("D001", "0.4"), ("D002", "")]
    assert data["rows"][1]["decided_by"] == "The SRO"


def test_raid_summary_public_only_in_a_public_pack(gov) -> None:
    raid(
        gov.programme,
        5,
        RaidKind.RISK,
        "New private risk",
        likelihood=5,
        impact_score=5,
        raised_on=dt.date(2026, 11, 20),
    )
    raid(
        gov.programme,
        6,
        RaidKind.ISSUE,
        "New public issue",
        likelihood=2,
        impact_score=2,
        is_public=True,
        raised_on=dt.date(2026, 11, 20),
    )
    for user in (gov.office, gov.assurer, gov.alpha, gov.bravo):
        r = pack.build(gov.tmag20, user)["raid"]
        assert r["public_only"]
        shown = set(_refs(r["new"]) + _refs(r["changed"]) + _refs(r["top"]))
        assert shown <= {"R1", "R4", "R6"}, shown
        assert _refs(r["new"]) == ["R6"] and _refs(r["top"]) == ["R1", "R6"]
        assert {c["kind"]: c["open"] for c in r["counts"]} == {
            "risk": 1,
            "assumption": 0,
            "issue": 1,
            "dependency": 1,
        }
    Meeting.objects.filter(pk=gov.tmag20.pk).update(classification="Confidential")
    gov.tmag20.refresh_from_db()
    office = pack.build(gov.tmag20, gov.office)["raid"]
    assert not office["public_only"] and _refs(office["top"]) == ["R5", "R1", "R3", "R2", "R6"]
    assert _refs(pack.build(gov.tmag20, gov.alpha)["raid"]["top"]) == ["R1", "R2", "R6"]


def test_milestones_working_groups_and_roadmap(gov) -> None:
    data = pack.build(gov.tmag20, gov.office)
    assert {m["code"]: m["delta"] for m in data["milestones"]["rows"]}["M14"] == 5
    assert data["working_groups"]["columns"] == []
    assert [c["number"] for c in data["roadmap"]["columns"]] == [20]
    assert data["roadmap"]["columns"][0]["items"] == ["Qualification Approach and Plan"]
    assert data["roadmap"]["columns"][0]["standing"] == ["Minutes and actions review", "Programme updates"]
    gov.tmag.standing_items = (
        "Welcome | | information | Chair | 5\nMinutes and actions | Approve minutes | decision"
    )
    gov.tmag.save()
    standing = pack.build(gov.tmag20, gov.office)["roadmap"]["columns"][0]["standing"]
    assert standing == ["Welcome", "Minutes and actions"]

    dwg = Group.objects.create(
        programme=gov.programme,
        code="DWG",
        name="Data Working Group",
        kind=GroupKind.WORKING,
        parent=gov.tmag,
    )
    last = Meeting.objects.create(group=dwg, number=3, date=dt.date(2026, 12, 1), status=MeetingStatus.HELD)
    AgendaItem.objects.create(meeting=last, position=1, title="Review of Test Data Approach feedback")
    Meeting.objects.create(group=dwg, number=4, date=dt.date(2027, 1, 6))
    WorkingGroupReport.objects.create(
        meeting=gov.tmag20, group=dwg, upcoming_deliverables="Data Cleanse Plan (Jan 2027)", escalations=""
    )
    tmag21 = Meeting.objects.create(group=gov.tmag, number=21, date=dt.date(2027, 1, 13))
    AgendaItem.objects.create(meeting=tmag21, position=1, title="Minutes and actions", standing=True)
    AgendaItem.objects.create(meeting=tmag21, position=2, title="Environments Approach and Plan")
    Meeting.objects.create(group=gov.tmag, number=22, date=dt.date(2027, 3, 10))
    data = pack.build(gov.tmag20, gov.office)
    (col,) = data["working_groups"]["columns"]
    assert col["code"] == "DWG" and col["upcoming_deliverables"] == "Data Cleanse Plan (Jan 2027)"
    assert col["next_meeting"] == {"date": dt.date(2027, 1, 6), "items": ["TBC"]}
    assert col["last_meeting"] == {
        "date": dt.date(2026, 12, 1),
        "items": ["Review of Test Data Approach feedback"],
    }
    assert col["escalations"] == "None"
    road = data["roadmap"]
    assert [c["number"] for c in road["columns"]] == [20, 21, 22]
    assert road["next_meeting"]["date"] == dt.date(2027, 1, 13)
    assert road["columns"][1]["items"] == ["Environments Approach and Plan"]
    assert road["columns"][2]["items"] == ["TBC"]
    # M10 (1 Feb 2027) falls between #21 and #22; the readiness assessment RA5 closes then too.
    assert any(m.startswith("M10 ") for m in road["columns"][1]["milestones"])
    assert "RA5 Design & Build Checkpoint 2 closes 5 Feb 2027" in road["columns"][1]["activities"]
    assert any(m.startswith("CP4 ") for m in road["columns"][2]["milestones"])


def _grow(gov, first: int, count: int, groups: tuple[str, ...], meetings: tuple[int, ...]) -> None:
    for n in range(first, first + count):
        raid(gov.programme, n, RaidKind.RISK, f"Risk {n}", likelihood=3, impact_score=3, is_public=True)
        action = Action.objects.create(
            programme=gov.programme,
            group=gov.tmag,
            meeting=gov.tmag19,
            sequence=n,
            reference=f"TMAG19-{n:02d}",
            raised_on=dt.date(2026, 11, 4),
            description=f"Action {n}",
        )
        action.owner_people.add(gov.bravo)
        action.raid_items.add(gov.r1)
    for code in groups:
        wg = Group.objects.create(
            programme=gov.programme, code=code, name=code, kind=GroupKind.WORKING, parent=gov.tmag
        )
        WorkingGroupReport.objects.create(meeting=gov.tmag20, group=wg, escalations="None")
        m = Meeting.objects.create(group=wg, number=1, date=dt.date(2026, 12, 2), status=MeetingStatus.HELD)
        AgendaItem.objects.create(meeting=m, position=1, title="Item")
    for number in meetings:
        m = Meeting.objects.create(
            group=gov.tmag, number=number, date=dt.date(2027, 1, 1) + dt.timedelta(days=30 * (number - 20))
        )
        AgendaItem.objects.create(meeting=m, position=1, title=f"Topic {number}")


def test_query_count_does_not_grow_with_the_programme(gov) -> None:
    _grow(gov, 5, 2, ("DWG",), (21,))
    pack.build(gov.tmag20, gov.office)
    with CaptureQueriesContext(connection) as before:
        pack.build(gov.tmag20, gov.office)
    _grow(gov, 7, 30, ("MWG", "EWG", "QWG"), (22, 23, 24))
    with CaptureQueriesContext(connection) as after:
        data = pack.build(gov.tmag20, gov.office)
    assert data["actions"]["total"] == 35 and len(data["raid"]["top"]) == pack.MAX_RAID_ROWS
    assert len(data["working_groups"]["columns"]) == 4 and len(data["roadmap"]["columns"]) == 4
    assert len(after.captured_queries) == len(before.captured_queries) <= 26

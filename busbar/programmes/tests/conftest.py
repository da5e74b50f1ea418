"""The governed programme: the test programme of the testing app (``prog``: an SI, an assurer, a
programme office ``pm`` that also sits on the board, a design authority, an agent; Alpha and Bravo
suppliers and the agent in SIT Functional) plus its governance:

* plan phases *Integration testing* and *Migration*; milestones M10, M14 (regulatory, after M10) and M15
  (after M14) and control point CP4, in **baseline 1**; M14's forecast slips 5 working days;
* Alpha's subsidiary plan with a milestone linked to M14;
* RAID: R1 public risk (office-owned, exposure 12), R2 private risk owned by Alpha, R3 private issue owned
  by Bravo, R4 public dependency impacting M10 and impacted M14;
* TMAG with Alpha, Bravo, the SI and the agent as members; meetings #18 (minutes approved), #19
  (extraordinary, held) and #20 (planned, with an agenda of 3 items); actions TMAG18-01 (open, Alpha),
  TMAG18-02 (open – ongoing, the office), TMAG19-01 (recommend closed, Bravo);
* decision D1 at TMAG #19 approving v0.4 of the Release Management approach;
* CR001 issued for impact assessment, moving M14 by a month, Alpha has responded;
* RA5 open with three questions; Alpha's response submitted, Bravo's not started.

Personas: ``office`` (pm), ``assurer``, ``si``, ``alpha`` (world.user_a), ``bravo`` (world.user_b),
``desk`` (world.analyst), ``outsider`` (world.resolver, a provider outside the programme: 404).
Built once per module beside the world and copied for each test, like ``prog``.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.utils import timezone

from busbar.accounts.models import User
from busbar.conftest import World
from busbar.programmes.models import (
    Action,
    ActionStatus,
    AgendaItem,
    AgendaType,
    Answer,
    Assessment,
    AssessmentResponse,
    AssessmentStatus,
    Baseline,
    BaselineDate,
    ChangeRequest,
    CrStatus,
    Decision,
    DecisionOutcome,
    GovernanceSettings,
    Group,
    GroupMember,
    ImpactResponse,
    Level,
    Manageable,
    Meeting,
    MeetingStatus,
    Member,
    Milestone,
    MilestoneChange,
    MilestoneKind,
    PartyMilestone,
    PlanPhase,
    Question,
    Rag,
    RaidItem,
    RaidKind,
    ResponseStatus,
    SubsidiaryPlan,
)
from busbar.records import registry
from busbar.records.models import Record
from busbar.records.steps import next_number
from busbar.testing.tests.conftest import Prog, actor_for, build_programme

__all__ = ["Gov", "actor_for"]


@dataclass
class Gov:
    prog: Prog
    phase_it: PlanPhase
    phase_mig: PlanPhase
    m10: Milestone
    m14: Milestone
    m15: Milestone
    cp4: Milestone
    baseline1: Baseline
    alpha_plan: SubsidiaryPlan
    r1: RaidItem  # public risk, office-owned
    r2: RaidItem  # private risk, Alpha owns
    r3: RaidItem  # private issue, Bravo owns
    r4: RaidItem  # public dependency M10 -> M14
    tmag: Group
    tmag18: Meeting
    tmag19: Meeting
    tmag20: Meeting
    a18_01: Action
    a18_02: Action
    a19_01: Action
    d1: Decision
    cr1: ChangeRequest
    ra5: Assessment
    questions: list[Question]
    alpha_response: AssessmentResponse

    @property
    def programme(self):
        return self.prog.programme

    @property
    def world(self) -> World:
        return self.prog.world

    @property
    def office(self) -> User:
        return self.prog.pm

    @property
    def assurer(self) -> User:
        return self.prog.assurer

    @property
    def si(self) -> User:
        return self.prog.si

    @property
    def alpha(self) -> User:
        return self.prog.world.user_a

    @property
    def bravo(self) -> User:
        return self.prog.world.user_b

    @property
    def desk(self) -> User:
        return self.prog.world.analyst

    @property
    def outsider(self) -> User:
        return self.prog.world.resolver

    def client(self, user: User | None):
        return self.prog.client(user)


def _record(kind: str) -> Record:
    record_type = registry.get(kind)
    return Record.objects.create(kind=kind, reference=record_type.reference(next_number(record_type.prefix)))


def raid(programme, number: int, kind: str, title: str, **fields) -> RaidItem:
    record = _record("raid_item")
    item = RaidItem(
        record=record,
        reference=record.reference,
        programme=programme,
        number=number,
        kind=kind,
        title=title,
        **fields,
    )
    item.exposure = item.score()
    item.save()
    return item


def build_governance(world: World) -> Gov:
    prog = build_programme(world)
    programme = prog.programme
    org_a, org_b = world.org_a, world.org_b
    GovernanceSettings.objects.create(programme=programme, document_prefix="MHHS-DEL")
    Member.objects.create(programme=programme, organisation=org_a, constituency="Large supplier")
    Member.objects.create(programme=programme, organisation=org_b, constituency="Small supplier")
    phase_it = PlanPhase.objects.create(
        programme=programme,
        code="integration-testing",
        name="Integration testing",
        order=1,
        start=dt.date(2026, 9, 7),
        end=dt.date(2027, 1, 29),
        rag=Rag.AMBER,
        test_phase=prog.phase,
    )
    phase_mig = PlanPhase.objects.create(
        programme=programme,
        code="migration",
        name="Migration",
        order=2,
        start=dt.date(2027, 2, 1),
        end=dt.date(2027, 12, 17),
        rag=Rag.GREEN,
    )
    m10 = Milestone.objects.create(
        programme=programme,
        code="M10",
        name="Central systems ready for migrating MPANs",
        phase=phase_it,
        order=10,
        forecast_date=dt.date(2027, 2, 1),
        rag=Rag.GREEN,
    )
    m14 = Milestone.objects.create(
        programme=programme,
        code="M14",
        name="All suppliers must be able to access MPANs under the new TOM",
        phase=phase_mig,
        order=14,
        predecessor=m10,
        regulatory=True,
        forecast_date=dt.date(2027, 4, 7),
        rag=Rag.AMBER,
        rationale="Regulatory milestone",
    )
    m15 = Milestone.objects.create(
        programme=programme,
        code="M15",
        name="Full transition complete",
        phase=phase_mig,
        order=15,
        predecessor=m14,
        forecast_date=dt.date(2027, 10, 29),
    )
    cp4 = Milestone.objects.create(
        programme=programme,
        code="CP4",
        name="Control Point 4 – End of Qualification",
        kind=MilestoneKind.CONTROL_POINT,
        phase=phase_mig,
        order=13,
        forecast_date=dt.date(2027, 3, 31),
    )
    baseline1 = Baseline.objects.create(
        programme=programme, number=1, label="Programme replan (CR022)", approved_at=timezone.now()
    )
    for milestone, day in (
        (m10, dt.date(2027, 2, 1)),
        (m14, dt.date(2027, 3, 31)),
        (m15, dt.date(2027, 10, 29)),
        (cp4, dt.date(2027, 3, 31)),
    ):
        BaselineDate.objects.create(baseline=baseline1, milestone=milestone, date=day)
        Milestone.objects.filter(pk=milestone.pk).update(baseline_date=day)
        milestone.baseline_date = day
    alpha_plan = SubsidiaryPlan.objects.create(
        programme=programme, organisation=org_a, name="Alpha MHHS plan"
    )
    PartyMilestone.objects.create(
        plan=alpha_plan,
        name="Alpha ready to access MPANs",
        programme_milestone=m14,
        planned_date=dt.date(2027, 3, 15),
        forecast_date=dt.date(2027, 3, 22),
    )
    r1 = raid(
        programme,
        1,
        RaidKind.RISK,
        "SIT environments not available for cohort 2",
        theme="Duration of Testing",
        activities="Second environment being built",
        impact_text="Cohort 2 delayed",
        impact_level=Level.HIGH,
        likelihood=3,
        impact_score=4,
        rag=Rag.AMBER,
        is_public=True,
        owner_organisation=prog.pm_org,
        owner_label="Programme (PMO/PPC)",
        phase=phase_it,
        raised_on=dt.date(2026, 9, 1),
    )
    r2 = raid(
        programme,
        2,
        RaidKind.RISK,
        "Alpha's agent build may slip",
        theme="Resources",
        likelihood=2,
        impact_score=3,
        rag=Rag.RED,
        is_public=False,
        owner_organisation=org_a,
        phase=phase_it,
        raised_on=dt.date(2026, 10, 1),
    )
    r3 = raid(
        programme,
        3,
        RaidKind.ISSUE,
        "Bravo test data incomplete",
        theme="Data",
        impact_level=Level.MEDIUM,
        likelihood=5,
        impact_score=2,
        rag=Rag.AMBER,
        is_public=False,
        owner_organisation=org_b,
        raised_on=dt.date(2026, 11, 2),
    )
    r4 = raid(
        programme,
        4,
        RaidKind.DEPENDENCY,
        "REC change for new settlement timetable",
        theme="External Dependency",
        manageable=Manageable.IN_PROCESS,
        impacting_milestone=m10,
        impacted_milestone=m14,
        external_ref="REC CP R0044",
        rag=Rag.GREEN,
        is_public=True,
        phase=phase_mig,
        raised_on=dt.date(2026, 8, 3),
    )
    tmag = Group.objects.create(
        programme=programme,
        code="TMAG",
        name="Testing and Migration Advisory Group",
        standing_items="Minutes and actions review\nProgramme updates",
    )
    for org in (org_a, org_b, prog.si_org, prog.agent_org):
        GroupMember.objects.create(group=tmag, organisation=org, role="Member")
    tmag18 = Meeting.objects.create(
        group=tmag,
        number=18,
        date=dt.date(2026, 10, 14),
        status=MeetingStatus.MINUTES_APPROVED,
        minutes="TMAG 18 minutes.",
    )
    tmag19 = Meeting.objects.create(
        group=tmag,
        number=19,
        extraordinary=True,
        date=dt.date(2026, 11, 4),
        status=MeetingStatus.HELD,
        minutes="Extraordinary TMAG.",
    )
    tmag18.minutes_approved_at = tmag19
    tmag18.save(update_fields=["minutes_approved_at"])
    tmag20 = Meeting.objects.create(
        group=tmag,
        number=20,
        date=dt.date(2026, 12, 9),
        start_time=dt.time(10, 0),
        document_ref="MHHS-DEL900",
    )
    for position, (title, kind, minutes) in enumerate(
        [
            ("Welcome", AgendaType.INFORMATION, 5),
            ("Minutes and actions", AgendaType.DECISION, 10),
            ("Qualification Approach and Plan", AgendaType.DECISION, 20),
        ],
        start=1,
    ):
        AgendaItem.objects.create(
            meeting=tmag20,
            position=position,
            title=title,
            type=kind,
            duration_minutes=minutes,
            lead="Programme",
            standing=position < 3,
        )
    a18_01 = Action.objects.create(
        programme=programme,
        group=tmag,
        meeting=tmag18,
        sequence=1,
        reference="TMAG18-01",
        raised_on=tmag18.date,
        description="Share Alpha's migration plan",
        owner_organisation=org_a,
        due_date=dt.date(2026, 11, 30),
    )
    a18_02 = Action.objects.create(
        programme=programme,
        group=tmag,
        meeting=tmag18,
        sequence=2,
        reference="TMAG18-02",
        raised_on=tmag18.date,
        description="Publish the SIT plan on a page",
        owner_organisation=prog.pm_org,
        owner_label="Programme (PMO/PPC)",
        status=ActionStatus.ONGOING,
        latest_update="Draft circulated",
    )
    a19_01 = Action.objects.create(
        programme=programme,
        group=tmag,
        meeting=tmag19,
        sequence=1,
        reference="TMAG19-01",
        raised_on=tmag19.date,
        description="Make R1 public in the RAID log",
        owner_organisation=org_b,
        status=ActionStatus.RECOMMEND_CLOSED,
        latest_update="Done: R1 is public",
    )
    a19_01.raid_items.add(r1)
    d1 = Decision.objects.create(
        programme=programme,
        number=1,
        meeting=tmag19,
        title="Release Management and Configuration Approach",
        outcome=DecisionOutcome.APPROVED,
        decided_on=tmag19.date,
        decided_by="TMAG",
        document_title="Release Management and Configuration Approach",
        document_version="0.4",
    )
    cr_record = _record("programme_cr")
    cr1 = ChangeRequest.objects.create(
        record=cr_record,
        reference=cr_record.reference,
        programme=programme,
        number=1,
        title="Move M14 by a month",
        description="Suppliers need time.",
        raised_by=prog.pm_org,
        status=CrStatus.IMPACT_ASSESSMENT,
        round=1,
        issued_on=dt.date(2026, 11, 23),
        ia_deadline=dt.date(2026, 12, 7),
        assurance_deadline=dt.date(2026, 12, 14),
        needed_by=dt.date(2027, 1, 15),
    )
    MilestoneChange.objects.create(change_request=cr1, milestone=m14, proposed_date=dt.date(2027, 4, 30))
    ImpactResponse.objects.create(
        change_request=cr1,
        round=1,
        organisation=org_a,
        impact="medium",
        position="support",
        response="We need the extra month.",
        submitted_by=world.user_a,
    )
    ra5 = Assessment.objects.create(
        programme=programme,
        code="RA5",
        name="Design & Build Checkpoint 2",
        opens_on=dt.date(2026, 11, 2),
        closes_on=dt.date(2027, 2, 5),
        status=AssessmentStatus.OPEN,
        milestone=m14,
    )
    questions = [
        Question.objects.create(
            assessment=ra5, number=n, area=area, text=text, answer_kind=kind, evidence_required=n == 3
        )
        for n, (area, text, kind) in enumerate(
            [
                ("Design", "Is your design complete against the baseline?", "yes_no"),
                ("Build", "How confident are you of completing build by M10?", "rag"),
                ("Testing", "Attach your PIT exit report", "text"),
            ],
            start=1,
        )
    ]
    alpha_response = AssessmentResponse.objects.create(
        assessment=ra5,
        organisation=org_a,
        status=ResponseStatus.SUBMITTED,
        submitted_at=timezone.now(),
        submitted_by=world.user_a,
    )
    for question, value in zip(questions, ["yes", "amber", "PIT exit approved"], strict=True):
        Answer.objects.create(response=alpha_response, question=question, value=value)
    return Gov(
        prog=prog,
        phase_it=phase_it,
        phase_mig=phase_mig,
        m10=m10,
        m14=m14,
        m15=m15,
        cp4=cp4,
        baseline1=baseline1,
        alpha_plan=alpha_plan,
        r1=r1,
        r2=r2,
        r3=r3,
        r4=r4,
        tmag=tmag,
        tmag18=tmag18,
        tmag19=tmag19,
        tmag20=tmag20,
        a18_01=a18_01,
        a18_02=a18_02,
        a19_01=a19_01,
        d1=d1,
        cr1=cr1,
        ra5=ra5,
        questions=questions,
        alpha_response=alpha_response,
    )


@pytest.fixture(scope="module")
def _module_gov(_module_world: World, django_db_blocker) -> Iterator[Gov]:
    from django.test import override_settings

    with django_db_blocker.unblock():
        with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
            built = build_governance(_module_world)
        yield built


@pytest.fixture
def gov(_module_gov: Gov, world: World) -> Gov:
    """The governed programme (see the module docstring), a fresh copy for each test."""
    copied = copy.deepcopy(_module_gov)
    copied.prog.world = world
    return copied

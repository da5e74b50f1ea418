"""The demo MHHS programme's governance (``busbar serve --demo``): loaded on top of the core demo's parties
and the testing demo, it has what the issue's demo names and what a new user is told to try, loading twice
changes nothing, and the programme office, a participant and the assurer open its main pages (a
participant sees only public RAID items)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from django.contrib.auth import get_user_model
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from busbar.audit.models import AuditEntry
from busbar.programmes import heatmap, queries
from busbar.programmes.demo import data, load
from busbar.programmes.models import (
    Action,
    ActionStatus,
    AgendaType,
    Answer,
    Assessment,
    AssessmentStatus,
    Baseline,
    ChangeRequest,
    CrStatus,
    Decision,
    DecisionOutcome,
    Evidence,
    GovernanceSettings,
    Group,
    GroupKind,
    ImpactResponse,
    Meeting,
    MeetingStatus,
    Member,
    Milestone,
    MilestoneKind,
    PartyMilestone,
    PlanPhase,
    RaidItem,
    RaidKind,
    RaidStatus,
    ResponseStatus,
    SubsidiaryPlan,
    Task,
    WorkingGroupReport,
)
from busbar.testing.demo import load as load_testing
from busbar.testing.models import Participation, Programme
from busbar.testing.tests.test_demo_programme import _parties

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def _module_demo(django_db_setup, django_db_blocker) -> Iterator:
    """The core demo's parties, the testing demo and the governance demo, loaded once per module inside a
    transaction rolled back when the module ends (each test runs in a savepoint inside it)."""
    from django.db import transaction

    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
                ctx = _parties()
                load_testing(ctx)
                load(ctx)
            yield ctx
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def demo(_module_demo, db):
    return _module_demo


@pytest.fixture
def programme(demo) -> Programme:
    return Programme.objects.get(code="mhhs")


def _user(email: str):
    return get_user_model().objects.get(email=email)


def test_plan_has_the_milestones_control_points_tasks_and_two_baselines(programme) -> None:
    settings = GovernanceSettings.objects.get(programme=programme)
    assert (settings.document_prefix, settings.classification) == ("MHHS-DEL", "Public")
    assert list(PlanPhase.objects.filter(programme=programme).values_list("code", flat=True)) == [
        "design",
        "build-pit",
        "integration-testing",
        "qualification",
        "migration",
        "cutover",
    ]
    assert PlanPhase.objects.get(programme=programme, code="integration-testing").test_phase.code == (
        "sit-functional"
    )
    codes = set(Milestone.objects.filter(programme=programme).values_list("code", flat=True))
    assert {f"M{n}" for n in range(5, 17)} <= codes and {"CP3", "CP4", "CP5"} <= codes
    assert Milestone.objects.filter(programme=programme, kind=MilestoneKind.CONTROL_POINT).count() == 3
    m14 = Milestone.objects.get(programme=programme, code="M14")
    assert m14.regulatory and m14.predecessor.code == "CP4"
    assert Milestone.objects.filter(programme=programme, actual_date__isnull=False).count() >= 4
    today = timezone.localdate()
    assert Milestone.objects.filter(programme=programme, actual_date__gt=today).count() == 0
    assert Milestone.objects.get(programme=programme, code="M10").current_date > today
    tasks = Task.objects.filter(programme=programme)
    assert tasks.count() >= 40
    assert tasks.filter(duration_uncertain=True).count() == 1
    assert {"SI Test", "SI Design", "PP", "PPC", "CPT", "PMO", "Code Bodies"} <= set(
        tasks.values_list("responsible_label", flat=True)
    ) | set(tasks.values_list("involved_label", flat=True))
    assert tasks.filter(name__startswith="Readiness Assessment 5").exists()
    assert tasks.filter(name__contains="Readiness Assessment 10").exists()

    first, second = Baseline.objects.filter(programme=programme).order_by("number")
    assert first.label == "Programme replan (CR022)" and first.change_request is None
    assert second.change_request.display_ref == "CR001"
    dates = {b.number: dict(b.dates.values_list("milestone__code", "date")) for b in (first, second)}
    assert dates[2]["M14"] > dates[1]["M14"] and dates[2]["M15"] == dates[1]["M15"]
    assert m14.baseline_date == dates[2]["M14"]


def test_members_are_every_sit_participant_and_more(programme) -> None:
    members = set(Member.objects.filter(programme=programme).values_list("organisation_id", flat=True))
    in_sit = set(
        Participation.objects.filter(phase__programme=programme, phase__code="sit-functional").values_list(
            "organisation_id", flat=True
        )
    )
    assert in_sit and in_sit <= members
    assert len(members - in_sit) >= 10


def test_raid_log_has_forty_items_of_four_kinds(programme) -> None:
    items = RaidItem.objects.filter(programme=programme)
    assert items.count() == 40
    by_kind = {kind: items.filter(kind=kind).count() for kind in RaidKind.values}
    assert all(count >= 5 for count in by_kind.values()), by_kind
    assert items.filter(is_public=True).exists() and items.filter(is_public=False).exists()
    assert items.filter(status=RaidStatus.CLOSED).count() >= 2
    risk = items.get(status=RaidStatus.CONVERTED)
    assert risk.kind == RaidKind.RISK and risk.converted_to.kind == RaidKind.ISSUE
    for ref in ("REC CP R0044", "SEC MP162", "BSC CP1558"):
        dependency = items.filter(kind=RaidKind.DEPENDENCY, external_ref__contains=ref).first()
        assert dependency is not None and dependency.impacted_milestone is not None, ref
    assert items.filter(kind=RaidKind.DEPENDENCY, impacting_milestone__isnull=False).exists()
    assert set(items.exclude(theme="").values_list("theme", flat=True)) >= {
        "Migration Approach",
        "External Dependency",
        "Data",
        "Roles & Resources",
    }
    assert items.filter(exposure__gte=15).exists()
    # The log came from the programme's spreadsheet with its references; R281 and R525 as the packs cite.
    assert items.filter(number=281).exists() and items.get(number=525).is_public


def test_tmag_meetings_actions_and_decisions(programme) -> None:
    tmag = Group.objects.get(programme=programme, code="TMAG")
    groups = set(Group.objects.filter(programme=programme).values_list("code", flat=True))
    assert {"PSG", "DAG", "CCAG"} <= groups
    working = Group.objects.filter(parent=tmag, kind=GroupKind.WORKING)
    assert set(working.values_list("code", flat=True)) == {"DWG", "MWG", "EWG", "QWG", "SITWG", "NFTWG"}
    assert all(g.members.exists() for g in working) and tmag.members.count() >= 10

    m18, m19, m20 = (Meeting.objects.get(group=tmag, number=n) for n in (18, 19, 20))
    assert m18.status == MeetingStatus.MINUTES_APPROVED and m18.minutes_approved_at == m19
    assert m19.extraordinary and m19.status == MeetingStatus.HELD and m19.minutes
    assert m20.status == MeetingStatus.PLANNED
    today = timezone.localdate()
    assert today + dt.timedelta(days=3) <= m20.date <= today + dt.timedelta(days=9)
    agenda = list(m20.agenda.all())
    assert len(agenda) >= 10 and agenda[0].title == "Welcome" and agenda[-1].title.startswith("Summary")
    assert {a.type for a in agenda} >= {AgendaType.DECISION, AgendaType.INFORMATION, AgendaType.DISCUSSION}
    assert any(a.duration_minutes == 0 and a.standing for a in agenda)
    assert WorkingGroupReport.objects.filter(meeting=m20).count() == 6
    assert Meeting.objects.filter(group=tmag, number__gt=20).exists()  # the agenda roadmap

    actions = {a.reference: a for a in Action.objects.filter(programme=programme)}
    assert {"TMAG18-01", "TMAG18-02", "TMAG19-01", "TMAG19-02", "TMAG19-03", "TMAG19-04"} <= set(actions)
    assert actions["TMAG18-01"].status == ActionStatus.RECOMMEND_CLOSED
    assert actions["TMAG19-01"].status == ActionStatus.RECOMMEND_CLOSED
    assert actions["TMAG19-02"].status == ActionStatus.OPEN
    assert "R281" in actions["TMAG18-01"].latest_update
    assert actions["TMAG18-01"].raid_items.filter(number=281).exists()
    assert "R525" in actions["TMAG19-01"].latest_update
    closed = Action.objects.get(programme=programme, status=ActionStatus.CLOSED)
    assert closed.closed_at_meeting == m19

    decisions = Decision.objects.filter(programme=programme)
    assert decisions.filter(meeting=m18, document_version="0.4").exists()
    conditional = decisions.get(outcome=DecisionOutcome.APPROVED_WITH_CONDITIONS)
    assert conditional.meeting == m19 and conditional.conditions.count() == 2
    assert conditional.conditions.filter(status="met").count() == 1


def test_two_change_requests_one_rebaselined_m14_one_in_impact_assessment(programme) -> None:
    cr1, cr2 = ChangeRequest.objects.filter(programme=programme).order_by("number")
    assert cr1.status == CrStatus.APPROVED and cr1.baseline.number == 2
    assert cr1.milestone_changes.filter(milestone__code="M14").exists()
    assert cr1.decisions.filter(outcome=DecisionOutcome.APPROVED).exists()
    assert cr2.status == CrStatus.IMPACT_ASSESSMENT and cr2.round == 2
    assert cr2.ia_deadline >= timezone.localdate()
    assert cr2.milestone_changes.filter(milestone__code="M14").exists()
    assert ImpactResponse.objects.filter(change_request=cr2, round=2).count() >= 3
    assert ImpactResponse.objects.filter(change_request=cr1).count() >= 5


def test_readiness_assessment_open_with_eight_responders(programme) -> None:
    ra5 = Assessment.objects.get(programme=programme, code="RA5")
    assert ra5.status == AssessmentStatus.OPEN
    assert ra5.opens_on <= timezone.localdate() <= ra5.closes_on
    assert ra5.questions.count() == 8
    responses = ra5.responses.all()
    assert responses.count() == 8
    assert responses.filter(status=ResponseStatus.SUBMITTED).count() == 7
    assert Answer.objects.filter(response__assessment=ra5).exclude(score_rag="").exists()
    assert Answer.objects.filter(response__assessment=ra5).exclude(comment="").exists()
    assert Evidence.objects.filter(answer__response__assessment=ra5).exists()
    assert len(heatmap.audience(ra5)) > 8  # the others have not responded
    assert ra5.chases.exists()
    codes = set(Assessment.objects.filter(programme=programme).values_list("code", flat=True))
    assert codes >= {"RA6", "RA7"}


def test_three_subsidiary_plans_one_slipping_past_m14(programme) -> None:
    assert SubsidiaryPlan.objects.filter(programme=programme).count() == 3
    m14 = Milestone.objects.get(programme=programme, code="M14")
    linked = PartyMilestone.objects.filter(programme_milestone=m14)
    late = [pm for pm in linked if pm.current_date > m14.current_date]
    assert [pm.plan.organisation.slug for pm in late] == ["harbour"]


def test_sign_ins_printed(demo) -> None:
    text = "\n".join(demo.lines)
    for email, *_ in data.PEOPLE:
        assert email in text
    assert "/programmes/mhhs/" in text


def test_loading_twice_changes_nothing(demo) -> None:
    entries = AuditEntry.objects.count()
    load(demo)
    assert AuditEntry.objects.count() == entries
    assert "already present" in demo.lines[-1]


def _pages(programme: Programme) -> list[str]:
    code = programme.code
    ra = {"programme": code, "code": "RA5"}
    tmag20 = {"programme": code, "group": "TMAG", "number": 20}
    public = RaidItem.objects.get(programme=programme, number=525)
    cr2 = ChangeRequest.objects.get(programme=programme, number=2)
    return [
        reverse("programmes_home"),
        reverse("programmes_dashboard", kwargs={"programme": code}),
        reverse("programmes_plan", kwargs={"programme": code}),
        reverse("programmes_baselines", kwargs={"programme": code}) + "?a=1&b=2",
        reverse("programmes_milestone", kwargs={"programme": code, "code": "M14"}),
        reverse("programmes_tasks", kwargs={"programme": code}),
        reverse("programmes_subsidiary_plans", kwargs={"programme": code}),
        reverse("programmes_raid", kwargs={"programme": code}),
        reverse("programmes_raid_detail", kwargs={"reference": public.reference}),
        reverse("programmes_actions", kwargs={"programme": code}),
        reverse("programmes_action", kwargs={"programme": code, "reference": "TMAG18-01"}),
        reverse("programmes_groups", kwargs={"programme": code}),
        reverse("programmes_group", kwargs={"programme": code, "group": "TMAG"}),
        reverse("programmes_meeting", kwargs=tmag20),
        reverse("programmes_meeting_pack", kwargs=tmag20),
        reverse("programmes_decisions", kwargs={"programme": code}),
        reverse("programmes_crs", kwargs={"programme": code}),
        reverse("programmes_cr_detail", kwargs={"reference": cr2.reference}),
        reverse("programmes_assessments", kwargs={"programme": code}),
        reverse("programmes_assessment", kwargs=ra),
    ]


@pytest.mark.parametrize("email", [data.PM, data.OLIVIA, data.ASSURER])
def test_office_participant_and_assurer_open_the_main_pages(programme, email) -> None:
    client = Client()
    client.force_login(_user(email))
    for url in _pages(programme):
        response = client.get(url)
        assert response.status_code == 200, (email, url, response.status_code)


def test_participant_reads_public_raid_items_and_its_own_only(programme) -> None:
    olivia = _user(data.OLIVIA)
    seen = queries.raid_visible_to(olivia).filter(programme=programme)
    private = RaidItem.objects.filter(programme=programme, is_public=False)
    assert seen.filter(is_public=False).exclude(owner_organisation__slug="brightwater").count() == 0
    assert seen.filter(is_public=False, owner_organisation__slug="brightwater").exists()
    hidden = private.exclude(owner_organisation__slug="brightwater").first()
    client = Client()
    client.force_login(olivia)
    page = client.get(reverse("programmes_raid", kwargs={"programme": programme.code}))
    assert page.status_code == 200
    assert hidden.title.encode() not in page.content
    detail = client.get(reverse("programmes_raid_detail", kwargs={"reference": hidden.reference}))
    assert detail.status_code == 404
    assert queries.raid_visible_to(_user(data.ASSURER)).filter(programme=programme).count() == 40


def test_participant_answers_its_readiness_assessment(programme) -> None:
    """Thistle Power has not responded to RA5: its representative opens the form (the tour's last step)."""
    client = Client()
    client.force_login(_user(data.RORY))
    url = reverse("programmes_assessment_respond", kwargs={"programme": programme.code, "code": "RA5"})
    assert client.get(url).status_code == 200

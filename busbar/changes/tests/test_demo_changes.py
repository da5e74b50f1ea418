"""The change co-ordination demo (issue 13, item 11), loaded once for the module on top of the core demo's
parties and the services, incidents and problems demos: 30 Change Notifications across providers and
every state, the CCG, notice rules, windows, targets, meetings, consultations, subscriptions, a full
forward schedule for six weeks, the late CSS outage in conflict with another provider's change, and
loading twice changes nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth import get_user_model
from django.db import transaction
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from busbar.audit.models import AuditEntry
from busbar.changes import queries
from busbar.changes.demo import data, load
from busbar.changes.models import (
    PUBLISHED,
    AvailabilityTarget,
    BlackoutWindow,
    Bulletin,
    CcgAgendaItem,
    CcgDecision,
    CcgMeeting,
    CcgMember,
    ChangeConflict,
    ChangeNotification,
    ChangeStatus,
    ChangeType,
    Consultation,
    MaintenanceWindow,
    NoticeRule,
    ServiceSubscription,
)
from busbar.conftest import ensure_installed_defaults
from busbar.core import demo as core_demo
from busbar.incidents.demo import load as load_incidents
from busbar.lib.actions import Actor
from busbar.parties import actions as party_actions
from busbar.parties.queries import scope_for
from busbar.problems.demo import load as load_problems
from busbar.services.demo import load as load_services
from busbar.services.models import Service

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")


def _parties() -> core_demo.DemoContext:
    """The core demo's organisations and people, without the other apps' demo data."""
    ctx = core_demo.DemoContext(actor=Actor.system())
    for name, slug, roles, identifiers, email in core_demo.ORGANISATIONS:
        ctx.orgs[slug] = party_actions.create_organisation(
            actor=ctx.actor, name=name, slug=slug, roles=roles, identifiers=identifiers, contact_email=email
        )
    for email, name, slug, role in core_demo.PEOPLE:
        membership = party_actions.add_member(
            actor=ctx.actor, organisation=ctx.orgs[slug], email=email, full_name=name, role=role
        )
        ctx.people[email] = membership.user
    return ctx


@pytest.fixture(scope="module")
def _module_demo(django_db_setup, django_db_blocker) -> Iterator:
    """The parties, the catalogue, incidents, problems and the change demo, loaded once per module inside a
    transaction rolled back when the module ends (each test runs in a savepoint inside it)."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
                # A transactional test in the same worker may have flushed the installed defaults.
                ensure_installed_defaults()
                ctx = _parties()
                load_services(ctx)
                load_incidents(ctx)
                load_problems(ctx)
                load(ctx)
            yield ctx
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def demo(_module_demo, db):
    return _module_demo


def _change(title: str) -> ChangeNotification:
    return ChangeNotification.objects.get(title=title)


def _user(email: str):
    return get_user_model().objects.get(email=email)


def test_thirty_changes_across_providers_types_and_every_state(demo) -> None:
    changes = ChangeNotification.objects.all()
    assert changes.count() == 30
    assert set(changes.values_list("status", flat=True)) == set(ChangeStatus.values)
    assert set(changes.values_list("provider__slug", flat=True)) == set(data.PROVIDERS)
    assert set(changes.values_list("change_type", flat=True)) == set(ChangeType.values)
    # Every change went through the actions: raised and journalled, its service rows in step.
    for change in changes.prefetch_related("service_rows"):
        rows = list(change.service_rows.all())
        assert rows and all(r.status == change.status for r in rows), change.reference
        assert all(
            (r.planned_start, r.planned_end) == (change.planned_start, change.planned_end) for r in rows
        )
    assert AuditEntry.objects.filter(action="change.raise").count() == 30
    assert changes.filter(status=ChangeStatus.DRAFT).count() == 1
    lines = "\n".join(demo.lines)
    assert "30 Change Notifications" in lines


def test_ccg_notice_rules_windows_blackouts_and_targets(demo) -> None:
    chair = CcgMember.objects.get(role="chair", is_active=True)
    assert chair.user.email == data.CHAIR and chair.organisation.slug == "switching-operator"
    representatives = CcgMember.objects.filter(role="representative", is_active=True)
    assert sorted(representatives.values_list("organisation__slug", flat=True)) == sorted(data.PROVIDERS)
    providers = set(Service.objects.filter(is_active=True).values_list("provider__slug", flat=True))
    assert providers <= set(representatives.values_list("organisation__slug", flat=True))

    css_rule = NoticeRule.objects.get(name__startswith="REC R0055")
    assert (css_rule.min_working_days, css_rule.provider.slug, css_rule.outage_only) == (
        8,
        "css-provider",
        True,
    )
    default = NoticeRule.objects.get(provider=None, service=None)
    assert default.min_working_days == 5
    assert NoticeRule.objects.get(provider__slug="dcc").min_working_days == 10

    css = Service.objects.get(slug="css-registration")
    window = MaintenanceWindow.objects.get(service=css)
    assert (window.weekday, window.start_time, window.end_time) == (6, dt.time(0), dt.time(6))

    freeze = BlackoutWindow.objects.get(name__startswith="Year-end")
    assert not freeze.services.exists()
    assert freeze.starts_at.astimezone(LONDON).date().replace(year=2000) == dt.date(2000, 12, 20)
    market = BlackoutWindow.objects.get(name__startswith="Price cap")
    assert set(market.services.values_list("slug", flat=True)) == set(data.MARKET_EVENT_SERVICES)
    assert market.starts_at > timezone.now()

    assert AvailabilityTarget.objects.get(service=css).target_percent == Decimal("99.500")
    assert AvailabilityTarget.objects.count() == len(data.SERVICES)


def test_late_css_outage_in_conflict_with_another_providers_change(demo) -> None:
    late = _change("CSS registration disaster-recovery failover test")
    assert late.status == ChangeStatus.SUBMITTED and late.is_outage
    assert (late.is_late, late.notice_required, late.notice_given) == (True, 8, 5)
    assert late.notice_rule.name.startswith("REC R0055")
    other = _change("DSP database patching")
    assert other.status == ChangeStatus.ACCEPTED and other.provider.slug == "dcc"
    conflicts = ChangeConflict.objects.filter(change=late)
    assert late.conflict_count == conflicts.count() >= 1
    assert conflicts.filter(kind="related_service", other_change=other).exists()
    assert conflicts.filter(kind="outside_maintenance").exists() == (
        late.planned_start.astimezone(LONDON).weekday() != 6
    )
    # The demo's lines name it, the change it meets, and a free CSS Sunday window to reschedule it into.
    line = next(x for x in demo.lines if x.strip().startswith("Try:"))
    assert late.reference in line and other.reference in line and "(e.g. Sun " in line


def test_emergency_failed_backed_out_rejected_cancelled_and_more_information(demo) -> None:
    emergencies = ChangeNotification.objects.filter(change_type=ChangeType.EMERGENCY)
    assert emergencies.count() == 2 and all(e.emergency_reason for e in emergencies)
    awaiting = emergencies.get(retrospective_reviewed_at=None)
    assert awaiting.status == ChangeStatus.COMPLETED and awaiting.retrospective_review_due
    reviewed = emergencies.exclude(retrospective_reviewed_at=None).get()
    assert reviewed.status == ChangeStatus.REVIEWED
    assert CcgDecision.objects.filter(change=reviewed, outcome="retrospective", meeting__number=2).exists()

    failed = ChangeNotification.objects.get(status=ChangeStatus.FAILED)
    assert failed.outcome_note and failed.actual_start and failed.actual_end
    backed_out = ChangeNotification.objects.get(status=ChangeStatus.BACKED_OUT)
    assert backed_out.outcome_note and backed_out.provider.slug == "dcc"
    assert CcgDecision.objects.filter(outcome="reject", change__status=ChangeStatus.REJECTED).exists()
    assert ChangeNotification.objects.get(status=ChangeStatus.CANCELLED).provider.slug == "northern-dn"
    more = ChangeNotification.objects.get(status=ChangeStatus.MORE_INFO)
    assert ChangeConflict.objects.filter(change=more, kind="blackout", blackout__name__startswith="Price cap")

    late_exception = _change("Quarterly AddressBase load into the CSS address service")
    assert late_exception.is_late and late_exception.late_exception
    assert CcgDecision.objects.filter(change=late_exception, late_exception=True).exists()


def test_major_changes_with_consultations_and_the_pir(demo) -> None:
    release = _change("CSS release 4.11 deployment")
    assert release.status == ChangeStatus.REVIEWED
    assert release.pir_completed_at and release.pir_successful and release.pir_summary and release.pir_lessons
    phase1 = _change("UK Link data-centre move (phase 1)")
    assert phase1.status == ChangeStatus.COMPLETED and phase1.pir_completed_at is None
    consulted = Consultation.objects.values_list("change__title", flat=True).distinct()
    assert {
        "CSS release 4.11 deployment",
        "UK Link data-centre move (phase 1)",
        "UK Link data-centre move (phase 2)",
        "CSS platform Kubernetes upgrade",
    } <= set(consulted)
    answered = Consultation.objects.exclude(responded_at=None)
    assert answered.count() >= 12 and answered.filter(concerns=True).count() >= 3
    k8s = _change("CSS platform Kubernetes upgrade")
    assert k8s.status == ChangeStatus.UNDER_REVIEW
    pending = Consultation.objects.filter(change=k8s, responded_at=None)
    assert pending.exists() and pending.count() < Consultation.objects.filter(change=k8s).count()
    assert all(c.deadline > timezone.localdate() for c in pending)
    phase2 = _change("UK Link data-centre move (phase 2)")
    decision = CcgDecision.objects.get(change=phase2)
    assert decision.outcome == "accept_conditions" and decision.conditions


def test_ccg_meetings_held_with_minutes_and_planned_with_an_agenda(demo) -> None:
    first, second, nxt = CcgMeeting.objects.order_by("number")
    for held in (first, second):
        assert held.status == "held" and held.minutes and held.attendees.count() == 8
        assert held.decisions.count() >= 4
        assert all(d.change.reference in held.minutes for d in held.decisions.all())
    assert nxt.status == "planned" and nxt.held_at > timezone.now()
    assert nxt.held_at.astimezone(LONDON).weekday() == 1
    agenda = {i.change.title: i.purpose for i in CcgAgendaItem.objects.filter(meeting=nxt)}
    for title in (
        "CSS registration disaster-recovery failover test",
        "CSS platform Kubernetes upgrade",
        "Switching portal release 2.8",
        "Emergency patch of the registration gateway's TLS library",
        "UK Link data-centre move (phase 1)",
    ):
        assert title in agenda, (title, agenda)
    outcomes = set(second.decisions.values_list("outcome", flat=True))
    assert {"accept", "accept_conditions", "reschedule", "reject", "more_info", "retrospective"} <= outcomes
    for moved in CcgDecision.objects.filter(outcome="reschedule"):  # at CCG #2, and one between meetings
        assert moved.previous_start and moved.new_start - moved.previous_start >= dt.timedelta(days=7)
        assert moved.change.status == ChangeStatus.ACCEPTED and moved.change.planned_start == moved.new_start
    assert CcgDecision.objects.filter(outcome="reschedule", meeting=None).count() == 1


def test_forward_schedule_is_full_for_the_next_six_weeks(demo) -> None:
    today = timezone.localdate()
    published = ChangeNotification.objects.filter(status__in=PUBLISHED)
    freeze = BlackoutWindow.objects.get(name__startswith="Year-end")
    for week in range(6):
        start = dt.datetime.combine(today + dt.timedelta(days=1 + 7 * week), dt.time(0), tzinfo=LONDON)
        end = start + dt.timedelta(days=7)
        frozen = (
            freeze.starts_at <= start + dt.timedelta(days=3) and end - dt.timedelta(days=3) <= freeze.ends_at
        )
        found = published.filter(
            status=ChangeStatus.ACCEPTED, planned_start__gte=start, planned_start__lt=end
        ).count()
        assert found >= (0 if frozen else 1), (week, found)
    ahead = published.filter(status=ChangeStatus.ACCEPTED, planned_start__gt=timezone.now())
    assert ahead.count() >= 13
    # Standard changes were pre-approved (or accepted) without waiting for a meeting.
    for change in ChangeNotification.objects.filter(change_type=ChangeType.STANDARD):
        assert change.status in PUBLISHED and not change.decisions.filter(meeting__isnull=False).exists()


def test_change_in_progress_shows_planned_maintenance(demo) -> None:
    des = Service.objects.get(slug="des")
    live = ChangeNotification.objects.get(status=ChangeStatus.IN_PROGRESS)
    assert live.is_outage and list(live.services.all()) == [des]
    now = timezone.now()
    assert live.actual_start <= now < live.planned_end
    from busbar.changes import status_impacts

    impacts = status_impacts.planned_maintenance(_user(data.SUPPLIER), [des.pk])
    assert [getattr(i, "status", None) for i in impacts] == ["maintenance"]


def test_supplier_subscribed_to_css_with_bulletins_and_a_calendar_feed(demo) -> None:
    supplier = _user(data.SUPPLIER)
    css = Service.objects.get(slug="css-registration")
    subscription = ServiceSubscription.objects.get(user=supplier, service=css)
    assert subscription.by_email and subscription.planned
    kinds = set(Bulletin.objects.values_list("kind", flat=True))
    assert {"planned", "started", "completed", "failed", "rescheduled"} <= kinds
    assert Bulletin.objects.filter(services=css, recipient_count__gte=1).exists()
    line = next(x for x in demo.lines if "/changes/feed/" in x)
    path = line[line.index("/changes/feed/") :].strip()
    response = Client().get(path)
    assert response.status_code == 200
    import icalendar

    calendar = icalendar.Calendar.from_ical(response.content)
    summaries = [str(e.get("summary")) for e in calendar.walk("VEVENT")]
    assert any("UK Link" in s for s in summaries) and any("CSS" in s for s in summaries)


def _signed_in(email: str) -> Client:
    user = _user(email)
    if scope_for(user).mfa_required and not Authenticator.objects.filter(user=user).exists():
        TOTP.activate(user, generate_totp_secret())
    client = Client()
    client.force_login(user)
    return client


def test_the_demo_pages_open_for_the_desk_a_provider_and_a_supplier(demo) -> None:
    """What a new user opens first, on the demo's data: every change, the schedule, the CCG, reports,
    settings, subscriptions, bulletins, the status board and the service pages."""
    today = timezone.localdate()
    following = (today.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    common = [
        reverse("change_list"),
        reverse("fsc"),
        f"{reverse('fsc')}?month={following:%Y-%m}",
        reverse("fsc_week"),
        reverse("fsc_list"),
        reverse("my_subscriptions"),
        reverse("bulletin_list"),
        reverse("service_status"),
        reverse("service_detail", args=["css-registration"]),
        reverse("service_detail", args=["des"]),
    ]
    desk_only = [
        reverse("ccg_home"),
        reverse("ccg_members"),
        reverse("change_reports"),
        reverse("change_settings"),
        *[reverse("ccg_meeting", args=[m.number]) for m in CcgMeeting.objects.all()],
    ]
    for email, paths, changes in (
        (data.DESK, common + desk_only, ChangeNotification.objects.all()),
        (data.PROVIDERS["css-provider"], [*common, reverse("ccg_home"), reverse("my_consultations")], None),
        (
            data.SUPPLIER,
            [*common, reverse("my_consultations")],
            ChangeNotification.objects.filter(status__in=PUBLISHED),
        ),
    ):
        client = _signed_in(email)
        if changes is None:
            changes = queries.visible_to(_user(email))
        for change in changes:
            paths.append(reverse("change_detail", args=[change.reference]))
        for path in paths:
            response = client.get(path)
            assert response.status_code == 200, (email, path, response.status_code)
    # The status board shows DES in planned maintenance while its release is in progress.
    board = _signed_in(data.SUPPLIER).get(reverse("service_status")).content.decode()
    assert "maintenance" in board.lower()


def test_loading_twice_changes_nothing(demo) -> None:
    entries, changes = AuditEntry.objects.count(), ChangeNotification.objects.count()
    bulletins = Bulletin.objects.count()
    demo.lines.clear()
    load(demo)
    assert "already present" in "\n".join(demo.lines)
    assert (AuditEntry.objects.count(), ChangeNotification.objects.count()) == (entries, changes)
    assert Bulletin.objects.count() == bulletins

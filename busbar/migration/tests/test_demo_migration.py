"""The qualification and migration demo (issue 16 item 8): loaded on top of the core demo's parties and the
programme MHHS (as the testing demo names it, without its SIT data, to stay quick) with a small ledger, it
has twelve entrants in three tranches with one exempt, plans for five suppliers, a DNO cap breached
tomorrow, a reverse-migration exception, aggregates equal to a recount; loading twice changes nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from django.test import override_settings
from django.utils import timezone

from busbar.audit.models import AuditEntry
from busbar.lib.actions import Actor
from busbar.migration import aggregates, allocation, thresholds
from busbar.migration.demo import data, demo_mpans, load
from busbar.migration.models import (
    CleanseItem,
    DailyProgress,
    Entrant,
    EntrantKind,
    ExceptionKind,
    LedgerEvent,
    LedgerLoad,
    LedgerState,
    LoadStatus,
    MigrationException,
    MigrationPlan,
    Mpan,
    PlanLine,
    QualificationStatus,
    QualificationWindow,
    SegmentWindow,
    Threshold,
    ThresholdScope,
)
from busbar.testing.actions import setup
from busbar.testing.models import Programme
from busbar.testing.tests.test_demo_programme import _parties

pytestmark = pytest.mark.django_db
MPANS = 20_000


@pytest.fixture(scope="module")
def _module_demo(django_db_setup, django_db_blocker) -> Iterator:
    """The parties, the programme and the migration demo (20,000 MPANs), once per module inside a
    transaction rolled back at the end."""
    from django.db import transaction

    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
                ctx = _parties()
                programme = setup.create_programme(actor=Actor.system(), code="mhhs", name="MHHS")
                setup.name_party(
                    actor=Actor.system(),
                    programme=programme,
                    organisation=ctx.orgs["systems-integrator"],
                    function="si",
                    label="MHHS Systems Integrator",
                )
                load(ctx, mpans=MPANS)
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


def test_twelve_entrants_in_three_tranches_one_exempt(programme) -> None:
    window = QualificationWindow.objects.get(programme=programme)
    assert (window.closes - window.opens).days in range(360, 367)
    entrants = Entrant.objects.filter(window=window)
    assert entrants.count() == 12
    assert entrants.filter(kind=EntrantKind.SUPPLIER).count() == 5
    assert entrants.filter(kind=EntrantKind.AGENT).count() == 7
    exempt = entrants.get(status=QualificationStatus.EXEMPT)
    assert exempt.organisation.slug == "kestrel" and exempt.tranche is None
    assert exempt.exemption_reference and exempt.exemption_confirmed_at and exempt.sit_completed_on
    placed = entrants.exclude(tranche=None)
    assert placed.count() == 11
    assert {e.tranche.number for e in placed} == {1, 2, 3}
    tranche_1 = set(entrants.filter(tranche__number=1).values_list("status", flat=True))
    assert {QualificationStatus.QUALIFIED, QualificationStatus.QUALIFYING} <= tranche_1
    assert window.code_bodies.count() == 3
    assert all(s.agents.exists() for s in entrants.filter(kind=EntrantKind.SUPPLIER))
    harbour = entrants.get(organisation__slug="harbour")
    assert harbour.portfolio >= window.large_portfolio  # the large one, ready late


def test_policies_differ_and_as_ready_shows_the_r525_risk(programme) -> None:
    window = QualificationWindow.objects.get(programme=programme)
    assert window.committed_policy == "as_ready"
    proposals = allocation.compare(window)
    late = {policy: [e.organisation.slug for e in p.risk.large_late] for policy, p in proposals.items()}
    assert late["as_ready"] == ["harbour"]
    assert late["by_portfolio"] == [] and late["by_size"] == []


def test_plans_for_five_suppliers_across_segments_and_windows(programme) -> None:
    plans = MigrationPlan.objects.filter(programme=programme)
    assert plans.values("supplier").distinct().count() == 5
    assert set(plans.values_list("segment", flat=True)) == {"smart", "non_smart", "advanced", "unmetered"}
    assert set(plans.values_list("status", flat=True)) == {"submitted", "accepted"}
    today = timezone.localdate()
    lines = PlanLine.objects.filter(plan__programme=programme)
    assert lines.filter(day__lt=today - dt.timedelta(days=150)).exists()
    windows = {w.segment: w for w in SegmentWindow.objects.filter(programme=programme)}
    assert windows["smart"].opens < today < windows["smart"].reverse_until < windows["smart"].closes
    assert lines.filter(day=windows["smart"].closes).exists()
    assert not lines.filter(day__gt=windows["smart"].closes).exists()
    assert lines.filter(agent=None).count() == 0


def test_eastern_dno_cap_is_breached_tomorrow_and_one_threshold_is_superseded(programme) -> None:
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    breaches = thresholds.check(programme.pk)
    eastern = [b for b in breaches if b.scope == ThresholdScope.DISTRIBUTOR and b.subject == "10"]
    assert [b.day for b in eastern] == [tomorrow]
    assert eastern[0].planned > eastern[0].cap
    assert Threshold.objects.filter(programme=programme, distributor="10").count() == 2
    scopes = set(Threshold.objects.filter(programme=programme).values_list("scope", flat=True))
    assert scopes == set(ThresholdScope.values)


def test_ledger_events_loads_and_exceptions(programme) -> None:
    assert Mpan.objects.count() == pytest.approx(MPANS, abs=10)
    states = set(Mpan.objects.values_list("state", flat=True).distinct())
    assert {LedgerState.NOT_MIGRATED, LedgerState.SCHEDULED, LedgerState.MIGRATED} <= states
    assert LedgerState.REVERSED in states or LedgerState.REMIGRATED in states
    assert Mpan.objects.filter(excluded=True).exists()
    today = timezone.localdate()
    first = LedgerEvent.objects.order_by("on").values_list("on", flat=True).first()
    assert (today - first).days >= 170
    statuses = set(LedgerLoad.objects.values_list("status", flat=True))
    assert {LoadStatus.APPLIED, LoadStatus.PARTIAL, LoadStatus.REJECTED} <= statuses
    partial = LedgerLoad.objects.get(status=LoadStatus.PARTIAL)
    assert partial.rejected >= 2 and any(e["field"] == "mpan" for e in partial.errors)
    kinds = set(MigrationException.objects.values_list("kind", flat=True))
    assert kinds == set(ExceptionKind.values)
    assert MigrationException.objects.filter(kind=ExceptionKind.LATE_REVERSE, day=today).exists()
    assert MigrationException.objects.exclude(status="open").count() == 2


def test_aggregates_equal_a_recount(programme) -> None:
    assert DailyProgress.objects.count() > 0
    assert aggregates.stored() == aggregates.recount()


def test_cleanse_items_with_readings_targets_and_one_off_track(programme) -> None:
    items = CleanseItem.objects.filter(category__programme=programme)
    assert items.values("organisation").distinct().count() >= 4
    assert all(i.readings.count() >= 10 and i.targets.exists() for i in items)
    harbour = items.get(organisation__slug="harbour", category__name="Address mismatches")
    soon = harbour.targets.order_by("by_date").first()
    readings = list(harbour.readings.order_by("on").values_list("outstanding", flat=True))
    weekly = (readings[0] - readings[-1]) / (len(readings) - 1)
    weeks = (soon.by_date - timezone.localdate()).days / 7
    assert harbour.outstanding - weekly * weeks > soon.outstanding_max  # off track at its pace


def test_loading_twice_changes_nothing(demo) -> None:
    entries, mpans = AuditEntry.objects.count(), Mpan.objects.count()
    load(demo, mpans=MPANS)
    assert "already present" in demo.lines[-1]
    assert (AuditEntry.objects.count(), Mpan.objects.count()) == (entries, mpans)


def test_summary_names_the_logins(demo) -> None:
    text = "\n".join(demo.lines)
    for email in ("testmanager@si.example", "supplier@brightwater.example", "mprs@easterndn.example",
                  "agent@meterwise.example", "qualification@elexon.example"):  # fmt: skip
        assert email in text


def test_demo_size_comes_from_the_setting_and_is_bounded(monkeypatch) -> None:
    monkeypatch.delenv("BUSBAR_DEMO_MPANS", raising=False)
    assert demo_mpans() == data.DEFAULT_MPANS
    monkeypatch.setenv("BUSBAR_DEMO_MPANS", "50000")
    assert demo_mpans() == 50_000
    with override_settings(BUSBAR_DEMO_MPANS=10):
        assert demo_mpans() == data.MIN_MPANS


def test_unmetered_window_closed_early_with_its_cutover_taken(programme) -> None:
    from busbar.migration.models import Cutover

    taken = Cutover.objects.get(programme=programme)
    assert taken.segment == "unmetered" and taken.day < timezone.localdate()
    assert taken.in_flight > 0 and taken.not_migrated > 0 and taken.migrated > taken.in_flight
    flagged = Mpan.objects.filter(in_flight_at=taken.day)
    assert flagged.count() == taken.in_flight and not flagged.exclude(segment="unmetered").exists()
    exceptions = MigrationException.objects.filter(kind=ExceptionKind.IN_FLIGHT)
    assert sum(exceptions.values_list("mpans", flat=True)) == taken.in_flight

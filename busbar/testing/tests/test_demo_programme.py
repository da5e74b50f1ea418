"""The demo MHHS programme: loaded on top of the core demo's parties alone (the whole demo is loaded once
by busbar/core/tests/test_demo.py), it has what a new user is told to try, and loading twice changes
nothing."""

import datetime as dt

import pytest
from django.test import override_settings
from django.utils import timezone

from busbar.audit.models import AuditEntry
from busbar.core import demo as core_demo
from busbar.lib.actions import Actor
from busbar.parties import actions as party_actions
from busbar.testing import criteria
from busbar.testing.demo import load
from busbar.testing.models import (
    Execution,
    Gate,
    GateStatus,
    IssueCategory,
    IssueStatus,
    Phase,
    PhaseStatus,
    Programme,
    RootCause,
    Scenario,
)
from busbar.testing.models import (
    TestingIssue as Issue,
)

pytestmark = pytest.mark.django_db


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


@override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
def test_demo_programme_is_live_complete_and_idempotent() -> None:
    ctx = _parties()
    load(ctx)
    programme = Programme.objects.get(code="mhhs")
    sit = Phase.objects.get(programme=programme, code="sit-functional")
    today = timezone.localdate()
    assert sit.status == PhaseStatus.IN_PROGRESS and sit.actual_start <= today <= sit.planned_end
    assert Phase.objects.get(programme=programme, code="pit").status == PhaseStatus.EXITED
    assert Scenario.objects.filter(phase=sit).count() >= 40
    assert Scenario.objects.filter(phase=sit, versions__version=3).exists()

    issues = Issue.objects.filter(programme=programme)
    assert issues.count() == 25
    assert set(issues.values_list("status", flat=True)) == set(IssueStatus.values)
    assert set(issues.exclude(category=None).values_list("category", flat=True)) == set(IssueCategory.values)
    assert {
        RootCause.TEST_DATA,
        RootCause.TEST_SPECIFICATION,
        RootCause.TEST_EXECUTION,
        RootCause.ENVIRONMENT,
    } <= set(issues.values_list("root_cause", flat=True))
    assert issues.filter(status=IssueStatus.ESCALATED_DA, escalation_impact="design_baseline").exists()

    weeks = set(Execution.objects.filter(phase=sit).values_list("week", flat=True))
    assert len(weeks) >= 6 and min(weeks) == sit.actual_start
    assert Execution.objects.filter(phase=sit, retest_of__isnull=False).exists()
    assert Execution.objects.filter(phase=sit, result="blocked").exists()
    assert Execution.objects.filter(phase=sit, run__isnull=False).count() == 30
    assert Execution.objects.filter(phase=sit, evidence__isnull=False).exists()

    entry = Gate.objects.get(phase=sit, kind="entry")
    assert entry.status == GateStatus.GO_WITH_CONDITIONS
    assert sorted(entry.conditions.values_list("status", flat=True)) == ["closed", "open"]
    exit_gate = Gate.objects.get(phase=sit, kind="exit")
    assert exit_gate.status == GateStatus.PENDING
    blocking = {s.criterion.auto_rule for s in criteria.evaluate_gate(exit_gate) if s.blocking}
    assert {"no_open_cat1", "cohort_complete"} <= blocking
    assert any("grace" in line or "MHHS" in line for line in ctx.lines)
    assert sit.actual_start >= today - dt.timedelta(weeks=7)

    entries = AuditEntry.objects.count()
    load(ctx)
    assert AuditEntry.objects.count() == entries
    assert "already present" in ctx.lines[-1]

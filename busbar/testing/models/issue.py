"""Testing issues (defects) on the record kernel (digest §6.5, TA-30…TA-38).

A testing issue stands on its kernel :class:`~busbar.records.models.Record` (reference TIS…, conversation,
attachments, links, watchers, timeline). The SI triages it (severity category 1–4, TA-34; root-cause
category, TA-30; owner organisation); the escalation ladder SI → programme manager → design authority
(TA-31…TA-33) is a set of transitions each with a recorded reason; "excluded" and "accepted with
workaround" are outcomes (TA-37); a fix is proven by a retest execution. Every triage decision is kept in
:class:`TriageDecision` (and the journal) so assurers can check no party is given precedence (GV-57).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class IssueStatus(models.TextChoices):
    NEW = "new", "New (untriaged)"
    TRIAGED = "triaged", "Triaged"
    IN_FIX = "in_fix", "Fix in progress"
    READY_FOR_RETEST = "ready_for_retest", "Ready for retest"
    ESCALATED_PM = "escalated_pm", "Escalated to programme manager"
    ESCALATED_DA = "escalated_da", "Escalated to design authority"
    CLOSED = "closed", "Closed"
    EXCLUDED = "excluded", "Excluded"
    ACCEPTED = "accepted", "Accepted with workaround"
    WITHDRAWN = "withdrawn", "Withdrawn"


S = IssueStatus

#: Every allowed status change. Anything else is refused with IllegalTransition (409).
ISSUE_TRANSITIONS: dict[str, set[str]] = {
    S.NEW: {S.TRIAGED, S.WITHDRAWN},
    S.TRIAGED: {S.IN_FIX, S.READY_FOR_RETEST, S.ESCALATED_PM, S.EXCLUDED, S.ACCEPTED, S.WITHDRAWN},
    S.IN_FIX: {S.READY_FOR_RETEST, S.ESCALATED_PM, S.TRIAGED},
    S.READY_FOR_RETEST: {S.CLOSED, S.IN_FIX},
    S.ESCALATED_PM: {S.ESCALATED_DA, S.TRIAGED, S.IN_FIX, S.EXCLUDED, S.ACCEPTED},
    S.ESCALATED_DA: {S.TRIAGED, S.IN_FIX, S.EXCLUDED, S.ACCEPTED},
    S.CLOSED: {S.IN_FIX},
    S.EXCLUDED: {S.TRIAGED},
    S.ACCEPTED: {S.IN_FIX, S.CLOSED},
    S.WITHDRAWN: set(),
}
OPEN_ISSUE_STATUSES = frozenset(
    {S.NEW, S.TRIAGED, S.IN_FIX, S.READY_FOR_RETEST, S.ESCALATED_PM, S.ESCALATED_DA}
)
ESCALATED_STATUSES = frozenset({S.ESCALATED_PM, S.ESCALATED_DA})


class IssueCategory(models.IntegerChoices):
    """Severity category (TA-34): reports count category 1 and 2 issues and their resolution."""

    CAT1 = 1, "Category 1 (critical)"
    CAT2 = 2, "Category 2 (high)"
    CAT3 = 3, "Category 3 (medium)"
    CAT4 = 4, "Category 4 (low)"


class RootCause(models.TextChoices):
    """Root-cause categories (TA-30), plus a defect in the system under test."""

    UNKNOWN = "", "Not yet known"
    TEST_DATA = "test_data", "Test data"
    TEST_SPECIFICATION = "test_specification", "Test specification"
    TEST_EXECUTION = "test_execution", "Test execution"
    ENVIRONMENT = "environment", "Environment and connectivity"
    SYSTEM_DEFECT = "system_defect", "System defect"


class EscalationImpact(models.TextChoices):
    """Why an issue goes to the design authority (TA-32, TA-33)."""

    NONE = "", "—"
    DESIGN_BASELINE = "design_baseline", "Affects the design baseline"
    TIMELINE = "timeline", "Affects programme timelines"
    BOTH = "both", "Affects the design baseline and timelines"


class TestingIssue(models.Model):
    record = models.OneToOneField("records.Record", on_delete=models.PROTECT, related_name="testing_issue")
    reference = models.CharField(max_length=20, unique=True)
    programme = models.ForeignKey("testing.Programme", on_delete=models.PROTECT, related_name="issues")
    phase = models.ForeignKey("testing.Phase", on_delete=models.PROTECT, related_name="issues")
    summary = models.CharField(max_length=200)
    description = models.TextField()
    status = models.CharField(max_length=20, choices=IssueStatus.choices, default=IssueStatus.NEW)
    category = models.PositiveSmallIntegerField(choices=IssueCategory.choices, null=True, blank=True)
    root_cause = models.CharField(max_length=30, choices=RootCause.choices, blank=True)
    owner = models.ForeignKey(
        "parties.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The organisation that fixes it",
    )
    #: The execution it was raised from (a failed one), and the participation that raised it.
    execution = models.ForeignKey(
        "testing.Execution", null=True, blank=True, on_delete=models.SET_NULL, related_name="issues"
    )
    participation = models.ForeignKey(
        "testing.Participation", null=True, blank=True, on_delete=models.SET_NULL, related_name="issues"
    )
    scenario = models.ForeignKey(
        "testing.Scenario", null=True, blank=True, on_delete=models.SET_NULL, related_name="issues"
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    raised_by_organisation = models.ForeignKey(
        "parties.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    escalation_impact = models.CharField(max_length=20, choices=EscalationImpact.choices, blank=True)
    escalation_reason = models.TextField(blank=True)
    workaround = models.TextField(blank=True)
    exclusion_reason = models.TextField(blank=True)
    #: The execution that proved the fix (a pass after the issue was ready for retest).
    retest_execution = models.ForeignKey(
        "testing.Execution", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    triaged_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True, help_text="Closed, excluded or accepted")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["programme", "status", "category"], name="testing_issue_board"),
            models.Index(fields=["phase", "status", "category"], name="testing_issue_phase"),
            models.Index(fields=["participation", "status"], name="testing_issue_part"),
            models.Index(fields=["owner", "status"], name="testing_issue_owner"),
            models.Index(fields=["raised_by_organisation", "status"], name="testing_issue_raiser"),
            models.Index(fields=["-created_at", "-id"], name="testing_issue_created"),
        ]

    def __str__(self) -> str:
        return f"{self.reference}: {self.summary}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_ISSUE_STATUSES


class TriageDecision(models.Model):
    """One triage decision on a testing issue: what changed (category, root cause, owner, status), by whom,
    and why. Read by assurers to check no party is given precedence (GV-57, digest §10.17)."""

    issue = models.ForeignKey(TestingIssue, on_delete=models.CASCADE, related_name="decisions")
    decided_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_by_organisation = models.ForeignKey(
        "parties.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=30, help_text="triage, escalate, determine, outcome, reopen, …")
    changes = models.JSONField(default=dict, help_text='{"field": [before, after]}')
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["issue", "decided_at", "id"]
        indexes = [models.Index(fields=["issue", "decided_at"], name="testing_decision_issue")]

    def __str__(self) -> str:
        return f"{self.kind} on {self.issue_id}"

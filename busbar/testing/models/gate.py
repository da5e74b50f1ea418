"""Quality gates and test completion reports (digest §6.2, TA-05…TA-12).

A phase has entry and exit **gates**; each gate a checklist of **criteria** as data (e.g. the operational
readiness list, TA-07), manual ones assessed with evidence, automatic ones computed from the data (no open
category 1 issues, mandatory scenarios passed by every cohort member, a completion report approved, the
cohort exit rule of TA-09). The named board records a **decision** (go, go with conditions, no-go); its
**conditions** are tracked to closure. A **completion report** is generated from the data, then approved
or rejected through a recorded decision (TA-11, TA-12).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class GateKind(models.TextChoices):
    ENTRY = "entry", "Entry"
    EXIT = "exit", "Exit"


class GateStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    GO = "go", "Go"
    GO_WITH_CONDITIONS = "go_with_conditions", "Go with conditions"
    NO_GO = "no_go", "No-go"


class Gate(models.Model):
    phase = models.ForeignKey("testing.Phase", on_delete=models.CASCADE, related_name="gates")
    kind = models.CharField(max_length=10, choices=GateKind.choices)
    name = models.CharField(max_length=200)
    #: The board that decides it (its people record the decision), e.g. the SIT quality gate board.
    board = models.ForeignKey("parties.Organisation", on_delete=models.PROTECT, related_name="+")
    board_label = models.CharField(max_length=120, blank=True, help_text="e.g. 'CSS and SI P&M quality gate'")
    planned_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=GateStatus.choices, default=GateStatus.PENDING)
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["phase", "kind", "planned_date", "id"]
        indexes = [models.Index(fields=["phase", "kind"], name="testing_gate_phase")]

    def __str__(self) -> str:
        return self.name


class AutoRule(models.TextChoices):
    """How an automatic criterion is computed from the data."""

    MANUAL = "", "Assessed by hand, with evidence"
    NO_OPEN_CAT1 = "no_open_cat1", "No open category 1 testing issues"
    NO_OPEN_CAT1_2 = "no_open_cat1_2", "No open category 1 or 2 testing issues"
    MANDATORY_PASS_RATE = (
        "mandatory_pass_rate",
        "Every cohort member passed its mandatory scenarios (≥ threshold %)",
    )
    COHORT_COMPLETE = "cohort_complete", "The phase's exit rule is met (e.g. one cohort complete, TA-09)"
    REPORT_APPROVED = "report_approved", "A completion report of the named phase is approved"
    ALL_ENTERED = "all_entered", "Every mandatory participant has entered"


class CriterionStatus(models.TextChoices):
    NOT_ASSESSED = "not_assessed", "Not assessed"
    MET = "met", "Met"
    NOT_MET = "not_met", "Not met"
    WAIVED = "waived", "Waived"


class Criterion(models.Model):
    gate = models.ForeignKey(Gate, on_delete=models.CASCADE, related_name="criteria")
    order = models.PositiveSmallIntegerField(default=0)
    text = models.CharField(max_length=300)
    mandatory = models.BooleanField(default=True)
    auto_rule = models.CharField(max_length=30, choices=AutoRule.choices, blank=True)
    #: For REPORT_APPROVED: the phase whose completion report must be approved (e.g. PIT).
    rule_phase = models.ForeignKey(
        "testing.Phase", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    #: For MANDATORY_PASS_RATE: the percentage (default: the phase's pass threshold).
    threshold = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    #: Manual criteria: the assessment and its evidence (files in Evidence, or a note naming where).
    status = models.CharField(
        max_length=20, choices=CriterionStatus.choices, default=CriterionStatus.NOT_ASSESSED
    )
    evidence_note = models.TextField(blank=True)
    assessed_at = models.DateTimeField(null=True, blank=True)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["gate", "order", "id"]

    def __str__(self) -> str:
        return self.text

    @property
    def is_automatic(self) -> bool:
        return bool(self.auto_rule)


class GateDecision(models.Model):
    """A board's decision on a gate, with the criteria as they stood (``criteria``: a snapshot)."""

    gate = models.ForeignKey(Gate, on_delete=models.CASCADE, related_name="decisions")
    outcome = models.CharField(max_length=20, choices=GateStatus.choices)
    note = models.TextField(blank=True)
    criteria = models.JSONField(default=list)
    decided_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_by_organisation = models.ForeignKey(
        "parties.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["gate", "-decided_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} on {self.decided_at:%Y-%m-%d}"


class ConditionStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class GateCondition(models.Model):
    """A condition of a 'go with conditions' decision, tracked to closure."""

    gate = models.ForeignKey(Gate, on_delete=models.CASCADE, related_name="conditions")
    decision = models.ForeignKey(GateDecision, on_delete=models.CASCADE, related_name="conditions")
    text = models.CharField(max_length=500)
    owner = models.ForeignKey("parties.Organisation", on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=ConditionStatus.choices, default=ConditionStatus.OPEN)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closing_note = models.TextField(blank=True)

    class Meta:
        ordering = ["gate", "status", "due_on", "id"]
        indexes = [models.Index(fields=["owner", "status"], name="testing_condition_owner")]

    def __str__(self) -> str:
        return self.text


class ReportStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted for approval"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Not approved"


REPORT_TRANSITIONS: dict[str, set[str]] = {
    ReportStatus.DRAFT: {ReportStatus.SUBMITTED},
    ReportStatus.SUBMITTED: {ReportStatus.APPROVED, ReportStatus.REJECTED, ReportStatus.DRAFT},
    ReportStatus.REJECTED: set(),
    ReportStatus.APPROVED: set(),
}


def report_path(instance: CompletionReport, filename: str) -> str:
    return f"testing/reports/{timezone.now():%Y/%m}/{uuid.uuid4().hex}/{filename}"


class CompletionReport(models.Model):
    """A Test Completion Report of a phase (the SI's stage report) or of one participation in it (a
    participant's PIT completion report): scope, results, open issues, exceptions, gate criteria and the
    evidence list, frozen in ``content`` when generated, approved or not through a recorded decision."""

    phase = models.ForeignKey("testing.Phase", on_delete=models.PROTECT, related_name="reports")
    participation = models.ForeignKey(
        "testing.Participation", null=True, blank=True, on_delete=models.PROTECT, related_name="reports"
    )
    version = models.PositiveIntegerField(default=1)
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True, help_text="The author's summary and recommendation")
    exceptions = models.TextField(blank=True, help_text="Exceptions and deviations from the approach")
    content = models.JSONField(default=dict)
    status = models.CharField(max_length=20, choices=ReportStatus.choices, default=ReportStatus.DRAFT)
    generated_at = models.DateTimeField(default=timezone.now)
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    generated_by_organisation = models.ForeignKey(
        "parties.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_by_organisation = models.ForeignKey(
        "parties.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decision_note = models.TextField(blank=True)
    pdf = models.FileField(upload_to=report_path, max_length=300, blank=True)

    class Meta:
        ordering = ["phase", "participation", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["phase", "participation", "version"], name="testing_unique_report_version"
            ),
            models.UniqueConstraint(
                fields=["phase", "version"],
                condition=models.Q(participation__isnull=True),
                name="testing_unique_phase_report_version",
            ),
        ]
        indexes = [models.Index(fields=["phase", "status"], name="testing_report_status")]

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"

"""Migration plans (QM-15…QM-24): each segment's window (from M11/M12 to M15, reverse migration until M14),
the migration thresholds as data with effective dates (QM-22: the values are the Migration Working Group's),
and each supplier's planned MPAN volumes per day, distributor and agent."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class Segment(models.TextChoices):
    SMART = "smart", "Smart"
    NON_SMART = "non_smart", "Non-smart"
    ADVANCED = "advanced", "Advanced"
    UNMETERED = "unmetered", "Unmetered"


class SegmentWindow(models.Model):
    """When a segment migrates (QM-18): from ``opens`` (M11 or M12) to ``closes`` (M15); reverse migration
    allowed until ``reverse_until`` (M14, QM-16)."""

    programme = models.ForeignKey(
        "testing.Programme", on_delete=models.CASCADE, related_name="segment_windows"
    )
    segment = models.CharField(max_length=12, choices=Segment.choices)
    opens = models.DateField()
    reverse_until = models.DateField(help_text="M14: no reverse migration after this day")
    closes = models.DateField(help_text="M15: every MPAN of the segment migrated by this day")

    class Meta:
        ordering = ["programme", "opens", "segment"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "segment"], name="mig_unique_segment_window")
        ]

    def __str__(self) -> str:
        return f"{self.get_segment_display()} {self.opens}–{self.closes}"


class ThresholdScope(models.TextChoices):
    INDUSTRY = "industry", "Industry-wide daily cap"
    DISTRIBUTOR = "distributor", "Per distributor (DNO) daily cap"
    AGENT = "agent", "Per agent daily cap"
    SUPPLIER = "supplier", "Per supplier daily envelope"


class Threshold(models.Model):
    """A migration threshold in force from ``effective_from`` (to ``effective_to`` inclusive, or open):
    the most MPANs planned for one day in its scope — industry-wide, one distributor area (``distributor``,
    the 2-digit distributor ID), one agent or one supplier (``organisation``) — for one segment or all
    (``segment`` blank). On a day, the rule of a scope and subject with the latest ``effective_from``
    applies."""

    programme = models.ForeignKey(
        "testing.Programme", on_delete=models.CASCADE, related_name="migration_thresholds"
    )
    scope = models.CharField(max_length=12, choices=ThresholdScope.choices)
    segment = models.CharField(max_length=12, choices=Segment.choices, blank=True, default="")
    distributor = models.CharField(max_length=2, blank=True, default="")
    organisation = models.ForeignKey(
        "parties.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    daily_max = models.PositiveIntegerField()
    effective_from = models.DateField()
    effective_to = models.DateField(null=True, blank=True)
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["programme", "scope", "distributor", "organisation__name", "effective_from"]
        indexes = [models.Index(fields=["programme", "scope", "effective_from"], name="mig_threshold_scope")]

    def __str__(self) -> str:
        subject = self.distributor or (self.organisation.name if self.organisation_id else "")
        return f"{self.get_scope_display()} {subject} {self.daily_max:,}/day from {self.effective_from}"


class PlanStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    ACCEPTED = "accepted", "Accepted"
    RETURNED = "returned", "Returned for changes"


#: Plan status changes; anything else is refused with IllegalTransition (409). A re-profile by the
#: programme keeps the status and raises the version.
PLAN_TRANSITIONS: dict[str, set[str]] = {
    PlanStatus.DRAFT: {PlanStatus.SUBMITTED},
    PlanStatus.SUBMITTED: {PlanStatus.ACCEPTED, PlanStatus.RETURNED},
    PlanStatus.RETURNED: {PlanStatus.SUBMITTED},
    PlanStatus.ACCEPTED: {PlanStatus.SUBMITTED},  # the supplier submits a new profile
}


class MigrationPlan(models.Model):
    """A supplier's migration plan for one segment: MPANs per day (its :class:`PlanLine` rows), inside the
    segment's window, checked against the thresholds."""

    programme = models.ForeignKey(
        "testing.Programme", on_delete=models.CASCADE, related_name="migration_plans"
    )
    supplier = models.ForeignKey("parties.Organisation", on_delete=models.PROTECT, related_name="+")
    segment = models.CharField(max_length=12, choices=Segment.choices)
    status = models.CharField(max_length=12, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    version = models.PositiveIntegerField(default=1)
    note = models.TextField(blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["programme", "supplier__name", "segment"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "supplier", "segment"], name="mig_unique_plan")
        ]
        indexes = [models.Index(fields=["supplier"], name="mig_plan_supplier")]

    def __str__(self) -> str:
        return f"{self.supplier} {self.get_segment_display()} plan v{self.version}"


class PlanLine(models.Model):
    """MPANs a plan migrates on one day in one distributor area through one agent (``agent`` null: the
    supplier has not said)."""

    plan = models.ForeignKey(MigrationPlan, on_delete=models.CASCADE, related_name="lines")
    day = models.DateField()
    distributor = models.CharField(max_length=2)
    agent = models.ForeignKey(
        "parties.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    volume = models.PositiveIntegerField()

    class Meta:
        ordering = ["plan", "day", "distributor"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "day", "distributor", "agent"],
                name="mig_unique_plan_line",
                nulls_distinct=False,
            )
        ]
        indexes = [
            models.Index(fields=["day", "distributor"], name="mig_planline_day_dist"),
            models.Index(fields=["agent", "day"], name="mig_planline_agent_day"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.distributor}: {self.volume}"


class PlanDay(models.Model):
    """A plan's total MPANs on one day (all distributors and agents): kept by the plan actions whenever
    the lines change, so the progress pages sum a few rows per plan and day, not every line."""

    plan = models.ForeignKey(MigrationPlan, on_delete=models.CASCADE, related_name="days")
    day = models.DateField()
    volume = models.PositiveIntegerField()

    class Meta:
        ordering = ["plan", "day"]
        constraints = [models.UniqueConstraint(fields=["plan", "day"], name="mig_unique_plan_day")]
        indexes = [models.Index(fields=["day"], name="mig_planday_day")]

    def __str__(self) -> str:
        return f"{self.plan_id} {self.day}: {self.volume}"

"""The operational risk register (SL-08) and the continual service improvement register (SL-07), both on
the record kernel (references, conversation, attachments, links to services' problems and incidents,
watchers, history), and service reviews with providers (SL-09, SL-10) as meetings with an action log."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

SCORE = [MinValueValidator(1), MaxValueValidator(5)]


class RiskStatus(models.TextChoices):
    OPEN = "open", "Open"
    MITIGATING = "mitigating", "Mitigating"
    ACCEPTED = "accepted", "Accepted"
    CLOSED = "closed", "Closed"


RISK_TRANSITIONS: dict[str, set[str]] = {
    RiskStatus.OPEN: {RiskStatus.MITIGATING, RiskStatus.ACCEPTED, RiskStatus.CLOSED},
    RiskStatus.MITIGATING: {RiskStatus.OPEN, RiskStatus.ACCEPTED, RiskStatus.CLOSED},
    RiskStatus.ACCEPTED: {RiskStatus.MITIGATING, RiskStatus.CLOSED},
    RiskStatus.CLOSED: {RiskStatus.OPEN},
}


class CsiStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    APPROVED = "approved", "Approved"
    IN_PROGRESS = "in_progress", "In progress"
    IMPLEMENTED = "implemented", "Implemented"
    CLOSED = "closed", "Closed (benefit reviewed)"
    REJECTED = "rejected", "Rejected"


CSI_TRANSITIONS: dict[str, set[str]] = {
    CsiStatus.PROPOSED: {CsiStatus.APPROVED, CsiStatus.REJECTED},
    CsiStatus.APPROVED: {CsiStatus.IN_PROGRESS, CsiStatus.REJECTED},
    CsiStatus.IN_PROGRESS: {CsiStatus.IMPLEMENTED, CsiStatus.APPROVED},
    CsiStatus.IMPLEMENTED: {CsiStatus.CLOSED, CsiStatus.IN_PROGRESS},
    CsiStatus.CLOSED: set(),
    CsiStatus.REJECTED: {CsiStatus.PROPOSED},
}


class RegisterItem(models.Model):
    """What a risk and an improvement share: a kernel record, an owner, scores, services and KPIs."""

    reference = models.CharField(max_length=20, unique=True, editable=False)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    #: The organisation that owns the item (the operator, or the provider that raised it).
    organisation = models.ForeignKey("parties.Organisation", on_delete=models.PROTECT, related_name="+")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    likelihood = models.PositiveSmallIntegerField(validators=SCORE, default=3)
    impact = models.PositiveSmallIntegerField(validators=SCORE, default=3)
    #: likelihood × impact (1–25), stored for sorting and filtering.
    score = models.PositiveSmallIntegerField(default=9)
    services = models.ManyToManyField("services.Service", blank=True, related_name="+")
    #: KPI codes (busbar.reports.kpis) the item bears on.
    kpis = models.JSONField(default=list, blank=True)
    review_by = models.DateField(null=True, blank=True)
    last_reviewed_at = models.DateTimeField(null=True, blank=True)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.reference}: {self.title}"


class Risk(RegisterItem):
    """An operational risk to the switching service (SL-08): likelihood × impact, mitigations, owner."""

    class Category(models.TextChoices):
        AVAILABILITY = "availability", "Availability"
        PERFORMANCE = "performance", "Performance"
        SECURITY = "security", "Security"
        SUPPLIER = "supplier", "Supplier"
        CAPACITY = "capacity", "Capacity"
        PROCESS = "process", "Process"
        REGULATORY = "regulatory", "Regulatory"

    record = models.OneToOneField("records.Record", on_delete=models.PROTECT, related_name="risk")
    category = models.CharField(max_length=20, choices=Category.choices, default=Category.AVAILABILITY)
    status = models.CharField(max_length=20, choices=RiskStatus.choices, default=RiskStatus.OPEN)
    mitigations = models.TextField(blank=True)
    #: Scores once the mitigations are in place (target risk).
    residual_likelihood = models.PositiveSmallIntegerField(validators=SCORE, null=True, blank=True)
    residual_impact = models.PositiveSmallIntegerField(validators=SCORE, null=True, blank=True)

    class Meta:
        ordering = ["-score", "reference"]
        indexes = [
            models.Index(fields=["status", "-score"], name="risk_status_score"),
            models.Index(fields=["organisation", "status"], name="risk_org_status"),
            models.Index(fields=["review_by"], name="risk_review_by"),
        ]


class Improvement(RegisterItem):
    """A continual service improvement opportunity through its life (SL-07): the benefit it should bring,
    scored likelihood of success × impact of the benefit."""

    class Source(models.TextChoices):
        KPI_REPORT = "kpi_report", "KPI report"
        SERVICE_REVIEW = "service_review", "Service review"
        PROVIDER = "provider", "Provider recommendation"
        INCIDENT_TREND = "incident_trend", "Incident or problem trend"
        PARTICIPANT = "participant", "Participant feedback"

    record = models.OneToOneField("records.Record", on_delete=models.PROTECT, related_name="improvement")
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.KPI_REPORT)
    status = models.CharField(max_length=20, choices=CsiStatus.choices, default=CsiStatus.PROPOSED)
    benefits = models.TextField(blank=True)
    #: What the improvement achieved, recorded when it is closed.
    outcome = models.TextField(blank=True)
    target_date = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-score", "reference"]
        indexes = [
            models.Index(fields=["status", "-score"], name="csi_status_score"),
            models.Index(fields=["organisation", "status"], name="csi_org_status"),
        ]


class ServiceReview(models.Model):
    """A service review with one provider (SL-10): when, who, the KPIs discussed (the month's report),
    minutes, and an action log whose actions may lead to improvements."""

    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        HELD = "held", "Held"
        CANCELLED = "cancelled", "Cancelled"

    provider = models.ForeignKey(
        "parties.Organisation", on_delete=models.PROTECT, related_name="service_reviews"
    )
    title = models.CharField(max_length=200)
    held_on = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PLANNED)
    chair = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    attendees = models.TextField(blank=True)
    #: The month whose KPIs are reviewed (first day).
    period = models.DateField(null=True, blank=True)
    agenda = models.TextField(blank=True)
    minutes = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-held_on", "id"]
        indexes = [models.Index(fields=["provider", "-held_on"], name="review_provider_held")]

    def __str__(self) -> str:
        return self.title


class ReviewAction(models.Model):
    """An action agreed at a service review: owner, due date, done or open; optionally the improvement it
    feeds."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        DONE = "done", "Done"
        DROPPED = "dropped", "Dropped"

    review = models.ForeignKey(ServiceReview, on_delete=models.CASCADE, related_name="actions")
    text = models.CharField(max_length=500)
    owner_organisation = models.ForeignKey("parties.Organisation", on_delete=models.PROTECT, related_name="+")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    due_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    improvement = models.ForeignKey(
        Improvement, null=True, blank=True, on_delete=models.SET_NULL, related_name="review_actions"
    )
    done_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["due_on", "id"]

    def __str__(self) -> str:
        return self.text

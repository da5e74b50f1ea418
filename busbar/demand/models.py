"""Demand management (RQ-15…RQ-21): suppliers and providers declare unusual demand before they cause it;
the operator analyses it against each service's tolerance, tells the affected providers, may ask for
mitigation and records whether it was complied with.

A :class:`DemandNotice` (DMN0000001…) stands on the record kernel. Its lines (:class:`DemandLine`) give the
expected volume per day on each affected service against the filer's normal; a line above the service's
tolerance (:class:`DemandTolerance`, as data with effective dates) flags the notice.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class DemandTolerance(models.Model):
    """How much unusual demand a service absorbs without notice: a filer's expected daily volume above
    ``normal_daily_volume × (1 + tolerance_percent/100)`` or above ``max_daily_volume`` is over tolerance."""

    service = models.ForeignKey("services.Service", on_delete=models.CASCADE, related_name="+")
    effective_from = models.DateField()
    #: The industry-wide normal daily volume of the service's transactions (for the trend chart).
    normal_daily_volume = models.PositiveIntegerField(default=0)
    #: Per filer: a notice line more than this percentage above the filer's own normal is over tolerance.
    tolerance_percent = models.PositiveSmallIntegerField(default=20)
    #: Per filer, absolute: any expected daily volume above this is over tolerance (0: no absolute cap).
    max_daily_volume = models.PositiveIntegerField(default=0)
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["service", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["service", "effective_from"], name="unique_tolerance_from")
        ]

    def __str__(self) -> str:
        return f"{self.service} from {self.effective_from}: +{self.tolerance_percent}%"


class DemandReason(models.TextChoices):
    MARKETING = "marketing", "Marketing campaign"
    TARIFF = "tariff", "Tariff or price change"
    MIGRATION = "migration", "Portfolio migration or acquisition"
    SUPPLIER_OF_LAST_RESORT = "solr", "Supplier of last resort"
    CATCH_UP = "catch_up", "Backlog catch-up after an outage"
    SYSTEM_CHANGE = "system_change", "System change or release"
    OTHER = "other", "Other"


class DemandStatus(models.TextChoices):
    FILED = "filed", "Filed"
    UNDER_ANALYSIS = "under_analysis", "Under analysis"
    PROVIDERS_NOTIFIED = "providers_notified", "Providers notified"
    MITIGATION_REQUESTED = "mitigation_requested", "Mitigation requested"
    CLOSED = "closed", "Closed"
    WITHDRAWN = "withdrawn", "Withdrawn"


DEMAND_TRANSITIONS: dict[str, set[str]] = {
    DemandStatus.FILED: {
        DemandStatus.UNDER_ANALYSIS,
        DemandStatus.WITHDRAWN,
        DemandStatus.PROVIDERS_NOTIFIED,
    },
    DemandStatus.UNDER_ANALYSIS: {
        DemandStatus.PROVIDERS_NOTIFIED,
        DemandStatus.MITIGATION_REQUESTED,
        DemandStatus.CLOSED,
        DemandStatus.WITHDRAWN,
    },
    DemandStatus.PROVIDERS_NOTIFIED: {DemandStatus.MITIGATION_REQUESTED, DemandStatus.CLOSED},
    DemandStatus.MITIGATION_REQUESTED: {DemandStatus.CLOSED, DemandStatus.PROVIDERS_NOTIFIED},
    DemandStatus.CLOSED: {DemandStatus.UNDER_ANALYSIS},
    DemandStatus.WITHDRAWN: set(),
}


class Compliance(models.TextChoices):
    UNKNOWN = "", "Not recorded"
    COMPLIED = "complied", "Complied"
    PARTLY = "partly", "Partly complied"
    DID_NOT = "did_not", "Did not comply"
    NOT_NEEDED = "not_needed", "No mitigation needed"


class DemandNotice(models.Model):
    record = models.OneToOneField("records.Record", on_delete=models.PROTECT, related_name="demand_notice")
    reference = models.CharField(max_length=20, unique=True, editable=False)
    title = models.CharField(max_length=200)
    #: The filing organisation (a supplier, or a provider reporting excessive demand on its service).
    organisation = models.ForeignKey("parties.Organisation", on_delete=models.PROTECT, related_name="+")
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    starts_on = models.DateField()
    ends_on = models.DateField()
    reason = models.CharField(max_length=20, choices=DemandReason.choices, default=DemandReason.MARKETING)
    description = models.TextField(blank=True)
    status = models.CharField(max_length=30, choices=DemandStatus.choices, default=DemandStatus.FILED)
    #: Set from the lines when filed or changed: any line over its service's tolerance.
    above_tolerance = models.BooleanField(default=False)
    #: The operator's analysis, shared with the filer.
    analysis = models.TextField(blank=True)
    mitigation_requested = models.TextField(blank=True)
    mitigation_requested_at = models.DateTimeField(null=True, blank=True)
    filer_response = models.TextField(blank=True)
    compliance = models.CharField(max_length=20, choices=Compliance.choices, default="", blank=True)
    providers_notified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "-created_at"], name="demand_status_created"),
            models.Index(fields=["organisation", "-created_at"], name="demand_org_created"),
            models.Index(fields=["starts_on", "ends_on"], name="demand_period"),
        ]

    def __str__(self) -> str:
        return f"{self.reference}: {self.title}"


class DemandLine(models.Model):
    notice = models.ForeignKey(DemandNotice, on_delete=models.CASCADE, related_name="lines")
    service = models.ForeignKey("services.Service", on_delete=models.PROTECT, related_name="+")
    #: The filer's normal daily volume on the service, and what it expects per day in the period.
    normal_per_day = models.PositiveIntegerField()
    expected_per_day = models.PositiveIntegerField()
    #: Set when filed: whether this line is over the tolerance in force on the notice's first day.
    above_tolerance = models.BooleanField(default=False)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["notice", "service"], name="unique_demand_line")]

    def __str__(self) -> str:
        return f"{self.notice_id} {self.service_id}: {self.expected_per_day}/day"

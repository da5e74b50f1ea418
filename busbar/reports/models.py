"""Service level management: the KPI facts measured from the desk's own records, their monthly aggregates,
SLAs and OLAs as data, monthly service reports and providers' KPI returns (seed 001 §5.2, §7.43, §9, §10.9;
digest SL-01…SL-22). The ten KPIs themselves are defined once in :mod:`busbar.reports.kpis`."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

# KPI facts --------------------------------------------------------------------------------


class IncidentFact(models.Model):
    """One incident's measures, derived from its SLA clock log and handovers (:mod:`busbar.reports.facts`)
    and refreshed on commit of every incident action. Months are the first day of the UK calendar month.

    * ``month``: raised; ``resolved_month``: resolved (empty while open); ``escalated_month``: the month the
      resolution target was breached (empty if never).
    * minutes are working minutes on the SLA target's calendar, paused time excluded."""

    incident = models.OneToOneField(
        "incidents.Incident", on_delete=models.CASCADE, primary_key=True, related_name="kpi_fact"
    )
    month = models.DateField()
    resolved_month = models.DateField(null=True, blank=True)
    escalated_month = models.DateField(null=True, blank=True)
    service = models.ForeignKey("services.Service", on_delete=models.PROTECT, related_name="+")
    #: The resolver organisation: the provider holding the incident at resolution (else now); empty if the
    #: desk never passed it on.
    provider = models.ForeignKey(
        "parties.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    #: The participant that raised it.
    organisation = models.ForeignKey("parties.Organisation", on_delete=models.PROTECT, related_name="+")
    severity_code = models.CharField(max_length=10)
    severity_rank = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=30)
    is_major = models.BooleanField(default=False)
    reported_at = models.DateTimeField()
    responded_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    response_minutes = models.PositiveIntegerField(null=True, blank=True)
    response_met = models.BooleanField(null=True)
    resolution_minutes = models.PositiveIntegerField(null=True, blank=True)
    resolution_met = models.BooleanField(null=True)
    escalated = models.BooleanField(default=False)
    paused_minutes = models.PositiveIntegerField(default=0)
    #: Working minutes of the resolution clock the desk held it (the rest is in its segments).
    desk_minutes = models.PositiveIntegerField(default=0)
    source_updated_at = models.DateTimeField()
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["month", "provider"], name="fact_month_provider"),
            models.Index(fields=["resolved_month", "provider"], name="fact_resolved_provider"),
            models.Index(fields=["escalated_month", "provider"], name="fact_escalated_provider"),
            models.Index(fields=["organisation", "month"], name="fact_org_month"),
            models.Index(fields=["service", "month"], name="fact_service_month"),
        ]

    def __str__(self) -> str:
        return f"KPI facts of incident {self.incident_id}"


class FactSegment(models.Model):
    """Working minutes of an incident's resolution clock while one party held it (SL-12, SL-21): the desk
    (``provider`` empty) or a provider. Counted in the incident's resolution month."""

    fact = models.ForeignKey(IncidentFact, on_delete=models.CASCADE, related_name="segments")
    provider = models.ForeignKey(
        "parties.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    minutes = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["provider", "fact"], name="seg_provider_fact")]

    def __str__(self) -> str:
        return f"{self.minutes} min with {self.provider_id or 'desk'}"


class KpiMonth(models.Model):
    """Monthly aggregate of the incident facts by provider, service and severity, kept incrementally
    (:func:`busbar.reports.aggregates.refresh_months`) so the 13-month trends read a few hundred rows.
    A test proves the kept aggregates equal a full recomputation."""

    month = models.DateField()
    provider = models.ForeignKey(
        "parties.Organisation", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    service = models.ForeignKey("services.Service", on_delete=models.CASCADE, related_name="+")
    severity_code = models.CharField(max_length=10)
    raised = models.PositiveIntegerField(default=0)
    majors = models.PositiveIntegerField(default=0)
    responded = models.PositiveIntegerField(default=0)
    response_minutes = models.BigIntegerField(default=0)
    response_met = models.PositiveIntegerField(default=0)
    resolved = models.PositiveIntegerField(default=0)
    resolution_minutes = models.BigIntegerField(default=0)
    resolution_met = models.PositiveIntegerField(default=0)
    escalated = models.PositiveIntegerField(default=0)
    desk_minutes = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "provider", "service", "severity_code"], name="kpimonth_unique"
            )
        ]
        indexes = [models.Index(fields=["month", "provider"], name="kpimonth_month_provider")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.provider_id} {self.service_id} {self.severity_code}"


# SLAs and OLAs --------------------------------------------------------------------------------


class Agreement(models.Model):
    """An SLA towards participants for a service, or an OLA between the operator and a provider (SL-01,
    SL-19): targets per KPI, optionally per severity. Every report shows met / missed per target."""

    class Kind(models.TextChoices):
        SLA = "sla", "Service level agreement"
        OLA = "ola", "Operational level agreement"

    kind = models.CharField(max_length=3, choices=Kind.choices)
    name = models.CharField(max_length=200)
    #: An SLA's service (empty: the end-to-end switching service).
    service = models.ForeignKey(
        "services.Service", null=True, blank=True, on_delete=models.PROTECT, related_name="agreements"
    )
    #: An OLA's provider.
    provider = models.ForeignKey(
        "parties.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="agreements"
    )
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["kind", "name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind="sla", provider__isnull=True)
                | models.Q(kind="ola", provider__isnull=False),
                name="agreement_kind_party",
            )
        ]

    def __str__(self) -> str:
        return self.name


class AgreementTarget(models.Model):
    """One target of an agreement: a KPI (code from :mod:`busbar.reports.kpis`), optionally one severity,
    and a value. Whether higher or lower is better is the KPI's (availability at least, times at most)."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="targets")
    kpi = models.CharField(max_length=40)
    severity_code = models.CharField(max_length=10, blank=True, help_text="Empty: every severity")
    value = models.DecimalField(max_digits=12, decimal_places=3)

    class Meta:
        ordering = ["kpi", "severity_code", "id"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "kpi", "severity_code"], name="target_unique")
        ]

    def __str__(self) -> str:
        return f"{self.kpi} {self.severity_code or 'all'} {self.value}"


# Monthly service reports --------------------------------------------------------------------------------


class ServiceReportStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"


#: draft → published; a published report never changes (409).
REPORT_TRANSITIONS: dict[str, set[str]] = {
    ServiceReportStatus.DRAFT: {ServiceReportStatus.PUBLISHED},
    ServiceReportStatus.PUBLISHED: set(),
}


class ServiceReport(models.Model):
    """The monthly service report for the operator (``provider`` empty: end to end, every provider) or for
    one provider (SL-04, SL-05). Generated on the first working day of the next month by the worker, or on
    demand; regenerated while a draft; immutable once published. ``content`` is the snapshot the pages
    and the PDF draw (:mod:`busbar.reports.monthly`)."""

    month = models.DateField(help_text="The first day of the month reported on")
    provider = models.ForeignKey(
        "parties.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="service_reports",
    )
    status = models.CharField(
        max_length=10, choices=ServiceReportStatus.choices, default=ServiceReportStatus.DRAFT
    )
    content = models.JSONField(default=dict)
    generated_at = models.DateTimeField(default=timezone.now)
    # Commentary the operator writes before publishing.
    summary = models.TextField(blank=True)
    highlights = models.TextField(blank=True)
    concerns = models.TextField(blank=True)
    improvements = models.TextField(blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-month", "provider__name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["month", "provider"], name="report_month_provider"),
            models.UniqueConstraint(
                fields=["month"], condition=models.Q(provider__isnull=True), name="report_month_operator"
            ),
        ]

    def __str__(self) -> str:
        who = self.provider.name if self.provider_id else "End to end"
        return f"Service report {self.month:%B %Y}: {who}"


class ReportSubscription(models.Model):
    """A person told (by email, one message each) when a monthly report they may read is published:
    the end-to-end report (``provider`` empty) or one provider's."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    provider = models.ForeignKey(
        "parties.Organisation", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "provider"], name="report_sub_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.provider_id or 'end to end'}"


# Provider KPI returns --------------------------------------------------------------------------------


class ReturnSchedule(models.Model):
    """What a provider must return and when (SL-05): the KPIs (codes, including ones Busbar does not measure
    itself), monthly or quarterly, due a number of working days after the period ends; late returns are
    chased every ``chase_every_days`` days."""

    class Frequency(models.TextChoices):
        MONTHLY = "monthly", "Monthly"
        QUARTERLY = "quarterly", "Quarterly"

    provider = models.OneToOneField(
        "parties.Organisation", on_delete=models.CASCADE, related_name="kpi_schedule"
    )
    kpis = models.JSONField(default=list, help_text="KPI codes the provider returns")
    frequency = models.CharField(max_length=10, choices=Frequency.choices, default=Frequency.MONTHLY)
    due_working_days = models.PositiveSmallIntegerField(default=5)
    calendar = models.ForeignKey("services.Calendar", on_delete=models.PROTECT, related_name="+")
    chase_every_days = models.PositiveSmallIntegerField(default=2)
    is_active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"KPI returns of {self.provider}"


class ReturnStatus(models.TextChoices):
    DUE = "due", "Due"
    SUBMITTED = "submitted", "Submitted"
    ACCEPTED = "accepted", "Accepted"


RETURN_TRANSITIONS: dict[str, set[str]] = {
    ReturnStatus.DUE: {ReturnStatus.SUBMITTED},
    ReturnStatus.SUBMITTED: {ReturnStatus.SUBMITTED, ReturnStatus.ACCEPTED},
    ReturnStatus.ACCEPTED: set(),
}


class KpiReturn(models.Model):
    """One provider's KPI summary for one period (the month, or a quarter's first month)."""

    schedule = models.ForeignKey(ReturnSchedule, on_delete=models.PROTECT, related_name="returns")
    provider = models.ForeignKey("parties.Organisation", on_delete=models.PROTECT, related_name="kpi_returns")
    period_start = models.DateField()
    period_end = models.DateField(help_text="The last day of the period")
    status = models.CharField(max_length=10, choices=ReturnStatus.choices, default=ReturnStatus.DUE)
    due_at = models.DateTimeField()
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    channel = models.CharField(max_length=10, blank=True, help_text="form, csv or api")
    is_late = models.BooleanField(default=False)
    chased_at = models.DateTimeField(null=True, blank=True)
    chase_count = models.PositiveSmallIntegerField(default=0)
    note = models.TextField(blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-period_start", "provider__name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "period_start"], name="return_provider_period")
        ]
        indexes = [models.Index(fields=["status", "due_at"], name="return_status_due")]

    def __str__(self) -> str:
        return f"KPI return {self.period_start:%Y-%m} of {self.provider}"


class KpiReturnLine(models.Model):
    """One returned figure: a KPI, optionally a service and a severity, and its value."""

    kpi_return = models.ForeignKey(KpiReturn, on_delete=models.CASCADE, related_name="lines")
    kpi = models.CharField(max_length=40)
    service = models.ForeignKey(
        "services.Service", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    severity_code = models.CharField(max_length=10, blank=True)
    value = models.DecimalField(max_digits=14, decimal_places=3)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["kpi", "service_id", "severity_code", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kpi_return", "kpi", "service", "severity_code"], name="return_line_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kpi} = {self.value}"

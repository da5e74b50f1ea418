"""The service catalogue, support calendars and SLA policies.

Severity schemes, calendars and targets are data, not code: the REC's four severities and SEC's five
incident categories are both just rows.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from busbar.lib.worktime import WorkingCalendar, england_wales_bank_holidays


class Calendar(models.Model):
    """When a clock runs: all the time, or working hours per weekday in UK time, minus closures."""

    class Kind(models.TextChoices):
        ALWAYS = "24x7", "24 hours, 7 days"
        WORKING_HOURS = "working_hours", "Working hours"

    name = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.ALWAYS)
    # {"0": [["08:00", "18:00"]], …, "6": []} — weekday 0 is Monday; local (Europe/London) wall-clock times.
    weekly_hours = models.JSONField(default=dict, blank=True)
    bank_holidays = models.BooleanField(default=True, help_text="Closed on England & Wales bank holidays")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def working_calendar(self, years: range | None = None) -> WorkingCalendar:
        """The arithmetic form of this calendar (closures and bank holidays for the years given)."""
        if self.kind == self.Kind.ALWAYS:
            return WorkingCalendar.twenty_four_seven(name=self.name)
        if years is None:
            this_year = timezone.now().year
            years = range(this_year - 2, this_year + 3)
        closed = {c.date for c in self.closures.all()}
        if self.bank_holidays:
            closed |= england_wales_bank_holidays(years)
        weekly = {
            int(day): [(dt.time.fromisoformat(a), dt.time.fromisoformat(b)) for a, b in windows]
            for day, windows in self.weekly_hours.items()
        }
        return WorkingCalendar.working_hours(name=self.name, weekly=weekly, closures=closed)


class CalendarClosure(models.Model):
    """An extra day on which a working-hours calendar is closed (beyond bank holidays)."""

    calendar = models.ForeignKey(Calendar, on_delete=models.CASCADE, related_name="closures")
    date = models.DateField()
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["calendar", "date"], name="unique_closure")]

    def __str__(self) -> str:
        return f"{self.calendar}: closed {self.date:%d %b %Y}"


class SeverityScheme(models.Model):
    """A set of severities, e.g. the REC's 1–4 or SEC's five incident categories."""

    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Severity(models.Model):
    """One level of a scheme. ``rank`` 1 is the most severe. ``is_major`` opens a major incident."""

    scheme = models.ForeignKey(SeverityScheme, on_delete=models.CASCADE, related_name="severities")
    code = models.CharField(max_length=10)
    label = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    rank = models.PositiveSmallIntegerField()
    is_major = models.BooleanField(default=False)

    class Meta:
        ordering = ["scheme", "rank"]
        verbose_name_plural = "severities"
        constraints = [
            models.UniqueConstraint(fields=["scheme", "code"], name="unique_severity_code"),
            models.UniqueConstraint(fields=["scheme", "rank"], name="unique_severity_rank"),
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.label}"


class SlaPolicy(models.Model):
    """Response and resolution targets per severity, each measured on a named calendar."""

    name = models.CharField(max_length=100, unique=True)
    scheme = models.ForeignKey(SeverityScheme, on_delete=models.PROTECT, related_name="policies")
    warning_ratio = models.DecimalField(
        max_digits=3,
        decimal_places=2,
        default=Decimal("0.75"),
        validators=[MinValueValidator(Decimal("0.10")), MaxValueValidator(Decimal("0.99"))],
        help_text="Warn when this share of the target has elapsed",
    )
    is_default = models.BooleanField(default=False, help_text="Given to new services")
    # Bumped by every change to the policy or its targets, so cached target tables know they are stale.
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "SLA policies"
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=models.Q(is_default=True), name="one_default_policy"
            )
        ]

    def __str__(self) -> str:
        return self.name


class SlaTarget(models.Model):
    """How long a clock may run for one severity under one policy."""

    class Clock(models.TextChoices):
        RESPONSE = "response", "Response"
        RESOLUTION = "resolution", "Resolution"

    class Unit(models.TextChoices):
        MINUTES = "minutes", "minutes"
        HOURS = "hours", "hours"
        WORKING_DAYS = "working_days", "working days"

    #: The longest target in each unit: a year (a working year in working days). Past that a target is a
    #: typo, and measuring it could search a sparse calendar for centuries.
    MAX_AMOUNT = {"minutes": 525_600, "hours": 8_760, "working_days": 260}

    policy = models.ForeignKey(SlaPolicy, on_delete=models.CASCADE, related_name="targets")
    severity = models.ForeignKey(Severity, on_delete=models.CASCADE, related_name="targets")
    clock = models.CharField(max_length=20, choices=Clock.choices)
    amount = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    unit = models.CharField(max_length=20, choices=Unit.choices)
    calendar = models.ForeignKey(Calendar, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["policy", "severity__rank", "clock"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "severity", "clock"], name="unique_sla_target")
        ]

    def __str__(self) -> str:
        return f"{self.policy} sev {self.severity.code} {self.clock}: {self.amount} {self.get_unit_display()}"


class ServiceStatus(models.TextChoices):
    OPERATIONAL = "operational", "Operational"
    DEGRADED = "degraded", "Degraded"
    OUTAGE = "outage", "Outage"
    MAINTENANCE = "maintenance", "Planned maintenance"


class Service(models.Model):
    """A service (or a component of one) that participants use and a provider runs."""

    Status = ServiceStatus

    name = models.CharField(max_length=150, unique=True)
    slug = models.SlugField(max_length=60, unique=True)
    description = models.TextField(blank=True)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="components",
        help_text="The service this is a component of",
    )
    provider = models.ForeignKey("parties.Organisation", on_delete=models.PROTECT, related_name="services")
    calendar = models.ForeignKey(
        Calendar, on_delete=models.PROTECT, related_name="+", help_text="Support hours"
    )
    sla_policy = models.ForeignKey(SlaPolicy, on_delete=models.PROTECT, related_name="services")
    depends_on = models.ManyToManyField("self", symmetrical=False, blank=True, related_name="dependants")
    status = models.CharField(
        max_length=20,
        choices=Status.choices,
        default=Status.OPERATIONAL,
        help_text="Set by hand; the status board shows the worse of this and the service's live incidents",
    )
    status_note = models.TextField(blank=True, help_text="Why the status was last set: shown on the board")
    status_changed_at = models.DateTimeField(null=True, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class StatusPeriod(models.Model):
    """A span during which a service's hand-set status was not operational (written by
    ``set_service_status``): what availability reports read for outages set by hand."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="status_periods")
    status = models.CharField(max_length=20, choices=ServiceStatus.choices)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["service", "started_at"]
        indexes = [models.Index(fields=["service", "started_at"], name="svc_status_period")]

    def __str__(self) -> str:
        return f"{self.service_id} {self.status} from {self.started_at:%Y-%m-%d %H:%M}"

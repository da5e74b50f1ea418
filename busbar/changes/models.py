"""Change co-ordination (digest §2, CH-01…CH-28): Change Notifications (CHG…) on the record kernel, the
notice rules and the maintenance and blackout windows they are checked against, conflicts, impact
consultation, the Change Co-ordination Group (CCG) with its meetings and decisions, service
subscriptions and bulletins, calendar-feed tokens and availability targets.

"Change Notification", not "Change Request": a change request is a code or programme change here (D1
§3.17–3.19).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone


class ChangeType(models.TextChoices):
    STANDARD = "standard", "Standard"
    NORMAL = "normal", "Normal"
    MAJOR = "major", "Major"
    EMERGENCY = "emergency", "Emergency"


class ChangeStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    UNDER_REVIEW = "under_review", "Under review"
    MORE_INFO = "more_info", "More information needed"
    ACCEPTED = "accepted", "Accepted (scheduled)"
    REJECTED = "rejected", "Rejected"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"
    BACKED_OUT = "backed_out", "Backed out"
    REVIEWED = "reviewed", "Reviewed"
    CANCELLED = "cancelled", "Cancelled"


S = ChangeStatus
#: The only moves; anything else is IllegalTransition (409). A reschedule keeps an accepted change
#: accepted (its dates move and its conflicts are checked again).
TRANSITIONS: dict[str, set[str]] = {
    S.DRAFT: {S.SUBMITTED, S.CANCELLED},
    S.SUBMITTED: {S.UNDER_REVIEW, S.ACCEPTED, S.REJECTED, S.MORE_INFO, S.CANCELLED},
    S.UNDER_REVIEW: {S.ACCEPTED, S.REJECTED, S.MORE_INFO, S.CANCELLED},
    S.MORE_INFO: {S.SUBMITTED, S.CANCELLED},
    S.ACCEPTED: {S.IN_PROGRESS, S.UNDER_REVIEW, S.CANCELLED},
    S.IN_PROGRESS: {S.COMPLETED, S.FAILED, S.BACKED_OUT},
    S.COMPLETED: {S.REVIEWED},
    S.FAILED: {S.REVIEWED},
    S.BACKED_OUT: {S.REVIEWED},
    S.REJECTED: set(),
    S.REVIEWED: set(),
    S.CANCELLED: set(),
}
#: Waiting for the CCG: on its agenda.
AWAITING_REVIEW = frozenset({S.SUBMITTED, S.UNDER_REVIEW})
#: Published on the forward schedule of change and readable by every participant.
PUBLISHED = frozenset({S.ACCEPTED, S.IN_PROGRESS, S.COMPLETED, S.FAILED, S.BACKED_OUT, S.REVIEWED})
#: Occupying their slot: what a new change conflicts with.
SCHEDULED = frozenset({S.SUBMITTED, S.UNDER_REVIEW, S.MORE_INFO, S.ACCEPTED, S.IN_PROGRESS})
#: Implemented (for the KPIs: number of major and emergency changes implemented).
IMPLEMENTED = frozenset({S.COMPLETED, S.FAILED, S.BACKED_OUT, S.REVIEWED})
#: Where a provider may still edit what it proposes (dates too; a later move is a reschedule).
EDITABLE = frozenset({S.DRAFT, S.MORE_INFO})
ENDED = frozenset({S.REJECTED, S.REVIEWED, S.CANCELLED})


class ChangeRisk(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


#: The longest change window (bad input beyond): a year.
MAX_WINDOW = dt.timedelta(days=366)


class ChangeNotification(models.Model):
    """A provider's notice of a change or outage to a shared system (CH-01, CH-02)."""

    Type = ChangeType
    Status = ChangeStatus

    record = models.OneToOneField("records.Record", on_delete=models.PROTECT, related_name="change")
    reference = models.CharField(max_length=20, unique=True, editable=False)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    change_type = models.CharField(max_length=20, choices=ChangeType.choices, default=ChangeType.NORMAL)
    provider = models.ForeignKey("parties.Organisation", on_delete=models.PROTECT, related_name="changes")
    #: The provider's team doing the work (two overlapping changes of one team are double-booked).
    team = models.CharField(max_length=100, blank=True)
    services = models.ManyToManyField("services.Service", through="ChangeService", related_name="changes")
    planned_start = models.DateTimeField()
    planned_end = models.DateTimeField()
    is_outage = models.BooleanField(default=False, help_text="The service is unavailable during the window")
    expected_impact = models.TextField(blank=True)
    backout_plan = models.TextField(blank=True)
    risk = models.CharField(max_length=10, choices=ChangeRisk.choices, default=ChangeRisk.MEDIUM)
    status = models.CharField(max_length=20, choices=ChangeStatus.choices, default=ChangeStatus.DRAFT)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    #: Set for the desk recording a notification on a provider's behalf (CH-02).
    recorded_by_desk = models.BooleanField(default=False)
    # Notice (set at submission from the matching NoticeRule).
    submitted_at = models.DateTimeField(null=True, blank=True)
    notice_rule = models.ForeignKey(
        "changes.NoticeRule", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    notice_required = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Working days")
    notice_given = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Working days")
    is_late = models.BooleanField(default=False)
    #: A late notification accepted only as a CCG exception (the decision's reason says why).
    late_exception = models.BooleanField(default=False)
    emergency_reason = models.TextField(blank=True)
    #: Emergency changes skip the notice rule but must be reviewed by the CCG afterwards.
    retrospective_review_due = models.BooleanField(default=False)
    retrospective_reviewed_at = models.DateTimeField(null=True, blank=True)
    #: How many conflicts were found at the last check (the list's flag; the rows are ChangeConflict).
    conflict_count = models.PositiveSmallIntegerField(default=0)
    conflicts_checked_at = models.DateTimeField(null=True, blank=True)
    # Implementation.
    actual_start = models.DateTimeField(null=True, blank=True)
    actual_end = models.DateTimeField(null=True, blank=True)
    outcome_note = models.TextField(blank=True)
    overrun_notified_at = models.DateTimeField(null=True, blank=True)
    # Post-implementation review (required for major changes before "reviewed").
    pir_summary = models.TextField(blank=True)
    pir_successful = models.BooleanField(null=True, blank=True)
    pir_lessons = models.TextField(blank=True)
    pir_completed_at = models.DateTimeField(null=True, blank=True)
    pir_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["planned_start", "id"]
        indexes = [
            models.Index(fields=["status", "planned_start"], name="chg_status_start"),
            models.Index(fields=["provider", "status"], name="chg_provider_status"),
            models.Index(fields=["planned_start", "planned_end"], name="chg_window"),
            models.Index(fields=["-created_at", "-id"], name="chg_recent"),
            models.Index(fields=["provider", "team", "planned_start"], name="chg_team_window"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(planned_end__gt=models.F("planned_start")), name="chg_end_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def is_major(self) -> bool:
        return self.change_type == ChangeType.MAJOR

    @property
    def is_emergency(self) -> bool:
        return self.change_type == ChangeType.EMERGENCY

    @property
    def is_published(self) -> bool:
        return self.status in PUBLISHED


class ChangeService(models.Model):
    """An affected service or component, with the change's window and status copied for conflict scans
    (one index range per service, whatever the number of changes)."""

    change = models.ForeignKey(ChangeNotification, on_delete=models.CASCADE, related_name="service_rows")
    service = models.ForeignKey("services.Service", on_delete=models.PROTECT, related_name="+")
    planned_start = models.DateTimeField()
    planned_end = models.DateTimeField()
    status = models.CharField(max_length=20, choices=ChangeStatus.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["change", "service"], name="chg_unique_service")]
        indexes = [models.Index(fields=["service", "planned_start", "planned_end"], name="chg_svc_window")]

    def __str__(self) -> str:
        return f"{self.change_id} on {self.service_id}"


class NoticeRule(models.Model):
    """How many working days' notice a change needs (CH-06; e.g. the REC's 8 working days for planned
    CSS outages after R0055). The most specific active rule matching a change applies: service and type,
    service, provider and type, provider, then the default (neither)."""

    name = models.CharField(max_length=150)
    service = models.ForeignKey(
        "services.Service", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    provider = models.ForeignKey(
        "parties.Organisation", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    #: Blank: every type but emergency (emergency changes skip the notice rule).
    change_type = models.CharField(max_length=20, choices=ChangeType.choices, blank=True)
    #: Applies only to changes with an outage.
    outage_only = models.BooleanField(default=False)
    min_working_days = models.PositiveSmallIntegerField(validators=[MaxValueValidator(260)])
    calendar = models.ForeignKey("services.Calendar", on_delete=models.PROTECT, related_name="+")
    source = models.CharField(max_length=200, blank=True, help_text="Where the rule comes from: REC R0055")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name}: {self.min_working_days} working days"


class MaintenanceWindow(models.Model):
    """A weekly window in which a service may be changed (Europe/London wall-clock times; an end at or
    before the start runs past midnight)."""

    service = models.ForeignKey("services.Service", on_delete=models.CASCADE, related_name="+")
    weekday = models.PositiveSmallIntegerField(validators=[MaxValueValidator(6)], help_text="0 is Monday")
    start_time = models.TimeField()
    end_time = models.TimeField()
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["service", "weekday", "start_time"]

    def __str__(self) -> str:
        return f"{self.service_id}: day {self.weekday} {self.start_time:%H:%M}–{self.end_time:%H:%M}"


class BlackoutWindow(models.Model):
    """A period in which no change should be made (year end, market events): on the services named, or on
    every service when none is named."""

    name = models.CharField(max_length=150)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    services = models.ManyToManyField("services.Service", blank=True, related_name="+")
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["starts_at"]
        indexes = [models.Index(fields=["starts_at", "ends_at"], name="chg_blackout_window")]

    def __str__(self) -> str:
        return self.name


class ConflictKind(models.TextChoices):
    SAME_SERVICE = "same_service", "Same service already scheduled"
    RELATED_SERVICE = "related_service", "Parent, component or dependent service scheduled"
    OUTSIDE_MAINTENANCE = "outside_maintenance", "Outside the service's maintenance windows"
    BLACKOUT = "blackout", "Inside a blackout window"
    TEAM = "team", "Team double-booked"
    MAJOR_INCIDENT = "major_incident", "Open major incident on an affected service"


class ChangeConflict(models.Model):
    """One conflict found at the change's last check (replaced at every check)."""

    change = models.ForeignKey(ChangeNotification, on_delete=models.CASCADE, related_name="conflicts")
    kind = models.CharField(max_length=30, choices=ConflictKind.choices)
    service = models.ForeignKey(
        "services.Service", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    other_change = models.ForeignKey(
        ChangeNotification, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    blackout = models.ForeignKey(
        BlackoutWindow, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    #: The record's reference (an incident), read through its own visibility.
    other_reference = models.CharField(max_length=20, blank=True)
    detail = models.CharField(max_length=300)

    class Meta:
        ordering = ["change", "kind", "id"]

    def __str__(self) -> str:
        return f"{self.change_id}: {self.kind}"


class ConsultationImpact(models.TextChoices):
    NONE = "none", "No impact"
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class Consultation(models.Model):
    """An organisation asked to assess a change's impact by a deadline (CH-04, CH-05)."""

    change = models.ForeignKey(ChangeNotification, on_delete=models.CASCADE, related_name="consultations")
    organisation = models.ForeignKey("parties.Organisation", on_delete=models.PROTECT, related_name="+")
    deadline = models.DateField()
    requested_at = models.DateTimeField(default=timezone.now)
    impact = models.CharField(max_length=10, choices=ConsultationImpact.choices, blank=True)
    response = models.TextField(blank=True)
    concerns = models.BooleanField(default=False)
    responded_at = models.DateTimeField(null=True, blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["change", "organisation__name"]
        constraints = [
            models.UniqueConstraint(fields=["change", "organisation"], name="chg_unique_consultation")
        ]
        indexes = [models.Index(fields=["organisation", "responded_at"], name="chg_consult_org")]

    def __str__(self) -> str:
        return f"{self.change_id} → {self.organisation_id}"


# The Change Co-ordination Group ---------------------------------------------------------------------------


class CcgRole(models.TextChoices):
    CHAIR = "chair", "Chair (change co-ordinator)"
    REPRESENTATIVE = "representative", "Empowered representative"
    DEPUTY = "deputy", "Deputy"


class CcgMember(models.Model):
    """A person on the CCG: the operator's change co-ordinator and one empowered representative per
    provider (CH-01), with deputies."""

    organisation = models.ForeignKey("parties.Organisation", on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=20, choices=CcgRole.choices, default=CcgRole.REPRESENTATIVE)
    is_active = models.BooleanField(default=True)
    joined_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["organisation__name", "role"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "user"], name="chg_unique_ccg_member"),
            models.UniqueConstraint(
                fields=["organisation"],
                condition=models.Q(role="representative", is_active=True),
                name="chg_one_representative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} for {self.organisation_id} ({self.role})"


class CcgMeetingStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    HELD = "held", "Held"
    CANCELLED = "cancelled", "Cancelled"


class CcgMeeting(models.Model):
    """A CCG meeting: its agenda is generated from the changes awaiting review; decisions and minutes."""

    number = models.PositiveIntegerField(unique=True)
    held_at = models.DateTimeField()
    location = models.CharField(max_length=200, blank=True)
    status = models.CharField(
        max_length=20, choices=CcgMeetingStatus.choices, default=CcgMeetingStatus.PLANNED
    )
    minutes = models.TextField(blank=True)
    attendees = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-held_at", "-number"]

    def __str__(self) -> str:
        return f"CCG #{self.number}"


class CcgAgendaItem(models.Model):
    meeting = models.ForeignKey(CcgMeeting, on_delete=models.CASCADE, related_name="agenda")
    change = models.ForeignKey(ChangeNotification, on_delete=models.CASCADE, related_name="agenda_items")
    order = models.PositiveSmallIntegerField()
    #: Why it is on the agenda: "review", "late exception", "retrospective review", "post-implementation".
    purpose = models.CharField(max_length=40, default="review")

    class Meta:
        ordering = ["meeting", "order"]
        constraints = [models.UniqueConstraint(fields=["meeting", "change"], name="chg_unique_agenda_item")]

    def __str__(self) -> str:
        return f"{self.meeting_id} #{self.order}: {self.change_id}"


class CcgOutcome(models.TextChoices):
    ACCEPT = "accept", "Accept"
    ACCEPT_WITH_CONDITIONS = "accept_conditions", "Accept with conditions"
    RESCHEDULE = "reschedule", "Reschedule"
    REJECT = "reject", "Reject"
    MORE_INFO = "more_info", "More information"
    RETROSPECTIVE = "retrospective", "Retrospective review of an emergency change"


class CcgDecision(models.Model):
    """The CCG's decision on one change, with its reason (journalled; never edited)."""

    change = models.ForeignKey(ChangeNotification, on_delete=models.CASCADE, related_name="decisions")
    meeting = models.ForeignKey(
        CcgMeeting, null=True, blank=True, on_delete=models.SET_NULL, related_name="decisions"
    )
    outcome = models.CharField(max_length=20, choices=CcgOutcome.choices)
    reason = models.TextField()
    conditions = models.TextField(blank=True)
    #: The window before and after a reschedule.
    previous_start = models.DateTimeField(null=True, blank=True)
    previous_end = models.DateTimeField(null=True, blank=True)
    new_start = models.DateTimeField(null=True, blank=True)
    new_end = models.DateTimeField(null=True, blank=True)
    #: A late notification accepted as an exception to the notice rule.
    late_exception = models.BooleanField(default=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["change", "decided_at", "id"]

    def __str__(self) -> str:
        return f"{self.change_id}: {self.outcome}"


# Subscriptions, bulletins and feeds ----------------------------------------------------------------------


class ServiceSubscription(models.Model):
    """A person following a service's bulletins (CH-10, CH-12): in the portal inbox always, by email when
    they choose, and in their calendar feed."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    service = models.ForeignKey("services.Service", on_delete=models.CASCADE, related_name="+")
    by_email = models.BooleanField(default=True)
    #: Which bulletins: planned (new and rescheduled), started, completed (and failed, backed out),
    #: overrun, status (the service degraded, in outage or restored).
    planned = models.BooleanField(default=True)
    started = models.BooleanField(default=True)
    completed = models.BooleanField(default=True)
    overrun = models.BooleanField(default=True)
    status = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["user", "service__name"]
        constraints = [models.UniqueConstraint(fields=["user", "service"], name="chg_unique_subscription")]
        indexes = [models.Index(fields=["service", "user"], name="chg_subscription_service")]

    def __str__(self) -> str:
        return f"{self.user_id} follows {self.service_id}"


class BulletinKind(models.TextChoices):
    PLANNED = "planned", "Planned outage"
    RESCHEDULED = "rescheduled", "Rescheduled"
    CANCELLED = "cancelled", "Cancelled"
    STARTED = "started", "Started"
    COMPLETED = "completed", "Completed"
    OVERRUN = "overrun", "Overrun"
    FAILED = "failed", "Failed / backed out"
    STATUS = "status", "Service status"


class Bulletin(models.Model):
    """A bulletin sent to the subscribers of the services it names."""

    kind = models.CharField(max_length=20, choices=BulletinKind.choices)
    change = models.ForeignKey(
        ChangeNotification, null=True, blank=True, on_delete=models.CASCADE, related_name="bulletins"
    )
    services = models.ManyToManyField("services.Service", related_name="+")
    title = models.CharField(max_length=200)
    body = models.TextField()
    sent_at = models.DateTimeField(default=timezone.now)
    recipient_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-sent_at", "-id"]
        indexes = [models.Index(fields=["-sent_at", "-id"], name="chg_bulletin_recent")]

    def __str__(self) -> str:
        return self.title


class FeedToken(models.Model):
    """The secret in a person's calendar-feed URL. Only its SHA-256 is kept; revoking ends the URL."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    #: The first characters, to tell tokens apart on the page.
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}…"


# Availability --------------------------------------------------------------------------------------------


class AvailabilityTarget(models.Model):
    """The availability agreed for a service in its SLA or OLA (CH-16, CH-17), and whether planned
    maintenance counts against it."""

    service = models.OneToOneField("services.Service", on_delete=models.CASCADE, related_name="+")
    target_percent = models.DecimalField(
        max_digits=6,
        decimal_places=3,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        default=Decimal("99.500"),
    )
    #: False: planned maintenance is taken out of the agreed service time (not counted against);
    #: True: planned maintenance counts as downtime.
    planned_counts = models.BooleanField(default=False)
    agreement = models.CharField(max_length=100, blank=True, help_text="SLA or OLA the target comes from")

    def __str__(self) -> str:
        return f"{self.service_id}: {self.target_percent}%"

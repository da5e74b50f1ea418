"""Incidents raised by participants, routed by the desk to providers, measured against SLA clocks."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class IncidentStatus(models.TextChoices):
    NEW = "new", "New"
    ASSIGNED = "assigned", "Assigned"
    IN_PROGRESS = "in_progress", "In progress"
    PENDING_PARTICIPANT = "pending_participant", "Pending: awaiting participant"
    PENDING_PROVIDER = "pending_provider", "Pending: awaiting provider"
    RESOLVED = "resolved", "Resolved"
    CLOSED = "closed", "Closed"
    CANCELLED = "cancelled", "Cancelled"


#: The name used throughout the incidents app.
Status = IncidentStatus


#: Every allowed status change. Anything else is refused with IllegalTransition.
TRANSITIONS: dict[str, set[str]] = {
    Status.NEW: {
        Status.ASSIGNED,
        Status.IN_PROGRESS,
        Status.PENDING_PARTICIPANT,
        Status.RESOLVED,
        Status.CANCELLED,
    },
    Status.ASSIGNED: {
        Status.ASSIGNED,
        Status.IN_PROGRESS,
        Status.PENDING_PARTICIPANT,
        Status.PENDING_PROVIDER,
        Status.RESOLVED,
        Status.CANCELLED,
    },
    Status.IN_PROGRESS: {
        Status.ASSIGNED,
        Status.PENDING_PARTICIPANT,
        Status.PENDING_PROVIDER,
        Status.RESOLVED,
        Status.CANCELLED,
    },
    Status.PENDING_PARTICIPANT: {Status.IN_PROGRESS, Status.ASSIGNED, Status.RESOLVED, Status.CANCELLED},
    Status.PENDING_PROVIDER: {Status.IN_PROGRESS, Status.ASSIGNED, Status.RESOLVED, Status.CANCELLED},
    Status.RESOLVED: {Status.CLOSED, Status.IN_PROGRESS},
    Status.CLOSED: {Status.IN_PROGRESS},
    Status.CANCELLED: set(),
}
OPEN_STATUSES = frozenset(
    {Status.NEW, Status.ASSIGNED, Status.IN_PROGRESS, Status.PENDING_PARTICIPANT, Status.PENDING_PROVIDER}
)
#: While waiting on the participant the clocks stop (the delay is theirs, not the provider's).
PAUSED_STATUSES = frozenset({Status.PENDING_PARTICIPANT})


class Impact(models.TextChoices):
    SINGLE = "single", "One participant"
    SEVERAL = "several", "Several participants"
    MARKET = "market", "Market-wide"


class Channel(models.TextChoices):
    PORTAL = "portal", "Portal"
    API = "api", "API"
    EMAIL = "email", "Email"
    PHONE = "phone", "Phone"
    MONITORING = "monitoring", "Monitoring event"


class Incident(models.Model):
    """One incident. Its SLA clocks are derived from its :class:`ClockEvent` log; the ``*_due_at`` and
    ``*_breached`` columns are a cache of that derivation, refreshed by every action that adds an event,
    so queues such as "breaching soon" are plain indexed queries."""

    reference = models.CharField(max_length=20, unique=True, null=True, blank=True)
    service = models.ForeignKey("services.Service", on_delete=models.PROTECT, related_name="incidents")
    severity = models.ForeignKey("services.Severity", on_delete=models.PROTECT, related_name="+")
    summary = models.CharField(max_length=200)
    description = models.TextField()
    impact = models.CharField(max_length=20, choices=Impact.choices, default=Impact.SINGLE)
    status = models.CharField(max_length=30, choices=Status.choices, default=Status.NEW)
    channel = models.CharField(max_length=20, choices=Channel.choices, default=Channel.PORTAL)

    organisation = models.ForeignKey(
        "parties.Organisation",
        on_delete=models.PROTECT,
        related_name="incidents",
        help_text="The participant organisation that raised it (or on whose behalf the desk raised it)",
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    contact_name = models.CharField(max_length=150, blank=True, help_text="For incidents taken by phone")
    affected = models.ManyToManyField(
        "parties.Organisation", blank=True, related_name="affected_by_incidents"
    )
    is_published = models.BooleanField(
        default=False, help_text="Service-affecting: shown to every participant"
    )

    provider = models.ForeignKey(
        "parties.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_incidents",
        help_text="The provider organisation working it",
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    responded_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    resolution = models.TextField(blank=True)

    # SLA cache (see class docstring).
    response_due_at = models.DateTimeField(null=True, blank=True)
    resolution_due_at = models.DateTimeField(null=True, blank=True)
    response_breached = models.BooleanField(default=False)
    resolution_breached = models.BooleanField(default=False)
    sla_paused = models.BooleanField(default=False)
    # The next instant a warning or breach notice falls due (None: nothing pending), so the SLA scan reads
    # only the incidents that need it; and which notices were raised (bits, see sla.NOTICE_BITS).
    sla_next_check_at = models.DateTimeField(null=True, blank=True)
    sla_notified = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "-created_at"], name="inc_status_created"),
            models.Index(fields=["organisation", "-created_at"], name="inc_org_created"),
            models.Index(fields=["provider", "status", "-created_at"], name="inc_provider_status"),
            models.Index(
                fields=["resolution_due_at"],
                name="inc_resolution_due",
                condition=models.Q(resolution_due_at__isnull=False),
            ),
            models.Index(
                fields=["response_due_at"],
                name="inc_response_due",
                condition=models.Q(response_due_at__isnull=False),
            ),
            models.Index(
                fields=["is_published", "-created_at"],
                name="inc_published",
                condition=models.Q(is_published=True),
            ),
            models.Index(fields=["service", "-created_at"], name="inc_service_created"),
            models.Index(
                fields=["sla_next_check_at"],
                name="inc_sla_next_check",
                condition=models.Q(sla_next_check_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference or 'INC?'}: {self.summary}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class ClockEvent(models.Model):
    """The incident's own clock log: everything the SLA engine needs, and nothing else."""

    class Kind(models.TextChoices):
        START = "start", "Clock started"
        PAUSE = "pause", "Paused"
        RESUME = "resume", "Resumed"
        RESPONDED = "responded", "Responded"
        RESOLVED = "resolved", "Resolved"
        RESTART = "restart", "Reopened"
        SEVERITY = "severity", "Severity changed"

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="clock_events")
    at = models.DateTimeField()
    kind = models.CharField(max_length=20, choices=Kind.choices)
    severity_code = models.CharField(max_length=10, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["incident", "at"])]

    def __str__(self) -> str:
        return f"{self.incident_id} {self.kind} at {self.at:%Y-%m-%d %H:%M}"


class Update(models.Model):
    """A public update (seen by the participant) or an internal note (desk and provider only)."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="updates")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    author_label = models.CharField(max_length=200)
    author_organisation = models.ForeignKey(
        "parties.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    channel = models.CharField(max_length=20, choices=Channel.choices, default=Channel.PORTAL)
    body = models.TextField()
    is_internal = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    email_message_id = models.CharField(
        max_length=300, blank=True, help_text="Set for replies received by email"
    )

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["incident", "created_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["email_message_id"],
                condition=~models.Q(email_message_id=""),
                name="unique_email_update",
            )
        ]

    def __str__(self) -> str:
        return f"{'Note' if self.is_internal else 'Update'} on {self.incident_id} by {self.author_label}"


def attachment_path(instance: Attachment, filename: str) -> str:
    return f"incidents/{instance.incident_id}/{timezone.now():%Y%m%d%H%M%S}-{filename}"


class Attachment(models.Model):
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="attachments")
    update = models.ForeignKey(
        Update, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(upload_to=attachment_path)
    filename = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    is_internal = models.BooleanField(default=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.filename


class Link(models.Model):
    """``source`` is <kind> ``target``: e.g. INC2 duplicate_of INC1."""

    class Kind(models.TextChoices):
        DUPLICATE_OF = "duplicate_of", "Duplicate of"
        CAUSED_BY = "caused_by", "Caused by"
        RELATED_TO = "related_to", "Related to"

    source = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="links_out")
    target = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="links_in")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "target", "kind"], name="unique_incident_link"),
            models.CheckConstraint(condition=~models.Q(source=models.F("target")), name="no_self_link"),
        ]

    def __str__(self) -> str:
        return f"{self.source_id} {self.kind} {self.target_id}"


class SlaNotice(models.Model):
    """A warning or breach raised by the SLA scan. Unique, so each fires exactly once per clock."""

    class Kind(models.TextChoices):
        WARNING = "warning", "Warning"
        BREACH = "breach", "Breach"

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="sla_notices")
    clock = models.CharField(max_length=20)  # services.SlaTarget.Clock
    kind = models.CharField(max_length=20, choices=Kind.choices)
    crossed_at = models.DateTimeField(help_text="When the threshold was crossed")
    raised_at = models.DateTimeField(default=timezone.now)
    escalated_to = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")

    class Meta:
        ordering = ["-raised_at"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "clock", "kind"], name="unique_sla_notice")
        ]

    def __str__(self) -> str:
        return f"{self.incident_id} {self.clock} {self.kind}"


class MajorIncident(models.Model):
    """The major-incident record opened by a most-severe incident or a BCDR event."""

    class Trigger(models.TextChoices):
        SEVERITY = "severity", "Major severity"
        BCDR = "bcdr", "BCDR event"
        DESK = "desk", "Declared by the desk"

    class State(models.TextChoices):
        ACTIVE = "active", "Active"
        REVIEW = "review", "Awaiting post-incident review"
        CLOSED = "closed", "Closed"

    incident = models.OneToOneField(Incident, on_delete=models.CASCADE, related_name="major")
    trigger = models.CharField(max_length=20, choices=Trigger.choices)
    state = models.CharField(max_length=20, choices=State.choices, default=State.ACTIVE)
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Incident manager",
    )
    opened_at = models.DateTimeField(default=timezone.now)
    update_interval_minutes = models.PositiveIntegerField(default=60)
    next_update_due_at = models.DateTimeField(null=True, blank=True)
    reminded_for = models.DateTimeField(null=True, blank=True, help_text="The due time last reminded about")
    # Post-incident review (REC 2.16): required before the incident may close.
    review_cause = models.TextField(blank=True)
    review_actions = models.TextField(blank=True)
    review_lessons = models.TextField(blank=True)
    review_completed_at = models.DateTimeField(null=True, blank=True)
    review_completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-opened_at"]
        indexes = [models.Index(fields=["state", "next_update_due_at"])]

    def __str__(self) -> str:
        return f"Major incident {self.incident.reference}"

    @property
    def review_done(self) -> bool:
        return self.review_completed_at is not None


class Communication(models.Model):
    """A bulletin sent to every affected participant about a major incident (shown and emailed)."""

    major = models.ForeignKey(MajorIncident, on_delete=models.CASCADE, related_name="communications")
    subject = models.CharField(max_length=200)
    body = models.TextField()
    sent_at = models.DateTimeField(default=timezone.now)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recipient_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["sent_at", "id"]

    def __str__(self) -> str:
        return self.subject

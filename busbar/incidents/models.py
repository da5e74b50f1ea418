"""Incidents raised by participants, routed by the desk to providers, measured against SLA clocks."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from busbar.lib.fulltext import TsVectorField
from busbar.records.models import IntakeChannel

__all__ = ["IntakeChannel"]  # the kernel's intake channels, named here for the incidents app too


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


class Incident(models.Model):
    """One incident, standing on its kernel :class:`~busbar.records.models.Record` (reference, conversation,
    attachments, links, watchers, SLA clock log and due-time cache). ``reference`` repeats the record's, so
    the incident's own lookups and lists use its unique index."""

    record = models.OneToOneField("records.Record", on_delete=models.PROTECT, related_name="incident")
    reference = models.CharField(max_length=20, unique=True)
    service = models.ForeignKey("services.Service", on_delete=models.PROTECT, related_name="incidents")
    severity = models.ForeignKey("services.Severity", on_delete=models.PROTECT, related_name="+")
    summary = models.CharField(max_length=200)
    description = models.TextField()
    impact = models.CharField(max_length=20, choices=Impact.choices, default=Impact.SINGLE)
    status = models.CharField(max_length=30, choices=Status.choices, default=Status.NEW)
    channel = models.CharField(max_length=20, choices=IntakeChannel.choices, default=IntakeChannel.PORTAL)

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

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "-created_at"], name="inc_status_created"),
            models.Index(fields=["organisation", "-created_at"], name="inc_org_created"),
            models.Index(fields=["provider", "status", "-created_at"], name="inc_provider_status"),
            models.Index(
                fields=["is_published", "-created_at"],
                name="inc_published",
                condition=models.Q(is_published=True),
            ),
            models.Index(fields=["service", "-created_at"], name="inc_service_created"),
        ]

    def __str__(self) -> str:
        return f"{self.reference or 'INC?'}: {self.summary}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    # The SLA cache, read from the kernel record (select_related("record") in every list).
    @property
    def response_due_at(self):
        return self.record.response_due_at

    @property
    def resolution_due_at(self):
        return self.record.resolution_due_at

    @property
    def response_breached(self) -> bool:
        return self.record.response_breached

    @property
    def resolution_breached(self) -> bool:
        return self.record.resolution_breached

    @property
    def sla_paused(self) -> bool:
        return self.record.sla_paused


class Handover(models.Model):
    """The incident passed to a provider (``provider``) or back to the desk (``provider`` empty) at ``at``:
    written by ``assign_incident`` whenever the provider changes. An incident is with the desk from its
    report until its first handover. The reports attribute each stretch of working time to its holder."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="handovers")
    provider = models.ForeignKey(
        "parties.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["incident", "at"], name="inc_handover_at")]

    def __str__(self) -> str:
        return f"{self.incident_id} to {self.provider_id or 'desk'} at {self.at:%Y-%m-%d %H:%M}"


class IncidentText(models.Model):
    """An incident's full-text documents on PostgreSQL (:mod:`busbar.incidents.search` keeps them): what
    everyone who sees the incident may find it by (summary, description, public updates) and what only
    those who work it may (internal notes). A table of its own so the incident rows stay narrow; SQLite
    indexes the same texts in an FTS5 table instead and leaves this one empty."""

    incident = models.OneToOneField(Incident, on_delete=models.CASCADE, primary_key=True, related_name="text")
    search_vector = TsVectorField(null=True, editable=False)
    notes_vector = TsVectorField(null=True, editable=False)

    def __str__(self) -> str:
        return f"Search text of incident {self.incident_id}"


#: Minutes between a major incident's bulletins: the one bound of the action, the form and the API.
UPDATE_INTERVAL_MIN = 5
UPDATE_INTERVAL_MAX = 24 * 60
UPDATE_INTERVAL_HELP = (
    f"Between {UPDATE_INTERVAL_MIN} minutes and {UPDATE_INTERVAL_MAX // 60} hours "
    f"({UPDATE_INTERVAL_MAX} minutes)"
)


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
        # The journal reads "opened major incident INC0000013": the noun comes from the action's name.
        return self.incident.reference

    @property
    def review_done(self) -> bool:
        return self.review_completed_at is not None


_Major = MajorIncident.State
#: Every allowed change of a major incident's state; anything else is refused with IllegalTransition (409).
#: Active → review when its review is recorded on the resolved incident; → closed with the incident (closed,
#: or cancelled); back to active when the incident is reopened.
MAJOR_TRANSITIONS: dict[str, set[str]] = {
    _Major.ACTIVE: {_Major.REVIEW, _Major.CLOSED},
    _Major.REVIEW: {_Major.ACTIVE, _Major.CLOSED},
    _Major.CLOSED: {_Major.ACTIVE},
}


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


def attachment_path(instance: object, filename: str) -> str:
    """Where attachments were stored before they moved to the record kernel; migration 0001 names it.
    Files already stored there keep their paths (see migration 0005)."""
    return f"incidents/{getattr(instance, 'incident_id', 'x')}/{timezone.now():%Y%m%d%H%M%S}-{filename}"

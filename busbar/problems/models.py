"""Problems: the cause of one or more incidents, investigated by the provider that runs the service.

A problem stands on its kernel :class:`~busbar.records.models.Record` (reference PRB…, conversation,
attachments, links to incidents and other records, watchers, timeline). Flagged as a **known problem**
with a workaround, it is shown to anyone raising an incident on its service (seed 001 §8.10); it is
resolved only once its fix is implemented (§8.12–8.13): a linked change once changes exist, until then a
recorded fix.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class ProblemStatus(models.TextChoices):
    NEW = "new", "New"
    INVESTIGATING = "investigating", "Investigating"
    KNOWN_PROBLEM = "known_problem", "Known problem"
    FIX_IN_CHANGE = "fix_in_change", "Fix in change"
    RESOLVED = "resolved", "Resolved"
    CLOSED = "closed", "Closed"
    CANCELLED = "cancelled", "Cancelled"


Status = ProblemStatus

#: Every allowed status change. Anything else is refused with IllegalTransition (409).
TRANSITIONS: dict[str, set[str]] = {
    Status.NEW: {Status.INVESTIGATING, Status.KNOWN_PROBLEM, Status.FIX_IN_CHANGE, Status.CANCELLED},
    Status.INVESTIGATING: {Status.KNOWN_PROBLEM, Status.FIX_IN_CHANGE, Status.RESOLVED, Status.CANCELLED},
    Status.KNOWN_PROBLEM: {Status.INVESTIGATING, Status.FIX_IN_CHANGE, Status.RESOLVED},
    Status.FIX_IN_CHANGE: {Status.KNOWN_PROBLEM, Status.INVESTIGATING, Status.RESOLVED},
    Status.RESOLVED: {Status.CLOSED, Status.INVESTIGATING},
    Status.CLOSED: set(),
    Status.CANCELLED: set(),
}
OPEN_STATUSES = frozenset({Status.NEW, Status.INVESTIGATING, Status.KNOWN_PROBLEM, Status.FIX_IN_CHANGE})


class RootCauseCategory(models.TextChoices):
    UNKNOWN = "", "Not yet known"
    SOFTWARE = "software", "Software defect"
    CONFIGURATION = "configuration", "Configuration"
    CAPACITY = "capacity", "Capacity or performance"
    INFRASTRUCTURE = "infrastructure", "Infrastructure or network"
    DATA = "data", "Data quality"
    THIRD_PARTY = "third_party", "Third party"
    PROCESS = "process", "Process or procedure"
    CHANGE = "change", "A change"


class Problem(models.Model):
    record = models.OneToOneField("records.Record", on_delete=models.PROTECT, related_name="problem")
    reference = models.CharField(max_length=20, unique=True)
    service = models.ForeignKey("services.Service", on_delete=models.PROTECT, related_name="problems")
    summary = models.CharField(max_length=200)
    description = models.TextField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NEW)
    owner = models.ForeignKey(
        "parties.Organisation",
        on_delete=models.PROTECT,
        related_name="owned_problems",
        help_text="The provider that runs the service and investigates the cause",
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    raised_by_organisation = models.ForeignKey(
        "parties.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    is_published = models.BooleanField(
        default=False, help_text="Service-affecting: shown to every participant, not only to those it touches"
    )

    # Root-cause analysis (seen by the desk and the owner).
    root_cause_category = models.CharField(max_length=20, choices=RootCauseCategory.choices, blank=True)
    root_cause = models.TextField(blank=True)
    # Known problem: the workaround is shown to everyone raising an incident on the service.
    is_known = models.BooleanField(default=False)
    known_since = models.DateTimeField(null=True, blank=True)
    workaround = models.TextField(blank=True)
    # The fix: implemented before the problem may be resolved.
    fix = models.TextField(blank=True)
    fix_implemented_at = models.DateTimeField(null=True, blank=True)

    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "-created_at"], name="prb_status_created"),
            models.Index(fields=["owner", "status", "-created_at"], name="prb_owner_status"),
            models.Index(fields=["service", "status"], name="prb_service_status"),
            models.Index(
                fields=["service", "-known_since"], name="prb_known", condition=models.Q(is_known=True)
            ),
            models.Index(fields=["-created_at", "-id"], name="prb_created"),
        ]

    def __str__(self) -> str:
        return f"{self.reference}: {self.summary}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def shows_workaround(self) -> bool:
        """A known problem still open: its workaround is offered to whoever raises on its service."""
        return self.is_known and self.is_open and bool(self.workaround)

"""Monitoring events sent by providers' monitoring (seed 001 §8.7, OT-01/OT-02).

Events with the same dedupe key on the same service within the fold window are one event (count, first
and last seen). A critical event on a service with no open monitoring incident raises one; a warning can
be promoted by the desk; a ``clear`` ends the alert and says so on its incident.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class EventSeverity(models.TextChoices):
    INFO = "info", "Information"
    WARNING = "warning", "Warning"
    CRITICAL = "critical", "Critical"


#: Higher is worse: a folded event keeps the worst severity it has seen.
RANK = {EventSeverity.INFO: 0, EventSeverity.WARNING: 1, EventSeverity.CRITICAL: 2}


class Event(models.Model):
    service = models.ForeignKey("services.Service", on_delete=models.PROTECT, related_name="events")
    source = models.CharField(max_length=100, help_text="The monitoring system or check that sent it")
    dedupe_key = models.CharField(max_length=200)
    severity = models.CharField(max_length=10, choices=EventSeverity.choices)
    message = models.TextField()
    count = models.PositiveIntegerField(default=1)
    first_seen = models.DateTimeField()
    last_seen = models.DateTimeField()
    cleared_at = models.DateTimeField(null=True, blank=True)
    incident = models.ForeignKey(
        "incidents.Incident", null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
    )
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sender_organisation = models.ForeignKey(
        "parties.Organisation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-last_seen", "-id"]
        indexes = [
            models.Index(fields=["service", "dedupe_key", "-last_seen"], name="evt_fold"),
            models.Index(fields=["-last_seen", "-id"], name="evt_recent"),
            models.Index(fields=["severity", "-last_seen"], name="evt_severity"),
        ]

    def __str__(self) -> str:
        return f"{self.service} {self.dedupe_key} ×{self.count}"

    @property
    def is_cleared(self) -> bool:
        return self.cleared_at is not None

"""Infrastructure records: idempotent API writes, live workers, and the log of email handed to the mailer.

None of these are business records: they are not journalled, and each is pruned once it has served its
purpose (see :mod:`busbar.core.tasks`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class IdempotencyKey(models.Model):
    """One ``Idempotency-Key`` an API caller sent, and the response its first request earned.

    A retry with the same key and the same request replays the stored response; the same key with a
    different request is refused. Keys are the caller's own: two people can use the same key.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of method, path and canonical body")
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=2000)
    status_code = models.PositiveSmallIntegerField(default=0)
    content_type = models.CharField(max_length=200, blank=True)
    body = models.BinaryField(default=b"")
    headers = models.JSONField(default=dict)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="core_idempotency_user_key")]

    def __str__(self) -> str:
        return f"{self.method} {self.path} ({self.key})"


class WorkerHeartbeat(models.Model):
    """A running ``busbar worker`` process, refreshed while it lives. Tasks held by a silent one are free."""

    worker_id = models.CharField(max_length=64, unique=True)
    hostname = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    seen_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return self.worker_id


class SentEmail(models.Model):
    """A message handed to the mail server, by its ``Message-ID``: a task run twice sends it once."""

    message_id = models.CharField(max_length=255, unique=True)
    recipients = models.PositiveIntegerField(default=0)
    subject = models.CharField(max_length=255, blank=True)
    claimed_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True, db_index=True)

    def __str__(self) -> str:
        return self.message_id


class RateCounter(models.Model):
    """Requests counted in the current window of one rate-limit key (see busbar.core.ratelimit)."""

    key = models.CharField(max_length=200, primary_key=True)
    window_start = models.BigIntegerField()
    count = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.key}: {self.count}"

"""The audit journal: an append-only record of every state change."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone

from busbar.lib.actions import Channel


class AppendOnlyError(Exception):
    """Raised on any attempt to change or remove a journal entry."""


class AuditEntryQuerySet(models.QuerySet["AuditEntry"]):
    def update(self, **kwargs: object) -> int:
        raise AppendOnlyError("the audit journal is append-only: entries cannot be updated")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("the audit journal is append-only: entries cannot be deleted")


class AuditEntry(models.Model):
    """One state change: who, for which organisation, when, how, on what, and the fields before/after.

    Append-only three ways: no update/delete path in Python (``save`` of an existing row, ``delete`` and
    queryset ``update``/``delete`` all raise), and database triggers (see migration 0002) refuse UPDATE on
    every backend and DELETE on PostgreSQL.
    """

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Kept as text too, so the entry reads the same if the person is later renamed.
    actor_label = models.CharField(max_length=200)
    actor_organisation = models.ForeignKey(
        "parties.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    channel = models.CharField(max_length=10, choices=Channel.choices)
    action = models.CharField(max_length=80, help_text="What happened, e.g. organisation.create")
    record_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    record_id = models.CharField(max_length=64)
    record_label = models.CharField(max_length=200)
    # The organisation whose record this is; drives who may read the entry.
    owner_organisation = models.ForeignKey(
        "parties.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    changes = models.JSONField(default=dict, help_text="{field: [before, after]}")
    note = models.TextField(blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name_plural = "audit entries"
        indexes = [
            models.Index(fields=["record_type", "record_id", "at"], name="audit_record_idx"),
            models.Index(fields=["owner_organisation", "at"], name="audit_owner_idx"),
            models.Index(fields=["actor", "at"], name="audit_actor_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label}: {self.action} {self.record_label}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise AppendOnlyError("the audit journal is append-only: entries cannot be updated")
        super().save(*args, **kwargs)

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("the audit journal is append-only: entries cannot be deleted")

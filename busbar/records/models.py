"""The tables shared by every record type (see the package docstring)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class Sequence(models.Model):
    """The last number handed out for a reference prefix (INC, PRB, KB, CHG, REQ, …)."""

    prefix = models.CharField(max_length=8, primary_key=True)
    last = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.prefix}: {self.last}"


class Record(models.Model):
    """The kernel row under one typed record: its reference, and its SLA due-time cache.

    The cache (``*_due_at``, ``*_breached``, ``sla_*``) is derived from :class:`ClockEvent` by
    :mod:`busbar.records.sla` and refreshed by every action that adds a clock event, so queues such as
    "breaching soon" are plain indexed queries. Record types without clocks leave it empty.
    """

    kind = models.CharField(max_length=30, help_text="The registered record type, e.g. incident")
    reference = models.CharField(max_length=20, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    response_due_at = models.DateTimeField(null=True, blank=True)
    resolution_due_at = models.DateTimeField(null=True, blank=True)
    response_breached = models.BooleanField(default=False)
    resolution_breached = models.BooleanField(default=False)
    sla_paused = models.BooleanField(default=False)
    # The next instant a warning or breach notice falls due (None: nothing pending), so the SLA scan reads
    # only the records that need it; and which notices were raised (bits, see sla.NOTICE_BITS).
    sla_next_check_at = models.DateTimeField(null=True, blank=True)
    sla_notified = models.PositiveSmallIntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(
                fields=["resolution_due_at"],
                name="rec_resolution_due",
                condition=models.Q(resolution_due_at__isnull=False),
            ),
            models.Index(
                fields=["response_due_at"],
                name="rec_response_due",
                condition=models.Q(response_due_at__isnull=False),
            ),
            models.Index(
                fields=["kind", "sla_next_check_at"],
                name="rec_sla_next_check",
                condition=models.Q(sla_next_check_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.reference


class ClockEvent(models.Model):
    """A record's clock log: everything the SLA engine needs, and nothing else."""

    class Kind(models.TextChoices):
        START = "start", "Clock started"
        PAUSE = "pause", "Paused"
        RESUME = "resume", "Resumed"
        RESPONDED = "responded", "Responded"
        RESOLVED = "resolved", "Resolved"
        RESTART = "restart", "Reopened"
        SEVERITY = "severity", "Severity changed"

    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="clock_events")
    at = models.DateTimeField()
    kind = models.CharField(max_length=20, choices=Kind.choices)
    severity_code = models.CharField(max_length=10, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["record", "at"], name="rec_clock_record_at")]

    def __str__(self) -> str:
        return f"{self.record_id} {self.kind} at {self.at:%Y-%m-%d %H:%M}"


class IntakeChannel(models.TextChoices):
    """How something reached a record (not :class:`busbar.lib.actions.Channel`, how a change reached
    Busbar, which the journal records)."""

    PORTAL = "portal", "Portal"
    API = "api", "API"
    EMAIL = "email", "Email"
    PHONE = "phone", "Phone"
    MONITORING = "monitoring", "Monitoring event"


class Entry(models.Model):
    """One entry of a record's conversation: a public update or an internal note (those who work it)."""

    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="entries")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    author_label = models.CharField(max_length=200)
    author_organisation = models.ForeignKey(
        "parties.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    channel = models.CharField(max_length=20, choices=IntakeChannel.choices, default=IntakeChannel.PORTAL)
    body = models.TextField()
    is_internal = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    email_message_id = models.CharField(
        max_length=300, blank=True, help_text="Set for replies received by email"
    )

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name_plural = "entries"
        indexes = [models.Index(fields=["record", "created_at"], name="rec_entry_record_at")]
        constraints = [
            models.UniqueConstraint(
                fields=["email_message_id"],
                condition=~models.Q(email_message_id=""),
                name="unique_email_entry",
            )
        ]

    def __str__(self) -> str:
        return f"{'Note' if self.is_internal else 'Update'} on {self.record_id} by {self.author_label}"


def attachment_path(instance: Attachment, filename: str) -> str:
    return f"records/{instance.record_id}/{timezone.now():%Y%m%d%H%M%S}-{filename}"


class Attachment(models.Model):
    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="attachments")
    entry = models.ForeignKey(
        Entry, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(upload_to=attachment_path, max_length=300)
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
        indexes = [models.Index(fields=["record", "created_at"], name="rec_attachment_record_at")]

    def __str__(self) -> str:
        return self.filename


class Link(models.Model):
    """``source`` is <kind> ``target``, between records of any two types: INC2 duplicate_of INC1,
    INC5 caused_by PRB3, PRB3 fixed_by CHG9, INC5 documented_in KB12."""

    class Kind(models.TextChoices):
        DUPLICATE_OF = "duplicate_of", "Duplicate of"
        CAUSED_BY = "caused_by", "Caused by"
        RELATED_TO = "related_to", "Related to"
        FIXED_BY = "fixed_by", "Fixed by"
        DOCUMENTED_IN = "documented_in", "Documented in"

    source = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="links_out")
    target = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="links_in")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["target", "kind"], name="rec_link_target")]
        constraints = [
            models.UniqueConstraint(fields=["source", "target", "kind"], name="unique_record_link"),
            models.CheckConstraint(
                condition=~models.Q(source=models.F("target")), name="no_self_record_link"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source_id} {self.kind} {self.target_id}"


class Watcher(models.Model):
    """Someone following a record: told of its public changes (internal ones too if they work it)."""

    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="watchers")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["user", "created_at"], name="rec_watcher_user")]
        constraints = [models.UniqueConstraint(fields=["record", "user"], name="unique_record_watcher")]

    def __str__(self) -> str:
        return f"{self.user_id} watches {self.record_id}"


class SlaNotice(models.Model):
    """A warning or breach raised by the SLA scan. Unique, so each fires exactly once per clock."""

    class Kind(models.TextChoices):
        WARNING = "warning", "Warning"
        BREACH = "breach", "Breach"

    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="sla_notices")
    clock = models.CharField(max_length=20)  # services.SlaTarget.Clock
    kind = models.CharField(max_length=20, choices=Kind.choices)
    crossed_at = models.DateTimeField(help_text="When the threshold was crossed")
    raised_at = models.DateTimeField(default=timezone.now)
    escalated_to = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")

    class Meta:
        ordering = ["-raised_at"]
        constraints = [
            models.UniqueConstraint(fields=["record", "clock", "kind"], name="unique_record_sla_notice")
        ]

    def __str__(self) -> str:
        return f"{self.record_id} {self.clock} {self.kind}"


class Notification(models.Model):
    """One item of a person's inbox (the bell in the header): a bulletin, an assignment, a mention, an SLA
    warning… about a record they may see. Delivered by :func:`busbar.records.inbox.deliver`."""

    class Kind(models.TextChoices):
        BULLETIN = "bulletin", "Bulletin"
        ASSIGNMENT = "assignment", "Assignment"
        MENTION = "mention", "Mention"
        SLA_WARNING = "sla_warning", "SLA warning"
        AFFECTED = "affected", "Also affected"

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    record = models.ForeignKey(
        Record, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    title = models.CharField(max_length=300)
    url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "-created_at", "-id"], name="rec_notification_inbox"),
            models.Index(
                fields=["recipient"],
                name="rec_notification_unread",
                condition=models.Q(read_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.recipient_id}: {self.title}"

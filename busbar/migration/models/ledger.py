"""The MPAN migration ledger (QM-16, QM-17, QM-20): one row per MPAN with its migration state, the events
that moved it (from participants' daily files), the loads of those files, the daily aggregates the progress
pages read, and the exception queue (failed migrations, reverse migrations after M14, MPANs without an
agent) on the record kernel."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from busbar.migration.models.plans import Segment


class LedgerState(models.TextChoices):
    NOT_MIGRATED = "none", "Not migrated"
    SCHEDULED = "scheduled", "Scheduled"
    MIGRATED = "migrated", "Migrated"
    REVERSED = "reversed", "Reverse-migrated"
    REMIGRATED = "remigrated", "Re-migrated"


class EventKind(models.TextChoices):
    SCHEDULE = "schedule", "Scheduled"
    MIGRATE = "migrate", "Migrated"
    FAIL = "fail", "Migration failed"
    REVERSE = "reverse", "Reverse-migrated"


#: (state, event) -> the state after; a pair not here is an event out of order (a line error).
LEDGER_TRANSITIONS: dict[tuple[str, str], str] = {
    (LedgerState.NOT_MIGRATED, EventKind.SCHEDULE): LedgerState.SCHEDULED,
    (LedgerState.SCHEDULED, EventKind.SCHEDULE): LedgerState.SCHEDULED,  # re-scheduled
    (LedgerState.SCHEDULED, EventKind.MIGRATE): LedgerState.MIGRATED,
    (LedgerState.SCHEDULED, EventKind.FAIL): LedgerState.SCHEDULED,  # stays scheduled; an exception
    (LedgerState.MIGRATED, EventKind.REVERSE): LedgerState.REVERSED,
    (LedgerState.REVERSED, EventKind.SCHEDULE): LedgerState.REVERSED,  # re-scheduled for re-migration
    (LedgerState.REVERSED, EventKind.MIGRATE): LedgerState.REMIGRATED,
    (LedgerState.REVERSED, EventKind.FAIL): LedgerState.REVERSED,
    (LedgerState.REMIGRATED, EventKind.REVERSE): LedgerState.REVERSED,
}

#: States that count as migrated (to the new arrangements) today.
MIGRATED_STATES = frozenset({LedgerState.MIGRATED, LedgerState.REMIGRATED})


class Mpan(models.Model):
    """One MPAN in the ledger. ``core`` is the 13-digit MPAN core as a number; ``distributor`` its first two
    digits (the DNO area); ``excluded`` marks complex and shared SVA sites, excluded from reverse migration
    (QM-17); ``in_flight_at`` the cut-over at which it was still scheduled
    (:mod:`busbar.migration.cutover`)."""

    core = models.BigIntegerField(primary_key=True)
    segment = models.CharField(max_length=12, choices=Segment.choices)
    supplier = models.ForeignKey(
        "parties.Organisation", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    distributor = models.CharField(max_length=2)
    agent = models.ForeignKey(
        "parties.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    state = models.CharField(max_length=12, choices=LedgerState.choices, default=LedgerState.NOT_MIGRATED)
    excluded = models.BooleanField(default=False)
    scheduled_for = models.DateField(null=True, blank=True)
    migrated_on = models.DateField(null=True, blank=True)
    last_event_on = models.DateField(null=True, blank=True)
    failures = models.PositiveSmallIntegerField(default=0)
    in_flight_at = models.DateField(
        null=True,
        blank=True,
        help_text="The cut-over day (the segment window's close, M15) on which this MPAN was still "
        "scheduled: in flight at cut-over (kept after it migrates; a later close marks it again)",
    )

    class Meta:
        indexes = [
            # No index names a column a daily file changes (state, dates, failures): on PostgreSQL the
            # file's updates are then heap-only (HOT), with room kept on each page (fillfactor 80,
            # migration 0003), and touch no index. Keyed by core, so a party's MPANs page in order.
            models.Index(fields=["supplier", "core"], name="mig_mpan_supplier_core"),
            models.Index(fields=["distributor", "core"], name="mig_mpan_dist_core"),
            models.Index(fields=["agent", "core"], name="mig_mpan_agent_core"),
            # Few rows: only the MPANs in flight at a cut-over.
            models.Index(
                fields=["in_flight_at", "core"],
                name="mig_mpan_in_flight",
                condition=models.Q(in_flight_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.core:013d}"

    @property
    def mpan(self) -> str:
        return f"{self.core:013d}"


class LoadStatus(models.TextChoices):
    REJECTED = "rejected", "Rejected: errors, nothing applied"
    APPLIED = "applied", "Applied"
    PARTIAL = "partial", "Valid lines applied, errors rejected"
    UNCHANGED = "unchanged", "Nothing new (a re-load)"


class LedgerLoad(models.Model):
    """One daily file a participant loaded: what it held, what applied, and each rejected line (``errors``:
    a list of {"line", "field", "message"}, at most :data:`busbar.migration.ledger.MAX_ERRORS_KEPT`; the
    count is ``rejected``)."""

    organisation = models.ForeignKey("parties.Organisation", on_delete=models.PROTECT, related_name="+")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    filename = models.CharField(max_length=200)
    file_format = models.CharField(max_length=10, default="csv")
    sha256 = models.CharField(max_length=64)
    rows = models.PositiveIntegerField(default=0)
    applied = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0, help_text="Lines already in the ledger (re-loads)")
    rejected = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=12, choices=LoadStatus.choices)
    apply_valid = models.BooleanField(default=False, help_text="The user chose to apply the valid lines")
    errors = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organisation", "-created_at"], name="mig_load_org"),
            models.Index(fields=["sha256"], name="mig_load_sha"),
        ]

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_status_display()})"


class LedgerEvent(models.Model):
    """An event applied to the ledger. (core, kind, on) is unique: the same line loaded twice changes
    nothing."""

    id = models.BigAutoField(primary_key=True)
    core = models.BigIntegerField()
    kind = models.CharField(max_length=10, choices=EventKind.choices)
    on = models.DateField()
    #: The MPAN's segment, supplier and state after the event, as they were then (the daily aggregates are
    #: keyed by them; a later line may change an MPAN's supplier). The distributor is the core's first two
    #: digits.
    segment = models.CharField(max_length=12, choices=Segment.choices, blank=True, default="")
    supplier = models.ForeignKey(
        "parties.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    state = models.CharField(
        max_length=12,
        choices=LedgerState.choices,
        blank=True,
        default="",
        help_text="The MPAN's state after the event (a migrate to 'remigrated' is a re-migration)",
    )
    load = models.ForeignKey(
        LedgerLoad, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["core", "kind", "on"], name="mig_unique_event")]
        indexes = [models.Index(fields=["on"], name="mig_event_on")]

    def __str__(self) -> str:
        return f"{self.core:013d} {self.kind} on {self.on}"


class DailyProgress(models.Model):
    """Events per day, segment, supplier and distributor area, kept up to date by every load
    (incremental: the progress pages never count the ledger). ``scheduled``… count events of that kind on
    ``day``; ``remigrated`` the migrate events of MPANs that had been reversed."""

    day = models.DateField()
    segment = models.CharField(max_length=12, choices=Segment.choices)
    supplier = models.ForeignKey(
        "parties.Organisation", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    distributor = models.CharField(max_length=2)
    scheduled = models.PositiveIntegerField(default=0)
    migrated = models.PositiveIntegerField(default=0)
    remigrated = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    reversed = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "segment", "supplier", "distributor"], name="mig_unique_daily_progress"
            )
        ]
        indexes = [
            models.Index(fields=["supplier", "day"], name="mig_progress_supplier_day"),
            models.Index(fields=["distributor", "day"], name="mig_progress_dist_day"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.segment} {self.supplier_id} {self.distributor}"


class ExceptionKind(models.TextChoices):
    FAILED = "failed", "Failed migration"
    LATE_REVERSE = "late_reverse", "Reverse migration after M14"
    NO_AGENT = "no_agent", "MPAN with no agent"
    IN_FLIGHT = "in_flight", "In flight at cut-over"


class ExceptionStatus(models.TextChoices):
    OPEN = "open", "Open"
    INVESTIGATING = "investigating", "Investigating"
    RESOLVED = "resolved", "Resolved"


#: Exception status changes; anything else is refused with IllegalTransition (409).
EXCEPTION_TRANSITIONS: dict[str, set[str]] = {
    ExceptionStatus.OPEN: {ExceptionStatus.INVESTIGATING, ExceptionStatus.RESOLVED},
    ExceptionStatus.INVESTIGATING: {ExceptionStatus.RESOLVED, ExceptionStatus.OPEN},
    ExceptionStatus.RESOLVED: {ExceptionStatus.OPEN},
}


class MigrationException(models.Model):
    """An exception queue entry on the record kernel (``MEX…``): one per supplier, kind and day the
    problem was seen, holding the MPANs concerned (:class:`ExceptionMpan`); later loads add MPANs to the
    open entry of the same supplier, kind and day."""

    record = models.OneToOneField(
        "records.Record", on_delete=models.PROTECT, related_name="migration_exception"
    )
    reference = models.CharField(max_length=20, unique=True, editable=False)
    kind = models.CharField(max_length=20, choices=ExceptionKind.choices)
    supplier = models.ForeignKey("parties.Organisation", on_delete=models.PROTECT, related_name="+")
    day = models.DateField()
    summary = models.CharField(max_length=300)
    mpans = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=20, choices=ExceptionStatus.choices, default=ExceptionStatus.OPEN)
    load = models.ForeignKey(LedgerLoad, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    resolution = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-day", "-id"]
        indexes = [
            models.Index(fields=["status", "kind", "-day"], name="mig_exc_status_kind"),
            models.Index(fields=["supplier", "status"], name="mig_exc_supplier"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.get_kind_display()}"


class ExceptionMpan(models.Model):
    """An MPAN in an exception, with the distributor and agent it had (for the DNO's and agent's view)."""

    exception = models.ForeignKey(MigrationException, on_delete=models.CASCADE, related_name="items")
    core = models.BigIntegerField()
    distributor = models.CharField(max_length=2)
    agent = models.ForeignKey(
        "parties.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    on = models.DateField()
    detail = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["exception", "core", "on"], name="mig_unique_exception_mpan")
        ]
        indexes = [models.Index(fields=["core"], name="mig_exc_mpan_core")]

    def __str__(self) -> str:
        return f"{self.core:013d} on {self.on}"


class Cutover(models.Model):
    """The cut-over of one segment (the day its window closes, M15), recorded once the day is over: the
    MPANs still scheduled then (in flight: marked with ``Mpan.in_flight_at`` and put in exceptions) and
    those never scheduled or reversed and not re-scheduled (not migrated). Counted per supplier,
    distributor and agent in :class:`CutoverCount`, so each party reads its own share."""

    programme = models.ForeignKey("testing.Programme", on_delete=models.CASCADE, related_name="+")
    segment = models.CharField(max_length=12, choices=Segment.choices)
    day = models.DateField(help_text="The window's close (M15) the cut-over was taken at")
    in_flight = models.PositiveIntegerField(default=0)
    not_migrated = models.PositiveIntegerField(default=0)
    migrated = models.PositiveIntegerField(default=0)
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-day", "segment"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "segment", "day"], name="mig_unique_cutover")
        ]

    def __str__(self) -> str:
        return f"{self.get_segment_display()} cut-over {self.day}"


class CutoverCount(models.Model):
    """One supplier's MPANs of a cut-over in one distributor area with one agent (none: no agent)."""

    cutover = models.ForeignKey(Cutover, on_delete=models.CASCADE, related_name="counts")
    supplier = models.ForeignKey(
        "parties.Organisation", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    distributor = models.CharField(max_length=2)
    agent = models.ForeignKey(
        "parties.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    in_flight = models.PositiveIntegerField(default=0)
    not_migrated = models.PositiveIntegerField(default=0)
    migrated = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["cutover", "supplier"], name="mig_cutover_count")]

    def __str__(self) -> str:
        return f"{self.cutover_id}: {self.supplier_id} {self.distributor}"

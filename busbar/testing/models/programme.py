"""Programmes, their parties, phases, environments, cohorts, participations and pairings (digest §6.1–6.3).

A **programme** (MHHS, Faster Switching, DCC FSM) is run by a systems integrator (SI) and watched by
assurers; organisations hold a **function** in it (SI, assurer, programme manager, design authority, board).
Its **phases** (PIT, CIT, SIT Functional, …) are data, each with a planned window, environments, an owner
and the organisations taking part (**participations**), grouped in **cohorts** whose composition is checked
against the programme's **participant roles** (TA-13), with supplier–agent **pairings** kept as history
(TA-15).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone


class Programme(models.Model):
    code = models.SlugField(max_length=40, unique=True, help_text="Short name used in addresses, e.g. mhhs")
    name = models.CharField(max_length=200, unique=True)
    description = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ProgrammeFunction(models.TextChoices):
    """What an organisation does in a programme (digest §5.9, §9)."""

    SI = "si", "Systems integrator"
    ASSURER = "assurer", "Assurer"
    PROGRAMME_MANAGER = "programme_manager", "Programme manager"
    DESIGN_AUTHORITY = "design_authority", "Design authority"
    BOARD = "board", "Approval board"


class ProgrammeParty(models.Model):
    """An organisation's function in a programme: the SI runs it, assurers read all of it (read-only),
    the programme manager and the design authority take escalated testing issues, a board decides gates
    and approves completion reports."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="parties")
    organisation = models.ForeignKey("parties.Organisation", on_delete=models.PROTECT, related_name="+")
    function = models.CharField(max_length=30, choices=ProgrammeFunction.choices)
    label = models.CharField(
        max_length=120, blank=True, help_text="The body's own name, e.g. 'SIT Quality Gate Board' or 'IPA'"
    )

    class Meta:
        ordering = ["programme", "function", "organisation__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "organisation", "function"], name="testing_unique_party_function"
            )
        ]
        indexes = [models.Index(fields=["organisation", "function"], name="testing_party_org")]

    def __str__(self) -> str:
        return f"{self.organisation} — {self.get_function_display()} ({self.programme})"


class ParticipantRole(models.Model):
    """A kind of participant in a programme (supplier, advanced agent, UM agent, registration service,
    DTN, …) and the cohort-composition rule: at least ``min_per_cohort`` of them in every cohort (TA-13).
    Central parties are ``mandatory`` participants (TA-14)."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="participant_roles")
    code = models.SlugField(max_length=40)
    label = models.CharField(max_length=120)
    min_per_cohort = models.PositiveSmallIntegerField(default=0)
    mandatory = models.BooleanField(default=False, help_text="Central parties: mandatory participants")
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["programme", "order", "label"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "code"], name="testing_unique_participant_role")
        ]

    def __str__(self) -> str:
        return self.label


class PhaseKind(models.TextChoices):
    PIT = "pit", "Pre-integration testing (PIT)"
    CIT = "cit", "Component integration testing (CIT)"
    SIT_FUNCTIONAL = "sit_functional", "SIT Functional"
    SIT_MIGRATION = "sit_migration", "SIT Migration"
    SIT_NON_FUNCTIONAL = "sit_non_functional", "SIT Non-functional"
    SIT_OPERATIONAL = "sit_operational", "SIT Operational"
    UIT = "uit", "User integration testing (UIT)"
    E2E_SANDBOX = "e2e_sandbox", "E2E sandbox"
    QUALIFICATION = "qualification", "Qualification"
    REGRESSION = "regression", "Regression"
    OTHER = "other", "Other"


class PhaseStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    IN_PROGRESS = "in_progress", "In progress"
    EXITED = "exited", "Exited"
    CLOSED = "closed", "Closed"


#: Phase status changes; anything else is refused with IllegalTransition (409).
PHASE_TRANSITIONS: dict[str, set[str]] = {
    PhaseStatus.PLANNED: {PhaseStatus.IN_PROGRESS, PhaseStatus.CLOSED},
    PhaseStatus.IN_PROGRESS: {PhaseStatus.EXITED, PhaseStatus.CLOSED},
    PhaseStatus.EXITED: {PhaseStatus.CLOSED, PhaseStatus.IN_PROGRESS},
    PhaseStatus.CLOSED: set(),
}


class ExitRule(models.TextChoices):
    ONE_COHORT = "one_cohort", "When one cohort completes (TA-09)"
    ALL_COHORTS = "all_cohorts", "When every cohort completes"
    ALL_PARTICIPANTS = "all_participants", "When every participant completes"


class Environment(models.Model):
    """A test environment of a programme (TA-42): e.g. 'SIT-A', 'Sandbox'."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="environments")
    name = models.CharField(max_length=80)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["programme", "name"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "name"], name="testing_unique_environment")
        ]

    def __str__(self) -> str:
        return self.name


class Phase(models.Model):
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="phases")
    code = models.SlugField(max_length=40, help_text="Short name used in addresses, e.g. sit-functional")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=30, choices=PhaseKind.choices)
    description = models.TextField(blank=True)
    order = models.PositiveSmallIntegerField(default=0)
    planned_start = models.DateField()
    planned_end = models.DateField()
    environments = models.ManyToManyField(Environment, blank=True, related_name="phases")
    owner = models.ForeignKey(
        "parties.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Who runs the phase: the SI for integration phases, a participant for its own PIT",
    )
    status = models.CharField(max_length=20, choices=PhaseStatus.choices, default=PhaseStatus.PLANNED)
    exit_rule = models.CharField(max_length=20, choices=ExitRule.choices, default=ExitRule.ONE_COHORT)
    #: Participants not ready on day 1 may still enter within this many days (TA-10; SIT: a month).
    grace_days = models.PositiveSmallIntegerField(default=0)
    #: Share of a member's mandatory scenarios that must be passed for it to count as complete (TA-09).
    pass_threshold = models.DecimalField(max_digits=5, decimal_places=2, default=95)
    actual_start = models.DateField(null=True, blank=True)
    actual_end = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["programme", "order", "planned_start", "id"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "code"], name="testing_unique_phase_code"),
            models.CheckConstraint(
                condition=models.Q(planned_end__gte=models.F("planned_start")), name="testing_phase_window"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.programme.code.upper()} {self.name}" if self.programme_id else self.name

    @property
    def grace_until(self) -> dt.date | None:
        """The last day a participant may still enter the phase (TA-10), or None with no grace period."""
        if not self.grace_days:
            return None
        return (self.actual_start or self.planned_start) + dt.timedelta(days=self.grace_days)


class Cohort(models.Model):
    phase = models.ForeignKey(Phase, on_delete=models.CASCADE, related_name="cohorts")
    name = models.CharField(max_length=80)
    order = models.PositiveSmallIntegerField(default=0)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["phase", "order", "name"]
        constraints = [models.UniqueConstraint(fields=["phase", "name"], name="testing_unique_cohort")]

    def __str__(self) -> str:
        return self.name


class EntryStatus(models.TextChoices):
    """How a participant stands in a phase (TA-10, TA-16)."""

    PLANNED = "planned", "Planned"
    ENTERED = "entered", "Entered"
    GRACE = "grace", "In grace period"
    COMPLETED = "completed", "Completed"
    WITHDRAWN = "withdrawn", "Withdrawn"


class Participation(models.Model):
    """An organisation taking part in a phase, in a participant role, mandatory or voluntary (TA-14)."""

    phase = models.ForeignKey(Phase, on_delete=models.CASCADE, related_name="participations")
    organisation = models.ForeignKey("parties.Organisation", on_delete=models.PROTECT, related_name="+")
    role = models.ForeignKey(ParticipantRole, on_delete=models.PROTECT, related_name="participations")
    mandatory = models.BooleanField(default=False)
    cohort = models.ForeignKey(
        Cohort, null=True, blank=True, on_delete=models.SET_NULL, related_name="participations"
    )
    status = models.CharField(max_length=20, choices=EntryStatus.choices, default=EntryStatus.PLANNED)
    entered_on = models.DateField(null=True, blank=True)
    completed_on = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["phase", "cohort__order", "role__order", "organisation__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["phase", "organisation", "role"], name="testing_unique_participation"
            )
        ]
        indexes = [
            models.Index(fields=["organisation", "phase"], name="testing_part_org"),
            models.Index(fields=["cohort"], name="testing_part_cohort"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} ({self.role})" if self.role_id else str(self.organisation)


class Pairing(models.Model):
    """A supplier tested with an agent in a phase. Re-arranging ends the pairing (``ended_at``, reason)
    and starts a new one, so the history stays (TA-15)."""

    phase = models.ForeignKey(Phase, on_delete=models.CASCADE, related_name="pairings")
    supplier = models.ForeignKey(Participation, on_delete=models.PROTECT, related_name="+")
    agent = models.ForeignKey(Participation, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=500, blank=True)
    ended_reason = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["phase", "-started_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["supplier", "agent"],
                condition=models.Q(ended_at__isnull=True),
                name="testing_unique_current_pairing",
            )
        ]
        indexes = [models.Index(fields=["phase", "ended_at"], name="testing_pairing_phase")]

    def __str__(self) -> str:
        return f"{self.supplier.organisation} + {self.agent.organisation}"

    @property
    def is_current(self) -> bool:
        return self.ended_at is None

"""Qualification (seed-digest §7.1, QM-01…QM-14): the programme's qualification window, the code bodies that
run it and their capacity, tranches, the participants needing qualification (entrants), their status and the
allocation decisions that place them in tranches."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class QualificationWindow(models.Model):
    """A programme's qualification window (QM-05: all qualification within a 12-month window) and the
    settings the allocation tool and its risk report use (QM-07, R525)."""

    programme = models.OneToOneField(
        "testing.Programme", on_delete=models.CASCADE, related_name="qualification_window"
    )
    opens = models.DateField()
    closes = models.DateField()
    sit_phase = models.ForeignKey(
        "testing.Phase",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The SIT phase whose completion exempts a participant from qualification (QM-04)",
    )
    risk_cutoff = models.DateField(
        help_text="MPANs of suppliers whose tranche ends after this date risk migrating late (R525, QM-07)"
    )
    large_portfolio = models.PositiveIntegerField(
        default=1_000_000, help_text="A supplier with at least this many MPANs is large"
    )
    medium_portfolio = models.PositiveIntegerField(
        default=100_000, help_text="A supplier with at least this many MPANs (and fewer than large) is medium"
    )
    committed_policy = models.CharField(max_length=20, blank=True, default="")
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Qualification window of {self.programme}"


class CodeBody(models.Model):
    """A code body managing qualification (Elexon for the BSC, RECCo, SECAS — QM-03, QM-08)."""

    window = models.ForeignKey(QualificationWindow, on_delete=models.CASCADE, related_name="code_bodies")
    organisation = models.ForeignKey("parties.Organisation", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=120, help_text="e.g. Elexon (BSC)")

    class Meta:
        ordering = ["window", "name"]
        constraints = [
            models.UniqueConstraint(fields=["window", "organisation"], name="mig_unique_code_body")
        ]

    def __str__(self) -> str:
        return self.name


class Tranche(models.Model):
    """A qualification tranche: dates and capacity (overall and per code body in :class:`TrancheCapacity`)."""

    window = models.ForeignKey(QualificationWindow, on_delete=models.CASCADE, related_name="tranches")
    number = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=80)
    starts = models.DateField()
    ends = models.DateField()
    capacity = models.PositiveSmallIntegerField(
        default=0,
        help_text="The most participants the tranche takes in all (0: only the code bodies' limits)",
    )

    class Meta:
        ordering = ["window", "number"]
        constraints = [models.UniqueConstraint(fields=["window", "number"], name="mig_unique_tranche")]

    def __str__(self) -> str:
        return self.name


class TrancheCapacity(models.Model):
    """How many participants one code body can take through qualification in one tranche (QM-08)."""

    tranche = models.ForeignKey(Tranche, on_delete=models.CASCADE, related_name="capacities")
    code_body = models.ForeignKey(CodeBody, on_delete=models.CASCADE, related_name="capacities")
    max_participants = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tranche", "code_body"], name="mig_unique_tranche_capacity")
        ]

    def __str__(self) -> str:
        return f"{self.code_body_id} in {self.tranche_id}: {self.max_participants}"


class EntrantKind(models.TextChoices):
    SUPPLIER = "supplier", "Supplier"
    AGENT = "agent", "Supplier agent"
    OTHER = "other", "Other participant"


class QualificationStatus(models.TextChoices):
    NEEDS = "needs", "Needs qualification"
    EXEMPT = "exempt", "Exempt: SIT complete"
    ALLOCATED = "allocated", "Allocated to a tranche"
    QUALIFYING = "qualifying", "Qualification testing"
    QUALIFIED = "qualified", "Qualified"
    LIVE = "live", "Live"
    WITHDRAWN = "withdrawn", "Withdrawn"


#: Status changes of an entrant; anything else is refused with IllegalTransition (409).
QUALIFICATION_TRANSITIONS: dict[str, set[str]] = {
    QualificationStatus.NEEDS: {
        QualificationStatus.ALLOCATED,
        QualificationStatus.EXEMPT,
        QualificationStatus.WITHDRAWN,
    },
    QualificationStatus.ALLOCATED: {
        QualificationStatus.NEEDS,  # taken out of its tranche
        QualificationStatus.ALLOCATED,  # moved to another tranche
        QualificationStatus.QUALIFYING,
        QualificationStatus.EXEMPT,
        QualificationStatus.WITHDRAWN,
    },
    QualificationStatus.QUALIFYING: {
        QualificationStatus.QUALIFIED,
        QualificationStatus.ALLOCATED,
        QualificationStatus.WITHDRAWN,
    },
    QualificationStatus.QUALIFIED: {QualificationStatus.LIVE, QualificationStatus.WITHDRAWN},
    QualificationStatus.EXEMPT: {QualificationStatus.LIVE, QualificationStatus.WITHDRAWN},
    QualificationStatus.LIVE: set(),
    QualificationStatus.WITHDRAWN: {QualificationStatus.NEEDS},
}

#: Statuses that count as "has completed SIT or qualification" for go-live eligibility (QM-13).
QUALIFIED_STATUSES = frozenset(
    {QualificationStatus.EXEMPT, QualificationStatus.QUALIFIED, QualificationStatus.LIVE}
)


class Entrant(models.Model):
    """A participant in the programme's qualification: needing it, or exempt through SIT (QM-04). A
    supplier names its agents (QM-13: a supplier and at least one of its agents must qualify to go live).
    The portfolio counts (MPANs per segment) feed the allocation policies."""

    window = models.ForeignKey(QualificationWindow, on_delete=models.CASCADE, related_name="entrants")
    organisation = models.ForeignKey("parties.Organisation", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=EntrantKind.choices)
    market_role = models.CharField(max_length=80, blank=True, help_text="e.g. Smart data service (SDS)")
    code_body = models.ForeignKey(
        CodeBody, null=True, blank=True, on_delete=models.SET_NULL, related_name="entrants"
    )
    smart = models.PositiveIntegerField(default=0, help_text="Smart MPANs in the portfolio")
    non_smart = models.PositiveIntegerField(default=0, help_text="Non-smart MPANs")
    advanced = models.PositiveIntegerField(default=0, help_text="Advanced MPANs")
    unmetered = models.PositiveIntegerField(default=0, help_text="Unmetered MPANs")
    ready_on = models.DateField(
        null=True, blank=True, help_text="The date the participant is ready to qualify"
    )
    agents = models.ManyToManyField("self", symmetrical=False, blank=True, related_name="suppliers")
    status = models.CharField(
        max_length=20, choices=QualificationStatus.choices, default=QualificationStatus.NEEDS
    )
    tranche = models.ForeignKey(
        Tranche, null=True, blank=True, on_delete=models.SET_NULL, related_name="entrants"
    )
    sit_completed_on = models.DateField(null=True, blank=True)
    exemption_reference = models.CharField(
        max_length=30, blank=True, help_text="The reference of the written SIT-exemption confirmation (QM-04)"
    )
    exemption_confirmed_at = models.DateTimeField(null=True, blank=True)
    qualified_on = models.DateField(null=True, blank=True)
    systems_live_on = models.DateField(
        null=True, blank=True, help_text="A supplier: the day its new systems went live (QM-13)"
    )
    e2e_required = models.BooleanField(default=False, help_text="E2E sandbox testing needed before go-live")
    e2e_completed_on = models.DateField(null=True, blank=True)
    live_on = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["window", "organisation__name", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["window", "organisation", "kind"], name="mig_unique_entrant")
        ]
        indexes = [models.Index(fields=["organisation"], name="mig_entrant_org")]

    def __str__(self) -> str:
        return f"{self.organisation} ({self.get_kind_display()})"

    @property
    def portfolio(self) -> int:
        return self.smart + self.non_smart + self.advanced + self.unmetered


class AllocationPolicy(models.TextChoices):
    AS_READY = "as_ready", "As ready (first come, first served)"
    BY_PORTFOLIO = "by_portfolio", "By portfolio (Smart, Non-smart, Advanced, Unmetered)"
    BY_SIZE = "by_size", "By supplier size (largest first)"


class AllocationDecision(models.Model):
    """A committed allocation: the policy chosen, why, and what it placed where (a frozen copy of the
    proposal: ``result`` = {"placements": {entrant id: tranche id or null}, "risk": {...},
    "compared": {...}})."""

    window = models.ForeignKey(QualificationWindow, on_delete=models.CASCADE, related_name="decisions")
    policy = models.CharField(max_length=20, choices=AllocationPolicy.choices)
    rationale = models.TextField()
    result = models.JSONField(default=dict)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["window", "-decided_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_policy_display()} ({self.decided_at:%Y-%m-%d})"

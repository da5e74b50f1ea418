"""Programme change requests (digest §5.5, GV-35, GV-37, GV-51): CR001… on the record kernel (reference
PCR…, conversation, attachments, links), issued to the programme's participants for impact assessment
by a deadline in working days (10, then 5 of assurance), reviewed, and approved (re-baselining the
milestones it moves), rejected, re-issued for a further round, put on hold or withdrawn."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class CrStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    IMPACT_ASSESSMENT = "impact_assessment", "Issued for impact assessment"
    REVIEW = "review", "In review"
    ON_HOLD = "on_hold", "On hold"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    WITHDRAWN = "withdrawn", "Withdrawn"


C = CrStatus
#: Anything else is refused with IllegalTransition (409). Re-issuing is review → impact assessment.
CR_TRANSITIONS: dict[str, set[str]] = {
    C.DRAFT: {C.IMPACT_ASSESSMENT, C.WITHDRAWN},
    C.IMPACT_ASSESSMENT: {C.REVIEW, C.WITHDRAWN},
    C.REVIEW: {C.APPROVED, C.REJECTED, C.IMPACT_ASSESSMENT, C.ON_HOLD, C.WITHDRAWN},
    C.ON_HOLD: {C.REVIEW, C.WITHDRAWN},
    C.APPROVED: set(),
    C.REJECTED: set(),
    C.WITHDRAWN: set(),
}
OPEN_CR_STATUSES = frozenset({C.DRAFT, C.IMPACT_ASSESSMENT, C.REVIEW, C.ON_HOLD})


class Criticality(models.TextChoices):
    HIGH = "high", "High"
    MEDIUM = "medium", "Medium"
    LOW = "low", "Low"


class ChangeRequest(models.Model):
    record = models.OneToOneField("records.Record", on_delete=models.PROTECT, related_name="programme_cr")
    reference = models.CharField(max_length=20, unique=True, editable=False)
    programme = models.ForeignKey(
        "testing.Programme", on_delete=models.PROTECT, related_name="change_requests"
    )
    number = models.PositiveIntegerField(help_text="CR<number>, three digits: CR022")
    title = models.CharField(max_length=300)
    description = models.TextField()
    reason = models.TextField(blank=True)
    criticality = models.CharField(max_length=10, choices=Criticality.choices, default=Criticality.MEDIUM)
    raised_by = models.ForeignKey("parties.Organisation", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=20, choices=CrStatus.choices, default=CrStatus.DRAFT)
    #: The impact-assessment round: 1 when first issued, +1 each time it is re-issued.
    round = models.PositiveSmallIntegerField(default=0)
    issued_on = models.DateField(null=True, blank=True)
    ia_deadline = models.DateField(null=True, blank=True, help_text="Responses due (working days on)")
    assurance_deadline = models.DateField(null=True, blank=True)
    #: The date a decision is needed by; decided (or still open) after it, the CR counts as late (GV-37).
    needed_by = models.DateField(null=True, blank=True)
    decided_on = models.DateField(null=True, blank=True)
    decision_note = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["programme", "-number"]
        constraints = [models.UniqueConstraint(fields=["programme", "number"], name="gov_unique_cr")]
        indexes = [models.Index(fields=["programme", "status"], name="gov_cr_status")]

    def __str__(self) -> str:
        return f"{self.display_ref} {self.title}"

    @property
    def display_ref(self) -> str:
        return f"CR{self.number:03d}"


class MilestoneChange(models.Model):
    """A milestone the CR moves: its proposed baseline date; at approval, the date it had."""

    change_request = models.ForeignKey(
        ChangeRequest, on_delete=models.CASCADE, related_name="milestone_changes"
    )
    milestone = models.ForeignKey("programmes.Milestone", on_delete=models.PROTECT, related_name="changes")
    proposed_date = models.DateField()
    previous_date = models.DateField(null=True, blank=True, editable=False)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["change_request", "milestone__order"]
        constraints = [
            models.UniqueConstraint(fields=["change_request", "milestone"], name="gov_unique_cr_milestone")
        ]

    def __str__(self) -> str:
        return f"{self.milestone_id} → {self.proposed_date}"


class ImpactLevel(models.TextChoices):
    NONE = "none", "No impact"
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class Position(models.TextChoices):
    SUPPORT = "support", "Support"
    NEUTRAL = "neutral", "Neutral"
    OPPOSE = "oppose", "Oppose"


class ImpactResponse(models.Model):
    """A participant's impact assessment of a CR in one round. Seen by the responding organisation and
    the programme office (and assurers, the desk); never by other participants."""

    change_request = models.ForeignKey(ChangeRequest, on_delete=models.CASCADE, related_name="responses")
    round = models.PositiveSmallIntegerField()
    organisation = models.ForeignKey("parties.Organisation", on_delete=models.PROTECT, related_name="+")
    impact = models.CharField(max_length=10, choices=ImpactLevel.choices)
    position = models.CharField(max_length=10, choices=Position.choices)
    response = models.TextField()
    cost_or_effort = models.CharField(max_length=300, blank=True)
    submitted_at = models.DateTimeField(default=timezone.now)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    late = models.BooleanField(default=False, help_text="Received after the impact-assessment deadline")

    class Meta:
        ordering = ["change_request", "round", "organisation__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["change_request", "round", "organisation"], name="gov_unique_impact_response"
            )
        ]

    def __str__(self) -> str:
        return f"Impact assessment by {self.organisation_id} (round {self.round})"

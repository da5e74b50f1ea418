"""The RAID log (digest §5.3, GV-19…GV-27): risks, assumptions, issues and dependencies of a programme,
each on the record kernel (reference RAID…, conversation, attachments, links, watchers, timeline) and
numbered per programme (R1, R2, …, ``display_ref``), with the seed's own columns per type (GV-20), the RAG
legends of GV-21, a likelihood × impact exposure score, a public/private flag (GV-23) and a link from a
risk to the issue it became (GV-25)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from busbar.programmes.models.plan import Rag


class RaidKind(models.TextChoices):
    RISK = "risk", "Risk"
    ASSUMPTION = "assumption", "Assumption"
    ISSUE = "issue", "Issue"
    DEPENDENCY = "dependency", "Dependency"


class RaidStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"
    CONVERTED = "converted", "Converted to an issue"


#: Status changes; anything else is refused with IllegalTransition (409). Only a risk converts.
RAID_TRANSITIONS: dict[str, set[str]] = {
    RaidStatus.OPEN: {RaidStatus.CLOSED, RaidStatus.CONVERTED},
    RaidStatus.CLOSED: {RaidStatus.OPEN},
    RaidStatus.CONVERTED: set(),
}


class Level(models.TextChoices):
    """Impact of a risk or issue, uncertainty of an assumption (GV-21)."""

    NONE = "", "—"
    HIGH = "high", "High"
    MEDIUM = "medium", "Medium"
    LOW = "low", "Low"


class Manageable(models.TextChoices):
    """A dependency's "Manageable?" column (GV-21)."""

    NONE = "", "—"
    YES = "yes", "Yes"
    NOT_YET = "not_yet", "Not yet"
    IN_PROCESS = "in_process", "In process"
    YES_SI = "yes_si", "Yes – SI management of migration"


#: The legend printed under each RAID table (GV-21): what a RAG means for that type.
RAG_LEGEND: dict[str, dict[str, str]] = {
    RaidKind.RISK: {
        Rag.RED: "There is no plan (or there is an immature plan) to manage impact",
        Rag.AMBER: "There is a plan to manage impact but with some uncertainty of outcome",
        Rag.GREEN: "There is a plan to manage impact and outcomes are predictable",
    },
    RaidKind.ISSUE: {
        Rag.RED: "There is no plan (or there is an immature plan) to manage impact",
        Rag.AMBER: "There is a plan to manage impact but with some uncertainty of outcome",
        Rag.GREEN: "There is a plan to manage impact and outcomes are predictable",
    },
    RaidKind.ASSUMPTION: {
        Rag.RED: "The assumption is likely to change",
        Rag.AMBER: "The assumption may change",
        Rag.GREEN: "The assumption is unlikely to change",
    },
    RaidKind.DEPENDENCY: {
        Rag.RED: "There is no clear plan to manage dependency yet",
        Rag.AMBER: "There is an outline plan to manage dependency",
        Rag.GREEN: "There is a clear plan to manage dependency",
    },
}

#: Themes seen in the programme's RAID slides (GV-22), offered as suggestions; any theme may be typed.
THEMES = (
    "Duration of Testing",
    "External Dependency",
    "Resources",
    "Scope",
    "Roles & Resources",
    "Data",
    "SI Testing Tools",
    "Planning",
    "Testing Duration",
    "Release Management",
    "Scope of testing",
    "Testing Approach",
    "Readiness for Go-Live",
    "Design",
    "Migration Approach",
)


class RaidItem(models.Model):
    record = models.OneToOneField("records.Record", on_delete=models.PROTECT, related_name="raid_item")
    reference = models.CharField(max_length=20, unique=True, editable=False)
    programme = models.ForeignKey("testing.Programme", on_delete=models.PROTECT, related_name="raid_items")
    number = models.PositiveIntegerField(help_text="R<number> in the programme's RAID log")
    kind = models.CharField(max_length=20, choices=RaidKind.choices)
    title = models.CharField(max_length=300, help_text="The risk, issue, assumption or dependency")
    description = models.TextField(blank=True)
    theme = models.CharField(max_length=80, blank=True)
    phase = models.ForeignKey(
        "programmes.PlanPhase", null=True, blank=True, on_delete=models.SET_NULL, related_name="raid_items"
    )
    #: Planned mitigating (risk) / resolving (issue) activities; an assumption's commentary.
    activities = models.TextField(blank=True)
    #: Potential (risk) or current (issue) impact, in words, and its level.
    impact_text = models.TextField(blank=True)
    impact_level = models.CharField(max_length=10, choices=Level.choices, blank=True, default="")
    uncertainty = models.CharField(max_length=10, choices=Level.choices, blank=True, default="")
    manageable = models.CharField(max_length=20, choices=Manageable.choices, blank=True, default="")
    impacting_milestone = models.ForeignKey(
        "programmes.Milestone",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="impacting_dependencies",
    )
    impacting_activity = models.CharField(max_length=300, blank=True)
    impacted_milestone = models.ForeignKey(
        "programmes.Milestone",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="impacted_dependencies",
    )
    impacted_activity = models.CharField(max_length=300, blank=True)
    external_ref = models.CharField(max_length=80, blank=True, help_text="e.g. REC CP R0044, SEC MP162")
    likelihood = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="1 (rare) … 5 (almost certain)"
    )
    impact_score = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="1 (minimal) … 5 (severe)"
    )
    #: likelihood × impact_score (1–25), kept for ordering and the dashboard; 0 when unscored.
    exposure = models.PositiveSmallIntegerField(default=0, editable=False)
    rag = models.CharField(max_length=10, choices=Rag.choices, blank=True, default="")
    owner_organisation = models.ForeignKey(
        "parties.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    owner_label = models.CharField(max_length=200, blank=True, help_text="e.g. Programme (PMO/PPC)")
    owner_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_public = models.BooleanField(default=False, help_text="Public items are seen by every participant")
    status = models.CharField(max_length=20, choices=RaidStatus.choices, default=RaidStatus.OPEN)
    converted_from = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="converted_to"
    )
    raised_on = models.DateField(default=timezone.localdate)
    closed_on = models.DateField(null=True, blank=True)
    closure_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["programme", "number"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "number"], name="gov_unique_raid_number"),
            models.CheckConstraint(
                condition=models.Q(likelihood__isnull=True) | models.Q(likelihood__gte=1, likelihood__lte=5),
                name="gov_raid_likelihood",
            ),
            models.CheckConstraint(
                condition=models.Q(impact_score__isnull=True)
                | models.Q(impact_score__gte=1, impact_score__lte=5),
                name="gov_raid_impact",
            ),
        ]
        indexes = [
            models.Index(fields=["programme", "status", "kind", "-exposure", "number"], name="gov_raid_list"),
            models.Index(fields=["programme", "is_public", "status", "number"], name="gov_raid_public"),
            models.Index(fields=["owner_organisation", "programme"], name="gov_raid_owner"),
        ]

    def __str__(self) -> str:
        return f"{self.display_ref} {self.title}"

    @property
    def display_ref(self) -> str:
        return f"R{self.number}"

    def score(self) -> int:
        return (self.likelihood or 0) * (self.impact_score or 0)

    @property
    def rag_legend(self) -> str:
        return RAG_LEGEND.get(self.kind, {}).get(self.rag, "")

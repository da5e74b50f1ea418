"""The programme plan (digest §5.1–5.2): plan phases with a RAG, milestones and control points with
baseline / forecast / actual dates, tasks in working days, numbered **baselines** (only an approved
change request writes a new one; every earlier one stays readable) and participants' subsidiary plans
whose milestones point at programme milestones (GV-02)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class Rag(models.TextChoices):
    NONE = "", "Not rated"
    GREEN = "green", "Green"
    AMBER = "amber", "Amber"
    RED = "red", "Red"
    COMPLETE = "complete", "Complete"


class GovernanceSettings(models.Model):
    """Per programme: the calendar its working days are counted on (bank holidays and the calendar's
    closures excluded), the document prefix of its meeting packs and its default classification."""

    programme = models.OneToOneField("testing.Programme", on_delete=models.CASCADE, related_name="governance")
    calendar = models.ForeignKey(
        "services.Calendar",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Closures of this calendar are not working days (weekends and bank holidays never are)",
    )
    document_prefix = models.CharField(max_length=30, blank=True, default="", help_text="e.g. MHHS-DEL")
    classification = models.CharField(max_length=40, default="Public")
    #: Consultation windows in working days (GV-51): impact assessment, then assurance.
    consultation_days = models.PositiveSmallIntegerField(default=10)
    assurance_days = models.PositiveSmallIntegerField(default=5)

    def __str__(self) -> str:
        return f"Governance of {self.programme}"


class PlanPhase(models.Model):
    """A phase of the programme plan (Design, Build, Integration testing, Qualification, Migration …),
    optionally the test phase it corresponds to; RAG per phase on the dashboard (GV-38)."""

    programme = models.ForeignKey("testing.Programme", on_delete=models.CASCADE, related_name="plan_phases")
    code = models.SlugField(max_length=40)
    name = models.CharField(max_length=120)
    order = models.PositiveSmallIntegerField(default=0)
    start = models.DateField(null=True, blank=True)
    end = models.DateField(null=True, blank=True)
    rag = models.CharField(max_length=10, choices=Rag.choices, blank=True, default="")
    rag_reason = models.CharField(max_length=500, blank=True)
    test_phase = models.ForeignKey(
        "testing.Phase", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["programme", "order", "start", "id"]
        constraints = [models.UniqueConstraint(fields=["programme", "code"], name="gov_unique_plan_phase")]

    def __str__(self) -> str:
        return self.name


class MilestoneKind(models.TextChoices):
    MILESTONE = "milestone", "Milestone"
    CONTROL_POINT = "control_point", "Control point"


class Milestone(models.Model):
    """M5…M16 and control points CP1…CP5 (GV-04…GV-06, GV-11…GV-14).

    ``baseline_date`` is a copy of the date in the programme's current baseline (``BaselineDate``): it is
    never edited directly, only by approving a change request (``actions.plan.approve`` writes the next
    baseline). ``forecast_date`` and ``actual_date`` are the programme office's to keep current."""

    programme = models.ForeignKey("testing.Programme", on_delete=models.CASCADE, related_name="milestones")
    code = models.CharField(max_length=20, help_text="e.g. M14 or CP4")
    name = models.CharField(max_length=300)
    kind = models.CharField(max_length=20, choices=MilestoneKind.choices, default=MilestoneKind.MILESTONE)
    phase = models.ForeignKey(
        PlanPhase, null=True, blank=True, on_delete=models.SET_NULL, related_name="milestones"
    )
    predecessor = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="successors"
    )
    baseline_date = models.DateField(null=True, blank=True, editable=False)
    forecast_date = models.DateField(null=True, blank=True)
    actual_date = models.DateField(null=True, blank=True)
    rag = models.CharField(max_length=10, choices=Rag.choices, blank=True, default="")
    rationale = models.TextField(blank=True)
    regulatory = models.BooleanField(
        default=False, help_text="A Level 1 milestone: changes need the regulator"
    )
    order = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["programme", "order", "baseline_date", "id"]
        constraints = [models.UniqueConstraint(fields=["programme", "code"], name="gov_unique_milestone")]
        indexes = [models.Index(fields=["programme", "forecast_date"], name="gov_ms_forecast")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def current_date(self):
        """The date the milestone is expected: actual, else forecast, else baseline."""
        return self.actual_date or self.forecast_date or self.baseline_date


class Baseline(models.Model):
    """A numbered baseline of the plan: every milestone's date at the time (``dates``). Number 1 is set
    once by the programme office; every later one is written by approving a change request."""

    programme = models.ForeignKey("testing.Programme", on_delete=models.CASCADE, related_name="baselines")
    number = models.PositiveSmallIntegerField()
    label = models.CharField(max_length=200)
    change_request = models.OneToOneField(
        "programmes.ChangeRequest", null=True, blank=True, on_delete=models.PROTECT, related_name="baseline"
    )
    approved_at = models.DateTimeField(default=timezone.now)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["programme", "number"]
        constraints = [models.UniqueConstraint(fields=["programme", "number"], name="gov_unique_baseline")]

    def __str__(self) -> str:
        return f"Baseline {self.number}: {self.label}"


class BaselineDate(models.Model):
    baseline = models.ForeignKey(Baseline, on_delete=models.CASCADE, related_name="dates")
    milestone = models.ForeignKey(Milestone, on_delete=models.CASCADE, related_name="baseline_dates")
    date = models.DateField()

    class Meta:
        ordering = ["baseline", "milestone__order"]
        constraints = [
            models.UniqueConstraint(fields=["baseline", "milestone"], name="gov_unique_baseline_date")
        ]

    def __str__(self) -> str:
        return f"{self.milestone_id} on {self.date}"


class TaskMode(models.TextChoices):
    AUTO = "auto", "Auto scheduled"
    MANUAL = "manual", "Manually scheduled"


class Task(models.Model):
    """A plan task (GV-08): ID, mode, name, start, finish, responsible, involved, duration in working
    days ("129 days?" is an uncertain duration)."""

    programme = models.ForeignKey("testing.Programme", on_delete=models.CASCADE, related_name="tasks")
    ref = models.CharField(max_length=20, help_text="The plan's task ID")
    name = models.CharField(max_length=300)
    mode = models.CharField(max_length=10, choices=TaskMode.choices, default=TaskMode.AUTO)
    phase = models.ForeignKey(
        PlanPhase, null=True, blank=True, on_delete=models.SET_NULL, related_name="tasks"
    )
    milestone = models.ForeignKey(
        Milestone,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tasks",
        help_text="The milestone this task leads to",
    )
    start = models.DateField()
    finish = models.DateField()
    duration_days = models.PositiveIntegerField(help_text="Working days on the programme's calendar")
    duration_uncertain = models.BooleanField(default=False)
    responsible = models.ForeignKey(
        "parties.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    responsible_label = models.CharField(max_length=120, blank=True, help_text="e.g. CPT, PPC, SI Test")
    involved = models.ManyToManyField("parties.Organisation", blank=True, related_name="+")
    involved_label = models.CharField(max_length=200, blank=True, help_text="e.g. PMO, PP")
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["programme", "start", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "ref"], name="gov_unique_task"),
            models.CheckConstraint(condition=models.Q(finish__gte=models.F("start")), name="gov_task_window"),
        ]

    def __str__(self) -> str:
        return f"{self.ref} {self.name}"


class SubsidiaryPlan(models.Model):
    """A participant's own plan, subsidiary to the programme plan (GV-02)."""

    programme = models.ForeignKey(
        "testing.Programme", on_delete=models.CASCADE, related_name="subsidiary_plans"
    )
    organisation = models.ForeignKey("parties.Organisation", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=200)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["programme", "organisation__name"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "organisation"], name="gov_unique_subsidiary_plan")
        ]

    def __str__(self) -> str:
        return self.name


class PartyMilestone(models.Model):
    """A milestone of a participant's plan. ``programme_milestone``: the programme milestone it must be
    met before (a slip of either shows on the other)."""

    plan = models.ForeignKey(SubsidiaryPlan, on_delete=models.CASCADE, related_name="milestones")
    name = models.CharField(max_length=300)
    programme_milestone = models.ForeignKey(
        Milestone, null=True, blank=True, on_delete=models.SET_NULL, related_name="party_milestones"
    )
    planned_date = models.DateField()
    forecast_date = models.DateField(null=True, blank=True)
    actual_date = models.DateField(null=True, blank=True)
    rag = models.CharField(max_length=10, choices=Rag.choices, blank=True, default="")
    notes = models.TextField(blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["plan", "order", "planned_date", "id"]
        indexes = [models.Index(fields=["programme_milestone"], name="gov_party_ms")]

    def __str__(self) -> str:
        return self.name

    @property
    def current_date(self):
        return self.actual_date or self.forecast_date or self.planned_date


class Member(models.Model):
    """An organisation taking part in a programme's governance (a market participant of MHHS, say),
    whether or not it tests in one of its phases. Members, the organisations in a test phase and those
    holding a function are the programme's **participants**: they read its plan, public RAID items,
    action log, meetings and decisions, and answer its readiness assessments and impact assessments."""

    programme = models.ForeignKey("testing.Programme", on_delete=models.CASCADE, related_name="members")
    organisation = models.ForeignKey("parties.Organisation", on_delete=models.PROTECT, related_name="+")
    constituency = models.CharField(max_length=120, blank=True, help_text="e.g. Large supplier, Agent, DNO")
    joined_on = models.DateField(default=timezone.localdate)

    class Meta:
        ordering = ["programme", "organisation__name"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "organisation"], name="gov_unique_member")
        ]
        indexes = [models.Index(fields=["organisation", "programme"], name="gov_member_org_prog")]

    def __str__(self) -> str:
        return f"{self.organisation} in {self.programme}"

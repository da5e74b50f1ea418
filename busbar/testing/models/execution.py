"""Requirements, scenarios, versioned scripts, runs, executions and their evidence (digest §6.4).

A **scenario** is specified by the SI for a phase (TA-22) and traced to requirements; its **script** is
versioned: editing makes a new version, and an **execution** pins the version it ran (the Kiwi TCMS rule).
An execution is one participant's (or pairing's) result for a scenario in an environment; the latest result
per scenario and participation is kept in :class:`LatestResult` so the traceability matrix and the gates
read one row per cell.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from busbar.testing.models.programme import Environment, Pairing, Participation, Phase, Programme


class Requirement(models.Model):
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="requirements")
    code = models.CharField(max_length=40, help_text="The requirement's id in its source, e.g. BR-IF021-04")
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    source = models.CharField(max_length=200, blank=True, help_text="Document and section it comes from")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["programme", "code"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "code"], name="testing_unique_requirement")
        ]

    def __str__(self) -> str:
        return f"{self.code}: {self.title}"


class Scenario(models.Model):
    """A test scenario of a phase, specified by the SI (TA-22), traced to requirements (TA-26)."""

    phase = models.ForeignKey(Phase, on_delete=models.CASCADE, related_name="scenarios")
    code = models.CharField(max_length=40, help_text="Unique in the programme; JUnit test cases name it")
    title = models.CharField(max_length=300)
    interface = models.CharField(max_length=40, blank=True, help_text="e.g. IF-021")
    description = models.TextField(blank=True)
    mandatory = models.BooleanField(default=True)
    requirements = models.ManyToManyField(Requirement, blank=True, related_name="scenarios")
    #: The participant roles that run it; none: every participant of the phase.
    roles = models.ManyToManyField("testing.ParticipantRole", blank=True, related_name="scenarios")
    #: The newest script version (a cache kept by the actions; None before the first script).
    current_version = models.ForeignKey(
        "testing.ScriptVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["phase", "code"]
        constraints = [models.UniqueConstraint(fields=["phase", "code"], name="testing_unique_scenario")]
        indexes = [models.Index(fields=["phase", "interface"], name="testing_scenario_if")]

    def __str__(self) -> str:
        return f"{self.code}: {self.title}"


class ScriptVersion(models.Model):
    """One version of a scenario's test script: its steps (``[{"action": …, "expected": …}]``). Versions
    are never edited; editing the script writes the next version."""

    scenario = models.ForeignKey(Scenario, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    steps = models.JSONField(default=list)
    preconditions = models.TextField(blank=True)
    change_note = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["scenario", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["scenario", "version"], name="testing_unique_script_version")
        ]

    def __str__(self) -> str:
        return f"{self.scenario.code} v{self.version}" if self.scenario_id else f"v{self.version}"


class Run(models.Model):
    """A batch of executions by one participation in one environment: a manual test session or one CI
    job's JUnit file (Kiwi's test run)."""

    phase = models.ForeignKey(Phase, on_delete=models.CASCADE, related_name="runs")
    participation = models.ForeignKey(Participation, on_delete=models.PROTECT, related_name="runs")
    pairing = models.ForeignKey(Pairing, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    environment = models.ForeignKey(
        Environment, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["participation", "-created_at"], name="testing_run_part")]

    def __str__(self) -> str:
        return self.title


class Result(models.TextChoices):
    PASSED = "passed", "Passed"
    FAILED = "failed", "Failed"
    BLOCKED = "blocked", "Blocked"
    NOT_RUN = "not_run", "Not run"


class Execution(models.Model):
    """One recorded result of a scenario's script version by a participation (TA-21)."""

    phase = models.ForeignKey(Phase, on_delete=models.CASCADE, related_name="executions")
    scenario = models.ForeignKey(Scenario, on_delete=models.PROTECT, related_name="executions")
    script_version = models.ForeignKey(ScriptVersion, on_delete=models.PROTECT, related_name="executions")
    participation = models.ForeignKey(Participation, on_delete=models.PROTECT, related_name="executions")
    pairing = models.ForeignKey(Pairing, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    environment = models.ForeignKey(
        Environment, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    run = models.ForeignKey(Run, null=True, blank=True, on_delete=models.SET_NULL, related_name="executions")
    result = models.CharField(max_length=10, choices=Result.choices)
    executed_at = models.DateTimeField(default=timezone.now)
    #: Monday (Europe/London) of the week it was executed: the glide path's bucket.
    week = models.DateField()
    #: The first execution of this scenario by this participation (first-time pass ratio, TA-39).
    is_first = models.BooleanField(default=False)
    #: A retest of an earlier execution (after a testing issue's fix).
    retest_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="retests"
    )
    notes = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    external_id = models.CharField(max_length=300, blank=True, help_text="The JUnit test case it came from")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_by_organisation = models.ForeignKey(
        "parties.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-executed_at", "-id"]
        indexes = [
            models.Index(fields=["phase", "week", "result", "is_first"], name="testing_exec_glide"),
            models.Index(
                fields=["participation", "week", "result", "is_first"], name="testing_exec_part_glide"
            ),
            models.Index(fields=["scenario", "participation", "-executed_at"], name="testing_exec_cell"),
            models.Index(fields=["phase", "-executed_at", "-id"], name="testing_exec_recent"),
            models.Index(fields=["run"], name="testing_exec_run"),
        ]

    def __str__(self) -> str:
        return f"{self.scenario.code} {self.get_result_display()}" if self.scenario_id else self.result


class LatestResult(models.Model):
    """The newest execution of a scenario by a participation: one row per traceability-matrix cell, kept
    by the action that records an execution."""

    scenario = models.ForeignKey(Scenario, on_delete=models.CASCADE, related_name="latest_results")
    participation = models.ForeignKey(Participation, on_delete=models.CASCADE, related_name="latest_results")
    phase = models.ForeignKey(Phase, on_delete=models.CASCADE, related_name="+")
    execution = models.ForeignKey(Execution, on_delete=models.CASCADE, related_name="+")
    result = models.CharField(max_length=10, choices=Result.choices)
    executed_at = models.DateTimeField()
    attempts = models.PositiveIntegerField(default=1)
    #: Monday (Europe/London) of the cell's first passed/failed/blocked execution, and of its first pass
    #: (None: not yet): kept with the cell (the earlier of the old and the new), so the glide path groups
    #: cells, not executions.
    first_executed_week = models.DateField(null=True, blank=True)
    first_passed_week = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scenario", "participation"], name="testing_unique_latest")
        ]
        indexes = [
            models.Index(fields=["phase", "participation", "result"], name="testing_latest_part"),
            models.Index(fields=["phase", "scenario", "result"], name="testing_latest_scen"),
            models.Index(
                fields=["phase", "first_executed_week", "first_passed_week"], name="testing_latest_glide"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scenario_id}/{self.participation_id}: {self.result}"


def evidence_path(instance: Evidence, filename: str) -> str:
    return f"testing/evidence/{timezone.now():%Y/%m}/{uuid.uuid4().hex}/{filename}"


class Evidence(models.Model):
    """A file backing an execution (logs, message files, datagen output) or a gate criterion; checked by
    content and size like the kernel's attachments, and read through the owner's visibility."""

    execution = models.ForeignKey(
        Execution, null=True, blank=True, on_delete=models.CASCADE, related_name="evidence"
    )
    criterion = models.ForeignKey(
        "testing.Criterion", null=True, blank=True, on_delete=models.CASCADE, related_name="evidence"
    )
    file = models.FileField(upload_to=evidence_path, max_length=300)
    filename = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    description = models.CharField(max_length=300, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_by_organisation = models.ForeignKey(
        "parties.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(execution__isnull=False) | models.Q(criterion__isnull=False),
                name="testing_evidence_has_owner",
            )
        ]

    def __str__(self) -> str:
        return self.filename


class GlidePoint(models.Model):
    """The plan for a phase's glide path: by the end of ``week`` (a Monday), this many executions and
    passes in total (cumulative). Without points the plan is a straight line across the window."""

    phase = models.ForeignKey(Phase, on_delete=models.CASCADE, related_name="glide_points")
    week = models.DateField()
    planned_executed = models.PositiveIntegerField()
    planned_passed = models.PositiveIntegerField()

    class Meta:
        ordering = ["phase", "week"]
        constraints = [models.UniqueConstraint(fields=["phase", "week"], name="testing_unique_glide_week")]

    def __str__(self) -> str:
        return f"{self.week}: {self.planned_executed}/{self.planned_passed}"

"""Scripted triage (seed 001 §11.23, PM-11/PM-12): per-service scripts of questions whose answers lead to
the next question or to an outcome — a knowledge article that resolves it at first line, a suggested
severity, "raise to the provider" — run by the desk from an incident's page, the answers recorded on it.

A run keeps its own transcript (the questions and answers as they read when it ran), so a script can be
changed later without rewriting what was recorded.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class TriageScript(models.Model):
    name = models.CharField(max_length=200)
    service = models.ForeignKey(
        "services.Service",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="triage_scripts",
        help_text="Empty: offered on incidents of every service",
    )
    description = models.TextField(blank=True, help_text="When to use it")
    is_active = models.BooleanField(
        default=False, help_text="Offered on incidents (checked when switched on)"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["service", "is_active"], name="triage_service_active")]
        constraints = [models.UniqueConstraint(fields=["name"], name="unique_triage_script_name")]

    def __str__(self) -> str:
        return self.name


class TriageQuestion(models.Model):
    script = models.ForeignKey(TriageScript, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveIntegerField(help_text="The first question is asked first")
    text = models.CharField(max_length=300)
    help = models.TextField(blank=True, help_text="How to find the answer")

    class Meta:
        ordering = ["script", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["script", "position"], name="unique_triage_question_position")
        ]

    def __str__(self) -> str:
        return f"Q{self.position}: {self.text}"


class TriageAnswer(models.Model):
    """One answer to a question: it leads to a later question, or ends the script with its outcome."""

    question = models.ForeignKey(TriageQuestion, on_delete=models.CASCADE, related_name="answers")
    position = models.PositiveIntegerField()
    label = models.CharField(max_length=200)
    next_question = models.ForeignKey(
        TriageQuestion, null=True, blank=True, on_delete=models.PROTECT, related_name="led_from"
    )
    article = models.ForeignKey(
        "knowledge.Article", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    severity = models.ForeignKey(
        "services.Severity", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    raise_to_provider = models.BooleanField(default=False)
    advice = models.TextField(blank=True, help_text="What to tell the participant, or do next")

    class Meta:
        ordering = ["question", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["question", "position"], name="unique_triage_answer_position")
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def ends(self) -> bool:
        return self.next_question_id is None


class TriageRun(models.Model):
    """A script run on a record: the transcript and the outcome reached, and what was applied."""

    record = models.ForeignKey("records.Record", on_delete=models.CASCADE, related_name="triage_runs")
    script = models.ForeignKey(TriageScript, null=True, on_delete=models.SET_NULL, related_name="runs")
    script_name = models.CharField(max_length=200)
    transcript = models.JSONField(help_text="[{question, answer}] as they read when it ran")
    article = models.ForeignKey(
        "knowledge.Article", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    severity = models.ForeignKey(
        "services.Severity", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    raise_to_provider = models.BooleanField(default=False)
    advice = models.TextField(blank=True)
    applied = models.JSONField(default=list, help_text="What was done: severity, assigned, linked")
    run_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["record", "-created_at"], name="triage_run_record")]

    def __str__(self) -> str:
        return f"{self.script_name} on {self.record_id}"

"""Readiness assessments (digest §5.2, GV-15, GV-16): a questionnaire with a response window that each
participant organisation answers (with evidence); the programme office scores each answer (RAG), rates
each participant, chases those who have not responded and reads a heat map of participants × questions."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from busbar.programmes.models.plan import Rag


class AssessmentStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    OPEN = "open", "Open for responses"
    CLOSED = "closed", "Closed"


ASSESSMENT_TRANSITIONS: dict[str, set[str]] = {
    AssessmentStatus.DRAFT: {AssessmentStatus.OPEN},
    AssessmentStatus.OPEN: {AssessmentStatus.CLOSED},
    AssessmentStatus.CLOSED: {AssessmentStatus.OPEN},
}


class Assessment(models.Model):
    programme = models.ForeignKey("testing.Programme", on_delete=models.PROTECT, related_name="assessments")
    code = models.CharField(max_length=20, help_text="e.g. RA5")
    name = models.CharField(max_length=200, help_text="e.g. Design & Build Checkpoint 2")
    description = models.TextField(blank=True)
    opens_on = models.DateField()
    closes_on = models.DateField()
    status = models.CharField(max_length=10, choices=AssessmentStatus.choices, default=AssessmentStatus.DRAFT)
    #: Who must answer: every programme participant, or only those taking part in this test phase.
    phase = models.ForeignKey(
        "testing.Phase", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    milestone = models.ForeignKey(
        "programmes.Milestone", null=True, blank=True, on_delete=models.SET_NULL, related_name="assessments"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["programme", "-opens_on"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "code"], name="gov_unique_assessment"),
            models.CheckConstraint(
                condition=models.Q(closes_on__gte=models.F("opens_on")), name="gov_ra_window"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class AnswerKind(models.TextChoices):
    YES_NO = "yes_no", "Yes / no"
    RAG = "rag", "Self-assessed RAG"
    DATE = "date", "Date"
    TEXT = "text", "Text"


class Question(models.Model):
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="questions")
    number = models.PositiveSmallIntegerField()
    area = models.CharField(max_length=80, blank=True, help_text="e.g. Design, Build, Testing, Resources")
    text = models.CharField(max_length=1000)
    guidance = models.TextField(blank=True)
    answer_kind = models.CharField(max_length=10, choices=AnswerKind.choices, default=AnswerKind.RAG)
    evidence_required = models.BooleanField(default=False)

    class Meta:
        ordering = ["assessment", "number"]
        constraints = [models.UniqueConstraint(fields=["assessment", "number"], name="gov_unique_question")]

    def __str__(self) -> str:
        return f"Q{self.number} {self.text[:60]}"


class ResponseStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"


class AssessmentResponse(models.Model):
    """One participant organisation's response; its answers are scored by the programme office."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="responses")
    organisation = models.ForeignKey("parties.Organisation", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=ResponseStatus.choices, default=ResponseStatus.DRAFT)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    overall_rag = models.CharField(max_length=10, choices=Rag.choices, blank=True, default="")
    overall_comment = models.TextField(blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["assessment", "organisation__name"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "organisation"], name="gov_unique_ra_response")
        ]
        indexes = [models.Index(fields=["organisation"], name="gov_ra_response_org")]

    def __str__(self) -> str:
        return f"Response of {self.organisation_id} to {self.assessment_id}"


class Answer(models.Model):
    response = models.ForeignKey(AssessmentResponse, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    value = models.TextField(blank=True, help_text="yes/no, a RAG, a date or the text, by the question")
    comment = models.TextField(blank=True)
    #: The programme office's score of this answer and why.
    score_rag = models.CharField(max_length=10, choices=Rag.choices, blank=True, default="")
    score_note = models.CharField(max_length=500, blank=True)
    scored_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["response", "question__number"]
        constraints = [models.UniqueConstraint(fields=["response", "question"], name="gov_unique_answer")]

    def __str__(self) -> str:
        return f"Answer to {self.question_id}"


class Evidence(models.Model):
    """A file given as evidence for an answer, checked by content like every upload."""

    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(upload_to="programmes/evidence/%Y/%m/")
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_at = models.DateTimeField(default=timezone.now)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["answer", "id"]

    def __str__(self) -> str:
        return self.filename


class Chase(models.Model):
    """A reminder sent to a participant that has not responded."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="chases")
    organisation = models.ForeignKey("parties.Organisation", on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["assessment", "-at"]
        indexes = [models.Index(fields=["assessment", "organisation"], name="gov_chase")]

    def __str__(self) -> str:
        return f"Chase of {self.organisation_id} at {self.at:%Y-%m-%d}"

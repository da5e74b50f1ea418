"""Forms of the readiness pages: shape only; the rules live in busbar.programmes.actions.readiness and
busbar.programmes.permissions. The response and scoring forms are built from the assessment's questions."""

from __future__ import annotations

from django import forms

from busbar.lib.actions import ActionError, Actor
from busbar.lib.forms import ActionForm, MultipleFileField
from busbar.programmes.actions import readiness as actions
from busbar.programmes.models import (
    Answer,
    AnswerKind,
    Assessment,
    AssessmentResponse,
    AssessmentStatus,
    Milestone,
    Question,
    Rag,
)
from busbar.testing.models import Phase, Programme

TEXTAREA = {"rows": 3}
DATE = {"type": "date"}
RAG_CHOICES = [("", "Not scored"), *[(r, Rag(r).label) for r in actions.RAGS]]


def _date_field(**kwargs: object) -> forms.DateField:
    return forms.DateField(widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d"), **kwargs)


class _WindowFields(ActionForm):
    name = forms.CharField(max_length=actions.NAME_MAX, help_text="e.g. Design & Build Checkpoint 2")
    opens_on = _date_field(label="Opens on")
    closes_on = _date_field(label="Closes on", help_text="Responses are refused after this day")
    description = forms.CharField(
        required=False, max_length=actions.DESCRIPTION_MAX, widget=forms.Textarea(attrs=TEXTAREA)
    )
    phase = forms.ModelChoiceField(
        queryset=Phase.objects.none(),
        required=False,
        empty_label="Every participant of the programme",
        label="Who answers",
        help_text="Every participant, or only one test phase's participants (e.g. SIT only)",
    )
    milestone = forms.ModelChoiceField(
        queryset=Milestone.objects.none(), required=False, empty_label="None", label="Milestone it informs"
    )

    def __init__(self, *args: object, programme: Programme, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.programme = programme
        self.fields["phase"].queryset = Phase.objects.filter(programme=programme).order_by("name")
        self.fields["milestone"].queryset = Milestone.objects.filter(programme=programme).order_by(
            "order", "code"
        )


class AssessmentForm(_WindowFields):
    title, button = "New readiness assessment", "Create assessment"
    help = "A draft questionnaire with a response window; add its questions, then open it."
    code = forms.CharField(max_length=20, help_text="e.g. RA5")
    field_order = ["code", "name", "opens_on", "closes_on", "description", "phase", "milestone"]

    def submit(self, actor: Actor) -> str:
        data = self.cleaned_data
        assessment = actions.create_assessment(
            actor=actor,
            programme=self.programme,
            code=data["code"],
            name=data["name"],
            opens_on=data["opens_on"],
            closes_on=data["closes_on"],
            description=data["description"],
            phase=data["phase"],
            milestone=data["milestone"],
        )
        self.assessment = assessment
        return f"{assessment.code} created as a draft: add its questions, then open it."


class AssessmentEditForm(_WindowFields):
    title, button = "Details and window", "Save"

    def __init__(self, *args: object, assessment: Assessment, **kwargs: object) -> None:
        kwargs.setdefault(
            "initial",
            {
                "name": assessment.name,
                "opens_on": assessment.opens_on,
                "closes_on": assessment.closes_on,
                "description": assessment.description,
                "phase": assessment.phase_id,
                "milestone": assessment.milestone_id,
            },
        )
        super().__init__(*args, programme=assessment.programme, **kwargs)
        self.assessment = assessment
        if assessment.status != AssessmentStatus.DRAFT:
            del self.fields["phase"]  # who is asked is fixed once opened

    def submit(self, actor: Actor) -> str:
        data = self.cleaned_data
        extra = {"phase": data["phase"]} if "phase" in self.fields else {}
        actions.update_assessment(
            actor=actor,
            assessment=self.assessment,
            name=data["name"],
            description=data["description"],
            opens_on=data["opens_on"],
            closes_on=data["closes_on"],
            milestone=data["milestone"],
            **extra,
        )
        return "Assessment saved."


class QuestionForm(ActionForm):
    title, button = "Add a question", "Add question"
    text = forms.CharField(max_length=actions.QUESTION_MAX, widget=forms.Textarea(attrs={"rows": 2}))
    area = forms.CharField(
        max_length=actions.AREA_MAX, required=False, help_text="e.g. Design, Build, Testing"
    )
    guidance = forms.CharField(
        max_length=actions.GUIDANCE_MAX, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    answer_kind = forms.ChoiceField(choices=AnswerKind.choices, label="Answer", initial=AnswerKind.RAG)
    evidence_required = forms.BooleanField(required=False, label="Evidence required (a file)")

    def __init__(self, *args: object, assessment: Assessment, question: Question | None = None, **kwargs):
        if question is not None:
            kwargs.setdefault("prefix", f"q{question.number}")
            kwargs.setdefault(
                "initial",
                {
                    "text": question.text,
                    "area": question.area,
                    "guidance": question.guidance,
                    "answer_kind": question.answer_kind,
                    "evidence_required": question.evidence_required,
                },
            )
        super().__init__(*args, **kwargs)
        self.assessment, self.question = assessment, question
        if question is not None:
            self.title, self.button = f"Q{question.number}", "Save question"

    def submit(self, actor: Actor) -> str:
        data = self.cleaned_data
        fields = {
            "text": data["text"],
            "area": data["area"],
            "guidance": data["guidance"],
            "answer_kind": data["answer_kind"],
            "evidence_required": data["evidence_required"],
        }
        if self.question is None:
            question = actions.add_question(actor=actor, assessment=self.assessment, **fields)
            return f"Q{question.number} added."
        actions.update_question(actor=actor, question=self.question, **fields)
        return f"Q{self.question.number} saved."


class ReturnForm(ActionForm):
    title, button, danger = "Return the response", "Return to the participant", True
    help = "The participant can then change its answers and submit again; its scores stay until re-scored."
    reason = forms.CharField(max_length=actions.REASON_MAX, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: object, response: AssessmentResponse, **kwargs: object) -> None:
        kwargs.setdefault("prefix", "return")
        super().__init__(*args, **kwargs)
        self.response = response

    def submit(self, actor: Actor) -> str:
        actions.return_response(actor=actor, response=self.response, reason=self.cleaned_data["reason"])
        return f"Response returned to {self.response.organisation}."


def _value_field(question: Question) -> forms.Field:
    label = f"Q{question.number}. {question.text}"
    kind = question.answer_kind
    if kind == AnswerKind.YES_NO:
        return forms.ChoiceField(
            choices=[("yes", "Yes"), ("no", "No")], required=False, widget=forms.RadioSelect, label=label
        )
    if kind == AnswerKind.RAG:
        return forms.ChoiceField(
            choices=[(r, Rag(r).label) for r in actions.RAGS],
            required=False,
            widget=forms.RadioSelect,
            label=label,
            help_text=question.guidance or "Your own assessment: green, amber or red",
        )
    if kind == AnswerKind.DATE:
        return _date_field(required=False, label=label, help_text=question.guidance)
    return forms.CharField(
        required=False,
        max_length=actions.TEXT_MAX,
        widget=forms.Textarea(attrs=TEXTAREA),
        label=label,
        help_text=question.guidance,
    )


class ResponseForm(forms.Form):
    """The participant's answers: one value (by the question's kind), a comment and evidence files per
    question. ``intent`` is "save" (a draft) or "submit"."""

    def __init__(
        self,
        *args: object,
        questions: list[Question],
        answers: dict[int, Answer],
        assessment: Assessment,
        organisation,
        **kwargs: object,
    ) -> None:
        initial = {}
        for q in questions:
            a = answers.get(q.pk)
            if a is None:
                continue
            initial[f"q{q.number}_value"] = a.value
            initial[f"q{q.number}_comment"] = a.comment
        kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        self.questions, self.assessment, self.organisation = questions, assessment, organisation
        self.rows = []
        for q in questions:
            value = f"q{q.number}_value"
            self.fields[value] = _value_field(q)
            row = {
                "question": q,
                "value": value,
                "comment": f"q{q.number}_comment",
                "files": f"q{q.number}_files",
            }
            self.fields[row["comment"]] = forms.CharField(
                required=False,
                max_length=actions.COMMENT_MAX,
                widget=forms.Textarea(attrs={"rows": 2}),
                label=f"Q{q.number}: comment",
            )
            self.fields[row["files"]] = MultipleFileField(
                required=False,
                label=f"Q{q.number}: evidence files",
                help_text="Evidence is required: attach at least one file before you submit"
                if q.evidence_required
                else "",
            )
            self.rows.append(row)

    def bound_rows(self) -> list[dict]:
        return [
            {
                "question": r["question"],
                "value": self[r["value"]],
                "comment": self[r["comment"]],
                "files": self[r["files"]],
            }
            for r in self.rows
        ]

    def field_of(self, name: str) -> str:
        """An action's field (``q3.files[0]``) as this form's (``q3_files``)."""
        base = name.split("[", 1)[0].replace(".", "_")
        return base if base in self.fields else "__all__"

    def answers(self) -> dict[Question, dict]:
        data = self.cleaned_data
        out = {}
        for q in self.questions:
            value = data.get(f"q{q.number}_value")
            out[q] = {"value": value or "", "comment": data.get(f"q{q.number}_comment") or ""}
        return out

    def uploads(self) -> dict[Question, list]:
        data = self.cleaned_data
        return {
            q: data.get(f"q{q.number}_files") or [] for q in self.questions if data.get(f"q{q.number}_files")
        }

    def submit(self, actor: Actor) -> str:
        submitting = self.data.get("intent") == "submit"
        files = self.uploads()
        changed = [name for name in self.changed_data if not name.endswith("_files")]
        response = None
        if changed or files:
            try:
                response = actions.save_answers(
                    actor=actor,
                    assessment=self.assessment,
                    organisation=self.organisation,
                    answers=self.answers(),
                    files=files,
                )
            except actions.NothingToSave:
                # A field the browser sends back differently (line endings) is not a change: submitting
                # what was saved before goes on.
                if not submitting:
                    raise
        if not submitting:
            return "Draft saved." if response is not None else "Nothing changed."
        if response is None:
            response = AssessmentResponse.objects.filter(
                assessment=self.assessment, organisation=self.organisation
            ).first()
            if response is None:
                raise ActionError("Answer the questions before submitting", field="__all__")
        actions.submit_response(actor=actor, response=response)
        return f"Response submitted to {self.assessment.code}."


class ScoreForm(forms.Form):
    """The programme office's scores of a submitted response: a RAG and a note per answer, and the
    participant's overall RAG (blank: the suggestion, the worst score)."""

    overall_rag = forms.ChoiceField(
        choices=[("", "The suggestion: the worst score"), *RAG_CHOICES[1:]],
        required=False,
        label="Overall RAG",
    )
    overall_comment = forms.CharField(
        required=False,
        max_length=actions.OVERALL_COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Overall comment",
    )

    def __init__(
        self,
        *args: object,
        response: AssessmentResponse,
        questions: list[Question],
        answers: dict[int, Answer],
        **kwargs: object,
    ) -> None:
        initial = {"overall_rag": response.overall_rag, "overall_comment": response.overall_comment}
        for q in questions:
            a = answers.get(q.pk)
            if a is not None:
                initial[f"q{q.number}_rag"] = a.score_rag
                initial[f"q{q.number}_note"] = a.score_note
        kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        self.response = response
        self.scored = [q for q in questions if q.pk in answers]
        for q in self.scored:
            self.fields[f"q{q.number}_rag"] = forms.ChoiceField(
                choices=RAG_CHOICES, required=False, label=f"Q{q.number}: score"
            )
            self.fields[f"q{q.number}_note"] = forms.CharField(
                required=False, max_length=actions.NOTE_MAX, label=f"Q{q.number}: why"
            )

    def field_of(self, name: str) -> str:
        base = name.replace(".", "_")
        return base if base in self.fields else "__all__"

    def submit(self, actor: Actor) -> str:
        data = self.cleaned_data
        actions.score_response(
            actor=actor,
            response=self.response,
            scores={
                q: {"rag": data.get(f"q{q.number}_rag") or "", "note": data.get(f"q{q.number}_note") or ""}
                for q in self.scored
            },
            overall_rag=data.get("overall_rag") or "",
            overall_comment=data.get("overall_comment") or "",
        )
        return f"Scores of {self.response.organisation} saved."

"""Forms of the triage pages: shape only; the rules live in actions.py and permissions.py."""

from __future__ import annotations

from django import forms

from busbar.knowledge.models import Article
from busbar.knowledge.queries import visible_to as articles_visible_to
from busbar.lib.limits import SHORT_TEXT, TEXT_MAX
from busbar.services.models import Service, Severity
from busbar.services.queries import services_visible_to
from busbar.triage.actions import QUESTION_MAX, Outcome
from busbar.triage.models import TriageAnswer, TriageQuestion, TriageScript


class ScriptForm(forms.Form):
    name = forms.CharField(max_length=SHORT_TEXT)
    service = forms.ModelChoiceField(
        queryset=Service.objects.none(), required=False, empty_label="Every service"
    )
    description = forms.CharField(
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="When to use it",
    )

    def __init__(self, *args: object, user: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = services_visible_to(user).filter(is_active=True).order_by("name")


class QuestionForm(forms.Form):
    text = forms.CharField(max_length=QUESTION_MAX, label="Question")
    help = forms.CharField(
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="How to find the answer",
    )


class AnswerForm(forms.Form):
    label = forms.CharField(max_length=SHORT_TEXT, label="Answer")
    next_question = forms.ModelChoiceField(
        queryset=TriageQuestion.objects.none(),
        required=False,
        empty_label="— ends here, with the outcome below —",
        label="Leads to",
    )
    article = forms.CharField(
        required=False, max_length=20, label="Knowledge article", help_text="e.g. KB0000012 (published)"
    )
    severity = forms.ModelChoiceField(
        queryset=Severity.objects.none(), required=False, empty_label="—", label="Suggested severity"
    )
    raise_to_provider = forms.BooleanField(
        required=False, label="Raise to the provider that runs the service"
    )
    advice = forms.CharField(
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Advice",
        help_text="What to tell the participant, or do next",
    )

    def __init__(
        self, *args: object, script: TriageScript, question: TriageQuestion, user: object, **kwargs: object
    ) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["next_question"].queryset = script.questions.exclude(pk=question.pk).order_by("position")
        self.fields["next_question"].label_from_instance = lambda q: f"Q{q.position}: {q.text}"
        severities = Severity.objects.select_related("scheme").order_by("scheme__name", "rank", "code")
        if script.service is not None and script.service.sla_policy_id:
            severities = severities.filter(scheme_id=script.service.sla_policy.scheme_id)
        self.fields["severity"].queryset = severities

    def clean_article(self) -> Article | None:
        reference = self.cleaned_data["article"].strip()
        if not reference:
            return None
        from busbar.records.registry import normalise

        normal = normalise(reference)
        article = articles_visible_to(self.user).filter(reference=normal).first() if normal else None
        if article is None:
            raise forms.ValidationError(f"No knowledge article {reference}")
        return article

    def outcome(self) -> Outcome:
        data = self.cleaned_data
        return Outcome(
            next_question=data["next_question"],
            article=data["article"],
            severity=data["severity"],
            raise_to_provider=data["raise_to_provider"],
            advice=data["advice"],
        )

    @classmethod
    def initial_for(cls, answer: TriageAnswer) -> dict:
        return {
            "label": answer.label,
            "next_question": answer.next_question_id,
            "article": answer.article.reference if answer.article_id else "",
            "severity": answer.severity_id,
            "raise_to_provider": answer.raise_to_provider,
            "advice": answer.advice,
        }


class RecordRunForm(forms.Form):
    apply_severity = forms.BooleanField(required=False, initial=True, label="Set the suggested severity")
    assign = forms.BooleanField(required=False, initial=True, label="Assign to the provider")
    note = forms.CharField(
        required=False, max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 2}), label="Note (internal)"
    )

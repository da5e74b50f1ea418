"""Forms of the executions pages: filters, recording an execution, evidence, runs and JUnit upload.

Shape only: the choices offered come from what the viewer may see and do (the views pass them); the
actions check everything again.
"""

from __future__ import annotations

import zoneinfo

from django import forms

from busbar.lib.forms import MultipleFileField
from busbar.lib.forms import files_for_action as _files
from busbar.lib.limits import SHORT_TEXT, TEXT_MAX
from busbar.testing import junit
from busbar.testing.models import Result

LONDON = zoneinfo.ZoneInfo("Europe/London")


def files_for_action(files: list, field: str = "evidence") -> list[tuple[str, str, bytes]]:
    """Evidence files as the actions take them (``evidence[i]`` on a file too large)."""
    return _files(files, field)


class ExecutionFilterForm(forms.Form):
    """The execution list's filters (GET); invalid values are ignored."""

    participation = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, label="Participant")
    scenario = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    result = forms.ChoiceField(required=False, choices=[("", "Any"), *Result.choices])
    week = forms.DateField(required=False, label="Week of", help_text="Any day of the week")

    def __init__(self, *args: object, participations: list, scenarios: list, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["participation"].choices = [("", "Any"), *((p.pk, str(p)) for p in participations)]
        self.fields["scenario"].choices = [
            ("", "Any"),
            *((s.pk, f"{s.code}: {s.title}"[:120]) for s in scenarios),
        ]
        if len(participations) <= 1:
            del self.fields["participation"]


class RecordForm(forms.Form):
    participation = forms.TypedChoiceField(coerce=int, label="Participant")
    scenario = forms.TypedChoiceField(coerce=int)
    result = forms.ChoiceField(choices=Result.choices)
    environment = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    pairing = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    executed_at = forms.DateTimeField(
        required=False,
        label="Executed at",
        help_text="UK time; leave empty for now",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
    )
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 4}), max_length=TEXT_MAX)
    evidence = MultipleFileField(label="Evidence files", help_text="Logs, message files, datagen output")

    def __init__(
        self,
        *args: object,
        participations: list,
        scenarios: list,
        environments: list,
        pairings: list,
        **kwargs: object,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["participation"].choices = [(p.pk, str(p)) for p in participations]
        self.fields["scenario"].choices = [
            ("", "Choose a scenario"),
            *((s.pk, f"{s.code}: {s.title}"[:150]) for s in scenarios),
        ]
        self.fields["environment"].choices = [("", "—"), *((e.pk, e.name) for e in environments)]
        self.fields["pairing"].choices = [("", "—"), *((p.pk, str(p)) for p in pairings)]
        if len(participations) == 1:
            self.fields["participation"].widget = forms.HiddenInput()
            self.fields["participation"].initial = participations[0].pk
        if not pairings:
            del self.fields["pairing"]

    def clean_executed_at(self):
        value = self.cleaned_data["executed_at"]
        if value is not None:
            value = value.replace(tzinfo=None).replace(tzinfo=LONDON) if value.tzinfo is None else value
        return value


class EvidenceForm(forms.Form):
    files = MultipleFileField(label="Evidence files", required=True)


class RunForm(forms.Form):
    participation = forms.TypedChoiceField(coerce=int, label="Participant")
    title = forms.CharField(max_length=SHORT_TEXT, help_text="e.g. 'CI job 1432' or 'Manual session 3 June'")
    environment = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)

    def __init__(self, *args: object, participations: list, environments: list, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["participation"].choices = [(p.pk, str(p)) for p in participations]
        self.fields["environment"].choices = [("", "—"), *((e.pk, e.name) for e in environments)]
        if len(participations) == 1:
            self.fields["participation"].widget = forms.HiddenInput()
            self.fields["participation"].initial = participations[0].pk


class JUnitForm(forms.Form):
    file = forms.FileField(label="JUnit XML file", help_text=f"At most {junit.MAX_BYTES // (1024 * 1024)} MB")


class RtmFilterForm(forms.Form):
    cohort = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    role = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    interface = forms.ChoiceField(required=False)
    requirement = forms.CharField(
        required=False, max_length=SHORT_TEXT, label="Requirement", help_text="Code or words"
    )

    def __init__(self, *args: object, cohorts: list, roles: list, interfaces: list, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["cohort"].choices = [("", "Any"), *((c.pk, c.name) for c in cohorts)]
        self.fields["role"].choices = [("", "Any"), *((r.pk, r.label) for r in roles)]
        self.fields["interface"].choices = [("", "Any"), *((i, i) for i in interfaces)]

"""Forms of the report pages: shape only; the rules live in actions/reports.py and permissions.py."""

from __future__ import annotations

import datetime as dt
import re

from django import forms

from busbar.lib.actions import ActionError, Actor
from busbar.lib.forms import ActionForm
from busbar.lib.limits import SHORT_TEXT, text_max
from busbar.testing.actions import reports as actions
from busbar.testing.models import CompletionReport, Participation, Phase

TEXTAREA = {"rows": 4}


class GenerateForm(forms.Form):
    """Generate a new version of the phase's report (the SI) or a participant's own."""

    participation = forms.ModelChoiceField(
        queryset=Participation.objects.none(),
        required=False,
        empty_label="The whole phase",
        label="Report of",
    )
    title = forms.CharField(
        max_length=SHORT_TEXT, required=False, help_text="Leave empty for the usual title"
    )
    summary = forms.CharField(
        required=False, widget=forms.Textarea(attrs=TEXTAREA), label="Summary and recommendation"
    )
    exceptions = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs=TEXTAREA),
        help_text="Exceptions and deviations from the approach; excluded and accepted issues are added",
    )

    def __init__(
        self, *args, phase: Phase, choices: list[Participation], whole_phase: bool, **kwargs
    ) -> None:
        super().__init__(*args, **kwargs)
        self.phase = phase
        self.fields["summary"].max_length = text_max()
        self.fields["exceptions"].max_length = text_max()
        field = self.fields["participation"]
        field.queryset = Participation.objects.filter(pk__in=[p.pk for p in choices])
        field.required = not whole_phase
        if not whole_phase:
            field.empty_label = None

    def submit(self, actor: Actor) -> CompletionReport:
        data = self.cleaned_data
        return actions.generate_report(
            actor=actor,
            phase=self.phase,
            participation=data.get("participation"),
            title=data["title"],
            summary=data["summary"],
            exceptions=data["exceptions"],
        )


class ReportForm(ActionForm):
    def __init__(self, *args, report: CompletionReport, **kwargs) -> None:
        self.report = report
        super().__init__(*args, **kwargs)


class SubmitForm(ReportForm):
    title, button = "Submit for approval", "Submit"

    def submit(self, actor: Actor) -> str:
        actions.submit_report(actor=actor, report=self.report)
        return f"Version {self.report.version} submitted for approval."


class DecideForm(ReportForm):
    title, button = "Decision", "Record the decision"
    help = "Approved reports never change; a report not approved is superseded by a new version."
    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("reject", "Do not approve")])
    note = forms.CharField(
        required=False, widget=forms.Textarea(attrs=TEXTAREA), help_text="Required if not approved"
    )

    def submit(self, actor: Actor) -> str:
        approve = self.cleaned_data["decision"] == "approve"
        actions.decide_report(
            actor=actor, report=self.report, approve=approve, note=self.cleaned_data["note"]
        )
        return f"Version {self.report.version} {'approved' if approve else 'not approved'}."


REPORT_FORMS = {"submit": SubmitForm, "decide": DecideForm}

_LINE = re.compile(r"^\s*(\d{4}-\d{2}-\d{2})\s*[,;\t ]\s*(\d{1,9})\s*[,;\t ]\s*(\d{1,9})\s*$")


def parse_plan(text: str) -> list[tuple[dt.date, int, int]]:
    """Lines of ``week, planned executed, planned passed`` (e.g. ``2026-09-07, 120, 100``); blank lines and
    lines starting with ``#`` skipped. ActionError naming the line for anything else."""
    points = []
    for number, line in enumerate(text.splitlines()[: actions.MAX_POINTS + 50], start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = _LINE.match(line)
        if not match:
            raise ActionError(
                f"Line {number}: write the Monday, planned executed and planned passed, "
                "e.g. 2026-09-07, 120, 100",
                field="plan",
            )
        try:
            week = dt.date.fromisoformat(match.group(1))
        except ValueError:
            raise ActionError(f"Line {number}: {match.group(1)} is not a date", field="plan") from None
        points.append((week, int(match.group(2)), int(match.group(3))))
    return points


class GlidePlanForm(forms.Form):
    plan = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=20_000,
        help_text="One line per week: the Monday, cumulative planned executed, cumulative planned passed "
        "(e.g. 2026-09-07, 120, 100). Empty: a straight line across the window.",
    )

    def __init__(self, *args, phase: Phase, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.phase = phase

    def submit(self, actor: Actor) -> Phase:
        text = self.cleaned_data["plan"]
        points = parse_plan(text)
        try:
            return actions.set_glide_plan(actor=actor, phase=self.phase, points=points)
        except ActionError as exc:
            if exc.field and exc.field.startswith("points["):
                # Name the line as typed (blank and comment lines count).
                index = int(exc.field[7:-1])
                typed = [
                    n
                    for n, ln in enumerate(text.splitlines(), 1)
                    if ln.strip() and not ln.lstrip().startswith("#")
                ]
                exc.message = re.sub(r"^Line \d+", f"Line {typed[index]}", exc.message)
                exc.field = "plan"
            raise

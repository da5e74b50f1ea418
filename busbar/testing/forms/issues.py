"""Forms of the testing-issue pages: shape only; the rules live in actions/issues.py and permissions.py."""

from __future__ import annotations

from django import forms

from busbar.lib.actions import Actor
from busbar.lib.forms import (
    ActionForm,
    MultipleFileField,
    files_for_action,
)
from busbar.lib.limits import SHORT_TEXT, text_max
from busbar.parties.models import Organisation
from busbar.testing.actions import issues as actions
from busbar.testing.models import (
    EscalationImpact,
    IssueCategory,
    IssueStatus,
    Participation,
    Phase,
    RootCause,
    Scenario,
    TestingIssue,
)

TEXTAREA = {"rows": 3}


def field_of(name: str) -> str:
    """An action's ``attachments[2]`` is the form's ``attachments``."""
    return "attachments" if name.startswith("attachments[") else name


# -- raising -------------------------------------------------------------------------------------------


class RaiseForm(forms.Form):
    """Raise a testing issue: from a failed execution (``execution`` set, its phase and participant fixed)
    or, for the SI, on a phase with an optional participant and scenario."""

    phase = forms.ModelChoiceField(queryset=Phase.objects.none(), empty_label=None)
    participation = forms.ModelChoiceField(
        queryset=Participation.objects.none(), required=False, empty_label="None in particular"
    )
    scenario = forms.ModelChoiceField(
        queryset=Scenario.objects.none(), required=False, empty_label="None in particular"
    )
    summary = forms.CharField(max_length=SHORT_TEXT)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 6}))
    attachments = MultipleFileField(help_text="Logs, message files, screenshots")

    def __init__(
        self, *args: object, phases, participations, scenarios, execution=None, **kwargs: object
    ) -> None:
        super().__init__(*args, **kwargs)
        self.execution = execution
        self.fields["description"].max_length = text_max()
        self.fields["phase"].queryset = phases
        self.fields["participation"].queryset = participations
        self.fields["scenario"].queryset = scenarios
        if execution is not None:
            for name in ("phase", "participation", "scenario"):
                del self.fields[name]

    def submit(self, actor: Actor) -> TestingIssue:
        data = self.cleaned_data
        execution = self.execution
        return actions.raise_issue(
            actor=actor,
            phase=execution.phase if execution is not None else data["phase"],
            summary=data["summary"],
            description=data["description"],
            execution=execution,
            participation=None if execution is not None else data.get("participation"),
            scenario=None if execution is not None else data.get("scenario"),
            attachments=files_for_action(data.get("attachments") or []),
        )


# -- the issue page ------------------------------------------------------------------------------------


class PageForm(ActionForm):
    """A form of the issue page acting on ``issue``."""

    def __init__(self, *args: object, issue: TestingIssue, **kwargs: object) -> None:
        self.issue = issue
        super().__init__(*args, **kwargs)


class TriageForm(PageForm):
    title, button = "Triage", "Save triage"
    help = "Severity category (TA-34), root cause (TA-30) and the organisation that fixes it. Journalled."
    category = forms.TypedChoiceField(choices=IssueCategory.choices, coerce=int)
    root_cause = forms.ChoiceField(choices=RootCause.choices, required=False)
    owner = forms.ModelChoiceField(queryset=Organisation.objects.none(), empty_label="Choose the owner")
    reason = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: object, issue: TestingIssue, owners=None, **kwargs: object) -> None:
        kwargs.setdefault(
            "initial",
            {"category": issue.category, "root_cause": issue.root_cause, "owner": issue.owner_id},
        )
        super().__init__(*args, issue=issue, **kwargs)
        self.fields["owner"].queryset = owners if owners is not None else Organisation.objects.none()

    def submit(self, actor: Actor) -> str:
        data = self.cleaned_data
        actions.triage(
            actor=actor,
            issue=self.issue,
            category=data["category"],
            root_cause=data["root_cause"],
            owner=data["owner"],
            reason=data["reason"],
        )
        return f"{self.issue.reference} is triaged."


class StartFixForm(PageForm):
    title, button = "Start the fix", "Start fix"
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}), label="Note (optional)")

    def submit(self, actor: Actor) -> str:
        actions.start_fix(actor=actor, issue=self.issue, note=self.cleaned_data["note"])
        return f"{self.issue.reference} is being fixed."


class ReadyForm(PageForm):
    title, button = "Ready for retest", "Ready for retest"
    help = "The fix is in: the raising participant (or the SI) retests with a new execution."
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}), label="Note (optional)")

    def submit(self, actor: Actor) -> str:
        actions.ready_for_retest(actor=actor, issue=self.issue, note=self.cleaned_data["note"])
        return f"{self.issue.reference} is ready for retest."


class RetestForm(PageForm):
    title, button = "Record the retest", "Link retest"
    help = "A new execution of the same scenario by the same participant: passed closes the issue."
    execution = forms.ModelChoiceField(queryset=None, empty_label="Choose the execution")

    def __init__(self, *args: object, issue: TestingIssue, retests=None, **kwargs: object) -> None:
        super().__init__(*args, issue=issue, **kwargs)
        self.fields["execution"].queryset = retests

    def submit(self, actor: Actor) -> str:
        done = actions.record_retest(actor=actor, issue=self.issue, execution=self.cleaned_data["execution"])
        return f"{done.reference} is {done.get_status_display().lower()}."


class EscalateForm(PageForm):
    title, button = "Escalate", "Escalate"
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))
    impact = forms.ChoiceField(
        choices=EscalationImpact.choices,
        required=False,
        help_text="Required to go to the design authority (TA-32, TA-33)",
    )

    def __init__(self, *args: object, issue: TestingIssue, **kwargs: object) -> None:
        super().__init__(*args, issue=issue, **kwargs)
        to = "design authority" if issue.status == IssueStatus.ESCALATED_PM else "programme manager"
        self.title = self.button = f"Escalate to the {to}"

    def submit(self, actor: Actor) -> str:
        data = self.cleaned_data
        done = actions.escalate(actor=actor, issue=self.issue, reason=data["reason"], impact=data["impact"])
        return f"{done.reference} is {done.get_status_display().lower()}."


class DetermineForm(PageForm):
    title, button = "Determine", "Record determination"
    help = "The decision of the rung holding the issue (TA-31…TA-33, TA-37)."
    outcome = forms.ChoiceField(
        choices=[
            ("triaged", "Back to triaged"),
            ("in_fix", "To be fixed"),
            ("excluded", "Excluded"),
            ("accepted", "Accepted with workaround"),
        ]
    )
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))
    workaround = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def submit(self, actor: Actor) -> str:
        data = self.cleaned_data
        done = actions.determine(
            actor=actor,
            issue=self.issue,
            outcome=data["outcome"],
            reason=data["reason"],
            workaround=data["workaround"],
        )
        return f"{done.reference} is {done.get_status_display().lower()}."


class ExcludeForm(PageForm):
    title, button, danger = "Exclude", "Exclude", True
    help = "Excluded from the phase's results (TA-37)."
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))

    def submit(self, actor: Actor) -> str:
        actions.exclude(actor=actor, issue=self.issue, reason=self.cleaned_data["reason"])
        return f"{self.issue.reference} is excluded."


class AcceptForm(PageForm):
    title, button = "Accept with workaround", "Accept"
    workaround = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))

    def submit(self, actor: Actor) -> str:
        data = self.cleaned_data
        actions.accept_with_workaround(
            actor=actor, issue=self.issue, workaround=data["workaround"], reason=data["reason"]
        )
        return f"{self.issue.reference} is accepted with a workaround."


class WithdrawForm(PageForm):
    title, button, danger = "Withdraw", "Withdraw", True
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))

    def submit(self, actor: Actor) -> str:
        actions.withdraw(actor=actor, issue=self.issue, reason=self.cleaned_data["reason"])
        return f"{self.issue.reference} is withdrawn."


class ReopenForm(PageForm):
    title, button = "Reopen", "Reopen"
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))

    def submit(self, actor: Actor) -> str:
        done = actions.reopen(actor=actor, issue=self.issue, reason=self.cleaned_data["reason"])
        return f"{done.reference} is reopened ({done.get_status_display().lower()})."


class UpdateForm(PageForm):
    title, button = "Add an update", "Add"
    body = forms.CharField(widget=forms.Textarea(attrs=TEXTAREA), label="Update")
    internal = forms.BooleanField(
        required=False, label="Internal note (the SI, programme manager, design authority and owner only)"
    )
    attachments = MultipleFileField()

    def __init__(self, *args: object, issue: TestingIssue, may_note: bool = False, **kwargs: object) -> None:
        super().__init__(*args, issue=issue, **kwargs)
        self.fields["body"].max_length = text_max()
        if not may_note:
            del self.fields["internal"]

    def submit(self, actor: Actor) -> str:
        internal = self.cleaned_data.get("internal", False)
        actions.add_update(
            actor=actor,
            issue=self.issue,
            body=self.cleaned_data["body"],
            internal=internal,
            attachments=files_for_action(self.cleaned_data.get("attachments") or []),
        )
        return "Internal note added." if internal else "Update added."


PAGE_FORMS: dict[str, type[PageForm]] = {
    "triage": TriageForm,
    "start-fix": StartFixForm,
    "ready-for-retest": ReadyForm,
    "retest": RetestForm,
    "escalate": EscalateForm,
    "determine": DetermineForm,
    "exclude": ExcludeForm,
    "accept": AcceptForm,
    "withdraw": WithdrawForm,
    "reopen": ReopenForm,
    "update": UpdateForm,
}
#: The status changes, in the order the page shows them.
STATUS_VERBS = [
    "triage",
    "start-fix",
    "ready-for-retest",
    "retest",
    "escalate",
    "determine",
    "accept",
    "exclude",
    "reopen",
    "withdraw",
]


class FilterForm(forms.Form):
    """The list's filters (GET). Invalid values are ignored."""

    q = forms.CharField(required=False, max_length=200, label="Search")
    phase = forms.ChoiceField(required=False)
    state = forms.ChoiceField(
        required=False, choices=[("", "Open or closed"), ("open", "Open"), ("closed", "Closed")], label="Open"
    )
    status = forms.ChoiceField(required=False, choices=[("", "Any status"), *IssueStatus.choices])
    category = forms.ChoiceField(
        required=False, choices=[("", "Any category"), ("none", "Untriaged"), *IssueCategory.choices]
    )
    root_cause = forms.ChoiceField(
        required=False,
        choices=[("", "Any root cause"), *[(v or "none", label) for v, label in RootCause.choices]],
    )
    owner = forms.ChoiceField(required=False)
    raised_by = forms.ChoiceField(required=False, label="Raised by")

    def __init__(self, *args: object, phases: list, organisations: list, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["phase"].choices = [("", "Any phase"), *[(p.code, p.name) for p in phases]]
        orgs = [(str(o.pk), o.name) for o in organisations]
        self.fields["owner"].choices = [("", "Any owner"), *orgs]
        self.fields["raised_by"].choices = [("", "Anyone"), *orgs]

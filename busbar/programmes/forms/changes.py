"""Forms of the change-request pages: shape only; the rules live in actions/changes.py and permissions."""

from __future__ import annotations

from django import forms

from busbar.lib.actions import Actor
from busbar.lib.forms import (
    ActionForm,
    MultipleFileField,
    files_for_action,
)
from busbar.lib.limits import text_max
from busbar.parties.models import Organisation
from busbar.programmes.actions import changes as actions
from busbar.programmes.models import (
    ChangeRequest,
    Criticality,
    CrStatus,
    ImpactLevel,
    Meeting,
    Milestone,
    Position,
)

DATE = {"type": "date"}
TEXTAREA = {"rows": 3}


def _date_field(label: str = "", *, required: bool = False, help_text: str = "") -> forms.DateField:
    return forms.DateField(
        label=label or None,
        required=required,
        help_text=help_text,
        widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d"),
    )


def day(value) -> str:
    """A date as pages show it: 7 Dec 2026."""
    return f"{value.day} {value:%b %Y}" if value else ""


def field_of(name: str) -> str:
    """An action's ``attachments[2]`` or ``milestone_changes`` as the form names it."""
    if name.startswith("attachments["):
        return "attachments"
    return name


# -- the list ------------------------------------------------------------------------------------------


class FilterForm(forms.Form):
    status = forms.ChoiceField(
        choices=[("", "Any status"), ("open", "Open"), *CrStatus.choices], required=False
    )
    criticality = forms.ChoiceField(choices=[("", "Any criticality"), *Criticality.choices], required=False)
    late = forms.ChoiceField(choices=[("", "Late or not"), ("yes", "Late only")], required=False)


# -- raising -------------------------------------------------------------------------------------------


class RaiseForm(forms.Form):
    """A draft change request, with a proposed baseline date for each milestone it would move."""

    title = forms.CharField(max_length=actions.TITLE_MAX)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 6}))
    reason = forms.CharField(
        required=False, widget=forms.Textarea(attrs=TEXTAREA), help_text="Why the change is needed"
    )
    criticality = forms.ChoiceField(choices=Criticality.choices, initial=Criticality.MEDIUM)
    needed_by = _date_field(
        "Decision needed by", help_text="A CR decided after this date (or still open past it) counts as late"
    )

    def __init__(self, *args: object, programme, milestones: list[Milestone], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.programme = programme
        self.milestones = milestones
        self.fields["description"].max_length = text_max()
        self.fields["reason"].max_length = text_max()
        for m in milestones:
            current = day(m.baseline_date) or "not baselined"
            self.fields[f"ms_{m.pk}"] = _date_field(
                f"{m.code} {m.name}"[:120],
                help_text=f"Baseline now: {current}. Leave empty if it does not move.",
            )

    def milestone_fields(self) -> list:
        return [self[f"ms_{m.pk}"] for m in self.milestones]

    def main_fields(self) -> list:
        return [self[name] for name in ("title", "description", "reason", "criticality", "needed_by")]

    def submit(self, actor: Actor) -> ChangeRequest:
        data = self.cleaned_data
        moves = {m: data[f"ms_{m.pk}"] for m in self.milestones if data.get(f"ms_{m.pk}")}
        return actions.raise_cr(
            actor=actor,
            programme=self.programme,
            title=data["title"],
            description=data["description"],
            reason=data["reason"],
            criticality=data["criticality"],
            needed_by=data["needed_by"],
            milestone_changes=moves,
        )


# -- the CR page ---------------------------------------------------------------------------------------


class PageForm(ActionForm):
    """A form of the CR page acting on ``cr``."""

    def __init__(self, *args: object, cr: ChangeRequest, **kwargs: object) -> None:
        self.cr = cr
        super().__init__(*args, **kwargs)


class EditForm(PageForm):
    title, button = "Edit the change request", "Save changes"
    cr_title = forms.CharField(label="Title", max_length=actions.TITLE_MAX)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}))
    reason = forms.CharField(required=False, widget=forms.Textarea(attrs=TEXTAREA))
    criticality = forms.ChoiceField(choices=Criticality.choices)
    needed_by = _date_field("Decision needed by")

    def __init__(self, *args: object, cr: ChangeRequest, **kwargs: object) -> None:
        kwargs.setdefault(
            "initial",
            {
                "cr_title": cr.title,
                "description": cr.description,
                "reason": cr.reason,
                "criticality": cr.criticality,
                "needed_by": cr.needed_by,
            },
        )
        super().__init__(*args, cr=cr, **kwargs)
        self.fields["description"].max_length = text_max()
        self.fields["reason"].max_length = text_max()

    def submit(self, actor: Actor) -> str:
        data = self.cleaned_data
        actions.edit_cr(
            actor=actor,
            cr=self.cr,
            title=data["cr_title"],
            description=data["description"],
            reason=data["reason"],
            criticality=data["criticality"],
            needed_by=data["needed_by"],
        )
        return f"{self.cr.display_ref} is saved."


def edit_field_of(name: str) -> str:
    return "cr_title" if name == "title" else field_of(name)


class MilestoneForm(PageForm):
    title, button = "Move a milestone", "Save the milestone change"
    help = "The baseline date the CR proposes; the baseline changes only when the CR is approved."
    milestone = forms.ModelChoiceField(queryset=Milestone.objects.none(), empty_label="Choose the milestone")
    proposed_date = _date_field("Proposed baseline date", required=True)
    note = forms.CharField(required=False, max_length=actions.NOTE_MAX)

    def __init__(self, *args: object, cr: ChangeRequest, milestones=None, **kwargs: object) -> None:
        super().__init__(*args, cr=cr, **kwargs)
        self.fields["milestone"].queryset = (
            milestones if milestones is not None else Milestone.objects.filter(programme_id=cr.programme_id)
        )

    def submit(self, actor: Actor) -> str:
        data = self.cleaned_data
        actions.set_milestone_change(
            actor=actor,
            cr=self.cr,
            milestone=data["milestone"],
            proposed_date=data["proposed_date"],
            note=data["note"],
        )
        return f"{self.cr.display_ref} moves {data['milestone'].code} to {day(data['proposed_date'])}."


class RemoveMilestoneForm(PageForm):
    title, button, danger = "Stop moving a milestone", "Remove", True
    milestone = forms.ModelChoiceField(queryset=Milestone.objects.none())

    def __init__(self, *args: object, cr: ChangeRequest, **kwargs: object) -> None:
        super().__init__(*args, cr=cr, **kwargs)
        self.fields["milestone"].queryset = Milestone.objects.filter(changes__change_request=cr)

    def submit(self, actor: Actor) -> str:
        milestone = self.cleaned_data["milestone"]
        actions.remove_milestone_change(actor=actor, cr=self.cr, milestone=milestone)
        return f"{self.cr.display_ref} no longer moves {milestone.code}."


class IssueForm(PageForm):
    title, button = "Issue for impact assessment", "Issue for impact assessment"

    def __init__(
        self, *args: object, cr: ChangeRequest, consultation: int = 10, assurance: int = 5, **kwargs: object
    ) -> None:
        super().__init__(*args, cr=cr, **kwargs)
        self.help = (
            f"Every participant is asked for its impact assessment: responses are due {consultation} working "
            f"days from today, then a further {assurance} working days of assurance (GV-51)."
        )

    def submit(self, actor: Actor) -> str:
        done = actions.issue_for_assessment(actor=actor, cr=self.cr)
        return (
            f"{done.display_ref} is issued for impact assessment: responses due {done.ia_deadline:%d %b %Y}."
        )


class NoteForm(PageForm):
    """A lifecycle step with an optional note."""

    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}), label="Note")
    action_name = ""
    said = ""

    def __init__(self, *args: object, cr: ChangeRequest, **kwargs: object) -> None:
        super().__init__(*args, cr=cr, **kwargs)
        self.fields["note"].max_length = text_max()

    def submit(self, actor: Actor) -> str:
        getattr(actions, self.action_name)(actor=actor, cr=self.cr, note=self.cleaned_data["note"])
        return f"{self.cr.display_ref} {self.said}."


class CloseResponsesForm(NoteForm):
    title, button = "Close the responses", "Close responses and review"
    help = "The round ends: the CR goes to review (DAG review). Late responses are still taken until then."
    action_name, said = "close_responses", "is in review"


class ReissueForm(NoteForm):
    title, button = "Re-issue for further impact assessment", "Re-issue"
    help = "Further amendment is needed: a new round of impact assessment with new deadlines (GV-35)."
    action_name, said = "reissue_cr", "is re-issued for impact assessment"


class HoldForm(NoteForm):
    title, button = "Put on hold", "Put on hold"
    action_name, said = "hold_cr", "is on hold"


class ResumeForm(NoteForm):
    title, button = "Back to review", "Resume"
    action_name, said = "resume_cr", "is back in review"


class WithdrawForm(PageForm):
    title, button, danger = "Withdraw", "Withdraw the change request", True
    reason = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def submit(self, actor: Actor) -> str:
        actions.withdraw_cr(actor=actor, cr=self.cr, reason=self.cleaned_data["reason"])
        return f"{self.cr.display_ref} is withdrawn."


class _DecisionForm(PageForm):
    decided_by = forms.CharField(
        required=False, max_length=actions.DECIDED_BY_MAX, help_text="e.g. SRO, DAG, PSG (default: SRO)"
    )
    meeting = forms.ModelChoiceField(
        queryset=Meeting.objects.none(), required=False, empty_label="Not at a meeting"
    )

    def __init__(self, *args: object, cr: ChangeRequest, meetings=None, **kwargs: object) -> None:
        super().__init__(*args, cr=cr, **kwargs)
        self.fields["meeting"].queryset = meetings if meetings is not None else Meeting.objects.none()


class ApproveForm(_DecisionForm):
    title, button = "Approve", "Approve the change request"
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    regulator_approval = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Regulator approval",
        help_text="Required when a regulatory (Level 1) milestone moves: how the regulator approved it",
    )
    field_order = ["note", "regulator_approval", "decided_by", "meeting"]

    def __init__(self, *args: object, cr: ChangeRequest, moves_milestones: bool = False, **kwargs) -> None:
        super().__init__(*args, cr=cr, **kwargs)
        self.help = (
            "Records the decision and writes the programme's next baseline with the proposed dates; every "
            "earlier baseline stays as it was."
            if moves_milestones
            else "Records the decision. The CR moves no milestone: the baseline is unchanged."
        )

    def submit(self, actor: Actor) -> str:
        data = self.cleaned_data
        done = actions.approve_cr(
            actor=actor,
            cr=self.cr,
            note=data["note"],
            meeting=data["meeting"],
            decided_by=data["decided_by"],
            regulator_approval=data["regulator_approval"],
        )
        return f"{done.display_ref} is approved."


class RejectForm(_DecisionForm):
    title, button, danger = "Reject", "Reject the change request", True
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label="Reason")
    field_order = ["note", "decided_by", "meeting"]

    def submit(self, actor: Actor) -> str:
        data = self.cleaned_data
        actions.reject_cr(
            actor=actor, cr=self.cr, note=data["note"], meeting=data["meeting"], decided_by=data["decided_by"]
        )
        return f"{self.cr.display_ref} is rejected."


class RespondForm(PageForm):
    title, button = "Your impact assessment", "Send the impact assessment"
    organisation = forms.ModelChoiceField(queryset=Organisation.objects.none(), empty_label=None)
    impact = forms.ChoiceField(choices=ImpactLevel.choices)
    position = forms.ChoiceField(choices=Position.choices)
    response = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}), label="Impact assessment")
    cost_or_effort = forms.CharField(
        required=False, max_length=actions.COST_MAX, label="Cost or effort", help_text="e.g. 40 days, £25k"
    )

    def __init__(self, *args: object, cr: ChangeRequest, organisations=None, **kwargs: object) -> None:
        super().__init__(*args, cr=cr, **kwargs)
        self.fields["response"].max_length = text_max()
        organisations = list(organisations or [])
        self.fields["organisation"].queryset = Organisation.objects.filter(
            pk__in=[o.pk for o in organisations]
        ).order_by("name")
        if len(organisations) == 1:
            self.fields["organisation"].widget = forms.HiddenInput()
            self.fields["organisation"].initial = organisations[0].pk
        deadline = day(cr.ia_deadline) or "the deadline"
        self.help = (
            f"Round {cr.round}: due by {deadline}. Answering again replaces your answer; an answer after the "
            "deadline is still taken but marked late. Only your organisation, the programme office and its "
            "assurers see it."
        )

    def submit(self, actor: Actor) -> str:
        data = self.cleaned_data
        done = actions.respond(
            actor=actor,
            cr=self.cr,
            organisation=data["organisation"],
            impact=data["impact"],
            position=data["position"],
            response=data["response"],
            cost_or_effort=data["cost_or_effort"],
        )
        late = " (after the deadline: marked late)" if done.late else ""
        return f"Your impact assessment of {self.cr.display_ref} is recorded{late}."


class UpdateForm(PageForm):
    title, button = "Add to the conversation", "Post"
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Update")
    internal = forms.BooleanField(
        required=False, label="Internal note (the programme office, assurers and the raiser only)"
    )
    attachments = MultipleFileField()

    def __init__(self, *args: object, cr: ChangeRequest, may_note: bool = False, **kwargs: object) -> None:
        super().__init__(*args, cr=cr, **kwargs)
        self.fields["body"].max_length = text_max()
        if not may_note:
            del self.fields["internal"]

    def submit(self, actor: Actor) -> str:
        data = self.cleaned_data
        actions.add_update(
            actor=actor,
            cr=self.cr,
            body=data["body"],
            internal=bool(data.get("internal")),
            attachments=files_for_action(data.get("attachments") or []),
        )
        return "Posted."


#: The page's forms by the verb in their address (``/programmes/change-requests/<ref>/<verb>/``).
PAGE_FORMS: dict[str, type[PageForm]] = {
    "edit": EditForm,
    "milestone": MilestoneForm,
    "remove-milestone": RemoveMilestoneForm,
    "issue": IssueForm,
    "respond": RespondForm,
    "close-responses": CloseResponsesForm,
    "approve": ApproveForm,
    "reject": RejectForm,
    "reissue": ReissueForm,
    "hold": HoldForm,
    "resume": ResumeForm,
    "withdraw": WithdrawForm,
    "update": UpdateForm,
}
#: The lifecycle forms in the order the page shows them.
LIFECYCLE = ["issue", "close-responses", "approve", "reject", "reissue", "hold", "resume", "withdraw"]

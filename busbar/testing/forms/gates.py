"""Forms of the gate pages: shape only; the rules live in busbar.testing.actions.gates and permissions."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from busbar.lib.actions import Actor
from busbar.lib.forms import ActionForm, MultipleFileField
from busbar.lib.limits import text_max
from busbar.parties.models import Organisation
from busbar.testing import criteria
from busbar.testing.actions import gates as actions
from busbar.testing.models import (
    AutoRule,
    Criterion,
    CriterionStatus,
    Gate,
    GateCondition,
    GateKind,
    GateStatus,
    Phase,
    ProgrammeFunction,
    ProgrammeParty,
)

TEXTAREA = {"rows": 3}
#: Condition rows offered on the decision form.
CONDITION_ROWS = 3


def _files(uploads) -> list[tuple[str, str, bytes]]:
    """The uploads as (name, type, bytes), after their count and sizes are checked (nothing is read into
    memory before)."""
    from django.conf import settings

    from busbar.lib.actions import ActionError
    from busbar.testing.actions.gates import MAX_FILES

    uploads = list(uploads or [])
    if len(uploads) > MAX_FILES:
        raise ActionError(f"At most {MAX_FILES} files at once", field="files")
    limit = settings.BUSBAR_ATTACHMENT_MAX_BYTES
    for upload in uploads:
        if upload.size > limit:
            raise ActionError(
                f"{upload.name} is {upload.size:,} bytes; the limit is {limit:,}", field="files"
            )
    return [(f.name, f.content_type or "application/octet-stream", f.read()) for f in uploads]


def programme_organisations(phase: Phase):
    """Who may own a condition: those who may be given work in the programme (never an assurer)."""
    from busbar.testing.queries import work_owners

    return work_owners(phase.programme_id)


class GateForm(ActionForm):
    title, button = "Add a gate", "Add gate"
    help = "An entry or exit gate of the phase, decided by one of the programme's approval boards."
    kind = forms.ChoiceField(choices=GateKind.choices)
    name = forms.CharField(max_length=200)
    board = forms.ModelChoiceField(queryset=Organisation.objects.none(), empty_label="Choose the board")
    board_label = forms.CharField(
        max_length=120, required=False, help_text="e.g. 'CSS and SI P&M quality gate'"
    )
    planned_date = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    checklist = forms.ChoiceField(required=False)

    def __init__(self, *args: object, phase: Phase, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.phase = phase
        boards = ProgrammeParty.objects.filter(
            programme_id=phase.programme_id, function=ProgrammeFunction.BOARD
        ).values("organisation_id")
        self.fields["board"].queryset = Organisation.objects.filter(pk__in=boards).order_by("name")
        self.fields["checklist"].choices = [("", "Start empty")] + [
            (key, f"{c.label} ({c.source})") for key, c in criteria.CHECKLISTS.items()
        ]

    def submit(self, actor: Actor) -> str:
        data = self.cleaned_data
        gate = actions.create_gate(
            actor=actor,
            phase=self.phase,
            kind=data["kind"],
            name=data["name"],
            board=data["board"],
            board_label=data["board_label"],
            planned_date=data["planned_date"],
            checklist=data["checklist"] or None,
        )
        self.redirect_to = f"/testing/gates/{gate.pk}/"
        return f"{gate.name} added."


class GatePageForm(ActionForm):
    def __init__(self, *args: object, gate: Gate, **kwargs: object) -> None:
        self.gate = gate
        super().__init__(*args, **kwargs)


class CriterionForm(GatePageForm):
    title, button = "Add a criterion", "Add criterion"
    text = forms.CharField(max_length=300)
    mandatory = forms.BooleanField(required=False, initial=True)
    auto_rule = forms.ChoiceField(choices=AutoRule.choices, required=False, label="Computed from the data")
    rule_phase = forms.ModelChoiceField(
        queryset=Phase.objects.none(), required=False, help_text="For 'report approved': the phase"
    )
    threshold = forms.DecimalField(
        required=False, min_value=0, max_value=100, decimal_places=2, help_text="For the pass rate: %"
    )

    def __init__(self, *args: object, gate: Gate, **kwargs: object) -> None:
        super().__init__(*args, gate=gate, **kwargs)
        self.fields["rule_phase"].queryset = Phase.objects.filter(programme_id=gate.phase.programme_id)

    def submit(self, actor: Actor) -> str:
        data = self.cleaned_data
        actions.add_criterion(
            actor=actor,
            gate=self.gate,
            text=data["text"],
            mandatory=data["mandatory"],
            auto_rule=data["auto_rule"] or "",
            rule_phase=data["rule_phase"],
            threshold=data["threshold"],
        )
        return "Criterion added."


class AssessForm(forms.Form):
    """One criterion's assessment (not an ActionForm panel: shown in the checklist's row)."""

    status = forms.ChoiceField(choices=CriterionStatus.choices)
    evidence_note = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), label="Evidence (or where it is)"
    )
    files = MultipleFileField(required=False, label="Evidence files")

    def __init__(self, *args: object, criterion: Criterion, **kwargs: object) -> None:
        kwargs.setdefault("initial", {"status": criterion.status, "evidence_note": criterion.evidence_note})
        kwargs.setdefault("prefix", f"c{criterion.pk}")
        super().__init__(*args, **kwargs)
        self.criterion = criterion
        self.fields["evidence_note"].max_length = text_max()
        if criterion.is_automatic:
            self.fields["status"].choices = [
                (CriterionStatus.NOT_ASSESSED, "Computed from the data"),
                (CriterionStatus.WAIVED, "Waived"),
            ]
            self.fields["evidence_note"].label = "Why it is waived"
            del self.fields["files"]

    def submit(self, actor: Actor) -> str:
        data = self.cleaned_data
        actions.assess_criterion(
            actor=actor,
            criterion=self.criterion,
            status=data["status"],
            evidence_note=data["evidence_note"],
            files=_files(data.get("files")),
        )
        return f"'{self.criterion.text}' assessed."


class DecisionForm(GatePageForm):
    title, button = "Record the board's decision", "Record decision"
    outcome = forms.ChoiceField(
        choices=[(v, label) for v, label in GateStatus.choices if v != GateStatus.PENDING],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        required=False, widget=forms.Textarea(attrs=TEXTAREA), help_text="Required for a no-go: why"
    )

    def __init__(self, *args: object, gate: Gate, **kwargs: object) -> None:
        super().__init__(*args, gate=gate, **kwargs)
        self.help = (
            "A go needs every mandatory criterion met or waived; a go with conditions at least one "
            "condition, each with its owner and due date."
        )
        owners = programme_organisations(gate.phase).order_by("name")
        today = timezone.localdate().isoformat()
        for row in range(1, CONDITION_ROWS + 1):
            self.fields[f"condition_{row}_text"] = forms.CharField(
                max_length=500, required=False, label=f"Condition {row}"
            )
            self.fields[f"condition_{row}_owner"] = forms.ModelChoiceField(
                queryset=owners, required=False, label=f"Condition {row}: owner", empty_label="Owner"
            )
            self.fields[f"condition_{row}_due"] = forms.DateField(
                required=False,
                label=f"Condition {row}: due",
                widget=forms.DateInput(attrs={"type": "date", "min": today}, format="%Y-%m-%d"),
            )

    def clean(self) -> dict:
        data = super().clean()
        conditions = []
        for row in range(1, CONDITION_ROWS + 1):
            text = (data.get(f"condition_{row}_text") or "").strip()
            owner, due = data.get(f"condition_{row}_owner"), data.get(f"condition_{row}_due")
            if not (text or owner or due):
                continue
            if not text:
                self.add_error(f"condition_{row}_text", "Say what the condition is")
            if owner is None:
                self.add_error(f"condition_{row}_owner", "Name the owner")
            if due is None:
                self.add_error(f"condition_{row}_due", "Give a due date")
            conditions.append({"text": text, "owner": owner, "due_on": due})
        data["conditions"] = conditions
        return data

    def field_of(self, name: str) -> str:
        """An action's field (``conditions[1].due_on``) as this form's (``condition_2_due``)."""
        if name.startswith("conditions[") and "]" in name:
            index = name[len("conditions[") : name.index("]")]
            part = name.rsplit(".", 1)[-1] if "." in name else "text"
            suffix = {"due_on": "due", "owner": "owner", "text": "text"}.get(part, "text")
            if index.isdigit():
                return f"condition_{int(index) + 1}_{suffix}"
        return name if name in self.fields else "__all__"

    def submit(self, actor: Actor) -> str:
        data = self.cleaned_data
        decision = actions.decide_gate(
            actor=actor,
            gate=self.gate,
            outcome=data["outcome"],
            note=data["note"],
            conditions=data["conditions"],
        )
        return f"Decision recorded: {decision.get_outcome_display()}."


class CloseConditionForm(forms.Form):
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label="How it was met")

    def __init__(self, *args: object, condition: GateCondition, **kwargs: object) -> None:
        kwargs.setdefault("prefix", f"k{condition.pk}")
        super().__init__(*args, **kwargs)
        self.condition = condition
        self.fields["note"].max_length = text_max()

    def submit(self, actor: Actor) -> str:
        actions.close_condition(actor=actor, condition=self.condition, note=self.cleaned_data["note"])
        return "Condition closed."

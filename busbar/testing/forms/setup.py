"""Forms of the set-up pages: shape only; every rule lives in :mod:`busbar.testing.actions.setup` and
:mod:`busbar.testing.permissions`. Each form is a :class:`~busbar.lib.forms.ActionForm` whose ``submit``
calls one action and returns what to tell the person; the page shows it with ``includes/action_panel.html``.
"""

from __future__ import annotations

from django import forms
from django.urls import reverse
from django.utils import timezone

from busbar.lib.forms import ActionForm, IdsChoiceField
from busbar.lib.limits import TEXT_MAX
from busbar.parties.models import Organisation
from busbar.testing.actions import setup as actions
from busbar.testing.cohorts import composition_problems
from busbar.testing.imports import MAX_BYTES
from busbar.testing.models import (
    Cohort,
    EntryStatus,
    Environment,
    ExitRule,
    Pairing,
    ParticipantRole,
    Participation,
    Phase,
    PhaseKind,
    Programme,
    ProgrammeFunction,
    Scenario,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TEXTAREA = {"rows": 3}
STEPS_HELP = (
    "One step a line: the action, then a | and the expected result, e.g. "
    "“Send the IF-021 message | The DIP accepts it”."
)


def steps_from_text(text: str) -> list[dict]:
    steps = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        action, _, expected = line.partition("|")
        steps.append({"action": action.strip(), "expected": expected.strip()})
    return steps


def steps_to_text(steps: list[dict]) -> str:
    return "\n".join(f"{s.get('action', '')} | {s.get('expected', '')}".rstrip(" |") for s in steps or [])


def codes_from_text(text: str) -> list[str]:
    return list(dict.fromkeys(c.strip() for c in (text or "").replace("\n", ",").split(",") if c.strip()))


def _rule_note(cohort: Cohort | None) -> str:
    """What the cohort still lacks under the composition rule, said after a change to it (TA-13)."""
    if cohort is None:
        return ""
    problems = composition_problems(cohort)
    return (
        f" {cohort.name} still {'; '.join(problems)}."
        if problems
        else f" {cohort.name} meets the cohort rule."
    )


def _orgs():
    return Organisation.objects.filter(is_active=True).order_by("name")


class ProgrammeActionForm(ActionForm):
    def __init__(self, *args, programme: Programme, **kwargs) -> None:
        self.programme = programme
        super().__init__(*args, **kwargs)


class PhaseActionForm(ActionForm):
    def __init__(self, *args, phase: Phase, **kwargs) -> None:
        self.phase = phase
        super().__init__(*args, **kwargs)


# -- home and programme ---------------------------------------------------------------------------------


class ProgrammeForm(ActionForm):
    title = "New test programme"
    button = "Create the programme"
    code = forms.SlugField(max_length=40, help_text="Used in addresses, e.g. mhhs")
    name = forms.CharField(max_length=150)
    description = forms.CharField(required=False, max_length=TEXT_MAX, widget=forms.Textarea(attrs=TEXTAREA))

    def submit(self, actor) -> str:
        self.created = actions.create_programme(actor=actor, **self.cleaned_data)
        self.redirect_to = reverse("testing_programme", args=[self.created.code])
        return f"{self.created.name} created. Name its systems integrator next."


class PartyForm(ProgrammeActionForm):
    title = "Name a party"
    button = "Name the party"
    help = "Who is the programme's systems integrator, assurer, programme manager, design authority or board."
    organisation = forms.ModelChoiceField(queryset=Organisation.objects.none())
    function = forms.ChoiceField(choices=ProgrammeFunction.choices)
    label = forms.CharField(max_length=120, required=False, help_text="The body's own name, e.g. IPA")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = _orgs()

    def submit(self, actor) -> str:
        party = actions.name_party(actor=actor, programme=self.programme, **self.cleaned_data)
        return f"{party.organisation} is now {party.get_function_display().lower()} of {self.programme}."


class RoleForm(ProgrammeActionForm):
    title = "Add a participant role"
    button = "Add the role"
    help = "The cohort-composition rule: every cohort needs at least the minimum of each role (TA-13)."
    code = forms.SlugField(max_length=40)
    label = forms.CharField(max_length=120)
    min_per_cohort = forms.IntegerField(min_value=0, max_value=50, initial=0, label="Minimum per cohort")
    mandatory = forms.BooleanField(
        required=False, help_text="Central parties: mandatory participants (TA-14)"
    )
    order = forms.IntegerField(min_value=0, max_value=1000, initial=0)

    def submit(self, actor) -> str:
        role = actions.add_participant_role(actor=actor, programme=self.programme, **self.cleaned_data)
        return f"Role {role.label} added."


class RoleRuleForm(ProgrammeActionForm):
    title = "Change the cohort rule"
    button = "Save the minimum"
    role = forms.ModelChoiceField(queryset=ParticipantRole.objects.none())
    min_per_cohort = forms.IntegerField(min_value=0, max_value=50, label="Minimum per cohort")
    mandatory = forms.BooleanField(required=False, label="Mandatory participants (central parties)")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].queryset = ParticipantRole.objects.filter(programme=self.programme)

    def submit(self, actor) -> str:
        data = self.cleaned_data
        role = actions.update_participant_role(
            actor=actor, role=data["role"], min_per_cohort=data["min_per_cohort"], mandatory=data["mandatory"]
        )
        return f"{role.label}: at least {role.min_per_cohort} per cohort."


class EnvironmentForm(ProgrammeActionForm):
    title = "Add an environment"
    button = "Add the environment"
    name = forms.CharField(max_length=80)
    description = forms.CharField(required=False, max_length=TEXT_MAX, widget=forms.Textarea(attrs=TEXTAREA))

    def submit(self, actor) -> str:
        environment = actions.add_environment(actor=actor, programme=self.programme, **self.cleaned_data)
        return f"Environment {environment.name} added."


class PhaseForm(ProgrammeActionForm):
    title = "Add a phase"
    button = "Add the phase"
    help = "A test phase or stage (PIT, CIT, SIT Functional…) with its planned window."
    code = forms.SlugField(max_length=40, help_text="Used in addresses, e.g. sit-functional")
    name = forms.CharField(max_length=200)
    kind = forms.ChoiceField(choices=PhaseKind.choices)
    planned_start = forms.DateField(widget=DATE)
    planned_end = forms.DateField(widget=DATE)
    owner = forms.ModelChoiceField(queryset=Organisation.objects.none(), help_text="Who runs it: the SI")
    environments = IdsChoiceField(
        queryset=Environment.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    exit_rule = forms.ChoiceField(choices=ExitRule.choices)
    grace_days = forms.IntegerField(min_value=0, max_value=366, initial=0, help_text="Late entry (TA-10)")
    pass_threshold = forms.DecimalField(min_value=0, max_value=100, decimal_places=2, initial=95)
    description = forms.CharField(required=False, max_length=TEXT_MAX, widget=forms.Textarea(attrs=TEXTAREA))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _orgs()
        si = self.programme.parties.filter(function=ProgrammeFunction.SI).first()
        if si is not None:
            self.fields["owner"].initial = si.organisation_id
        self.fields["environments"].queryset = Environment.objects.filter(programme=self.programme)

    def submit(self, actor) -> str:
        phase = actions.create_phase(actor=actor, programme=self.programme, **self.cleaned_data)
        return f"Phase {phase.name} added."


# -- requirements -----------------------------------------------------------------------------------------


class ImportForm(ProgrammeActionForm):
    title = "Import requirements"
    button = "Import"
    help = (
        "A CSV or XLSX file whose first row names the columns: code, title (required), description, source. "
        "Existing codes are updated. Any fault refuses the whole file, naming the line and column."
    )
    file = forms.FileField()

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB")
        return upload

    def submit(self, actor) -> str:
        upload = self.cleaned_data["file"]
        summary = actions.import_requirements(
            actor=actor, programme=self.programme, filename=upload.name or "", content=upload.read()
        )
        said = f"{summary['rows']} rows read: {summary['created']} created, {summary['updated']} updated"
        if summary["updated_codes"]:
            said += f" ({', '.join(summary['updated_codes'][:10])}{'…' if summary['updated'] > 10 else ''})"
        said += f", {summary['unchanged']} unchanged."
        if summary["ignored_columns"]:
            said += f" Ignored columns: {', '.join(summary['ignored_columns'])}."
        return said


# -- phase ------------------------------------------------------------------------------------------------


class StartForm(PhaseActionForm):
    title = "Start the phase"
    button = "Start"
    help = "Refused while a cohort breaks the composition rule. Planned participants enter on the first day."
    on = forms.DateField(widget=DATE, required=False, label="First day", help_text="Default: today")
    not_ready = IdsChoiceField(
        queryset=Participation.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Not ready on day 1",
        help_text="They stay planned and may enter within the grace period (TA-10)",
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["not_ready"].queryset = Participation.objects.filter(
            phase=self.phase, status=EntryStatus.PLANNED
        ).select_related("organisation", "role")

    def submit(self, actor) -> str:
        data = self.cleaned_data
        actions.start_phase(actor=actor, phase=self.phase, on=data["on"], not_ready=data["not_ready"])
        return f"{self.phase.name} has started."


class CloseForm(PhaseActionForm):
    title = "Close the phase"
    button = "Close"
    danger = True
    help = "No more results are recorded once a phase is closed."
    note = forms.CharField(required=False, max_length=TEXT_MAX, widget=forms.Textarea(attrs=TEXTAREA))

    def submit(self, actor) -> str:
        actions.close_phase(actor=actor, phase=self.phase, note=self.cleaned_data["note"])
        return f"{self.phase.name} is closed."


class PlanForm(PhaseActionForm):
    title = "Change the plan"
    button = "Save the plan"
    planned_start = forms.DateField(widget=DATE)
    planned_end = forms.DateField(widget=DATE)
    environments = IdsChoiceField(
        queryset=Environment.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    grace_days = forms.IntegerField(min_value=0, max_value=366)
    pass_threshold = forms.DecimalField(min_value=0, max_value=100, decimal_places=2)
    exit_rule = forms.ChoiceField(choices=ExitRule.choices)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["environments"].queryset = Environment.objects.filter(
            programme_id=self.phase.programme_id
        )
        if not self.is_bound:
            for name in ("planned_start", "planned_end", "grace_days", "pass_threshold", "exit_rule"):
                self.fields[name].initial = getattr(self.phase, name)
            self.fields["environments"].initial = [e.pk for e in self.phase.environments.all()]

    def submit(self, actor) -> str:
        actions.update_phase(actor=actor, phase=self.phase, **self.cleaned_data)
        return "The plan is saved."


# -- participants -----------------------------------------------------------------------------------------


class CohortForm(PhaseActionForm):
    title = "Add a cohort"
    button = "Add the cohort"
    name = forms.CharField(max_length=80)
    order = forms.IntegerField(min_value=0, max_value=1000, initial=0)

    def submit(self, actor) -> str:
        cohort = actions.create_cohort(actor=actor, phase=self.phase, **self.cleaned_data)
        return f"{cohort.name} added."


class ParticipationForm(PhaseActionForm):
    title = "Add a participant"
    button = "Add the participant"
    organisation = forms.ModelChoiceField(queryset=Organisation.objects.none())
    role = forms.ModelChoiceField(queryset=ParticipantRole.objects.none())
    cohort = forms.ModelChoiceField(
        queryset=Cohort.objects.none(), required=False, empty_label="No cohort (central parties serve all)"
    )
    mandatory = forms.ChoiceField(
        choices=[("", "The role's default"), ("yes", "Mandatory"), ("no", "Voluntary")], required=False
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = _orgs()
        self.fields["role"].queryset = ParticipantRole.objects.filter(programme_id=self.phase.programme_id)
        self.fields["cohort"].queryset = Cohort.objects.filter(phase=self.phase)

    def submit(self, actor) -> str:
        data = self.cleaned_data
        mandatory = {"yes": True, "no": False}.get(data["mandatory"])
        p = actions.add_participation(
            actor=actor,
            phase=self.phase,
            organisation=data["organisation"],
            role=data["role"],
            cohort=data["cohort"],
            mandatory=mandatory,
        )
        return f"{p.organisation} takes part as {p.role}." + _rule_note(p.cohort)


class _ParticipationChoice(PhaseActionForm):
    participation = forms.ModelChoiceField(queryset=Participation.objects.none(), label="Participant")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["participation"].queryset = Participation.objects.filter(phase=self.phase).select_related(
            "organisation", "role"
        )


class MoveForm(_ParticipationChoice):
    title = "Move to another cohort"
    button = "Move"
    help = "Once the phase has started, a move that breaks the cohort rule is refused."
    cohort = forms.ModelChoiceField(queryset=Cohort.objects.none(), required=False, empty_label="No cohort")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["cohort"].queryset = Cohort.objects.filter(phase=self.phase)

    def submit(self, actor) -> str:
        p = actions.move_to_cohort(actor=actor, **self.cleaned_data)
        return f"{p.organisation} moved to {p.cohort or 'no cohort'}." + _rule_note(p.cohort)


class EnterForm(_ParticipationChoice):
    title = "Enter late (grace period)"
    button = "Enter"
    on = forms.DateField(widget=DATE, required=False, help_text="Default: today")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        last = self.phase.grace_until
        self.help = (
            f"A participant not ready on day 1 may enter until {last.day} {last:%b %Y} (TA-10)."
            if last
            else "This phase has no grace period."
        )

    def submit(self, actor) -> str:
        data = self.cleaned_data
        p = actions.enter_phase(
            actor=actor, participation=data["participation"], on=data["on"] or timezone.localdate()
        )
        return f"{p.organisation} entered ({p.get_status_display().lower()})."


class WithdrawForm(_ParticipationChoice):
    title = "Withdraw a participant"
    button = "Withdraw"
    danger = True
    help = "Its results stay; its current pairings end. Refused if its cohort would break the rule."
    reason = forms.CharField(max_length=500)

    def submit(self, actor) -> str:
        p = actions.withdraw(actor=actor, **self.cleaned_data)
        return f"{p.organisation} has withdrawn."


class MandatoryForm(_ParticipationChoice):
    title = "Mandatory or voluntary"
    button = "Save"
    mandatory = forms.TypedChoiceField(
        choices=[("yes", "Mandatory"), ("no", "Voluntary")], coerce=lambda v: v == "yes"
    )

    def submit(self, actor) -> str:
        p = actions.set_mandatory(actor=actor, **self.cleaned_data)
        return f"{p.organisation} is {'mandatory' if p.mandatory else 'voluntary'}."


class PairForm(PhaseActionForm):
    title = "Pair a supplier with an agent"
    button = "Pair"
    supplier = forms.ModelChoiceField(queryset=Participation.objects.none())
    agent = forms.ModelChoiceField(queryset=Participation.objects.none())
    reason = forms.CharField(max_length=500, required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        qs = Participation.objects.filter(phase=self.phase).select_related("organisation", "role")
        self.fields["supplier"].queryset = qs
        self.fields["agent"].queryset = qs

    def submit(self, actor) -> str:
        pairing = actions.pair(actor=actor, phase=self.phase, **self.cleaned_data)
        return f"{pairing} paired."


class RearrangeForm(PhaseActionForm):
    title = "Re-arrange a pairing"
    button = "Re-arrange"
    help = "The old pairing ends with your reason and stays in the history (TA-15)."
    pairing = forms.ModelChoiceField(queryset=Pairing.objects.none(), label="Current pairing")
    agent = forms.ModelChoiceField(queryset=Participation.objects.none(), label="New agent")
    reason = forms.CharField(max_length=500)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["pairing"].queryset = Pairing.objects.filter(
            phase=self.phase, ended_at__isnull=True
        ).select_related("supplier__organisation", "agent__organisation")
        self.fields["agent"].queryset = Participation.objects.filter(phase=self.phase).select_related(
            "organisation", "role"
        )

    def submit(self, actor) -> str:
        new = actions.rearrange_pairing(actor=actor, **self.cleaned_data)
        return f"{new.supplier.organisation} is now paired with {new.agent.organisation}."


class EndPairingForm(PhaseActionForm):
    title = "End a pairing"
    button = "End"
    danger = True
    pairing = forms.ModelChoiceField(queryset=Pairing.objects.none(), label="Current pairing")
    reason = forms.CharField(max_length=500)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["pairing"].queryset = Pairing.objects.filter(
            phase=self.phase, ended_at__isnull=True
        ).select_related("supplier__organisation", "agent__organisation")

    def submit(self, actor) -> str:
        actions.end_pairing(actor=actor, **self.cleaned_data)
        return "The pairing has ended (kept in the history)."


# -- scenarios ----------------------------------------------------------------------------------------------


class ScenarioForm(PhaseActionForm):
    title = "Specify a scenario"
    button = "Add the scenario"
    code = forms.CharField(max_length=40, help_text="Unique in the programme; JUnit test cases name it")
    title_ = forms.CharField(max_length=300, label="Title")
    interface = forms.CharField(max_length=40, required=False, help_text="e.g. IF-021")
    mandatory = forms.BooleanField(required=False, initial=True)
    requirements = forms.CharField(
        required=False, max_length=8000, help_text="Requirement codes, separated by commas"
    )
    roles = IdsChoiceField(
        queryset=ParticipantRole.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Who runs it; none: every participant",
    )
    description = forms.CharField(required=False, max_length=TEXT_MAX, widget=forms.Textarea(attrs=TEXTAREA))
    preconditions = forms.CharField(
        required=False, max_length=TEXT_MAX, widget=forms.Textarea(attrs=TEXTAREA)
    )
    steps = forms.CharField(
        max_length=400_000, widget=forms.Textarea(attrs={"rows": 6}), help_text=STEPS_HELP
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["roles"].queryset = ParticipantRole.objects.filter(programme_id=self.phase.programme_id)

    def submit(self, actor) -> str:
        data = self.cleaned_data
        self.created = actions.create_scenario(
            actor=actor,
            phase=self.phase,
            code=data["code"],
            title=data["title_"],
            interface=data["interface"],
            description=data["description"],
            mandatory=data["mandatory"],
            requirements=codes_from_text(data["requirements"]),
            roles=[r.code for r in data["roles"]],
            steps=steps_from_text(data["steps"]),
            preconditions=data["preconditions"],
        )
        self.redirect_to = reverse(
            "testing_scenario", args=[self.phase.programme.code, self.phase.code, self.created.code]
        )
        return f"Scenario {self.created.code} added with its script version 1."


class ScriptForm(ActionForm):
    title = "Edit the script"
    button = "Save as the next version"
    help = "Saving writes a new version; earlier versions stay readable and executions keep the one they ran."
    steps = forms.CharField(
        max_length=400_000, widget=forms.Textarea(attrs={"rows": 8}), help_text=STEPS_HELP
    )
    preconditions = forms.CharField(
        required=False, max_length=TEXT_MAX, widget=forms.Textarea(attrs=TEXTAREA)
    )
    change_note = forms.CharField(required=False, max_length=300, help_text="What changed and why")

    def __init__(self, *args, scenario: Scenario, **kwargs) -> None:
        self.scenario = scenario
        super().__init__(*args, **kwargs)
        current = scenario.current_version
        if not self.is_bound and current is not None:
            self.fields["steps"].initial = steps_to_text(current.steps)
            self.fields["preconditions"].initial = current.preconditions

    def submit(self, actor) -> str:
        data = self.cleaned_data
        version = actions.edit_script(
            actor=actor,
            scenario=self.scenario,
            steps=steps_from_text(data["steps"]),
            preconditions=data["preconditions"],
            change_note=data["change_note"],
        )
        return f"Saved as version {version.version}."


class ScenarioEditForm(ActionForm):
    title = "Change the scenario"
    button = "Save"
    title_ = forms.CharField(max_length=300, label="Title")
    interface = forms.CharField(max_length=40, required=False)
    mandatory = forms.BooleanField(required=False)
    is_active = forms.BooleanField(required=False, label="Active")
    requirements = forms.CharField(required=False, max_length=8000, help_text="Requirement codes, by commas")
    roles = IdsChoiceField(
        queryset=ParticipantRole.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    description = forms.CharField(required=False, max_length=TEXT_MAX, widget=forms.Textarea(attrs=TEXTAREA))

    def __init__(self, *args, scenario: Scenario, **kwargs) -> None:
        self.scenario = scenario
        super().__init__(*args, **kwargs)
        self.fields["roles"].queryset = ParticipantRole.objects.filter(
            programme_id=scenario.phase.programme_id
        )
        if not self.is_bound:
            self.fields["title_"].initial = scenario.title
            self.fields["interface"].initial = scenario.interface
            self.fields["mandatory"].initial = scenario.mandatory
            self.fields["is_active"].initial = scenario.is_active
            self.fields["requirements"].initial = ", ".join(r.code for r in scenario.requirements.all())
            self.fields["roles"].initial = [r.pk for r in scenario.roles.all()]
            self.fields["description"].initial = scenario.description

    def submit(self, actor) -> str:
        data = self.cleaned_data
        actions.update_scenario(
            actor=actor,
            scenario=self.scenario,
            title=data["title_"],
            interface=data["interface"],
            description=data["description"],
            mandatory=data["mandatory"],
            is_active=data["is_active"],
            requirements=codes_from_text(data["requirements"]),
            roles=[r.code for r in data["roles"]],
        )
        return "The scenario is saved."

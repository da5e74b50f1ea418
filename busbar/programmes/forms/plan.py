"""Forms of the plan pages: shape only; the rules live in busbar.programmes.actions.plan and permissions.

A milestone's form never offers its baseline date: a baseline date posted anyway is handed to the action,
which refuses it ("only an approved change request re-baselines")."""

from __future__ import annotations

from django import forms

from busbar.lib.actions import Actor
from busbar.lib.forms import ActionForm, IdsChoiceField
from busbar.lib.limits import text_max
from busbar.parties.models import Organisation
from busbar.programmes import queries
from busbar.programmes.actions import plan as actions
from busbar.programmes.models import (
    Member,
    Milestone,
    MilestoneKind,
    PartyMilestone,
    PlanPhase,
    Rag,
    SubsidiaryPlan,
    Task,
    TaskMode,
)
from busbar.testing.models import Phase, Programme

TEXTAREA = {"rows": 3}


def date_field(label: str = "", *, required: bool = False, help_text: str = "") -> forms.DateField:
    return forms.DateField(
        required=required,
        label=label or None,
        help_text=help_text,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


def participant_organisations(programme: Programme):
    return Organisation.objects.filter(
        pk__in=queries.participant_organisation_ids(programme.pk), is_active=True
    ).order_by("name")


class ProgrammeForm(ActionForm):
    """A form of a programme's plan page."""

    def __init__(self, *args: object, programme: Programme, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.programme = programme
        self.redirect_to = ""

    def _phases(self, name: str = "phase") -> None:
        self.fields[name].queryset = PlanPhase.objects.filter(programme=self.programme).order_by(
            "order", "pk"
        )

    def _milestones(self, name: str, exclude: int | None = None) -> None:
        qs = Milestone.objects.filter(programme=self.programme).order_by("order", "code")
        if exclude:
            qs = qs.exclude(pk=exclude)
        self.fields[name].queryset = qs


# -- milestones -----------------------------------------------------------------------------------------


class MilestoneForm(ProgrammeForm):
    title, button = "Add a milestone or control point", "Add milestone"
    help = (
        "It has no baseline date until a baseline names it: the first baseline, or an approved change "
        "request."
    )
    code = forms.CharField(max_length=actions.CODE_MAX, help_text="e.g. M14 or CP4")
    name = forms.CharField(max_length=actions.MILESTONE_NAME_MAX)
    kind = forms.ChoiceField(choices=MilestoneKind.choices)
    phase = forms.ModelChoiceField(queryset=PlanPhase.objects.none(), required=False)
    predecessor = forms.ModelChoiceField(queryset=Milestone.objects.none(), required=False)
    forecast_date = date_field("Forecast date")
    rag = forms.ChoiceField(choices=Rag.choices, required=False, label="RAG")
    rationale = forms.CharField(required=False, widget=forms.Textarea(attrs=TEXTAREA))
    regulatory = forms.BooleanField(
        required=False, help_text="A Level 1 milestone: changes need the regulator"
    )
    order = forms.IntegerField(min_value=0, max_value=actions.ORDER_MAX, initial=0)

    def __init__(self, *args: object, programme: Programme, **kwargs: object) -> None:
        super().__init__(*args, programme=programme, **kwargs)
        self._phases()
        self._milestones("predecessor")
        self.fields["rationale"].max_length = text_max()

    def submit(self, actor: Actor) -> str:
        data = self.cleaned_data
        milestone = actions.add_milestone(
            actor=actor,
            programme=self.programme,
            code=data["code"],
            name=data["name"],
            kind=data["kind"],
            phase=data["phase"],
            predecessor=data["predecessor"],
            forecast_date=data["forecast_date"],
            rag=data["rag"] or "",
            rationale=data["rationale"],
            regulatory=data["regulatory"],
            order=data["order"] or 0,
        )
        self.redirect_to = f"/programmes/{self.programme.code}/plan/milestones/{milestone.code}/"
        return f"{milestone.code} added."


class MilestoneEditForm(ProgrammeForm):
    title, button = "Update the milestone", "Save"
    help = (
        "Forecast, actual date, RAG and rationale are the programme office's to keep current. The baseline "
        "date is not edited here: only an approved change request re-baselines."
    )
    name = forms.CharField(max_length=actions.MILESTONE_NAME_MAX)
    kind = forms.ChoiceField(choices=MilestoneKind.choices)
    phase = forms.ModelChoiceField(queryset=PlanPhase.objects.none(), required=False)
    predecessor = forms.ModelChoiceField(queryset=Milestone.objects.none(), required=False)
    forecast_date = date_field("Forecast date")
    actual_date = date_field("Actual date", help_text="When it was achieved (not in the future)")
    rag = forms.ChoiceField(choices=Rag.choices, required=False, label="RAG")
    rationale = forms.CharField(required=False, widget=forms.Textarea(attrs=TEXTAREA))
    regulatory = forms.BooleanField(required=False)
    order = forms.IntegerField(min_value=0, max_value=actions.ORDER_MAX)

    def __init__(self, *args: object, programme: Programme, milestone: Milestone, **kwargs: object) -> None:
        kwargs.setdefault(
            "initial",
            {
                "name": milestone.name,
                "kind": milestone.kind,
                "phase": milestone.phase_id,
                "predecessor": milestone.predecessor_id,
                "forecast_date": milestone.forecast_date,
                "actual_date": milestone.actual_date,
                "rag": milestone.rag,
                "rationale": milestone.rationale,
                "regulatory": milestone.regulatory,
                "order": milestone.order,
            },
        )
        super().__init__(*args, programme=programme, **kwargs)
        self.milestone = milestone
        self._phases()
        self._milestones("predecessor", exclude=milestone.pk)
        self.fields["rationale"].max_length = text_max()

    def posted_baseline(self) -> str | None:
        """A baseline date posted although the form does not offer one."""
        if not self.is_bound:
            return None
        for key in (self.add_prefix("baseline_date"), "baseline_date"):
            if key in self.data:
                return str(self.data.get(key))[:40]
        return None

    def submit(self, actor: Actor) -> str:
        data = self.cleaned_data
        fields = {k: data[k] for k in actions.MILESTONE_FIELDS}
        fields["rag"] = fields["rag"] or ""
        actions.update_milestone(actor=actor, milestone=self.milestone, **fields)
        return f"{self.milestone.code} updated."


class FirstBaselineForm(ProgrammeForm):
    title, button = "Set the first baseline", "Set baseline 1"
    help = (
        "Once only: every later baseline comes from approving a change request. Each milestone's date "
        "starts as its forecast; leave one empty to keep it out of the baseline."
    )
    label = forms.CharField(max_length=actions.BASELINE_LABEL_MAX, initial="Baseline 1")

    def __init__(
        self, *args: object, programme: Programme, milestones: list[Milestone], **kwargs: object
    ) -> None:
        super().__init__(*args, programme=programme, **kwargs)
        self.milestones = milestones
        for m in milestones:
            field = date_field(f"{m.code} {m.name}"[:120])
            field.initial = m.forecast_date
            self.fields[f"date_{m.pk}"] = field

    def submit(self, actor: Actor) -> str:
        data = self.cleaned_data
        dates = {m: data[f"date_{m.pk}"] for m in self.milestones if data.get(f"date_{m.pk}")}
        baseline = actions.set_first_baseline(
            actor=actor, programme=self.programme, label=data["label"], dates=dates
        )
        return f"Baseline {baseline.number} set: {len(dates)} milestones."


# -- phases ---------------------------------------------------------------------------------------------


class PhaseForm(ProgrammeForm):
    title, button = "Add a phase", "Add phase"
    code = forms.SlugField(max_length=actions.PHASE_CODE_MAX, help_text="Lower case, e.g. migration")
    name = forms.CharField(max_length=actions.PHASE_NAME_MAX)
    start = date_field("Start")
    end = date_field("End")
    rag = forms.ChoiceField(choices=Rag.choices, required=False, label="RAG")
    rag_reason = forms.CharField(max_length=actions.RAG_REASON_MAX, required=False, label="Why this RAG")
    test_phase = forms.ModelChoiceField(queryset=Phase.objects.none(), required=False)
    order = forms.IntegerField(min_value=0, max_value=actions.ORDER_MAX, initial=0)

    def __init__(self, *args: object, programme: Programme, **kwargs: object) -> None:
        super().__init__(*args, programme=programme, **kwargs)
        self.fields["test_phase"].queryset = Phase.objects.filter(programme=programme).order_by(
            "planned_start"
        )

    def submit(self, actor: Actor) -> str:
        data = self.cleaned_data
        phase = actions.add_phase(
            actor=actor,
            programme=self.programme,
            code=data["code"],
            name=data["name"],
            start=data["start"],
            end=data["end"],
            rag=data["rag"] or "",
            rag_reason=data["rag_reason"],
            test_phase=data["test_phase"],
            order=data["order"] or 0,
        )
        return f"Phase {phase.name} added."


class PhaseEditForm(PhaseForm):
    title, button = "Update the phase", "Save"

    def __init__(self, *args: object, programme: Programme, phase: PlanPhase, **kwargs: object) -> None:
        kwargs.setdefault(
            "initial",
            {
                "name": phase.name,
                "start": phase.start,
                "end": phase.end,
                "rag": phase.rag,
                "rag_reason": phase.rag_reason,
                "test_phase": phase.test_phase_id,
                "order": phase.order,
            },
        )
        super().__init__(*args, programme=programme, **kwargs)
        del self.fields["code"]
        self.phase = phase

    def submit(self, actor: Actor) -> str:
        data = self.cleaned_data
        fields = {k: data[k] for k in actions.PHASE_FIELDS}
        fields["rag"] = fields["rag"] or ""
        fields["order"] = fields["order"] or 0
        actions.update_phase(actor=actor, phase=self.phase, **fields)
        return f"Phase {self.phase.name} updated."


# -- tasks ----------------------------------------------------------------------------------------------


class TaskForm(ProgrammeForm):
    title, button = "Add a task", "Add task"
    help = "The duration is counted in working days on the programme's calendar unless you give it."
    ref = forms.CharField(max_length=actions.TASK_REF_MAX, label="ID")
    name = forms.CharField(max_length=actions.TASK_NAME_MAX)
    mode = forms.ChoiceField(choices=TaskMode.choices, label="Task mode")
    start = date_field("Start", required=True)
    finish = date_field("Finish", required=True)
    duration_days = forms.IntegerField(
        min_value=0, max_value=actions.DURATION_MAX, required=False, label="Duration (working days)"
    )
    duration_uncertain = forms.BooleanField(
        required=False, label="Duration uncertain (\u201c129 days?\u201d)"
    )
    phase = forms.ModelChoiceField(queryset=PlanPhase.objects.none(), required=False)
    milestone = forms.ModelChoiceField(queryset=Milestone.objects.none(), required=False, label="Leads to")
    responsible = forms.ModelChoiceField(queryset=Organisation.objects.none(), required=False)
    responsible_label = forms.CharField(
        max_length=actions.RESPONSIBLE_LABEL_MAX, required=False, help_text="e.g. SI Test, CPT, PPC"
    )
    involved = IdsChoiceField(queryset=Organisation.objects.none(), required=False)
    involved_label = forms.CharField(
        max_length=actions.INVOLVED_LABEL_MAX, required=False, help_text="e.g. PMO, PP"
    )
    order = forms.IntegerField(min_value=0, max_value=actions.ORDER_MAX, initial=0)

    def __init__(self, *args: object, programme: Programme, **kwargs: object) -> None:
        super().__init__(*args, programme=programme, **kwargs)
        self._phases()
        self._milestones("milestone")
        orgs = participant_organisations(programme)
        self.fields["responsible"].queryset = orgs
        self.fields["involved"].queryset = orgs

    def _values(self) -> dict:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "mode": data["mode"],
            "start": data["start"],
            "finish": data["finish"],
            "duration_days": data["duration_days"],
            "duration_uncertain": data["duration_uncertain"],
            "phase": data["phase"],
            "milestone": data["milestone"],
            "responsible": data["responsible"],
            "responsible_label": data["responsible_label"],
            "involved": list(data["involved"] or []),
            "involved_label": data["involved_label"],
            "order": data["order"] or 0,
        }

    def submit(self, actor: Actor) -> str:
        task = actions.add_task(
            actor=actor, programme=self.programme, ref=self.cleaned_data["ref"], **self._values()
        )
        return f"Task {task.ref} added ({task.duration_days} working days)."


class TaskEditForm(TaskForm):
    title, button = "Update the task", "Save"

    def __init__(self, *args: object, programme: Programme, task: Task, **kwargs: object) -> None:
        kwargs.setdefault(
            "initial",
            {
                "name": task.name,
                "mode": task.mode,
                "start": task.start,
                "finish": task.finish,
                "duration_days": None,
                "duration_uncertain": task.duration_uncertain,
                "phase": task.phase_id,
                "milestone": task.milestone_id,
                "responsible": task.responsible_id,
                "responsible_label": task.responsible_label,
                "involved": [o.pk for o in task.involved.all()],
                "involved_label": task.involved_label,
                "order": task.order,
            },
        )
        super().__init__(*args, programme=programme, **kwargs)
        del self.fields["ref"]
        self.fields[
            "duration_days"
        ].help_text = f"Now {task.duration_days} working days; leave empty to count them from the dates"
        self.task = task

    def submit(self, actor: Actor) -> str:
        task = actions.update_task(actor=actor, task=self.task, **self._values())
        return f"Task {task.ref} updated ({task.duration_days} working days)."


# -- members --------------------------------------------------------------------------------------------


class MemberForm(ProgrammeForm):
    title, button = "Add a member", "Add member"
    help = (
        "A member organisation reads the plan, the public RAID items, the action log, meetings and "
        "decisions, and answers readiness and impact assessments."
    )
    organisation = forms.ModelChoiceField(queryset=Organisation.objects.none())
    constituency = forms.CharField(
        max_length=actions.CONSTITUENCY_MAX, required=False, help_text="e.g. Large supplier, Agent, DNO"
    )

    def __init__(self, *args: object, programme: Programme, **kwargs: object) -> None:
        super().__init__(*args, programme=programme, **kwargs)
        self.fields["organisation"].queryset = (
            Organisation.objects.filter(is_active=True)
            .exclude(pk__in=Member.objects.filter(programme=programme).values("organisation_id"))
            .order_by("name")
        )

    def submit(self, actor: Actor) -> str:
        data = self.cleaned_data
        member = actions.add_member(
            actor=actor,
            programme=self.programme,
            organisation=data["organisation"],
            constituency=data["constituency"],
        )
        return f"{member.organisation} is a member."


# -- subsidiary plans -----------------------------------------------------------------------------------


class SubsidiaryPlanForm(ProgrammeForm):
    title, button = "Start a subsidiary plan", "Create plan"
    help = (
        "A participant's own plan, subsidiary to the programme plan: its milestones link to programme "
        "milestones, and a slip of either shows on the other. Read only by the organisation, the programme "
        "office and assurers."
    )
    organisation = forms.ModelChoiceField(queryset=Organisation.objects.none())
    name = forms.CharField(max_length=actions.PLAN_NAME_MAX)

    def __init__(self, *args: object, programme: Programme, organisations, **kwargs: object) -> None:
        super().__init__(*args, programme=programme, **kwargs)
        self.fields["organisation"].queryset = organisations
        if not self.is_bound:
            first = list(organisations[:2])
            if len(first) == 1:
                self.fields["organisation"].initial = first[0].pk
                self.fields["name"].initial = f"{first[0].name} {programme.name} plan"

    def submit(self, actor: Actor) -> str:
        data = self.cleaned_data
        plan = actions.create_subsidiary_plan(
            actor=actor, programme=self.programme, organisation=data["organisation"], name=data["name"]
        )
        self.redirect_to = f"/programmes/{self.programme.code}/plan/participants/{plan.organisation_id}/"
        return f"{plan.name} created."


class PartyMilestoneForm(ActionForm):
    title, button = "Add a milestone", "Add milestone"
    help = "Link it to the programme milestone it must be met before: a slip of either shows on both plans."
    name = forms.CharField(max_length=actions.PARTY_MILESTONE_NAME_MAX)
    programme_milestone = forms.ModelChoiceField(
        queryset=Milestone.objects.none(), required=False, label="Programme milestone"
    )
    planned_date = date_field("Planned date", required=True)
    forecast_date = date_field("Forecast date")
    actual_date = date_field("Actual date")
    rag = forms.ChoiceField(choices=Rag.choices, required=False, label="RAG")
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs=TEXTAREA))
    order = forms.IntegerField(min_value=0, max_value=actions.ORDER_MAX, initial=0)

    def __init__(
        self, *args: object, plan: SubsidiaryPlan, milestone: PartyMilestone | None = None, **kwargs: object
    ) -> None:
        if milestone is not None:
            kwargs.setdefault(
                "initial",
                {
                    "name": milestone.name,
                    "programme_milestone": milestone.programme_milestone_id,
                    "planned_date": milestone.planned_date,
                    "forecast_date": milestone.forecast_date,
                    "actual_date": milestone.actual_date,
                    "rag": milestone.rag,
                    "notes": milestone.notes,
                    "order": milestone.order,
                },
            )
        super().__init__(*args, **kwargs)
        self.plan = plan
        self.milestone = milestone
        if milestone is not None:
            self.title, self.button = f"Update {milestone.name}", "Save"
        self.fields["programme_milestone"].queryset = Milestone.objects.filter(
            programme_id=plan.programme_id
        ).order_by("order", "code")
        self.fields["notes"].max_length = text_max()

    def submit(self, actor: Actor) -> str:
        data = self.cleaned_data
        fields = {k: data[k] for k in actions.PARTY_MILESTONE_FIELDS}
        fields["rag"] = fields["rag"] or ""
        fields["order"] = fields["order"] or 0
        if self.milestone is None:
            done = actions.add_party_milestone(actor=actor, plan=self.plan, **fields)
            return f"{done.name} added."
        done = actions.update_party_milestone(actor=actor, milestone=self.milestone, **fields)
        return f"{done.name} updated."


# -- settings -------------------------------------------------------------------------------------------


class SettingsForm(ProgrammeForm):
    title, button = "Governance settings", "Save settings"
    help = (
        "Working days are Monday to Friday without England & Wales bank holidays; a calendar's closures "
        "are taken out too. Deltas, task durations and consultation windows count them."
    )
    calendar = forms.ModelChoiceField(queryset=None, required=False, empty_label="Bank holidays only")
    document_prefix = forms.CharField(
        max_length=actions.PREFIX_MAX, required=False, help_text="e.g. MHHS-DEL"
    )
    classification = forms.CharField(max_length=actions.CLASSIFICATION_MAX)
    consultation_days = forms.IntegerField(
        min_value=1, max_value=actions.WINDOW_MAX, label="Impact assessment (working days)"
    )
    assurance_days = forms.IntegerField(
        min_value=0, max_value=actions.WINDOW_MAX, label="Assurance (working days)"
    )

    def __init__(self, *args: object, programme: Programme, current, **kwargs: object) -> None:
        from busbar.services.models import Calendar

        kwargs.setdefault(
            "initial",
            {
                "calendar": current.calendar_id,
                "document_prefix": current.document_prefix,
                "classification": current.classification,
                "consultation_days": current.consultation_days,
                "assurance_days": current.assurance_days,
            },
        )
        super().__init__(*args, programme=programme, **kwargs)
        self.fields["calendar"].queryset = Calendar.objects.order_by("name")

    def submit(self, actor: Actor) -> str:
        data = self.cleaned_data
        actions.settings(
            actor=actor,
            programme=self.programme,
            calendar=data["calendar"],
            clear_calendar=data["calendar"] is None,
            document_prefix=data["document_prefix"],
            classification=data["classification"],
            consultation_days=data["consultation_days"],
            assurance_days=data["assurance_days"],
        )
        return "Settings saved."

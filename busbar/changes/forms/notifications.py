"""Forms of the Change Notification pages: shape only; the rules live in ``busbar.changes.actions`` and
``busbar.changes.permissions``.

Times are typed in UK time (Europe/London, as the pages show them) and stored in UTC: a wall-clock time
that does not exist or is ambiguous on the day the clocks change is refused on its field.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django import forms
from django.utils import timezone

from busbar.changes import actions
from busbar.changes.lists import STATUS_CHOICES
from busbar.changes.models import (
    CcgOutcome,
    ChangeNotification,
    ChangeRisk,
    ChangeType,
    Consultation,
    ConsultationImpact,
)
from busbar.changes.steps import TEAM_MAX, TITLE_MAX
from busbar.lib.actions import Actor
from busbar.lib.forms import (
    ActionForm,
    IdsChoiceField,
    MultipleFileField,
    files_for_action,
    parse_id,
)
from busbar.lib.limits import text_max
from busbar.parties.models import Organisation
from busbar.services.models import Service

LONDON = zoneinfo.ZoneInfo("Europe/London")
TEXTAREA = {"rows": 3}
YES_NO = [("yes", "Yes"), ("no", "No")]


class LondonDateTimeField(forms.DateTimeField):
    """A date and time typed in UK time (``<input type=datetime-local>``), cleaned to an aware time."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"]

    def to_python(self, value):
        with timezone.override(LONDON):
            return super().to_python(value)

    def prepare_value(self, value):
        if isinstance(value, dt.datetime) and timezone.is_aware(value):
            return value.astimezone(LONDON).replace(tzinfo=None)
        return value


class IdChoiceField(forms.ModelChoiceField):
    """A model choice by id that refuses anything but an id before the database sees it."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if parse_id(value) is None:
            raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


def _yes_no(value: str) -> bool:
    return value == "yes"


def field_of(name: str) -> str:
    """An action's field (``attachments[2]``, ``services[0]``, a reschedule's ``planned_start``) as the
    page forms name it."""
    name = name.split("[", 1)[0]
    return {"planned_start": "new_start", "planned_end": "new_end"}.get(name, name)


def form_field_of(name: str) -> str:
    """An action's field as the raise and edit form names it."""
    return name.split("[", 1)[0]


# The list -------------------------------------------------------------------------------------------------


class FilterForm(forms.Form):
    """The list's filters (GET); an invalid value filters nothing."""

    q = forms.CharField(required=False, max_length=200, label="Search")
    status = forms.ChoiceField(required=False, choices=STATUS_CHOICES)
    type = forms.ChoiceField(required=False, choices=[("", "Any type"), *ChangeType.choices])
    provider = IdChoiceField(queryset=Organisation.objects.none(), required=False, empty_label="Any provider")
    service = IdChoiceField(queryset=Service.objects.none(), required=False, empty_label="Any service")
    late = forms.BooleanField(required=False, label="Late notifications only")
    conflicts = forms.BooleanField(required=False, label="With conflicts only")

    def __init__(self, *args: object, providers, services, conflicts: bool, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["provider"].queryset = providers
        self.fields["service"].queryset = services
        if not conflicts:
            del self.fields["conflicts"]

    def filters(self) -> dict:
        """The valid filters (an invalid field is left out, the others apply)."""
        self.is_valid()
        return dict(self.cleaned_data)


# Raising and editing -----------------------------------------------------------------------------------


class ChangeForm(forms.Form):
    """A Change Notification as its provider (or the desk for it) writes it: new, or a draft edited."""

    provider = IdChoiceField(
        queryset=Organisation.objects.none(),
        empty_label="Choose the provider",
        help_text="The provider making the change",
    )
    title = forms.CharField(max_length=TITLE_MAX)
    change_type = forms.ChoiceField(
        label="Type",
        choices=ChangeType.choices,
        initial=ChangeType.NORMAL,
        help_text="Standard changes on time and without conflicts are accepted at once; major changes need a "
        "post-implementation review; emergency changes skip the notice rule and are reviewed afterwards.",
    )
    services = IdsChoiceField(
        queryset=Service.objects.none(),
        label="Affected services and components",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Name at least one affected service"},
    )
    planned_start = LondonDateTimeField(label="Planned start", help_text="UK time")
    planned_end = LondonDateTimeField(label="Planned end", help_text="UK time")
    is_outage = forms.TypedChoiceField(
        label="Outage",
        choices=[("yes", "Yes: the service is unavailable during the window"), ("no", "No")],
        coerce=_yes_no,
        widget=forms.RadioSelect,
        initial="no",
    )
    expected_impact = forms.CharField(required=False, widget=forms.Textarea(attrs=TEXTAREA))
    backout_plan = forms.CharField(
        label="Back-out plan", required=False, widget=forms.Textarea(attrs=TEXTAREA)
    )
    risk = forms.ChoiceField(choices=ChangeRisk.choices, initial=ChangeRisk.MEDIUM)
    team = forms.CharField(
        required=False,
        max_length=TEAM_MAX,
        help_text="Your team doing the work (it must not be double-booked)",
    )
    emergency_reason = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs=TEXTAREA),
        help_text="Emergency changes only: why it cannot wait for the notice period",
    )
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 5}))

    #: The fields ``edit_change`` takes.
    EDITABLE = (
        "title",
        "description",
        "change_type",
        "services",
        "planned_start",
        "planned_end",
        "is_outage",
        "expected_impact",
        "backout_plan",
        "risk",
        "team",
        "emergency_reason",
    )

    def __init__(
        self,
        *args: object,
        providers=None,
        services,
        change: ChangeNotification | None = None,
        **kwargs: object,
    ) -> None:
        self.change = change
        if change is not None:
            kwargs.setdefault("initial", self.initial_for(change))
        super().__init__(*args, **kwargs)
        for name in ("expected_impact", "backout_plan", "emergency_reason", "description"):
            self.fields[name].max_length = text_max()
        self.fields["services"].queryset = services
        if change is not None or providers is None:
            del self.fields["provider"]
        else:
            self.fields["provider"].queryset = providers

    @staticmethod
    def initial_for(change: ChangeNotification) -> dict:
        return {
            "title": change.title,
            "change_type": change.change_type,
            "services": [s.pk for s in change.services.all()],
            "planned_start": change.planned_start,
            "planned_end": change.planned_end,
            "is_outage": "yes" if change.is_outage else "no",
            "expected_impact": change.expected_impact,
            "backout_plan": change.backout_plan,
            "risk": change.risk,
            "team": change.team,
            "emergency_reason": change.emergency_reason,
            "description": change.description,
        }

    def selected_services(self) -> set[str]:
        """The ticked services' ids (as text), as typed or as stored."""
        if self.is_bound:
            return {str(v) for v in self.data.getlist(self.add_prefix("services"))[:200]}
        return {str(v) for v in self.initial.get("services", [])}

    def _fields(self) -> dict:
        data = self.cleaned_data
        return {name: data[name] for name in self.EDITABLE}

    def raise_change(self, actor: Actor, provider: Organisation) -> ChangeNotification:
        return actions.raise_change(actor=actor, provider=provider, **self._fields())

    def edit_change(self, actor: Actor) -> ChangeNotification:
        return actions.edit_change(actor=actor, change=self.change, **self._fields())


# The change's page ----------------------------------------------------------------------------------------


class PageForm(ActionForm):
    """A form of the change's page (busbar.lib.forms.ActionForm) acting on ``change``."""

    def __init__(self, *args: object, change: ChangeNotification, **kwargs: object) -> None:
        self.change = change
        super().__init__(*args, **kwargs)


class SubmitForm(PageForm):
    title, button = "Submit to the CCG", "Submit"
    help = (
        "The notice given is measured against the notice rule and the window is checked for conflicts; "
        "the Change Co-ordination Group is told."
    )

    def submit(self, actor: Actor) -> str:
        change = actions.submit_change(actor=actor, change=self.change)
        if change.status == "accepted":
            return f"{change.reference} is submitted and accepted: a standard change, pre-approved."
        return f"{change.reference} is submitted to the Change Co-ordination Group."


class TakeReviewForm(PageForm):
    title, button = "Take into review", "Take into review"
    help = "Marks the notification as being reviewed by the CCG."

    def submit(self, actor: Actor) -> str:
        actions.take_into_review(actor=actor, change=self.change)
        return f"{self.change.reference} is under review."


OUTCOMES = [(v, label) for v, label in CcgOutcome.choices if v != CcgOutcome.RETROSPECTIVE]


class DecideForm(PageForm):
    title, button = "Record the CCG's decision", "Record decision"
    help = "Journalled and sent to the provider. A reschedule needs the new window."
    outcome = forms.ChoiceField(choices=OUTCOMES, widget=forms.RadioSelect)
    reason = forms.CharField(widget=forms.Textarea(attrs=TEXTAREA))
    conditions = forms.CharField(
        required=False, widget=forms.Textarea(attrs=TEXTAREA), help_text="For an acceptance with conditions"
    )
    new_start = LondonDateTimeField(required=False, label="New start", help_text="For a reschedule (UK time)")
    new_end = LondonDateTimeField(required=False, label="New end", help_text="For a reschedule (UK time)")
    late_exception = forms.BooleanField(
        required=False,
        label="Accept a late notification as an exception to the notice rule",
        help_text="Needed to accept (or move) a change notified with less notice than its rule requires",
    )

    def __init__(self, *args: object, change: ChangeNotification, **kwargs: object) -> None:
        super().__init__(*args, change=change, **kwargs)
        for name in ("reason", "conditions"):
            self.fields[name].max_length = text_max()

    def submit(self, actor: Actor) -> str:
        data = self.cleaned_data
        actions.decide(
            actor=actor,
            change=self.change,
            outcome=data["outcome"],
            reason=data["reason"],
            conditions=data["conditions"],
            new_start=data["new_start"],
            new_end=data["new_end"],
            late_exception=bool(data.get("late_exception")),
        )
        return f"Decision recorded: {dict(OUTCOMES)[data['outcome']].lower()}."


class RescheduleForm(PageForm):
    title, button = "Reschedule", "Reschedule"
    help = "The CCG moves the accepted change: its notice and conflicts are checked again."
    new_start = LondonDateTimeField(label="New start", help_text="UK time")
    new_end = LondonDateTimeField(label="New end", help_text="UK time")
    reason = forms.CharField(widget=forms.Textarea(attrs=TEXTAREA))
    late_exception = forms.BooleanField(
        required=False,
        label="If the new window gives less notice than the rule requires, accept it as an exception",
    )

    def __init__(self, *args: object, change: ChangeNotification, **kwargs: object) -> None:
        kwargs.setdefault("initial", {"new_start": change.planned_start, "new_end": change.planned_end})
        super().__init__(*args, change=change, **kwargs)
        self.fields["reason"].max_length = text_max()

    def submit(self, actor: Actor) -> str:
        data = self.cleaned_data
        actions.decide(
            actor=actor,
            change=self.change,
            outcome=CcgOutcome.RESCHEDULE,
            reason=data["reason"],
            new_start=data["new_start"],
            new_end=data["new_end"],
            late_exception=data["late_exception"],
        )
        return f"{self.change.reference} is rescheduled."


class ConsultForm(PageForm):
    title, button = "Ask for impact assessments", "Send the requests"
    help = "Other providers and participants are asked to assess the change's impact by the deadline."
    organisations = IdsChoiceField(
        queryset=Organisation.objects.none(),
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text="Hold Ctrl (or Cmd) to choose several",
    )
    deadline = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))

    def __init__(self, *args: object, change: ChangeNotification, organisations=None, **kwargs: object):
        kwargs.setdefault("initial", {"deadline": timezone.localdate() + dt.timedelta(days=5)})
        super().__init__(*args, change=change, **kwargs)
        if organisations is None:
            organisations = Organisation.objects.filter(is_active=True).exclude(pk=change.provider_id)
        self.fields["organisations"].queryset = organisations.order_by("name")

    def submit(self, actor: Actor) -> str:
        data = self.cleaned_data
        asked = actions.consult(
            actor=actor,
            change=self.change,
            organisations=list(data["organisations"]),
            deadline=data["deadline"],
        )
        return f"Impact assessment asked of {len(asked)} organisation{'s' if len(asked) != 1 else ''}."


class StartForm(PageForm):
    title, button = "Start the work", "Started"
    help = "Subscribers to the affected services are told the work has started."
    actual_start = LondonDateTimeField(required=False, label="Started at", help_text="UK time; empty for now")

    def submit(self, actor: Actor) -> str:
        actions.start_change(actor=actor, change=self.change, actual_start=self.cleaned_data["actual_start"])
        return f"{self.change.reference} is in progress."


class CompleteForm(PageForm):
    title, button = "Complete", "Completed"
    actual_end = LondonDateTimeField(required=False, label="Finished at", help_text="UK time; empty for now")
    note = forms.CharField(required=False, widget=forms.Textarea(attrs=TEXTAREA), label="Note (optional)")

    def submit(self, actor: Actor) -> str:
        data = self.cleaned_data
        actions.complete_change(
            actor=actor, change=self.change, actual_end=data["actual_end"], note=data["note"]
        )
        return f"{self.change.reference} is completed."


class FailForm(PageForm):
    title, button, danger = "Failed", "Record the failure", True
    actual_end = LondonDateTimeField(required=False, label="Ended at", help_text="UK time; empty for now")
    note = forms.CharField(widget=forms.Textarea(attrs=TEXTAREA), label="What happened")

    def submit(self, actor: Actor) -> str:
        data = self.cleaned_data
        actions.fail_change(actor=actor, change=self.change, note=data["note"], actual_end=data["actual_end"])
        return f"{self.change.reference} is recorded as failed."


class BackOutForm(PageForm):
    title, button, danger = "Backed out", "Record the back-out", True
    actual_end = LondonDateTimeField(
        required=False, label="Backed out at", help_text="UK time; empty for now"
    )
    note = forms.CharField(widget=forms.Textarea(attrs=TEXTAREA), label="Why it was backed out")

    def submit(self, actor: Actor) -> str:
        data = self.cleaned_data
        actions.back_out_change(
            actor=actor, change=self.change, note=data["note"], actual_end=data["actual_end"]
        )
        return f"{self.change.reference} is recorded as backed out."


class PirForm(PageForm):
    title, button = "Post-implementation review", "Record the review"
    help = "Required for a major change before it is closed as reviewed."
    summary = forms.CharField(widget=forms.Textarea(attrs=TEXTAREA))
    successful = forms.TypedChoiceField(
        label="Was the change successful?", choices=YES_NO, coerce=_yes_no, widget=forms.RadioSelect
    )
    lessons = forms.CharField(required=False, widget=forms.Textarea(attrs=TEXTAREA), label="Lessons learned")

    def submit(self, actor: Actor) -> str:
        data = self.cleaned_data
        actions.record_pir(
            actor=actor,
            change=self.change,
            summary=data["summary"],
            successful=data["successful"],
            lessons=data["lessons"],
        )
        return "Post-implementation review recorded."


class RetrospectiveForm(PageForm):
    title, button = "Retrospective review", "Record the retrospective review"
    help = "The CCG's review of an emergency change made without the notice period."
    reason = forms.CharField(widget=forms.Textarea(attrs=TEXTAREA), label="Finding")

    def submit(self, actor: Actor) -> str:
        actions.retrospective_review(actor=actor, change=self.change, reason=self.cleaned_data["reason"])
        return "Retrospective review recorded."


class ReviewForm(PageForm):
    title, button = "Close as reviewed", "Mark reviewed"
    note = forms.CharField(required=False, widget=forms.Textarea(attrs=TEXTAREA), label="Note (optional)")

    def submit(self, actor: Actor) -> str:
        actions.mark_reviewed(actor=actor, change=self.change, note=self.cleaned_data["note"])
        return f"{self.change.reference} is reviewed and closed."


class CancelForm(PageForm):
    title, button, danger = "Cancel", "Cancel the notification", True
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))

    def submit(self, actor: Actor) -> str:
        actions.cancel_change(actor=actor, change=self.change, reason=self.cleaned_data["reason"])
        return f"{self.change.reference} is cancelled."


class UpdateForm(PageForm):
    title, button = "Add an update", "Add"
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), label="Update")
    attachments = MultipleFileField()

    def __init__(self, *args: object, change: ChangeNotification, worker: bool = False, **kwargs: object):
        super().__init__(*args, change=change, **kwargs)
        self.fields["body"].max_length = text_max()
        if worker:
            self.fields["internal"] = forms.BooleanField(
                required=False, label="Internal note (the service desk and the provider only)"
            )

    def submit(self, actor: Actor) -> str:
        internal = bool(self.cleaned_data.get("internal"))
        if "internal" not in self.fields:
            # Not offered, yet asked for: the action refuses it rather than it being posted in public.
            asked = self.data.get(self.add_prefix("internal"), "")
            internal = str(asked).strip().lower() not in ("", "0", "false", "off", "no")
        actions.add_update(
            actor=actor,
            change=self.change,
            body=self.cleaned_data["body"],
            internal=internal,
            attachments=files_for_action(self.cleaned_data["attachments"]),
        )
        return "Internal note added." if internal else "Update added."


PAGE_FORMS: dict[str, type[PageForm]] = {
    "submit": SubmitForm,
    "take-review": TakeReviewForm,
    "decide": DecideForm,
    "reschedule": RescheduleForm,
    "consult": ConsultForm,
    "start": StartForm,
    "complete": CompleteForm,
    "fail": FailForm,
    "back-out": BackOutForm,
    "pir": PirForm,
    "retrospective": RetrospectiveForm,
    "review": ReviewForm,
    "cancel": CancelForm,
    "update": UpdateForm,
}
#: The verbs shown together under "Actions", in this order (update has its own place, under the
#: conversation).
ACTION_VERBS = [v for v in PAGE_FORMS if v != "update"]


class RespondForm(ActionForm):
    """A consulted organisation's impact assessment (not a verb of the change: it answers one
    consultation)."""

    title, button = "Your impact assessment", "Send the assessment"

    impact = forms.ChoiceField(choices=ConsultationImpact.choices, widget=forms.RadioSelect)
    response = forms.CharField(widget=forms.Textarea(attrs=TEXTAREA), label="Assessment")
    concerns = forms.BooleanField(required=False, label="We have concerns the CCG should consider")

    def __init__(self, *args: object, consultation: Consultation, **kwargs: object) -> None:
        self.consultation = consultation
        if consultation.responded_at:
            kwargs.setdefault(
                "initial",
                {
                    "impact": consultation.impact,
                    "response": consultation.response,
                    "concerns": consultation.concerns,
                },
            )
        kwargs.setdefault("prefix", f"respond-{consultation.pk}")
        super().__init__(*args, **kwargs)
        self.fields["response"].max_length = text_max()

    def submit(self, actor: Actor) -> str:
        data = self.cleaned_data
        actions.respond_consultation(
            actor=actor,
            consultation=self.consultation,
            impact=data["impact"],
            response=data["response"],
            concerns=data["concerns"],
        )
        return f"Impact assessment sent for {self.consultation.organisation}."

"""Forms of the Change Co-ordination Group pages: members, meetings, decisions on the agenda, minutes, and
the answers to impact consultations. Shape only: the rules live in :mod:`busbar.changes.actions` (which
refuse with :mod:`busbar.changes.permissions`); each form's ``submit`` calls one action by its contract
name and returns what to tell the person.

Times are typed in UK time (Europe/London) and stored in UTC.
"""

from __future__ import annotations

import zoneinfo

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone

from busbar.changes import actions
from busbar.changes.models import (
    CcgMeeting,
    CcgMember,
    CcgOutcome,
    CcgRole,
    ChangeNotification,
    Consultation,
    ConsultationImpact,
)
from busbar.lib.actions import Actor
from busbar.lib.forms import ActionForm, IdsChoiceField
from busbar.lib.limits import TEXT_MAX
from busbar.parties.models import OPERATOR_ROLES, PROVIDER_ROLES, Membership

LONDON = zoneinfo.ZoneInfo("Europe/London")
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"]
#: People offered on the add-member form (the providers' and the operator's staff).
MAX_CANDIDATES = 500
#: Outcomes of a review decision (a retrospective review has a form of its own).
REVIEW_OUTCOMES = [
    (CcgOutcome.ACCEPT, CcgOutcome.ACCEPT.label),
    (CcgOutcome.ACCEPT_WITH_CONDITIONS, CcgOutcome.ACCEPT_WITH_CONDITIONS.label),
    (CcgOutcome.RESCHEDULE, "Reschedule (give the new start and end)"),
    (CcgOutcome.REJECT, CcgOutcome.REJECT.label),
    (CcgOutcome.MORE_INFO, "More information needed"),
]


class LondonDateTimeField(forms.DateTimeField):
    """A date and time typed in UK time, whatever the site's zone: a naive value is read as Europe/London
    (a time that does not exist or is ambiguous at a clock change is a form error, not a guess) and a
    stored value is shown in it."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")

    def __init__(self, **kwargs: object) -> None:
        kwargs.setdefault("input_formats", DATETIME_FORMATS)
        kwargs.setdefault("help_text", "UK time")
        super().__init__(**kwargs)

    def to_python(self, value):
        with timezone.override(LONDON):
            return super().to_python(value)

    def prepare_value(self, value):
        with timezone.override(LONDON):
            return super().prepare_value(value)


def _text(label: str = "", *, required: bool = False, rows: int = 3, help_text: str = "") -> forms.CharField:
    return forms.CharField(
        label=label or None,
        required=required,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": rows}),
        help_text=help_text,
    )


# -- members -------------------------------------------------------------------------------------------


class _MembershipField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Membership) -> str:
        return f"{obj.user.display_name} ({obj.user.email}) — {obj.organisation.name}"


def candidates():
    """Whom the desk may put on the CCG: people of the providers and of the operator."""
    return (
        Membership.objects.filter(
            is_active=True,
            user__is_active=True,
            organisation__is_active=True,
            organisation__roles__role__in=PROVIDER_ROLES | OPERATOR_ROLES,
        )
        .select_related("user", "organisation")
        .distinct()
        .order_by("organisation__name", "user__full_name", "pk")
    )


class MemberAddForm(ActionForm):
    title, button = "Add a member", "Add member"
    help = (
        "One empowered representative per provider and the operator's change co-ordinator (chair); "
        "deputies stand in for them."
    )
    membership = _MembershipField(queryset=Membership.objects.none(), label="Person", empty_label="Choose")
    role = forms.ChoiceField(choices=CcgRole.choices, initial=CcgRole.REPRESENTATIVE)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        sitting = CcgMember.objects.filter(is_active=True).values("user_id")
        queryset = candidates().exclude(user_id__in=sitting)
        self.fields["membership"].queryset = queryset
        # The options shown are bounded; a posted value is still checked against the whole queryset.
        self.fields["membership"].widget.choices = [
            ("", "Choose"),
            *((m.pk, self.fields["membership"].label_from_instance(m)) for m in queryset[:MAX_CANDIDATES]),
        ]

    def submit(self, actor: Actor) -> str:
        m = self.cleaned_data["membership"]
        actions.add_ccg_member(
            actor=actor, organisation=m.organisation, user=m.user, role=self.cleaned_data["role"]
        )
        return f"{m.user.display_name} joins the CCG for {m.organisation.name}."


class MemberRemoveForm(ActionForm):
    title, button, danger = "Remove a member", "Remove", True
    member = forms.ModelChoiceField(
        queryset=CcgMember.objects.filter(is_active=True), widget=forms.HiddenInput
    )

    def submit(self, actor: Actor) -> str:
        member = self.cleaned_data["member"]
        actions.remove_ccg_member(actor=actor, member=member)
        return f"{member.user.display_name} is no longer on the CCG for {member.organisation.name}."


# -- meetings ------------------------------------------------------------------------------------------


class MeetingForm(ActionForm):
    title, button = "Schedule a CCG meeting", "Schedule meeting"
    help = (
        "The agenda is generated when the meeting is created: the changes awaiting review, emergency "
        "changes awaiting their retrospective review and major changes awaiting their post-implementation "
        "review. Refresh it from the meeting's page."
    )
    held_at = LondonDateTimeField(label="Date and time")
    location = forms.CharField(max_length=200, required=False, help_text="A room, or the call's address")

    def submit(self, actor: Actor) -> str:
        d = self.cleaned_data
        self.meeting = actions.schedule_meeting(actor=actor, held_at=d["held_at"], location=d["location"])
        count = self.meeting.agenda.count()
        items = f"{count} item{'s' if count != 1 else ''}"
        return f"CCG #{self.meeting.number} scheduled with {items} on the agenda."


class DecisionForm(ActionForm):
    """The CCG's decision on one change of the agenda (a change accepted already can only be rescheduled)."""

    title, button = "Record the CCG's decision", "Record decision"
    outcome = forms.ChoiceField(choices=REVIEW_OUTCOMES, widget=forms.RadioSelect)
    reason = _text("Reason", required=True, help_text="Why: the provider and the journal read it")
    conditions = _text("Conditions", help_text="Required when accepting with conditions")
    new_start = LondonDateTimeField(required=False, label="New start", help_text="UK time; for a reschedule")
    new_end = LondonDateTimeField(required=False, label="New end", help_text="UK time; for a reschedule")
    late_exception = forms.BooleanField(
        required=False,
        label="Accept the late notification as an exception to the notice rule",
        help_text="A late notification is accepted only as an exception; it counts in the reports",
    )

    def __init__(
        self, *args: object, change: ChangeNotification, meeting: CcgMeeting | None, outcomes=None, **kwargs
    ) -> None:
        super().__init__(*args, **kwargs)
        self.change = change
        self.meeting = meeting
        if outcomes is not None:
            self.fields["outcome"].choices = [c for c in REVIEW_OUTCOMES if c[0] in outcomes]
            if len(self.fields["outcome"].choices) == 1:
                self.fields["outcome"].initial = self.fields["outcome"].choices[0][0]
        moves = outcomes is None or CcgOutcome.RESCHEDULE in outcomes
        if not change.is_late and moves:
            self.fields[
                "late_exception"
            ].help_text = "Needed only if the new window leaves less notice than the notice rule asks"
        elif not change.is_late:
            del self.fields["late_exception"]
        if not moves:
            del self.fields["new_start"], self.fields["new_end"]
        if outcomes is not None and CcgOutcome.ACCEPT_WITH_CONDITIONS not in outcomes:
            del self.fields["conditions"]

    def submit(self, actor: Actor) -> str:
        d = self.cleaned_data
        outcome = d["outcome"]
        actions.decide(
            actor=actor,
            change=self.change,
            outcome=outcome,
            reason=d["reason"],
            conditions=d.get("conditions", ""),
            new_start=d.get("new_start"),
            new_end=d.get("new_end"),
            late_exception=bool(d.get("late_exception")),
            meeting=self.meeting,
        )
        return f"{self.change.reference}: {dict(CcgOutcome.choices)[outcome].lower()} recorded."


class RetrospectiveForm(ActionForm):
    title, button = "Retrospective review of the emergency change", "Record the review"
    help = "Emergency changes skip the notice rule; the CCG reviews each one afterwards."
    reason = _text("Finding", required=True, help_text="Was the emergency justified? What follows from it?")

    def __init__(
        self, *args: object, change: ChangeNotification, meeting: CcgMeeting | None, **kwargs
    ) -> None:
        super().__init__(*args, **kwargs)
        self.change = change
        self.meeting = meeting

    def submit(self, actor: Actor) -> str:
        actions.retrospective_review(
            actor=actor, change=self.change, reason=self.cleaned_data["reason"], meeting=self.meeting
        )
        return f"{self.change.reference}: retrospective review recorded."


class _PeopleField(IdsChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.display_name


def attendee_choices(meeting: CcgMeeting):
    """Who may be marked present: the CCG's active members and whoever is marked already."""
    members = CcgMember.objects.filter(is_active=True).values("user_id")
    return (
        get_user_model()
        .objects.filter(Q(pk__in=members) | Q(pk__in=meeting.attendees.values("pk")))
        .order_by("full_name", "pk")
    )


class MinutesForm(ActionForm):
    title, button = "Minutes and attendees", "Save the minutes"
    minutes = _text("Minutes", required=True, rows=8, help_text="Markdown")
    attendees = _PeopleField(
        queryset=get_user_model().objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: object, meeting: CcgMeeting, **kwargs: object) -> None:
        kwargs.setdefault(
            "initial", {"minutes": meeting.minutes, "attendees": [u.pk for u in meeting.attendees.all()]}
        )
        super().__init__(*args, **kwargs)
        self.meeting = meeting
        self.fields["attendees"].queryset = attendee_choices(meeting)

    def submit(self, actor: Actor) -> str:
        d = self.cleaned_data
        actions.record_minutes(
            actor=actor, meeting=self.meeting, minutes=d["minutes"], attendees=list(d["attendees"])
        )
        return f"Minutes of CCG #{self.meeting.number} saved."


# -- consultations -------------------------------------------------------------------------------------


class ConsultationResponseForm(ActionForm):
    title, button = "Your impact assessment", "Send the assessment"
    impact = forms.ChoiceField(choices=ConsultationImpact.choices, widget=forms.RadioSelect)
    response = _text("Assessment", required=True, help_text="The impact on your organisation and why")
    concerns = forms.BooleanField(required=False, label="We have concerns the CCG should discuss")

    def __init__(self, *args: object, consultation: Consultation, **kwargs: object) -> None:
        if consultation.responded_at:
            kwargs.setdefault(
                "initial",
                {
                    "impact": consultation.impact,
                    "response": consultation.response,
                    "concerns": consultation.concerns,
                },
            )
        super().__init__(*args, **kwargs)
        self.consultation = consultation

    def submit(self, actor: Actor) -> str:
        d = self.cleaned_data
        actions.respond_consultation(
            actor=actor,
            consultation=self.consultation,
            impact=d["impact"],
            response=d["response"],
            concerns=d["concerns"],
        )
        return f"Your assessment of {self.consultation.change.reference} is sent to the CCG."

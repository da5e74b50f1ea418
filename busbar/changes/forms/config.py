"""Forms of the change settings: notice rules, weekly maintenance windows, blackout windows and
availability targets (CH-06, CH-16). Shape only: :mod:`busbar.changes.actions` checks everything again
(a blackout over a year, a rule for a service and a provider at once…) and names the field at fault.

Times of a blackout are typed in UK time (Europe/London); maintenance windows are London wall-clock
times of a weekday.
"""

from __future__ import annotations

from decimal import Decimal

from django import forms

from busbar.changes import actions
from busbar.changes.forms.ccg import LondonDateTimeField
from busbar.changes.models import (
    AvailabilityTarget,
    BlackoutWindow,
    ChangeType,
    NoticeRule,
)
from busbar.lib.actions import Actor
from busbar.lib.forms import ActionForm, IdsChoiceField
from busbar.lib.limits import TEXT_MAX
from busbar.parties.models import PROVIDER_ROLES, Organisation
from busbar.services.models import Calendar, Service
from busbar.services.queries import calendars_visible_to, services_visible_to

WEEKDAYS = [
    (0, "Monday"),
    (1, "Tuesday"),
    (2, "Wednesday"),
    (3, "Thursday"),
    (4, "Friday"),
    (5, "Saturday"),
    (6, "Sunday"),
]
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
#: Types a notice rule may be limited to (emergency changes skip the notice rule).
RULE_TYPES = [("", "Every type (but emergency)")] + [
    c for c in ChangeType.choices if c[0] != ChangeType.EMERGENCY
]


def catalogue(user):
    """The active services the person sees, for the settings' choices."""
    return services_visible_to(user).filter(is_active=True).select_related(None).order_by("name")


def providers():
    return (
        Organisation.objects.filter(is_active=True, roles__role__in=PROVIDER_ROLES)
        .distinct()
        .order_by("name")
    )


class NoticeRuleForm(ActionForm):
    title, button = "New notice rule", "Add the rule"
    help = (
        "The most specific active rule applies to a change: service and type, service, provider and type, "
        "provider, then the default (a rule naming neither)."
    )
    name = forms.CharField(max_length=150, help_text="e.g. REC R0055: planned CSS outages")
    min_working_days = forms.IntegerField(
        min_value=0, max_value=260, label="Minimum notice", help_text="Working days"
    )
    calendar = forms.ModelChoiceField(
        queryset=Calendar.objects.none(), help_text="The working days are counted on this calendar"
    )
    service = forms.ModelChoiceField(
        queryset=Service.objects.none(), required=False, empty_label="Any service"
    )
    provider = forms.ModelChoiceField(
        queryset=Organisation.objects.none(), required=False, empty_label="Any provider"
    )
    change_type = forms.ChoiceField(choices=RULE_TYPES, required=False, label="Type of change")
    outage_only = forms.BooleanField(required=False, label="Only changes with an outage")
    source = forms.CharField(max_length=200, required=False, help_text="Where the rule comes from: REC R0055")

    def __init__(self, *args: object, user, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["calendar"].queryset = calendars_visible_to(user)
        self.fields["service"].queryset = catalogue(user)
        self.fields["provider"].queryset = providers()

    def values(self) -> dict:
        d = self.cleaned_data
        return {
            "name": d["name"],
            "min_working_days": d["min_working_days"],
            "calendar": d["calendar"],
            "service": d["service"],
            "provider": d["provider"],
            "change_type": d["change_type"] or "",
            "outage_only": d["outage_only"],
            "source": d["source"],
        }

    def submit(self, actor: Actor) -> str:
        rule = actions.create_notice_rule(actor=actor, **self.values())
        return f"Notice rule “{rule.name}” added."


class NoticeRuleEditForm(NoticeRuleForm):
    title, button = "Edit the notice rule", "Save the rule"
    is_active = forms.BooleanField(
        required=False, label="Active", help_text="A rule switched off no longer applies"
    )

    def __init__(self, *args: object, rule: NoticeRule, **kwargs: object) -> None:
        kwargs.setdefault(
            "initial",
            {
                "name": rule.name,
                "min_working_days": rule.min_working_days,
                "calendar": rule.calendar_id,
                "service": rule.service_id,
                "provider": rule.provider_id,
                "change_type": rule.change_type,
                "outage_only": rule.outage_only,
                "source": rule.source,
                "is_active": rule.is_active,
            },
        )
        super().__init__(*args, **kwargs)
        self.rule = rule
        # A rule's own service stays choosable even if it is no longer active.
        if rule.service_id:
            self.fields["service"].queryset = (
                self.fields["service"].queryset | Service.objects.filter(pk=rule.service_id)
            ).distinct()

    def submit(self, actor: Actor) -> str:
        rule = actions.update_notice_rule(
            actor=actor, rule=self.rule, **self.values(), is_active=self.cleaned_data["is_active"]
        )
        return f"Notice rule “{rule.name}” saved."


class MaintenanceWindowForm(ActionForm):
    title, button = "New maintenance window", "Add the window"
    help = (
        "A weekly window in which the service may be changed (UK time). An end at or before the start runs "
        "past midnight. A change outside every window of its service is flagged as a conflict."
    )
    service = forms.ModelChoiceField(queryset=Service.objects.none())
    weekday = forms.TypedChoiceField(choices=WEEKDAYS, coerce=int, label="Day")
    start_time = forms.TimeField(widget=TIME, label="From", help_text="UK time")
    end_time = forms.TimeField(widget=TIME, label="To", help_text="UK time")
    note = forms.CharField(max_length=200, required=False)

    def __init__(self, *args: object, user, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = catalogue(user)

    def submit(self, actor: Actor) -> str:
        d = self.cleaned_data
        window = actions.create_maintenance_window(
            actor=actor,
            service=d["service"],
            weekday=d["weekday"],
            start_time=d["start_time"],
            end_time=d["end_time"],
            note=d["note"],
        )
        day = dict(WEEKDAYS)[window.weekday]
        return f"{d['service'].name}: {day} {window.start_time:%H:%M}–{window.end_time:%H:%M} added."


class BlackoutForm(ActionForm):
    title, button = "New blackout window", "Add the blackout"
    help = (
        "A period with no changes (year end, market events), on the services chosen or, with none chosen, "
        "on every service."
    )
    name = forms.CharField(max_length=150)
    starts_at = LondonDateTimeField(label="Starts")
    ends_at = LondonDateTimeField(label="Ends", help_text="UK time; at most a year after the start")
    services = IdsChoiceField(
        queryset=Service.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text="None chosen: every service",
    )
    reason = forms.CharField(required=False, max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: object, user, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["services"].queryset = catalogue(user)

    def values(self) -> dict:
        d = self.cleaned_data
        return {
            "name": d["name"],
            "starts_at": d["starts_at"],
            "ends_at": d["ends_at"],
            "services": list(d["services"]),
            "reason": d["reason"],
        }

    def submit(self, actor: Actor) -> str:
        blackout = actions.create_blackout(actor=actor, **self.values())
        return f"Blackout “{blackout.name}” added."


class BlackoutEditForm(BlackoutForm):
    title, button = "Edit the blackout window", "Save the blackout"

    def __init__(self, *args: object, blackout: BlackoutWindow, **kwargs: object) -> None:
        kwargs.setdefault(
            "initial",
            {
                "name": blackout.name,
                "starts_at": blackout.starts_at,
                "ends_at": blackout.ends_at,
                "services": [s.pk for s in blackout.services.all()],
                "reason": blackout.reason,
            },
        )
        super().__init__(*args, **kwargs)
        self.blackout = blackout

    def submit(self, actor: Actor) -> str:
        blackout = actions.update_blackout(actor=actor, blackout=self.blackout, **self.values())
        return f"Blackout “{blackout.name}” saved."


class AvailabilityTargetForm(ActionForm):
    title, button = "Availability target", "Save the target"
    help = (
        "The availability agreed in the service's SLA or OLA, measured each month against its support hours."
    )
    target_percent = forms.DecimalField(
        min_value=Decimal("0"),
        max_value=Decimal("100"),
        max_digits=6,
        decimal_places=3,
        label="Target (%)",
        help_text="e.g. 99.5",
    )
    planned_counts = forms.BooleanField(
        required=False,
        label="Planned maintenance counts as downtime",
        help_text="Unticked: planned maintenance is taken out of the agreed service time",
    )
    agreement = forms.CharField(
        max_length=100, required=False, help_text="The SLA or OLA the target comes from"
    )

    def __init__(self, *args: object, service: Service, target: AvailabilityTarget | None, **kwargs) -> None:
        if target is not None:
            kwargs.setdefault(
                "initial",
                {
                    "target_percent": target.target_percent,
                    "planned_counts": target.planned_counts,
                    "agreement": target.agreement,
                },
            )
        else:
            kwargs.setdefault(
                "initial", {"target_percent": AvailabilityTarget._meta.get_field("target_percent").default}
            )
        super().__init__(*args, **kwargs)
        self.service = service

    def submit(self, actor: Actor) -> str:
        d = self.cleaned_data
        target = actions.set_availability_target(
            actor=actor,
            service=self.service,
            target_percent=d["target_percent"],
            planned_counts=d["planned_counts"],
            agreement=d["agreement"],
        )
        return f"{self.service.name}: availability target {target.target_percent}% saved."

"""Forms for the service catalogue pages. They shape input; the rules live in busbar.services.actions."""

from __future__ import annotations

import re
from typing import Any

from django import forms

from busbar.lib.forms import IdsChoiceField
from busbar.lib.limits import TEXT_MAX
from busbar.parties.models import PROVIDER_ROLES
from busbar.parties.queries import organisations_visible_to
from busbar.services.actions import SeveritySpec, TargetSpec
from busbar.services.models import Calendar, Service, Severity, SlaPolicy, SlaTarget
from busbar.services.queries import calendars_visible_to, policies_visible_to, services_visible_to

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_WINDOW = re.compile(r"^\s*(\S+?)\s*[-–—]\s*(\S+)\s*$")


class ServiceForm(forms.Form):
    name = forms.CharField(max_length=150)
    slug = forms.CharField(
        max_length=60,
        required=False,
        label="Short name",
        help_text="Used in addresses, e.g. uk-link. Made from the name if left blank.",
    )
    description = forms.CharField(
        max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    provider = forms.ModelChoiceField(
        queryset=None, help_text="The organisation that runs it (must hold a provider role)"
    )
    calendar = forms.ModelChoiceField(
        queryset=None, label="Support calendar", help_text="When support is available"
    )
    sla_policy = forms.ModelChoiceField(
        queryset=None, required=False, label="SLA policy", empty_label="The default policy"
    )
    parent = forms.ModelChoiceField(
        queryset=None, required=False, label="Component of", empty_label="Nothing: a service in its own right"
    )
    depends_on = IdsChoiceField(
        queryset=None, required=False, label="Depends on", widget=forms.CheckboxSelectMultiple
    )
    is_active = forms.BooleanField(
        required=False, label="Active", help_text="Inactive services are hidden from participants"
    )

    def __init__(self, *args: Any, user: Any, service: Service | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        providers = organisations_visible_to(user).filter(is_active=True, roles__role__in=PROVIDER_ROLES)
        self.fields["provider"].queryset = providers.distinct().order_by("name")
        self.fields["calendar"].queryset = calendars_visible_to(user)
        self.fields["sla_policy"].queryset = policies_visible_to(user)
        others = services_visible_to(user).select_related(None).order_by("name")
        if service is not None:
            others = others.exclude(pk=service.pk)
        else:
            del self.fields["is_active"]
        self.fields["parent"].queryset = others
        self.fields["depends_on"].queryset = others


class ServiceStatusForm(forms.Form):
    status = forms.ChoiceField(choices=Service.Status.choices)
    note = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Why: shown beside the status on the status board until the next change",
    )


class CalendarForm(forms.Form):
    name = forms.CharField(max_length=100)
    kind = forms.ChoiceField(choices=Calendar.Kind.choices, widget=forms.RadioSelect, label="Open")
    bank_holidays = forms.BooleanField(
        required=False,
        label="Closed on England & Wales bank holidays",
        help_text="Working-hours calendars only",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for day, name in enumerate(WEEKDAYS):
            self.fields[f"hours_{day}"] = forms.CharField(
                required=False,
                max_length=200,
                label=name,
                help_text="UK time, e.g. 08:00-18:00, or 08:00-12:00, 13:00-17:30; blank for closed",
            )

    @property
    def day_fields(self) -> list[forms.BoundField]:
        return [self[f"hours_{day}"] for day in range(7)]

    def clean(self) -> dict:
        data = super().clean()
        for day in range(7):
            text = (data.get(f"hours_{day}") or "").strip()
            windows = []
            for part in filter(None, (p.strip() for p in text.split(","))):
                match = _WINDOW.match(part)
                if not match:
                    self.add_error(f"hours_{day}", f"Write each period as HH:MM-HH:MM ({part!r})")
                    break
                windows.append([match.group(1), match.group(2)])
            data[f"windows_{day}"] = windows
        return data

    def weekly_hours(self) -> dict[str, list[list[str]]]:
        return {
            str(day): self.cleaned_data[f"windows_{day}"]
            for day in range(7)
            if self.cleaned_data[f"windows_{day}"]
        }

    @staticmethod
    def initial_for(calendar: Calendar) -> dict:
        initial: dict[str, Any] = {
            "name": calendar.name,
            "kind": calendar.kind,
            "bank_holidays": calendar.bank_holidays,
        }
        for day in range(7):
            windows = calendar.weekly_hours.get(str(day), [])
            initial[f"hours_{day}"] = ", ".join(f"{a}-{'24:00' if b == '00:00' else b}" for a, b in windows)
        return initial


class ClosureForm(forms.Form):
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), help_text="A UK date")
    reason = forms.CharField(
        max_length=200, required=False, help_text="e.g. Office closed between Christmas and New Year"
    )


class SchemeForm(forms.Form):
    name = forms.CharField(max_length=100)
    description = forms.CharField(
        max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    severities = forms.CharField(
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="One per line, most severe first: code | label | major (add 'major' when raising one "
        "opens a major incident). For example: 1 | Category 1: loss of service to many users | major",
    )

    def clean_severities(self) -> list[SeveritySpec]:
        specs = []
        for number, line in enumerate(self.cleaned_data["severities"].splitlines(), start=1):
            if not line.strip():
                continue
            parts = [p.strip() for p in line.split("|")]
            if len(parts) < 2 or len(parts) > 3 or not parts[0] or not parts[1]:
                raise forms.ValidationError(
                    f"Line {number}: write code | label, optionally | major ({line!r})"
                )
            major = len(parts) == 3 and parts[2].lower() in ("major", "yes", "y", "true")
            if len(parts) == 3 and parts[2] and not major:
                raise forms.ValidationError(
                    f"Line {number}: the third part is 'major' or nothing ({parts[2]!r})"
                )
            specs.append(SeveritySpec(code=parts[0], label=parts[1], is_major=major))
        if not specs:
            raise forms.ValidationError("List at least one severity")
        return specs


class PolicyForm(forms.Form):
    name = forms.CharField(max_length=100)
    scheme = forms.ModelChoiceField(queryset=None, label="Severity scheme")
    warning_ratio = forms.DecimalField(
        max_digits=4,
        decimal_places=2,
        initial="0.75",
        label="Warning threshold",
        help_text="Warn when this share of a target has elapsed: 0.10 to 0.99, e.g. 0.75 for 75%",
    )
    is_default = forms.BooleanField(required=False, label="Default policy", help_text="Given to new services")

    def __init__(self, *args: Any, schemes: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if schemes is None:
            del self.fields["scheme"]  # a policy keeps its scheme: its targets are per severity of it
        else:
            self.fields["scheme"].queryset = schemes


class TargetsForm(forms.Form):
    """One row per severity of the policy's scheme, with a response and a resolution target each."""

    def __init__(self, *args: Any, policy: SlaPolicy, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.policy = policy
        self.severities = list(Severity.objects.filter(scheme_id=policy.scheme_id).order_by("rank"))
        calendars = calendars_visible_to(user)
        existing = {(t.severity_id, t.clock): t for t in policy.targets.all()}
        self.rows: list[tuple[Severity, list[tuple[str, str]]]] = []
        for severity in self.severities:
            cells = []
            for clock, label in SlaTarget.Clock.choices:
                key = f"t{severity.pk}_{clock}"
                target = existing.get((severity.pk, clock))
                self.fields[f"{key}_amount"] = forms.IntegerField(
                    required=False,
                    min_value=1,
                    max_value=max(SlaTarget.MAX_AMOUNT.values()),
                    label=f"{severity.code} {label.lower()} target",
                    initial=target.amount if target else None,
                )
                self.fields[f"{key}_unit"] = forms.ChoiceField(
                    choices=SlaTarget.Unit.choices,
                    required=False,
                    label=f"{severity.code} {label.lower()} unit",
                    initial=target.unit if target else SlaTarget.Unit.HOURS,
                )
                self.fields[f"{key}_calendar"] = forms.ModelChoiceField(
                    queryset=calendars,
                    required=False,
                    label=f"{severity.code} {label.lower()} calendar",
                    initial=target.calendar_id if target else None,
                )
                for part in ("amount", "unit", "calendar"):
                    # The table's visible labels are short; screen readers get the whole context.
                    self.fields[f"{key}_{part}"].widget.attrs["aria-label"] = (
                        f"Severity {severity.code} {label.lower()} {part}"
                    )
                cells.append((clock, key))
            self.rows.append((severity, cells))
        self.spec_keys: list[str] = []

    def table(self) -> list[tuple[Severity, list[dict]]]:
        return [
            (
                severity,
                [
                    {
                        "clock": clock,
                        "amount": self[f"{key}_amount"],
                        "unit": self[f"{key}_unit"],
                        "calendar": self[f"{key}_calendar"],
                    }
                    for clock, key in cells
                ],
            )
            for severity, cells in self.rows
        ]

    def clean(self) -> dict:
        data = super().clean()
        for _, cells in self.rows:
            for _, key in cells:
                if not data.get(f"{key}_amount"):
                    continue
                if not data.get(f"{key}_unit"):
                    self.add_error(f"{key}_unit", "Choose the unit of this target")
                if not data.get(f"{key}_calendar"):
                    self.add_error(f"{key}_calendar", "Choose the calendar this target is measured on")
        return data

    def specs(self) -> list[TargetSpec]:
        """The filled-in targets; remembers which field prefix each came from (``spec_keys``)."""
        specs, self.spec_keys = [], []
        for severity, cells in self.rows:
            for clock, key in cells:
                amount = self.cleaned_data.get(f"{key}_amount")
                if not amount:
                    continue
                specs.append(
                    TargetSpec(
                        severity=severity,
                        clock=clock,
                        amount=amount,
                        unit=self.cleaned_data[f"{key}_unit"],
                        calendar=self.cleaned_data[f"{key}_calendar"],
                    )
                )
                self.spec_keys.append(key)
        return specs

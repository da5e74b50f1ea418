"""Forms of the KPI return pages (shape only; the rules are :mod:`busbar.reports.returns` and the actions'):
the CSV upload and a provider's schedule. The submit form is a grid built from the schedule in the view
(a value and a note per KPI, for the provider as a whole and per service)."""

from __future__ import annotations

from django import forms

from busbar.reports import returns as rules
from busbar.reports.models import ReturnSchedule
from busbar.services.models import Calendar


class UploadForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text=f"Columns {','.join(rules.HEADER)}; at most {rules.MAX_LINES} lines, 256 KB",
    )

    def clean_file(self):
        f = self.cleaned_data["file"]
        if f.size > rules.MAX_BYTES:
            raise forms.ValidationError("The file must be at most 256 KB")
        return f


class ScheduleForm(forms.Form):
    provider = forms.ModelChoiceField(queryset=None, label="Provider")
    kpis = forms.CharField(
        label="KPIs",
        max_length=1300,
        help_text="KPI codes separated by commas or spaces (Busbar's, or the provider's: first_time_fix_pct)",
    )
    frequency = forms.ChoiceField(choices=ReturnSchedule.Frequency.choices)
    due_working_days = forms.IntegerField(
        min_value=0, max_value=60, initial=5, label="Due after (working days)"
    )
    calendar = forms.ModelChoiceField(queryset=Calendar.objects.order_by("name"))
    chase_every_days = forms.IntegerField(min_value=1, max_value=60, initial=2, label="Chase every (days)")
    is_active = forms.BooleanField(required=False, initial=True, label="Active")

    def __init__(self, *args, providers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].queryset = providers

    def clean_kpis(self):
        codes = [c for c in self.cleaned_data["kpis"].replace(",", " ").split() if c]
        if not codes:
            raise forms.ValidationError("Name at least one KPI")
        if len(codes) > rules.MAX_SCHEDULE_KPIS:
            raise forms.ValidationError(f"Name at most {rules.MAX_SCHEDULE_KPIS} KPIs")
        for code in codes:
            if not rules.CODE_RE.fullmatch(code.lower()):
                raise forms.ValidationError(
                    f"{code[:40]!r} is not a KPI code (lower-case letters, digits, _)"
                )
        return [c.lower() for c in codes]

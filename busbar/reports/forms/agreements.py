"""Forms of the SLA and OLA pages (shape only: the actions in :mod:`busbar.reports.actions.agreements`
check every value and refuse naming the field, shown on the form)."""

from __future__ import annotations

from django import forms

from busbar.lib.forms import ActionForm
from busbar.parties.models import PROVIDER_ROLES, Organisation
from busbar.reports import kpis, targets
from busbar.reports.actions import agreements as actions
from busbar.reports.actions.agreements import NOTES_MAX
from busbar.reports.models import Agreement
from busbar.services.models import Service

DATE = forms.DateInput(attrs={"type": "date"})


def _providers():
    return (
        Organisation.objects.filter(is_active=True, roles__role__in=PROVIDER_ROLES)
        .distinct()
        .order_by("name")
    )


class AgreementForm(ActionForm):
    title = "Agreement"
    button = "Save"
    kind = forms.ChoiceField(choices=Agreement.Kind.choices)
    name = forms.CharField(max_length=150)
    service = forms.ModelChoiceField(
        Service.objects.filter(is_active=True).order_by("name"),
        required=False,
        empty_label="End to end (every service)",
        help_text="SLA only",
    )
    provider = forms.ModelChoiceField(Organisation.objects.none(), required=False, help_text="OLA only")
    starts_on = forms.DateField(widget=DATE)
    ends_on = forms.DateField(widget=DATE, required=False, help_text="Empty: open-ended")
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), max_length=NOTES_MAX, required=False)

    def __init__(self, data=None, *, agreement: Agreement | None = None, **kwargs):
        self.agreement = agreement
        if agreement is not None and data is None:
            kwargs["initial"] = {
                "name": agreement.name,
                "service": agreement.service_id,
                "provider": agreement.provider_id,
                "starts_on": agreement.starts_on,
                "ends_on": agreement.ends_on,
                "notes": agreement.notes,
            }
        super().__init__(data, **kwargs)
        self.fields["provider"].queryset = _providers()
        if agreement is not None:
            del self.fields["kind"]
            self.title = f"Change {agreement.name}"

    def submit(self, actor) -> str:
        data = self.cleaned_data
        fields = {k: data[k] for k in ("name", "service", "provider", "starts_on", "ends_on", "notes")}
        if self.agreement is None:
            agreement = actions.create_agreement(actor=actor, kind=data["kind"], **fields)
            self.created = agreement
            return f"{agreement.name} added."
        actions.update_agreement(actor=actor, agreement=self.agreement, **fields)
        return f"{fields['name']} saved."


class TargetForm(ActionForm):
    title = "Add a target"
    button = "Add target"
    kpi = forms.ChoiceField(choices=[(k.code, k.name) for k in kpis.KPIS], label="KPI")
    severity = forms.ChoiceField(required=False, help_text="Incident KPIs only; empty: every severity")
    value = forms.DecimalField(
        min_value=0,
        max_value=10_000_000,
        max_digits=11,
        decimal_places=3,
        help_text="Percent 0–100 for availability and resolved within SLA; else a count or minutes",
    )

    def __init__(self, data=None, *, agreement: Agreement, **kwargs):
        self.agreement = agreement
        super().__init__(data, **kwargs)
        self.fields["severity"].choices = [("", "Every severity")] + [
            (c, c) for c in targets.severity_codes()
        ]

    def submit(self, actor) -> str:
        data = self.cleaned_data
        target = actions.add_target(
            actor=actor,
            agreement=self.agreement,
            kpi=data["kpi"],
            severity_code=data["severity"],
            value=data["value"],
        )
        return f"Target {kpis.get(target.kpi).name} added."


class TargetValueForm(ActionForm):
    title = "Change the target"
    button = "Save"
    value = forms.DecimalField(min_value=0, max_value=10_000_000, max_digits=11, decimal_places=3)

    def __init__(self, data=None, *, target, **kwargs):
        self.target = target
        if data is None:
            kwargs["initial"] = {"value": target.value}
        super().__init__(data, **kwargs)

    def submit(self, actor) -> str:
        actions.update_target(actor=actor, target=self.target, value=self.cleaned_data["value"])
        return "Target saved."


def field_of(name: str) -> str:
    """An action's field name as the form's."""
    return {"severity_code": "severity"}.get(name, name)

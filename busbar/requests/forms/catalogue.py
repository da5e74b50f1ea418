"""Forms of the catalogue pages: shape only; the rules live in busbar.requests.formspec (the answers)
and busbar.requests.actions.catalogue (the operator's definitions).

The questions, approvals and tasks editors are repeated rows (formsets) that work without JavaScript:
the rows the item has, then a few blank ones; a row with its delete box ticked, or left blank, is
dropped; rows are kept in the order of their "order" numbers.
"""

from __future__ import annotations

from typing import Any

from django import forms

from busbar.lib.limits import text_max
from busbar.parties.models import PROVIDER_ROLES, IndustryRole, Organisation
from busbar.requests.models import (
    ApproverKind,
    Assignee,
    CatalogueItem,
    FieldKind,
    Fulfilment,
    ItemAudience,
    ItemKind,
)
from busbar.services.models import Service, Severity, SlaPolicy

BLANK_ROWS = 3


def provider_organisations() -> Any:
    """The organisations a provider's approval or task may name: active providers."""
    return (
        Organisation.objects.filter(is_active=True, roles__role__in=PROVIDER_ROLES)
        .distinct()
        .order_by("name")
    )


def raise_organisations(scope: Any) -> Any:
    """The organisations a person may raise for: the desk any active one, others their own."""
    qs = Organisation.objects.filter(is_active=True).order_by("name")
    return qs if scope.is_desk else qs.filter(pk__in=scope.organisation_ids)


class RaiseForForm(forms.Form):
    """Which organisation a request is raised for (shown when there is a choice)."""

    raise_for = forms.ModelChoiceField(
        queryset=Organisation.objects.none(), label="Raise for organisation", empty_label=None
    )
    summary = forms.CharField(
        max_length=200,
        required=False,
        label="Summary",
        help_text="A line that names your request (the item's name if left blank)",
    )

    def __init__(self, *args: Any, organisations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["raise_for"].queryset = organisations


class CatalogueSearchForm(forms.Form):
    q = forms.CharField(required=False, max_length=100, label="Search the catalogue")


# --- Item ------------------------------------------------------------------------------------------------


def _priorities() -> list[tuple[str, str]]:
    seen: dict[str, str] = {}
    for code, label in Severity.objects.order_by("scheme__name", "rank").values_list("code", "label"):
        seen.setdefault(code, f"{code}: {label}")
    return [("", "None"), *seen.items()]


class ItemForm(forms.Form):
    name = forms.CharField(max_length=120)
    slug = forms.CharField(
        max_length=60,
        required=False,
        label="Short name",
        help_text="In the address; made from the name if blank",
    )
    category = forms.CharField(max_length=60, required=False, help_text="Groups items on the catalogue page")
    summary = forms.CharField(max_length=300, help_text="One line shown on the catalogue page")
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 8}),
        required=False,
        max_length=text_max(),
        help_text="Markdown: what the item is for, what the requester should know",
    )
    kind = forms.ChoiceField(choices=ItemKind.choices)
    audience = forms.ChoiceField(choices=ItemAudience.choices)
    industry_roles = forms.MultipleChoiceField(
        choices=IndustryRole.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Market participants only: none ticked means every participant",
    )
    admins_only = forms.BooleanField(required=False, label="Only organisation administrators may ask")
    redirect_text = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=text_max(),
        help_text="Redirect items: where to go instead, and why",
    )
    redirect_url = forms.CharField(max_length=200, required=False, label="Redirect address")
    fulfilment = forms.ChoiceField(choices=Fulfilment.choices, required=False)
    sla_policy = forms.ModelChoiceField(
        queryset=SlaPolicy.objects.order_by("name"), required=False, label="SLA policy"
    )
    priority = forms.ChoiceField(required=False, help_text="A priority of the policy's scheme")
    service = forms.ModelChoiceField(
        queryset=Service.objects.filter(is_active=True).order_by("name"), required=False
    )
    order = forms.IntegerField(min_value=0, max_value=32767, initial=100)

    def __init__(self, *args: Any, item: CatalogueItem | None = None, **kwargs: Any) -> None:
        if item is not None and not args and "initial" not in kwargs:
            kwargs["initial"] = {
                **{name: getattr(item, name) for name in ITEM_NAMES},
                "sla_policy": item.sla_policy_id,
                "service": item.service_id,
            }
        super().__init__(*args, **kwargs)
        self.fields["priority"].choices = _priorities()

    def values(self) -> dict:
        data = dict(self.cleaned_data)
        data["industry_roles"] = list(data.get("industry_roles") or [])
        data["fulfilment"] = data.get("fulfilment") or ""
        return data


ITEM_NAMES = (
    "name",
    "slug",
    "category",
    "summary",
    "description",
    "kind",
    "audience",
    "industry_roles",
    "admins_only",
    "redirect_text",
    "redirect_url",
    "fulfilment",
    "priority",
    "order",
)


# --- Rows ------------------------------------------------------------------------------------------------


class _Row(forms.Form):
    order = forms.IntegerField(
        min_value=0, max_value=9999, required=False, widget=forms.NumberInput(attrs={"size": 3})
    )
    delete = forms.BooleanField(required=False, label="Remove")

    #: The fields whose emptiness makes a row blank.
    content: tuple[str, ...] = ()

    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {}) or {}
        return all(not data.get(name) for name in self.content)


def _parse_number(text: str) -> int | float | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        number = float(text)
    except ValueError:
        return None
    return int(number) if number.is_integer() else number


class FieldRow(_Row):
    key = forms.CharField(max_length=40, required=False, widget=forms.TextInput(attrs={"size": 12}))
    label = forms.CharField(max_length=120, required=False)
    help_text = forms.CharField(max_length=300, required=False, label="Help")
    kind = forms.ChoiceField(choices=FieldKind.choices, required=False)
    required = forms.BooleanField(required=False, initial=True)
    low = forms.CharField(
        max_length=20,
        required=False,
        label="Min",
        help_text="number: least value; text: least length; date: earliest, days from raising",
    )
    high = forms.CharField(
        max_length=20,
        required=False,
        label="Max",
        help_text="number: greatest value; text: longest; date: latest, days from raising",
    )
    integer = forms.BooleanField(required=False, label="Whole numbers")
    pattern = forms.CharField(max_length=300, required=False, help_text="text: a regular expression")
    pattern_message = forms.CharField(max_length=200, required=False, label="Pattern message")
    values = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=20_000,
        required=False,
        label="List",
        help_text="One per line: a choice's choices, a file's extensions, an organisation's industry roles",
    )

    content = ("key", "label")

    def row(self) -> dict:
        d = self.cleaned_data
        kind = d.get("kind") or FieldKind.TEXT
        options: dict[str, Any] = {}
        low, high = d.get("low") or "", d.get("high") or ""
        listed = [line.strip() for line in (d.get("values") or "").splitlines() if line.strip()]

        def number(text: str, name: str) -> Any:
            value = _parse_number(text)
            if value is None and text.strip():
                self.add_error(name, "Give a number")
            return value

        if kind in (FieldKind.TEXT, FieldKind.TEXTAREA):
            if low:
                options["min_length"] = number(low, "low")
            if high:
                options["max_length"] = number(high, "high")
            if d.get("pattern"):
                options["pattern"] = d["pattern"]
            if d.get("pattern_message"):
                options["pattern_message"] = d["pattern_message"]
        elif kind == FieldKind.NUMBER:
            if low:
                options["min"] = number(low, "low")
            if high:
                options["max"] = number(high, "high")
            if d.get("integer"):
                options["integer"] = True
        elif kind == FieldKind.DATE:
            if low:
                options["not_before_days"] = number(low, "low")
            if high:
                options["not_after_days"] = number(high, "high")
        elif kind == FieldKind.CHOICE:
            options["choices"] = listed
        elif kind == FieldKind.ORGANISATION and listed:
            options["industry_roles"] = listed
        elif kind == FieldKind.FILE and listed:
            options["extensions"] = listed
        return {
            "key": (d.get("key") or "").strip(),
            "label": d.get("label") or "",
            "help_text": d.get("help_text") or "",
            "kind": kind,
            "required": bool(d.get("required")),
            "options": options,
        }


def field_initial(field: Any) -> dict:
    opts = field.options or {}
    low = opts.get("min_length", opts.get("min", opts.get("not_before_days", "")))
    high = opts.get("max_length", opts.get("max", opts.get("not_after_days", "")))
    listed = opts.get("choices") or opts.get("extensions") or opts.get("industry_roles") or []
    return {
        "key": field.key,
        "label": field.label,
        "help_text": field.help_text,
        "kind": field.kind,
        "required": field.required,
        "low": "" if low is None else str(low),
        "high": "" if high is None else str(high),
        "integer": bool(opts.get("integer")),
        "pattern": opts.get("pattern", ""),
        "pattern_message": opts.get("pattern_message", ""),
        "values": "\n".join(str(v) for v in listed),
        "order": field.order,
    }


class _ProviderRow(_Row):
    provider = forms.ModelChoiceField(queryset=Organisation.objects.none(), required=False, empty_label="—")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["provider"].queryset = provider_organisations()


class StepRow(_ProviderRow):
    approver = forms.ChoiceField(choices=[("", "—"), *ApproverKind.choices], required=False)
    content = ("approver",)

    def row(self) -> dict:
        d = self.cleaned_data
        out: dict[str, Any] = {"approver": d["approver"]}
        if d.get("provider") is not None:
            out["provider"] = d["provider"]
        return out


class TaskRow(_ProviderRow):
    title = forms.CharField(max_length=200, required=False)
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), max_length=text_max(), required=False
    )
    assignee = forms.ChoiceField(choices=Assignee.choices, required=False)
    content = ("title",)

    def row(self) -> dict:
        d = self.cleaned_data
        out: dict[str, Any] = {
            "title": d.get("title") or "",
            "description": d.get("description") or "",
            "assignee": d.get("assignee") or Assignee.DESK,
        }
        if d.get("provider") is not None:
            out["provider"] = d["provider"]
        return out


FieldRows = forms.formset_factory(FieldRow, extra=BLANK_ROWS, max_num=60, validate_max=True, absolute_max=60)
StepRows = forms.formset_factory(StepRow, extra=BLANK_ROWS, max_num=13, validate_max=True, absolute_max=13)
TaskRows = forms.formset_factory(TaskRow, extra=BLANK_ROWS, max_num=23, validate_max=True, absolute_max=23)


def ordered_rows(formset: Any) -> list[tuple[Any, dict]]:
    """The formset's kept rows (not blank, not deleted) in their order, each with the action's row."""
    kept = []
    for position, form in enumerate(formset.forms):
        if form.is_blank() or form.cleaned_data.get("delete"):
            continue
        order = form.cleaned_data.get("order")
        kept.append(((order if order is not None else 10_000, position), form))
    kept.sort(key=lambda pair: pair[0])
    return [(form, form.row()) for _, form in kept]

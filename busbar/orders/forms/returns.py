"""The shapes of the hub return pages' forms (checks are the actions' and :mod:`busbar.orders.serials`')."""

from __future__ import annotations

from typing import Any

from django import forms

from busbar.orders import serials
from busbar.orders.models import HubOutcome, HubReturnStatus

PASTE_HELP = (
    "One hub a line: serial, variant code, fault code, note (optional), separated by commas — "
    "e.g. 00-1B-C5-0C-00-12-34-56,s2-cs-int,F01,No WAN. A first line naming the columns is allowed."
)


def _bulk_clean(form: forms.Form) -> Any:
    """Exactly one of the uploaded file and the pasted lines; the source to parse."""
    upload, lines = form.cleaned_data.get("file"), (form.cleaned_data.get("lines") or "").strip()
    if upload and lines:
        raise forms.ValidationError("Upload a file or paste lines, not both")
    if not upload and not lines:
        raise forms.ValidationError("Upload a CSV file or paste the lines")
    if upload is not None and upload.size > serials.MAX_BYTES:
        raise forms.ValidationError(f"The file is larger than {serials.MAX_BYTES // (1024 * 1024)} MB")
    return upload or lines


class ReturnForm(forms.Form):
    supplier = forms.TypedChoiceField(label="Supplier", coerce=int)
    collection_address = forms.CharField(
        label="Collection address", max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )
    postcode = forms.CharField(label="Postcode", max_length=10)
    collection_date = forms.DateField(
        label="Collection date",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="A working day after today",
    )
    contact = forms.CharField(label="Contact on site", max_length=200, required=False)
    file = forms.FileField(
        label="CSV file",
        required=False,
        help_text="Columns serial, variant, fault, note; UTF-8; at most 100,000 lines and 10 MB",
    )
    lines = forms.CharField(
        label="Or paste the hubs",
        required=False,
        max_length=serials.MAX_BYTES,
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false"}),
        help_text=PASTE_HELP,
    )

    def __init__(self, *args: Any, suppliers: list, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["supplier"].choices = [(o.pk, o.name) for o in suppliers]
        if len(suppliers) == 1:
            self.fields["supplier"].initial = suppliers[0].pk
            self.fields["supplier"].widget = forms.HiddenInput()

    def clean(self) -> dict:
        data = super().clean()
        data["source"] = _bulk_clean(self)
        return data


class AddHubsForm(forms.Form):
    file = forms.FileField(label="CSV file", required=False)
    lines = forms.CharField(
        label="Or paste the hubs",
        required=False,
        max_length=serials.MAX_BYTES,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=PASTE_HELP,
    )

    def clean(self) -> dict:
        data = super().clean()
        data["source"] = _bulk_clean(self)
        return data


class ResultsForm(forms.Form):
    file = forms.FileField(label="CSV file", required=False, help_text="Columns serial, outcome, reason")
    lines = forms.CharField(
        label="Or paste the results",
        required=False,
        max_length=serials.MAX_BYTES,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="One hub a line: serial, credited or rejected, reason (required when rejected)",
    )

    def clean(self) -> dict:
        data = super().clean()
        data["source"] = _bulk_clean(self)
        return data


class RemoveHubForm(forms.Form):
    serial = forms.CharField(label="Serial", max_length=64)


class NoteForm(forms.Form):
    note = forms.CharField(
        label="Note", required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )


class CancelForm(forms.Form):
    reason = forms.CharField(
        label="Why", required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )


class UpdateForm(forms.Form):
    body = forms.CharField(label="Message", max_length=20000, widget=forms.Textarea(attrs={"rows": 3}))
    internal = forms.BooleanField(label="Internal note (DCC and the desk only)", required=False)


class ReturnFilterForm(forms.Form):
    status = forms.ChoiceField(
        label="Status", required=False, choices=[("", "Any"), *HubReturnStatus.choices]
    )
    supplier = forms.TypedChoiceField(label="Supplier", required=False, coerce=int, empty_value=None)
    created_from = forms.DateField(
        label="Raised from", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    created_to = forms.DateField(
        label="Raised to", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    serial = forms.CharField(
        label="Serial", required=False, max_length=64, help_text="Find the return holding a hub"
    )

    def __init__(self, *args: Any, suppliers: list | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if suppliers is None:
            del self.fields["supplier"]
        else:
            self.fields["supplier"].choices = [("", "Any"), *((o.pk, o.name) for o in suppliers)]

    def clean_serial(self) -> str:
        value = (self.cleaned_data.get("serial") or "").strip()
        if not value:
            return ""
        try:
            return serials.normalise(value)
        except serials.BadSerial as exc:
            raise forms.ValidationError(str(exc)) from None


class HubFilterForm(forms.Form):
    outcome = forms.ChoiceField(label="Outcome", required=False, choices=[("", "Any"), *HubOutcome.choices])

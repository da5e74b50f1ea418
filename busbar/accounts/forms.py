from __future__ import annotations

from django import forms

from busbar.lib.registry import notification_kinds


class ProfileForm(forms.Form):
    full_name = forms.CharField(max_length=150, label="Name")
    phone = forms.CharField(max_length=40, required=False)


class NotificationForm(forms.Form):
    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        for kind, label in notification_kinds().items():
            self.fields[kind] = forms.BooleanField(label=label, required=False)


class TokenForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="What the token is for, e.g. 'ticket sync script'")
    expires_at = forms.DateField(
        required=False,
        label="Expires on",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Optional",
    )

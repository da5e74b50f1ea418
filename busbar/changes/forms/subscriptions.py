"""Forms of "My subscriptions": shape only; the rules live in actions/subscriptions.py and permissions."""

from __future__ import annotations

from django import forms

from busbar.changes.models import FeedToken
from busbar.lib.forms import parse_id
from busbar.services.queries import services_visible_to

#: The bulletins a subscription chooses from (the model's fields), with what each means.
PREFERENCES = [
    ("planned", "Planned outages", "new and rescheduled outage changes (and cancellations)"),
    ("started", "Started", "a change on the service has begun"),
    ("completed", "Completed", "completed, failed or backed out"),
    ("overrun", "Overruns", "a change running past its planned end"),
    ("status", "Service status", "the service degraded, in outage or back to normal"),
]
PREFERENCE_NAMES = [name for name, _, _ in PREFERENCES]


class SubscribeForm(forms.Form):
    """Subscribe to a service, or change what a subscription tells (the same action creates or updates)."""

    service = forms.ModelChoiceField(queryset=None, to_field_name="slug", empty_label="Choose a service")
    by_email = forms.BooleanField(label="Also by email", required=False, initial=True)
    planned = forms.BooleanField(label="Planned outages", required=False, initial=True)
    started = forms.BooleanField(label="Started", required=False, initial=True)
    completed = forms.BooleanField(label="Completed", required=False, initial=True)
    overrun = forms.BooleanField(label="Overruns", required=False, initial=True)
    status = forms.BooleanField(label="Service status", required=False, initial=True)

    def __init__(self, *args, user, services=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["service"]
        field.queryset = services_visible_to(user).filter(is_active=True).order_by("name")
        if services is not None:
            # The choices from services already read for the page (no second read).
            field.choices = [("", field.empty_label)] + [(s.slug, s.name) for s in services]

    def preferences(self) -> dict[str, bool]:
        return {name: bool(self.cleaned_data.get(name)) for name in ["by_email", *PREFERENCE_NAMES]}


class ServiceForm(forms.Form):
    """Unsubscribe from a service."""

    service = forms.ModelChoiceField(queryset=None, to_field_name="slug")

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = services_visible_to(user)


class TokenForm(forms.Form):
    """Revoke one of my feed tokens."""

    token = forms.IntegerField(min_value=1)

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_token(self) -> FeedToken:
        pk = parse_id(self.cleaned_data["token"])
        token = FeedToken.objects.filter(user=self.user, pk=pk).first() if pk else None
        if token is None:
            raise forms.ValidationError("No such feed token of yours")
        if token.revoked_at is not None:
            raise forms.ValidationError("That feed token is already revoked")
        return token

"""The shapes of the order pages' forms: placing an order, the filters of the list, DCC's action forms,
the rules and settings. Every change goes through :mod:`busbar.orders.actions`."""

from __future__ import annotations

from django import forms

from busbar.lib.forms import ActionForm
from busbar.orders import actions
from busbar.orders.models import HubVariant, OrderStatus, Region, ShortResolution
from busbar.services.models import Calendar


def _orderable():
    return HubVariant.objects.filter(orderable=True, is_active=True).order_by("code")


class OrderForm(forms.Form):
    region = forms.ChoiceField(choices=Region.choices)
    variant = forms.ModelChoiceField(queryset=_orderable(), empty_label=None, to_field_name="code")
    quantity = forms.IntegerField(min_value=1, max_value=1_000_000, help_text="Whole packs")
    delivery_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), help_text="YYYY-MM-DD")
    address = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=1000)
    postcode = forms.CharField(max_length=10)
    contact = forms.CharField(max_length=200, required=False, help_text="Name and phone at the delivery site")
    purchase_order = forms.CharField(max_length=40, required=False, label="Your order reference")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["variant"].queryset = _orderable()

    def submit(self, actor, supplier):
        return actions.place_order(actor=actor, supplier=supplier, **self.cleaned_data)


class OrderFilterForm(forms.Form):
    status = forms.ChoiceField(
        choices=[("", "Any status"), ("open", "Open"), *OrderStatus.choices], required=False
    )
    region = forms.ChoiceField(choices=[("", "Any region"), *Region.choices], required=False)
    variant = forms.ModelChoiceField(
        queryset=HubVariant.objects.filter(orderable=True),
        required=False,
        to_field_name="code",
        empty_label="Any variant",
    )
    month = forms.CharField(
        max_length=7,
        required=False,
        help_text="YYYY-MM",
        widget=forms.TextInput(attrs={"placeholder": "2027-08"}),
    )
    supplier = forms.ChoiceField(choices=[], required=False)

    def __init__(self, *args, suppliers=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["variant"].queryset = HubVariant.objects.filter(orderable=True)
        if suppliers is None:
            del self.fields["supplier"]
        else:
            self.fields["supplier"].choices = [
                ("", "Every supplier"),
                *[(str(s.pk), s.name) for s in suppliers],
            ]

    def clean_month(self):
        from busbar.orders.rules import parse_month

        value = self.cleaned_data.get("month") or ""
        if not value:
            return None
        month = parse_month(value)
        if month is None:
            raise forms.ValidationError("Give a month like 2027-08")
        return month


class _OrderActionForm(ActionForm):
    def __init__(self, *args, order=None, **kwargs) -> None:
        self.order = order
        super().__init__(*args, **kwargs)


class ConfirmForm(_OrderActionForm):
    title = "Confirm the order"
    button = "Confirm"
    note = forms.CharField(max_length=200, required=False)

    def submit(self, actor):
        actions.confirm_order(actor=actor, order=self.order, note=self.cleaned_data["note"])
        return f"{self.order.reference} confirmed."


class DispatchForm(_OrderActionForm):
    title = "Dispatch"
    button = "Mark dispatched"
    consignment = forms.CharField(max_length=40, required=False, label="Consignment number")
    note = forms.CharField(max_length=200, required=False)

    def submit(self, actor):
        actions.dispatch_order(actor=actor, order=self.order, **self.cleaned_data)
        return f"{self.order.reference} dispatched."


class DeliveryForm(_OrderActionForm):
    title = "Record a delivery"
    button = "Record delivery"
    help = "Fewer hubs than outstanding is a short shipment: redeliver the balance or cancel it afterwards."
    quantity = forms.IntegerField(min_value=1, max_value=1_000_000)
    delivered_on = forms.DateField(
        widget=forms.DateInput(attrs={"type": "date"}), required=False, help_text="Default: today"
    )
    consignment = forms.CharField(max_length=40, required=False)
    note = forms.CharField(max_length=200, required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.order is not None:
            self.fields["quantity"].initial = self.order.quantity - self.order.delivered_quantity

    def submit(self, actor):
        actions.record_delivery(actor=actor, order=self.order, **self.cleaned_data)
        return f"Delivery recorded on {self.order.reference}."


class ResolveShortForm(_OrderActionForm):
    title = "Resolve the short shipment"
    button = "Resolve"
    resolution = forms.ChoiceField(
        choices=[
            (ShortResolution.REDELIVER, ShortResolution.REDELIVER.label),
            (ShortResolution.CANCEL_BALANCE, ShortResolution.CANCEL_BALANCE.label),
        ],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(max_length=200, required=False)

    def submit(self, actor):
        actions.resolve_short(actor=actor, order=self.order, **self.cleaned_data)
        return f"Short shipment on {self.order.reference} resolved."


class CloseForm(_OrderActionForm):
    title = "Close the order"
    button = "Close"
    note = forms.CharField(max_length=200, required=False)

    def submit(self, actor):
        actions.close_order(actor=actor, order=self.order, note=self.cleaned_data["note"])
        return f"{self.order.reference} closed."


class CancelForm(_OrderActionForm):
    title = "Cancel the order"
    button = "Cancel order"
    danger = True
    reason = forms.CharField(max_length=200, required=False)

    def submit(self, actor):
        actions.cancel_order(actor=actor, order=self.order, reason=self.cleaned_data["reason"])
        return f"{self.order.reference} cancelled."


class UpdateForm(_OrderActionForm):
    title = "Add a message"
    button = "Send"
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=5000, label="Message")
    internal = forms.BooleanField(required=False, label="Internal note (DCC and the desk only)")

    def __init__(self, *args, works: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not works:
            del self.fields["internal"]

    def submit(self, actor):
        actions.add_order_update(
            actor=actor,
            order=self.order,
            body=self.cleaned_data["body"],
            internal=bool(self.cleaned_data.get("internal")),
        )
        return "Message added."


PAGE_FORMS = {
    "confirm": ConfirmForm,
    "dispatch": DispatchForm,
    "deliver": DeliveryForm,
    "resolve-short": ResolveShortForm,
    "close": CloseForm,
    "cancel": CancelForm,
    "update": UpdateForm,
}


class RuleForm(forms.Form):
    variant = forms.ModelChoiceField(
        queryset=HubVariant.objects.filter(orderable=True),
        required=False,
        to_field_name="code",
        empty_label="Every variant",
    )
    effective_from = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    tolerance_percent = forms.IntegerField(min_value=0, max_value=100, label="Tolerance (%)")
    lead_time_days = forms.IntegerField(min_value=0, max_value=120, label="Lead time (working days)")
    min_quantity = forms.IntegerField(min_value=1, max_value=100_000)
    pack_size = forms.IntegerField(min_value=1, max_value=10_000)
    calendar = forms.ModelChoiceField(queryset=Calendar.objects.all(), required=False, empty_label="As now")
    note = forms.CharField(max_length=300, required=False)

    def submit(self, actor):
        return actions.set_rule(actor=actor, **self.cleaned_data)


class SettingsForm(forms.Form):
    forecast_horizon_months = forms.IntegerField(min_value=1, max_value=24, label="Forecast horizon (months)")
    freeze_months = forms.IntegerField(min_value=0, max_value=23, label="Frozen near months")

    def submit(self, actor):
        return actions.set_settings(actor=actor, **self.cleaned_data)

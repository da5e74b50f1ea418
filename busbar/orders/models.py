"""Communications-hub order management (DCC OMS, RQ-24…RQ-29).

Suppliers submit rolling monthly **forecasts** of 4G communications hubs by region and variant, place
**orders** against them (rules as data: tolerance of the forecast, lead time in working days, minimum
quantity, pack size), DCC confirms **deliveries** (short shipments handled), and suppliers **return**
faulty SMETS2 and 4G hubs by serial number with a fault reason, followed to credited or rejected.

Orders (ORD…) and returns (RTN…) stand on the record kernel, with their own SLA policy
(:class:`OmsSettings`). Each supplier sees only its own; DCC (the organisation holding the DCC role) and
the service desk see all.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class Region(models.TextChoices):
    NORTH = "north", "North"
    CENTRAL = "central", "Central"
    SOUTH = "south", "South"


class Technology(models.TextChoices):
    SMETS2 = "smets2", "SMETS2 (2G/3G)"
    G4 = "4g", "4G"


class HubVariant(models.Model):
    """A kind of communications hub (e.g. 4G single-band with internal aerial). Only ``orderable``
    variants may be forecast and ordered; any may be returned."""

    code = models.SlugField(max_length=30, unique=True)
    name = models.CharField(max_length=120)
    technology = models.CharField(max_length=10, choices=Technology.choices, default=Technology.G4)
    orderable = models.BooleanField(default=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class FaultCode(models.Model):
    """Why a hub is returned (data; seed 004 gives none)."""

    code = models.CharField(max_length=10, unique=True)
    label = models.CharField(max_length=120)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.label}"


class OrderRule(models.Model):
    """The ordering rules in force from ``effective_from`` for one variant (or every variant: None)."""

    variant = models.ForeignKey(HubVariant, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    effective_from = models.DateField()
    #: An order may take a month's ordered total (per region and variant) to at most forecast × (1 + %).
    tolerance_percent = models.PositiveSmallIntegerField(default=10)
    #: The delivery date is at least this many working days (on ``calendar``) after the order.
    lead_time_days = models.PositiveSmallIntegerField(default=20)
    min_quantity = models.PositiveIntegerField(default=50)
    #: Orders are whole packs (a pallet): a multiple of this.
    pack_size = models.PositiveIntegerField(default=1)
    calendar = models.ForeignKey("services.Calendar", on_delete=models.PROTECT, related_name="+")
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-effective_from", "id"]
        constraints = [
            models.UniqueConstraint(fields=["variant", "effective_from"], name="unique_order_rule_from")
        ]

    def __str__(self) -> str:
        return f"Rules from {self.effective_from} ({self.variant or 'all variants'})"


class OmsSettings(models.Model):
    """One row: the SLA policies measuring orders and returns, and the forecast horizon."""

    order_sla_policy = models.ForeignKey(
        "services.SlaPolicy", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    order_priority = models.CharField(max_length=10, blank=True)
    return_sla_policy = models.ForeignKey(
        "services.SlaPolicy", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    return_priority = models.CharField(max_length=10, blank=True)
    #: How many months ahead a forecast covers (rolling), and how many near months are frozen.
    forecast_horizon_months = models.PositiveSmallIntegerField(default=6)
    freeze_months = models.PositiveSmallIntegerField(default=1)

    class Meta:
        verbose_name_plural = "OMS settings"

    def __str__(self) -> str:
        return "OMS settings"


class ForecastSubmission(models.Model):
    """One submission of a supplier's rolling forecast: its lines as submitted (history)."""

    supplier = models.ForeignKey("parties.Organisation", on_delete=models.PROTECT, related_name="+")
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(default=timezone.now)
    first_month = models.DateField()
    #: [{"month": "2027-03-01", "region": "north", "variant": "4g-single", "quantity": 1200}, …]
    lines = models.JSONField(default=list)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        indexes = [models.Index(fields=["supplier", "-submitted_at"], name="oms_fcsub_supplier")]

    def __str__(self) -> str:
        return f"Forecast by {self.supplier_id} at {self.submitted_at:%Y-%m-%d}"


class Forecast(models.Model):
    """The current forecast of one supplier for one month, region and variant (the latest submission's)."""

    supplier = models.ForeignKey("parties.Organisation", on_delete=models.PROTECT, related_name="+")
    month = models.DateField(help_text="First day of the month")
    region = models.CharField(max_length=10, choices=Region.choices)
    variant = models.ForeignKey(HubVariant, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField()
    submission = models.ForeignKey(ForecastSubmission, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["month", "region", "variant"]
        constraints = [
            models.UniqueConstraint(
                fields=["supplier", "month", "region", "variant"], name="unique_forecast_cell"
            )
        ]

    def __str__(self) -> str:
        return f"{self.supplier_id} {self.month:%Y-%m} {self.region} {self.variant_id}: {self.quantity}"


class OrderStatus(models.TextChoices):
    SUBMITTED = "submitted", "Submitted"
    CONFIRMED = "confirmed", "Confirmed by DCC"
    DISPATCHED = "dispatched", "Dispatched"
    PART_DELIVERED = "part_delivered", "Part delivered (short shipment)"
    DELIVERED = "delivered", "Delivered"
    CLOSED = "closed", "Closed"
    CANCELLED = "cancelled", "Cancelled"


ORDER_TRANSITIONS: dict[str, set[str]] = {
    OrderStatus.SUBMITTED: {OrderStatus.CONFIRMED, OrderStatus.CANCELLED},
    OrderStatus.CONFIRMED: {OrderStatus.DISPATCHED, OrderStatus.CANCELLED},
    OrderStatus.DISPATCHED: {OrderStatus.PART_DELIVERED, OrderStatus.DELIVERED},
    OrderStatus.PART_DELIVERED: {OrderStatus.DISPATCHED, OrderStatus.DELIVERED, OrderStatus.CLOSED},
    OrderStatus.DELIVERED: {OrderStatus.CLOSED},
    OrderStatus.CLOSED: set(),
    OrderStatus.CANCELLED: set(),
}


class ShortResolution(models.TextChoices):
    NONE = "", "—"
    REDELIVER = "redeliver", "Balance to be redelivered"
    CANCEL_BALANCE = "cancel_balance", "Balance cancelled"


class HubOrder(models.Model):
    record = models.OneToOneField("records.Record", on_delete=models.PROTECT, related_name="hub_order")
    reference = models.CharField(max_length=20, unique=True, editable=False)
    supplier = models.ForeignKey("parties.Organisation", on_delete=models.PROTECT, related_name="+")
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    region = models.CharField(max_length=10, choices=Region.choices)
    variant = models.ForeignKey(HubVariant, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField()
    delivery_date = models.DateField()
    #: The forecast month the order counts against (the delivery date's month).
    month = models.DateField()
    address = models.TextField(help_text="Delivery address (lines)")
    postcode = models.CharField(max_length=10)
    contact = models.CharField(max_length=200, blank=True)
    purchase_order = models.CharField(max_length=40, blank=True, help_text="The supplier's own reference")
    status = models.CharField(max_length=20, choices=OrderStatus.choices, default=OrderStatus.SUBMITTED)
    delivered_quantity = models.PositiveIntegerField(default=0)
    short_resolution = models.CharField(
        max_length=20, choices=ShortResolution.choices, default="", blank=True
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["supplier", "-created_at", "-id"], name="oms_order_supplier"),
            models.Index(fields=["status", "-created_at", "-id"], name="oms_order_status"),
            models.Index(fields=["supplier", "month", "region", "variant"], name="oms_order_cell"),
        ]

    def __str__(self) -> str:
        return f"{self.reference}: {self.quantity} × {self.variant_id}"

    @property
    def short_quantity(self) -> int:
        return max(self.quantity - self.delivered_quantity, 0)


class Delivery(models.Model):
    """One consignment delivered against an order, confirmed with the quantity received."""

    order = models.ForeignKey(HubOrder, on_delete=models.CASCADE, related_name="deliveries")
    delivered_on = models.DateField()
    quantity = models.PositiveIntegerField()
    consignment = models.CharField(max_length=40, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["delivered_on", "id"]
        verbose_name_plural = "deliveries"

    def __str__(self) -> str:
        return f"{self.order_id}: {self.quantity} on {self.delivered_on}"


class HubReturnStatus(models.TextChoices):
    REQUESTED = "requested", "Requested"
    COLLECTED = "collected", "Collected"
    RECEIVED = "received", "Received by DCC"
    TESTED = "tested", "Tested"
    CREDITED = "credited", "Credited"
    REJECTED = "rejected", "Rejected"
    CANCELLED = "cancelled", "Cancelled"


HUB_RETURN_TRANSITIONS: dict[str, set[str]] = {
    HubReturnStatus.REQUESTED: {HubReturnStatus.COLLECTED, HubReturnStatus.CANCELLED},
    HubReturnStatus.COLLECTED: {HubReturnStatus.RECEIVED},
    HubReturnStatus.RECEIVED: {HubReturnStatus.TESTED},
    HubReturnStatus.TESTED: {HubReturnStatus.CREDITED, HubReturnStatus.REJECTED},
    HubReturnStatus.CREDITED: set(),
    HubReturnStatus.REJECTED: set(),
    HubReturnStatus.CANCELLED: set(),
}


class HubReturn(models.Model):
    """A consignment of returned hubs: one collection, many serials (:class:`ReturnedHub`)."""

    record = models.OneToOneField("records.Record", on_delete=models.PROTECT, related_name="hub_return")
    reference = models.CharField(max_length=20, unique=True, editable=False)
    supplier = models.ForeignKey("parties.Organisation", on_delete=models.PROTECT, related_name="+")
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        max_length=20, choices=HubReturnStatus.choices, default=HubReturnStatus.REQUESTED
    )
    collection_address = models.TextField()
    postcode = models.CharField(max_length=10)
    collection_date = models.DateField(null=True, blank=True)
    contact = models.CharField(max_length=200, blank=True)
    #: Kept by the actions (counts of the serials), so lists read no serials.
    hub_count = models.PositiveIntegerField(default=0)
    credited_count = models.PositiveIntegerField(default=0)
    rejected_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    collected_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(null=True, blank=True)
    tested_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["supplier", "-created_at", "-id"], name="oms_return_supplier"),
            models.Index(fields=["status", "-created_at", "-id"], name="oms_return_status"),
            models.Index(fields=["-created_at", "-id"], name="oms_return_created"),
        ]

    def __str__(self) -> str:
        return f"{self.reference}: {self.hub_count} hubs"


class HubOutcome(models.TextChoices):
    PENDING = "pending", "Awaiting test"
    CREDITED = "credited", "Credited"
    REJECTED = "rejected", "Rejected"
    WITHDRAWN = "withdrawn", "Withdrawn (return cancelled)"


class ReturnedHub(models.Model):
    """One hub in a return: its serial (EUI-64, normalised ``00-1B-…``), variant, fault and outcome. A
    serial is in at most one live return (pending or credited); once rejected or withdrawn it may be
    returned again."""

    hub_return = models.ForeignKey(HubReturn, on_delete=models.CASCADE, related_name="hubs")
    supplier = models.ForeignKey("parties.Organisation", on_delete=models.PROTECT, related_name="+")
    serial = models.CharField(max_length=23)
    variant = models.ForeignKey(HubVariant, on_delete=models.PROTECT, related_name="+")
    fault = models.ForeignKey(FaultCode, on_delete=models.PROTECT, related_name="+")
    fault_note = models.CharField(max_length=200, blank=True)
    outcome = models.CharField(max_length=10, choices=HubOutcome.choices, default=HubOutcome.PENDING)
    outcome_reason = models.CharField(max_length=200, blank=True)
    #: The line of the uploaded file it came from (0: entered on the form).
    line = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["hub_return", "id"]
        indexes = [
            models.Index(fields=["hub_return", "id"], name="oms_hub_return"),
            models.Index(fields=["serial"], name="oms_hub_serial"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["serial"],
                condition=models.Q(outcome__in=["pending", "credited"]),
                name="unique_live_returned_serial",
            )
        ]

    def __str__(self) -> str:
        return self.serial

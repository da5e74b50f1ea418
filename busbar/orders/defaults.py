"""Installation defaults for hub orders and returns: the OMS SLA policy, hub variants, fault codes,
ordering rules and the settings row. Seed 004 gives no values: these are ordinary data DCC and the desk
change. Run by the data migration and by tests that flush tables."""

from __future__ import annotations

import datetime as dt

WORKING = "Working hours (Mon-Fri 08:00-18:00, E&W bank holidays)"
SCHEME = "OMS service levels"
ORDER_POLICY = "OMS orders"
RETURN_POLICY = "OMS returns"
#: (policy, (response amount, unit), (resolution amount, unit)): an order is confirmed within 2 working
#: days and closed (delivered) within 30; a return collected within 5 working days and credited within 30.
POLICIES = [
    (ORDER_POLICY, (2, "working_days"), (30, "working_days")),
    (RETURN_POLICY, (5, "working_days"), (30, "working_days")),
]
VARIANTS = [
    ("4g-single-int", "4G hub, single band, internal aerial", "4g", True),
    ("4g-single-ext", "4G hub, single band, external aerial", "4g", True),
    ("4g-dual-int", "4G hub, dual band, internal aerial", "4g", True),
    ("s2-north", "SMETS2 hub, North (2G/3G, long-range radio)", "smets2", False),
    ("s2-cs-int", "SMETS2 hub, Central/South (2G/3G), internal aerial", "smets2", False),
    ("s2-cs-ext", "SMETS2 hub, Central/South (2G/3G), external aerial", "smets2", False),
]
FAULTS = [
    ("F01", "No WAN connection"),
    ("F02", "HAN fails to form / device join fails"),
    ("F03", "Power supply or LED fault"),
    ("F04", "Physical damage on arrival (DOA)"),
    ("F05", "Firmware update failed"),
    ("F06", "Intermittent connectivity"),
    ("F07", "Aerial fault"),
    ("F08", "Removed on meter exchange (no fault found)"),
]


def ensure(apps=None) -> None:
    """Create the policies, variants, fault codes, default rules and settings if missing (idempotent)."""
    if apps is None:
        from django.apps import apps
    Calendar = apps.get_model("services", "Calendar")
    Scheme = apps.get_model("services", "SeverityScheme")
    Severity = apps.get_model("services", "Severity")
    Policy = apps.get_model("services", "SlaPolicy")
    Target = apps.get_model("services", "SlaTarget")
    Variant = apps.get_model("orders", "HubVariant")
    Fault = apps.get_model("orders", "FaultCode")
    Rule = apps.get_model("orders", "OrderRule")
    Settings = apps.get_model("orders", "OmsSettings")
    calendar, _ = Calendar.objects.get_or_create(
        name=WORKING,
        defaults={
            "kind": "working_hours",
            "weekly_hours": {str(d): [["08:00", "18:00"]] for d in range(5)},
            "bank_holidays": True,
        },
    )
    scheme, _ = Scheme.objects.get_or_create(
        name=SCHEME, defaults={"description": "Communications-hub orders and returns"}
    )
    severity, _ = Severity.objects.get_or_create(
        scheme=scheme, code="STD", defaults={"label": "Standard", "rank": 1, "is_major": False}
    )
    policies = {}
    for name, response, resolution in POLICIES:
        policy, created = Policy.objects.get_or_create(name=name, defaults={"scheme": scheme})
        policies[name] = policy
        if created:
            for clock, (amount, unit) in (("response", response), ("resolution", resolution)):
                Target.objects.create(
                    policy=policy, severity=severity, clock=clock, amount=amount, unit=unit, calendar=calendar
                )
    for code, name, technology, orderable in VARIANTS:
        Variant.objects.get_or_create(
            code=code, defaults={"name": name, "technology": technology, "orderable": orderable}
        )
    for code, label in FAULTS:
        Fault.objects.get_or_create(code=code, defaults={"label": label})
    if not Rule.objects.exists():
        Rule.objects.create(
            variant=None,
            effective_from=dt.date(2024, 1, 1),
            tolerance_percent=10,
            lead_time_days=20,
            min_quantity=48,
            pack_size=48,
            calendar=calendar,
            note="Default: within 10% of the month's forecast, 20 working days' notice, pallets of 48",
        )
    if not Settings.objects.exists():
        Settings.objects.create(
            order_sla_policy=policies[ORDER_POLICY],
            order_priority="STD",
            return_sla_policy=policies[RETURN_POLICY],
            return_priority="STD",
        )

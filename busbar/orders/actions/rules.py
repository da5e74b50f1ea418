"""The ordering rules and OMS settings, kept as data by DCC and the service desk."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from busbar.audit.journal import record as journal
from busbar.lib.actions import ActionError, Actor, action, refuse
from busbar.lib.limits import check_text
from busbar.orders import permissions
from busbar.orders.models import HubVariant, OmsSettings, OrderRule
from busbar.parties.queries import scope_of

#: Bounds of each rule's numbers (field: (lowest, highest)).
RULE_BOUNDS = {
    "tolerance_percent": (0, 100),
    "lead_time_days": (0, 120),
    "min_quantity": (1, 100_000),
    "pack_size": (1, 10_000),
}


def _number(value: Any, field: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ActionError(f"Give a whole number from {low:,} to {high:,}", field=field)
    return value


@action
def set_rule(
    *,
    actor: Actor,
    effective_from: dt.date,
    tolerance_percent: int,
    lead_time_days: int,
    min_quantity: int,
    pack_size: int,
    variant: HubVariant | None = None,
    calendar: Any = None,
    note: str = "",
    now: dt.datetime | None = None,
) -> OrderRule:
    """The rules in force from ``effective_from`` (today or later) for ``variant`` (None: every variant
    without its own). A rule already set from that day for that variant is replaced."""
    now = now or timezone.now()
    refuse(permissions.can_manage_rules(scope_of(actor)))
    if isinstance(effective_from, dt.datetime) or not isinstance(effective_from, dt.date):
        raise ActionError("Give a date, e.g. 2027-09-01", field="effective_from")
    today = timezone.localdate(now)
    if effective_from < today:
        raise ActionError(
            "Rules take effect from today or later: past orders keep their rules", field="effective_from"
        )
    if effective_from > today + dt.timedelta(days=3 * 366):
        raise ActionError("Give a date within the next three years", field="effective_from")
    values = {
        "tolerance_percent": tolerance_percent,
        "lead_time_days": lead_time_days,
        "min_quantity": min_quantity,
        "pack_size": pack_size,
    }
    for name, (low, high) in RULE_BOUNDS.items():
        values[name] = _number(values[name], name, low, high)
    if values["min_quantity"] % values["pack_size"]:
        raise ActionError(
            f"The minimum ({values['min_quantity']:,}) must be a whole number of packs of "
            f"{values['pack_size']:,}",
            field="min_quantity",
        )
    if variant is not None and not variant.orderable:
        raise ActionError(f"{variant.name} is not orderable", field="variant")
    if calendar is None:
        from busbar.orders.rules import rule_for

        current = rule_for(variant, today)
        if current is None:
            raise ActionError("Choose the calendar the lead time counts on", field="calendar")
        calendar = current.calendar
    note = check_text((note or "").strip(), field="note", limit=300)
    rule = OrderRule.objects.filter(variant=variant, effective_from=effective_from).first()
    before = {}
    if rule is None:
        rule = OrderRule(variant=variant, effective_from=effective_from)
    else:
        before = {k: getattr(rule, k) for k in values}
        before["calendar"] = str(rule.calendar)
    for name, value in values.items():
        setattr(rule, name, value)
    rule.calendar, rule.note = calendar, note
    rule.save()
    after = {**values, "calendar": str(calendar)}
    changes = {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}
    changes["effective_from"] = [None, effective_from]
    changes["variant"] = [None, variant.code if variant else "all variants"]
    journal(actor=actor, action="hub_rule.set", obj=rule, owner=None, changes=changes, note=note)
    return rule


@action
def set_settings(
    *,
    actor: Actor,
    forecast_horizon_months: int | None = None,
    freeze_months: int | None = None,
) -> OmsSettings:
    """How many months ahead a forecast covers (1–24) and how many near months are frozen (0 to one less
    than the horizon)."""
    refuse(permissions.can_manage_rules(scope_of(actor)))
    row = OmsSettings.objects.select_for_update().first() or OmsSettings()
    before = {"forecast_horizon_months": row.forecast_horizon_months, "freeze_months": row.freeze_months}
    if forecast_horizon_months is not None:
        row.forecast_horizon_months = _number(forecast_horizon_months, "forecast_horizon_months", 1, 24)
    if freeze_months is not None:
        row.freeze_months = _number(freeze_months, "freeze_months", 0, 23)
    if row.freeze_months >= row.forecast_horizon_months:
        raise ActionError(
            f"Freeze fewer months than the horizon ({row.forecast_horizon_months})", field="freeze_months"
        )
    row.save()
    after = {"forecast_horizon_months": row.forecast_horizon_months, "freeze_months": row.freeze_months}
    changes = {k: [before[k], v] for k, v in after.items() if before[k] != v}
    journal(actor=actor, action="hub_settings.set", obj=row, owner=None, changes=changes)
    return row

"""What changes are checked against, kept as data (CH-06, CH-16): notice rules (minimum working days'
notice on a named calendar, per service or provider), weekly maintenance windows, blackout windows and
the availability agreed for each service. Platform administrators and operations managers change them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from busbar.audit.journal import record
from busbar.changes import permissions, recheck, steps
from busbar.changes.models import (
    MAX_WINDOW,
    AvailabilityTarget,
    BlackoutWindow,
    ChangeType,
    MaintenanceWindow,
    NoticeRule,
)
from busbar.lib.actions import ActionError, Actor, Conflict, action, refuse
from busbar.lib.limits import EARLIEST, LATEST, NAME_TEXT
from busbar.parties.models import Organisation
from busbar.parties.queries import scope_of
from busbar.services.models import Calendar, Service

__all__ = [
    "create_notice_rule",
    "update_notice_rule",
    "delete_notice_rule",
    "create_maintenance_window",
    "delete_maintenance_window",
    "create_blackout",
    "update_blackout",
    "delete_blackout",
    "set_availability_target",
]

MAX_NOTICE_DAYS = 260
SOURCE_MAX = 200
NOTE_MAX = 200
AGREEMENT_MAX = 100
#: At most this many weekly maintenance windows on one service.
MAX_WINDOWS_PER_SERVICE = 50
TARGET_PLACES = Decimal("0.001")

_RULE_FIELDS = frozenset(
    {"name", "min_working_days", "calendar", "service", "provider", "change_type", "outage_only", "source"}
)
_RULE_UPDATABLE = _RULE_FIELDS | {"is_active"}
_BLACKOUT_UPDATABLE = frozenset({"name", "starts_at", "ends_at", "services", "reason"})


def _refuse(actor: Actor) -> None:
    refuse(permissions.can_manage_rules(scope_of(actor)))


def _unknown(fields: dict[str, Any], allowed: frozenset[str]) -> None:
    for name in fields:
        if name not in allowed:
            raise ActionError(f"{name} cannot be changed here", field=name)


def _diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list]:
    return {k: [before[k], after[k]] for k in after if before.get(k) != after[k]}


def _plain(value: Any) -> Any:
    """A value as the journal keeps it (objects by their name)."""
    if value is None or isinstance(value, bool | int | str | Decimal | dt.datetime | dt.date | dt.time):
        return value
    return str(value)


# Notice rules --------------------------------------------------------------------------------------------


def _clean_rule(values: dict[str, Any], *, rule: NoticeRule | None = None) -> dict[str, Any]:
    """The rule's fields checked together (the same checks for a new rule and an edit)."""
    cleaned = dict(values)
    cleaned["name"] = steps.clean_text(
        values.get("name"), field="name", limit=NAME_TEXT, what="The name", required=True
    )
    cleaned["source"] = steps.clean_text(
        values.get("source"), field="source", limit=SOURCE_MAX, what="The source"
    )
    days = values.get("min_working_days")
    if isinstance(days, bool) or not isinstance(days, int):
        raise ActionError("Give the notice as a whole number of working days", field="min_working_days")
    if not 0 <= days <= MAX_NOTICE_DAYS:
        raise ActionError(f"The notice is 0 to {MAX_NOTICE_DAYS} working days", field="min_working_days")
    if not isinstance(values.get("calendar"), Calendar):
        raise ActionError("Choose the calendar the working days are counted on", field="calendar")
    service, provider = values.get("service"), values.get("provider")
    if service is not None and not isinstance(service, Service):
        raise ActionError("Choose a service from the catalogue", field="service")
    if provider is not None and (not isinstance(provider, Organisation) or not provider.is_active):
        raise ActionError("Choose an active provider", field="provider")
    if service is not None and provider is not None:
        raise ActionError("A rule is for a service or for a provider, not both", field="provider")
    change_type = values.get("change_type") or ""
    if change_type and change_type not in ChangeType.values:
        raise ActionError(f"Choose one of {', '.join(ChangeType.values)}, or none", field="change_type")
    if change_type == ChangeType.EMERGENCY:
        raise ActionError("Emergency changes skip the notice rule", field="change_type")
    cleaned["change_type"] = change_type
    cleaned["outage_only"] = bool(values.get("outage_only"))
    is_active = bool(values.get("is_active", True))
    cleaned["is_active"] = is_active
    if is_active:
        same = NoticeRule.objects.filter(
            is_active=True,
            service=service,
            provider=provider,
            change_type=change_type,
            outage_only=cleaned["outage_only"],
        )
        if rule is not None:
            same = same.exclude(pk=rule.pk)
        clash = same.first()
        if clash is not None:
            raise Conflict(f"{clash.name} already covers the same changes", field="name")
    return cleaned


def _rule_owner(rule: NoticeRule) -> Organisation | None:
    if rule.provider_id:
        return rule.provider
    return rule.service.provider if rule.service_id else None


def _rule_values(rule: NoticeRule) -> dict[str, Any]:
    return {name: getattr(rule, name) for name in _RULE_UPDATABLE}


@action
def create_notice_rule(
    *,
    actor: Actor,
    name: str,
    min_working_days: int,
    calendar: Calendar,
    service: Service | None = None,
    provider: Organisation | None = None,
    change_type: str = "",
    outage_only: bool = False,
    source: str = "",
) -> NoticeRule:
    """A minimum notice: ``min_working_days`` working days on ``calendar`` for changes to ``service``, or
    by ``provider``, or everything (neither), of one type or every type, outage changes only or all."""
    _refuse(actor)
    values = _clean_rule(
        {
            "name": name,
            "min_working_days": min_working_days,
            "calendar": calendar,
            "service": service,
            "provider": provider,
            "change_type": change_type,
            "outage_only": outage_only,
            "source": source,
        }
    )
    rule = NoticeRule.objects.create(**values)
    record(
        actor=actor,
        action="notice_rule.create",
        obj=rule,
        owner=_rule_owner(rule),
        changes={k: [None, _plain(v)] for k, v in values.items()},
    )
    return rule


@action
def update_notice_rule(*, actor: Actor, rule: NoticeRule, **fields: Any) -> NoticeRule:
    """Change any of the rule's fields (``is_active`` too: a rule switched off no longer applies)."""
    _refuse(actor)
    _unknown(fields, _RULE_UPDATABLE)
    rule = NoticeRule.objects.select_for_update().get(pk=rule.pk)
    before = _rule_values(rule)
    values = _clean_rule({**before, **fields}, rule=rule)
    for name, value in values.items():
        setattr(rule, name, value)
    rule.save()
    changes = _diff({k: _plain(v) for k, v in before.items()}, {k: _plain(v) for k, v in values.items()})
    record(actor=actor, action="notice_rule.update", obj=rule, owner=_rule_owner(rule), changes=changes)
    return rule


@action
def delete_notice_rule(*, actor: Actor, rule: NoticeRule) -> NoticeRule:
    """Remove a rule (changes already assessed keep the notice they were given and needed)."""
    _refuse(actor)
    rule = NoticeRule.objects.select_for_update().get(pk=rule.pk)
    record(actor=actor, action="notice_rule.delete", obj=rule, owner=_rule_owner(rule), note=rule.name)
    rule.delete()
    return rule


# Maintenance windows -------------------------------------------------------------------------------------


@action
def create_maintenance_window(
    *,
    actor: Actor,
    service: Service,
    weekday: int,
    start_time: dt.time,
    end_time: dt.time,
    note: str = "",
) -> MaintenanceWindow:
    """A weekly window in which ``service`` may be changed: ``weekday`` (0 is Monday) from ``start_time``
    to ``end_time``, London wall-clock times (an end before the start runs past midnight)."""
    _refuse(actor)
    if not isinstance(service, Service):
        raise ActionError("Choose a service from the catalogue", field="service")
    if isinstance(weekday, bool) or not isinstance(weekday, int) or not 0 <= weekday <= 6:
        raise ActionError("The day is 0 (Monday) to 6 (Sunday)", field="weekday")
    for value, field in ((start_time, "start_time"), (end_time, "end_time")):
        if not isinstance(value, dt.time):
            raise ActionError("Give a time of day (HH:MM)", field=field)
        if value.tzinfo is not None:
            raise ActionError("Give the London wall-clock time, without a zone", field=field)
    if start_time == end_time:
        raise ActionError("The end must differ from the start", field="end_time")
    note = steps.clean_text(note, field="note", limit=NOTE_MAX, what="The note")
    windows = MaintenanceWindow.objects.filter(service=service)
    if windows.filter(weekday=weekday, start_time=start_time, end_time=end_time).exists():
        raise Conflict("That window is already there", field="start_time")
    if windows.count() >= MAX_WINDOWS_PER_SERVICE:
        raise Conflict(f"{service} has {MAX_WINDOWS_PER_SERVICE} windows already", field="service")
    window = MaintenanceWindow.objects.create(
        service=service, weekday=weekday, start_time=start_time, end_time=end_time, note=note
    )
    recheck.recheck(recheck.changes_touched(service_ids=[service.pk]))
    record(
        actor=actor,
        action="maintenance_window.create",
        obj=window,
        owner=service.provider,
        changes={
            "weekday": [None, weekday],
            "start_time": [None, start_time],
            "end_time": [None, end_time],
            "note": [None, note],
        },
    )
    return window


@action
def delete_maintenance_window(*, actor: Actor, window: MaintenanceWindow) -> MaintenanceWindow:
    _refuse(actor)
    window = (
        MaintenanceWindow.objects.select_for_update().select_related("service__provider").get(pk=window.pk)
    )
    record(actor=actor, action="maintenance_window.delete", obj=window, owner=window.service.provider)
    window.delete()
    recheck.recheck(recheck.changes_touched(service_ids=[window.service_id]))
    return window


# Blackout windows ----------------------------------------------------------------------------------------


def _clean_blackout(values: dict[str, Any]) -> dict[str, Any]:
    cleaned = dict(values)
    cleaned["name"] = steps.clean_text(
        values.get("name"), field="name", limit=NAME_TEXT, what="The name", required=True
    )
    cleaned["reason"] = steps.clean_text(values.get("reason"), field="reason", what="The reason")
    starts_at, ends_at = values.get("starts_at"), values.get("ends_at")
    for value, field in ((starts_at, "starts_at"), (ends_at, "ends_at")):
        if not isinstance(value, dt.datetime):
            raise ActionError("Give the date and time", field=field)
        if value.tzinfo is None:
            raise ActionError("Give the time with its time zone", field=field)
        if not EARLIEST <= value <= LATEST:
            raise ActionError("That time is out of range", field=field)
    if ends_at <= starts_at:
        raise ActionError("The end must be after the start", field="ends_at")
    if ends_at - starts_at > MAX_WINDOW:
        raise ActionError("A blackout window can be at most a year long", field="ends_at")
    services = list(dict.fromkeys(values.get("services") or ()))
    if len(services) > steps.MAX_SERVICES:
        raise ActionError(f"Name at most {steps.MAX_SERVICES} services", field="services")
    for service in services:
        if not isinstance(service, Service):
            raise ActionError("Choose services from the catalogue", field="services")
    cleaned["services"] = services
    return cleaned


def _blackout_values(blackout: BlackoutWindow) -> dict[str, Any]:
    return {
        "name": blackout.name,
        "starts_at": blackout.starts_at,
        "ends_at": blackout.ends_at,
        "reason": blackout.reason,
        "services": list(blackout.services.order_by("pk")),
    }


def _journal_values(values: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in values.items() if k != "services"}
    out["services"] = sorted(s.slug for s in values["services"]) or None
    return out


@action
def create_blackout(
    *,
    actor: Actor,
    name: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    services: Iterable[Service] = (),
    reason: str = "",
) -> BlackoutWindow:
    """A period with no changes (year end, market events): on the ``services`` named, or on every service
    when none is named. At most a year long."""
    _refuse(actor)
    values = _clean_blackout(
        {"name": name, "starts_at": starts_at, "ends_at": ends_at, "services": services, "reason": reason}
    )
    blackout = BlackoutWindow.objects.create(
        name=values["name"], starts_at=starts_at, ends_at=ends_at, reason=values["reason"]
    )
    blackout.services.set(values["services"])
    recheck.recheck(
        recheck.changes_touched(
            starts_at=starts_at, ends_at=ends_at, service_ids=[s.pk for s in values["services"]]
        )
    )
    record(
        actor=actor,
        action="blackout.create",
        obj=blackout,
        owner=None,
        changes={k: [None, v] for k, v in _journal_values(values).items()},
    )
    return blackout


@action
def update_blackout(*, actor: Actor, blackout: BlackoutWindow, **fields: Any) -> BlackoutWindow:
    _refuse(actor)
    _unknown(fields, _BLACKOUT_UPDATABLE)
    blackout = BlackoutWindow.objects.select_for_update().get(pk=blackout.pk)
    before = _blackout_values(blackout)
    values = _clean_blackout({**before, **fields})
    blackout.name = values["name"]
    blackout.starts_at = values["starts_at"]
    blackout.ends_at = values["ends_at"]
    blackout.reason = values["reason"]
    blackout.save(update_fields=["name", "starts_at", "ends_at", "reason"])
    if "services" in fields:
        blackout.services.set(values["services"])
    # The changes the window touched before and those it touches now.
    touched = {
        c.pk: c
        for window in (before, values)
        for c in recheck.changes_touched(
            starts_at=window["starts_at"],
            ends_at=window["ends_at"],
            service_ids=[s.pk for s in window["services"]],
        )
    }
    recheck.recheck(touched.values())
    changes = _diff(_journal_values(before), _journal_values(values))
    record(actor=actor, action="blackout.update", obj=blackout, owner=None, changes=changes)
    return blackout


@action
def delete_blackout(*, actor: Actor, blackout: BlackoutWindow) -> BlackoutWindow:
    _refuse(actor)
    blackout = BlackoutWindow.objects.select_for_update().get(pk=blackout.pk)
    record(actor=actor, action="blackout.delete", obj=blackout, owner=None, note=blackout.name)
    touched = recheck.changes_touched(
        starts_at=blackout.starts_at,
        ends_at=blackout.ends_at,
        service_ids=list(blackout.services.values_list("pk", flat=True)),
    )
    blackout.delete()
    recheck.recheck(touched)
    return blackout


# Availability targets ------------------------------------------------------------------------------------


def _target(value: Any) -> Decimal:
    if isinstance(value, bool) or value is None:
        raise ActionError("Give the target as a percentage, e.g. 99.5", field="target_percent")
    try:
        target = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ActionError("Give the target as a percentage, e.g. 99.5", field="target_percent") from None
    if not target.is_finite():
        raise ActionError("Give the target as a percentage, e.g. 99.5", field="target_percent")
    if not Decimal("0") <= target <= Decimal("100"):
        raise ActionError("The target is 0 to 100 per cent", field="target_percent")
    if target != target.quantize(TARGET_PLACES):
        raise ActionError("Give the target to at most 3 decimal places", field="target_percent")
    return target.quantize(TARGET_PLACES)


@action
def set_availability_target(
    *,
    actor: Actor,
    service: Service,
    target_percent: Decimal | str | float,
    planned_counts: bool = False,
    agreement: str = "",
) -> AvailabilityTarget:
    """The availability agreed for ``service`` (its SLA or OLA), and whether planned maintenance counts
    against it (otherwise it is taken out of the agreed service time)."""
    _refuse(actor)
    if not isinstance(service, Service):
        raise ActionError("Choose a service from the catalogue", field="service")
    target = _target(target_percent)
    agreement = steps.clean_text(agreement, field="agreement", limit=AGREEMENT_MAX, what="The agreement")
    current = AvailabilityTarget.objects.select_for_update().filter(service=service).first()
    before = (
        {"target_percent": None, "planned_counts": None, "agreement": None}
        if current is None
        else {
            "target_percent": current.target_percent,
            "planned_counts": current.planned_counts,
            "agreement": current.agreement,
        }
    )
    values = {"target_percent": target, "planned_counts": bool(planned_counts), "agreement": agreement}
    if current is None:
        current = AvailabilityTarget.objects.create(service=service, **values)
    else:
        for name, value in values.items():
            setattr(current, name, value)
        current.save(update_fields=list(values))
    record(
        actor=actor,
        action="availability_target.set",
        obj=current,
        owner=service.provider,
        changes=_diff(before, values),
    )
    return current

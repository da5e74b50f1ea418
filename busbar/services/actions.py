"""Every change to the service catalogue, calendars, severity schemes and SLA policies.

Only platform administrators and operations managers change the catalogue (the system actor may too, for
installation and demo data). Each function is one transaction and journals its change with before/after.

The SLA engine (busbar.incidents.sla) caches target tables by (policy id, policy.updated_at) and working
calendars by (calendar id, calendar.updated_at), so every change here that alters how a clock is measured
saves the policy or calendar concerned; a calendar change also touches the policies whose targets use it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify

from busbar.audit.journal import diff, record, snapshot
from busbar.lib import registry
from busbar.lib.actions import ActionError, Actor, Conflict, action, refuse
from busbar.parties.models import Organisation
from busbar.parties.queries import scope_of
from busbar.services import permissions
from busbar.services.listeners import status_changed
from busbar.services.models import (
    Calendar,
    CalendarClosure,
    Service,
    Severity,
    SeverityScheme,
    SlaPolicy,
    SlaTarget,
    StatusPeriod,
)

#: Passed for an optional argument that should stay as it is (``None`` may be a meaningful value).
KEEP: Any = type("Keep", (), {"__repr__": lambda self: "KEEP"})()

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
WARNING_MIN, WARNING_MAX = Decimal("0.10"), Decimal("0.99")
SERVICE_FIELDS = ("name", "slug", "description", "parent", "provider", "calendar", "sla_policy", "is_active")
CALENDAR_FIELDS = ("name", "kind", "weekly_hours", "bank_holidays")
POLICY_FIELDS = ("name", "scheme", "warning_ratio", "is_default")
#: A calendar closure may be recorded up to this many days after the day (an unplanned closure, e.g. snow),
#: and planned up to this many years ahead.
CLOSURE_PAST_DAYS = 31
CLOSURE_FUTURE_YEARS = 2
#: The longest status note (shown on the status board).
STATUS_NOTE_MAX = 2000
#: Short names the catalogue's own addresses use (/services/new/).
RESERVED_SLUGS = frozenset({"new"})
_HHMM = re.compile(r"^(?:[01]\d|2[0-3]):[0-5]\d$")


# Who may change the catalogue -------------------------------------------------------------------------------


def _require_catalogue_admin(actor: Actor) -> None:
    refuse(permissions.can_change_catalogue(scope_of(actor)))


def _clean_name(value: str, *, what: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ActionError(f"Give the {what} a name", field="name")
    return value


# Services ---------------------------------------------------------------------------------------------------


def _service_state(service: Service) -> dict:
    state = snapshot(service, SERVICE_FIELDS)
    state["status"] = service.status
    state["depends_on"] = sorted(service.depends_on.values_list("name", flat=True))
    return state


def _check_provider(provider: Organisation) -> Organisation:
    org = Organisation.objects.prefetch_related("roles").get(pk=provider.pk)
    if not org.is_provider:
        raise ActionError(
            f"{org} does not hold a provider role, so it cannot run a service", field="provider"
        )
    if not org.is_active:
        raise ActionError(f"{org} is not active", field="provider")
    return org


def _check_parent(service: Service | None, parent: Service | None) -> None:
    if parent is None:
        return
    if service is None:
        return
    seen: set[int] = set()
    node: Service | None = parent
    chain = [service.name]
    while node is not None and node.pk not in seen:
        chain.append(node.name)
        if node.pk == service.pk:
            if len(chain) == 2:
                raise ActionError("A service cannot be a component of itself", field="parent")
            raise ActionError(
                "That would make the service a component of itself: " + " → ".join(reversed(chain)),
                field="parent",
            )
        seen.add(node.pk)
        node = Service.objects.filter(pk=node.parent_id).first() if node.parent_id else None


def _dependency_cycle(service_id: int | None, targets: Sequence[Service]) -> list[int] | None:
    """A path ``target → … → service`` along existing dependencies, if adding the edges would close a loop."""
    if service_id is None:
        return None  # A new service has no dependants yet, so it cannot close a loop.
    edges: dict[int, list[int]] = {}
    through = Service.depends_on.through
    for src, dst in through.objects.values_list("from_service_id", "to_service_id"):
        if src != service_id:  # the service's own edges are being replaced
            edges.setdefault(src, []).append(dst)
    for target in targets:
        # Depth-first search from target looking for service_id.
        stack: list[tuple[int, list[int]]] = [(target.pk, [target.pk])]
        seen: set[int] = set()
        while stack:
            node, path = stack.pop()
            if node == service_id:
                return path
            if node in seen:
                continue
            seen.add(node)
            for nxt in edges.get(node, ()):
                stack.append((nxt, [*path, nxt]))
    return None


def _check_dependencies(service: Service | None, depends_on: Iterable[Service]) -> list[Service]:
    deps = list({d.pk: d for d in depends_on}.values())
    if service is not None and any(d.pk == service.pk for d in deps):
        raise ActionError("A service cannot depend on itself", field="depends_on")
    path = _dependency_cycle(service.pk if service else None, deps)
    if path is not None:
        names = dict(Service.objects.filter(pk__in=path).values_list("pk", "name"))
        loop = " → ".join([service.name, *(names[p] for p in path)])  # type: ignore[union-attr]
        raise ActionError(f"That dependency would make a loop: {loop}", field="depends_on")
    return deps


def _check_unique_service(name: str, slug: str, exclude: int | None) -> None:
    others = Service.objects.exclude(pk=exclude) if exclude else Service.objects.all()
    if others.filter(name__iexact=name).exists():
        raise Conflict(f"A service called {name!r} already exists", field="name")
    if others.filter(slug=slug).exists():
        raise Conflict(f"The short name {slug!r} is taken", field="slug")


def _clean_slug(slug: str, name: str) -> str:
    slug = slugify(slug or name)[:60].strip("-")
    if not slug:
        raise ActionError("Give the service a short name made of letters, digits and hyphens", field="slug")
    if slug in RESERVED_SLUGS:
        raise ActionError(f"The short name {slug!r} is reserved for the catalogue's own pages", field="slug")
    return slug


def _check_policy_change(service: Service, policy: SlaPolicy) -> None:
    """Open incidents keep their severity, so a service with open incidents keeps its severity scheme."""
    if service.sla_policy_id == policy.pk or service.sla_policy.scheme_id == policy.scheme_id:
        return
    for user in registry.sla_users():
        open_count = user.open_on_service(service)
        if open_count:
            what = user.label if open_count == 1 else f"{user.label}s"
            raise ActionError(
                f"{service} has {open_count} open {what} graded on {service.sla_policy.scheme}; "
                f"choose a policy using that scheme, or close them first",
                field="sla_policy",
            )


def _default_policy() -> SlaPolicy:
    policy = SlaPolicy.objects.filter(is_default=True).first()
    if policy is None:
        raise ActionError(
            "There is no default SLA policy: choose one, or mark a policy as default", field="sla_policy"
        )
    return policy


@action
def create_service(
    *,
    actor: Actor,
    name: str,
    provider: Organisation,
    calendar: Calendar,
    slug: str = "",
    description: str = "",
    parent: Service | None = None,
    depends_on: Iterable[Service] = (),
    sla_policy: SlaPolicy | None = None,
    status: str = Service.Status.OPERATIONAL,
) -> Service:
    """Add a service (or a component of one). With no policy given, the default SLA policy applies."""
    _require_catalogue_admin(actor)
    name = _clean_name(name, what="service")
    slug = _clean_slug(slug, name)
    _check_unique_service(name, slug, None)
    if status not in Service.Status.values:
        raise ActionError(f"Unknown status {status!r}", field="status")
    provider = _check_provider(provider)
    deps = _check_dependencies(None, depends_on)
    service = Service.objects.create(
        name=name,
        slug=slug,
        description=(description or "").strip(),
        parent=parent,
        provider=provider,
        calendar=calendar,
        sla_policy=sla_policy or _default_policy(),
        status=status,
    )
    service.depends_on.set(deps)
    record(
        actor=actor,
        action="service.create",
        obj=service,
        owner=provider,
        changes=diff({}, _service_state(service)),
    )
    return service


@action
def update_service(
    *,
    actor: Actor,
    service: Service,
    name: str | None = None,
    slug: str | None = None,
    description: str | None = None,
    provider: Organisation | None = None,
    calendar: Calendar | None = None,
    sla_policy: SlaPolicy | None = None,
    parent: Service | None = KEEP,
    depends_on: Iterable[Service] | None = None,
    is_active: bool | None = None,
) -> Service:
    """Change a service. ``parent=None`` makes it a top-level service; leave it out to keep the parent."""
    _require_catalogue_admin(actor)
    svc = Service.objects.select_for_update().select_related("sla_policy", "provider").get(pk=service.pk)
    before = _service_state(svc)
    if name is not None:
        svc.name = _clean_name(name, what="service")
    if slug is not None:
        svc.slug = _clean_slug(slug, svc.name)
    _check_unique_service(svc.name, svc.slug, svc.pk)
    if description is not None:
        svc.description = description.strip()
    if provider is not None and provider.pk != svc.provider_id:
        svc.provider = _check_provider(provider)
    if calendar is not None:
        svc.calendar = calendar
    if sla_policy is not None:
        _check_policy_change(svc, sla_policy)
        svc.sla_policy = sla_policy
    if parent is not KEEP:
        _check_parent(svc, parent)
        svc.parent = parent
    if is_active is not None:
        svc.is_active = is_active
    svc.save()
    if sla_policy is not None:
        _recompute_open_incidents([svc.sla_policy_id])
    if depends_on is not None:
        svc.depends_on.set(_check_dependencies(svc, depends_on))
    changes = diff(before, _service_state(svc))
    if not changes:
        raise ActionError("Nothing to change")
    # A provider change is visible to both the old and the new provider.
    record(actor=actor, action="service.update", obj=svc, owner=svc.provider, changes=changes)
    return svc


@action
def set_service_status(*, actor: Actor, service: Service, status: str, note: str = "") -> Service:
    """Say how the service is doing now (operational, degraded, outage, planned maintenance) and why.

    The note is shown on the status board beside the status until the next change (an empty note clears
    it). The board shows the worse of this status and the service's live published major incidents, and
    passes it on to components and dependants (:mod:`busbar.services.status`).
    """
    _require_catalogue_admin(actor)
    if status not in Service.Status.values:
        choices = ", ".join(Service.Status.values)
        raise ActionError(f"Unknown status {status!r}; choose one of {choices}", field="status")
    note = (note or "").strip()
    if len(note) > STATUS_NOTE_MAX:
        raise ActionError(f"Keep the note to {STATUS_NOTE_MAX} characters", field="note")
    svc = Service.objects.select_for_update().select_related("provider").get(pk=service.pk)
    if svc.status == status and svc.status_note == note:
        raise ActionError(f"{svc} is already {svc.get_status_display().lower()}", field="status")
    changes: dict[str, list[str]] = {}
    if svc.status != status:
        changes["status"] = [svc.status, status]
    else:
        # Only the note changes (the new note is the entry's note either way).
        changes["status_note"] = [svc.status_note, note]
    now = timezone.now()
    previous = svc.status
    if svc.status != status:
        transaction.on_commit(lambda: status_changed(svc, previous, status, note))
        # The hand-set status history that availability reads: one open period while not operational.
        StatusPeriod.objects.filter(service=svc, ended_at__isnull=True).update(ended_at=now)
        if status != Service.Status.OPERATIONAL:
            StatusPeriod.objects.create(service=svc, status=status, started_at=now, note=note)
    svc.status = status
    svc.status_note = note
    svc.status_changed_at = now
    svc.save(update_fields=["status", "status_note", "status_changed_at"])
    record(
        actor=actor,
        action="service.status",
        obj=svc,
        owner=svc.provider,
        changes=changes,
        note=note,
    )
    return svc


# Calendars --------------------------------------------------------------------------------------------------


def _minutes(value: str, *, day: int, end: bool) -> int:
    if end and value in ("24:00", "00:00"):
        return 24 * 60
    if not isinstance(value, str) or not _HHMM.match(value):
        raise ActionError(
            f"{WEEKDAYS[day]}: {value!r} is not a time; write HH:MM on the 24-hour clock, e.g. 08:00",
            field=f"weekly_hours.{day}",
        )
    hours, minutes = value.split(":")
    return int(hours) * 60 + int(minutes)


def _clean_weekly_hours(weekly_hours: Mapping[Any, Any] | None) -> dict[str, list[list[str]]]:
    """Validated weekly hours: ``{"0": [["08:00", "18:00"]], …}``, days 0 (Monday) to 6, windows in order.

    An end of ``24:00`` (or ``00:00``) means midnight at the end of the day and is stored as ``00:00``.
    """
    if weekly_hours is None:
        return {}
    if not isinstance(weekly_hours, Mapping):
        raise ActionError(
            "Weekly hours must map each weekday (0 = Monday … 6 = Sunday) to windows", field="weekly_hours"
        )
    clean: dict[str, list[list[str]]] = {}
    for key, windows in weekly_hours.items():
        try:
            day = int(key)
        except (TypeError, ValueError):
            day = -1
        if not 0 <= day <= 6 or isinstance(key, bool):
            raise ActionError(f"{key!r} is not a weekday: use 0 (Monday) to 6 (Sunday)", field="weekly_hours")
        if str(day) in clean:
            raise ActionError(f"{WEEKDAYS[day]} is given twice", field=f"weekly_hours.{day}")
        spans: list[tuple[int, int, str, str]] = []
        for window in windows or ():
            if isinstance(window, str) or not isinstance(window, Sequence) or len(window) != 2:
                raise ActionError(
                    f"{WEEKDAYS[day]}: each window is a pair of times [start, end], got {window!r}",
                    field=f"weekly_hours.{day}",
                )
            start, end = window
            s, e = _minutes(start, day=day, end=False), _minutes(end, day=day, end=True)
            if s >= e:
                raise ActionError(
                    f"{WEEKDAYS[day]}: {start}–{end} must start before it ends "
                    "(hours cannot cross midnight; split them across two days)",
                    field=f"weekly_hours.{day}",
                )
            spans.append((s, e, start, "00:00" if e == 24 * 60 else end))
        spans.sort()
        for (_, prev_end, a, b), (s, _, c, d) in zip(spans, spans[1:], strict=False):
            if s < prev_end:
                shown_b = "24:00" if b == "00:00" else b
                shown_d = "24:00" if d == "00:00" else d
                raise ActionError(
                    f"{WEEKDAYS[day]}: {a}–{shown_b} overlaps {c}–{shown_d}", field=f"weekly_hours.{day}"
                )
        if spans:
            clean[str(day)] = [[a, b] for _, _, a, b in spans]
    return dict(sorted(clean.items()))


def _clean_calendar(kind: str, weekly_hours: Mapping | None, bank_holidays: bool) -> tuple[dict, bool]:
    if kind not in Calendar.Kind.values:
        raise ActionError(f"Unknown calendar kind {kind!r}; choose 24x7 or working_hours", field="kind")
    hours = _clean_weekly_hours(weekly_hours)
    if kind == Calendar.Kind.ALWAYS:
        if hours:
            raise ActionError(
                "A 24x7 calendar is always open: leave the weekly hours empty", field="weekly_hours"
            )
        return {}, False
    if not hours:
        raise ActionError(
            "A working-hours calendar needs opening hours on at least one day", field="weekly_hours"
        )
    return hours, bool(bank_holidays)


def _recompute_open_incidents(policy_ids: Iterable[int]) -> None:
    """Once committed, bring the SLA cache of open records under these policies up to date (each record
    type that uses the policies queues its own recomputation)."""
    for policy_id in sorted(set(policy_ids)):
        for user in registry.sla_users():
            transaction.on_commit(lambda p=policy_id, u=user: u.policy_changed(p))


def _touch_policies_using(calendar: Calendar, now: dt.datetime) -> None:
    """Invalidate cached target tables that hold this calendar (cache bookkeeping, not a policy change)."""
    policy_ids = list(
        SlaPolicy.objects.filter(targets__calendar=calendar).values_list("pk", flat=True).distinct()
    )
    SlaPolicy.objects.filter(pk__in=policy_ids).update(updated_at=now)
    _recompute_open_incidents(policy_ids)


def _calendar_state(calendar: Calendar) -> dict:
    return snapshot(calendar, CALENDAR_FIELDS)


@action
def create_calendar(
    *,
    actor: Actor,
    name: str,
    kind: str = Calendar.Kind.ALWAYS,
    weekly_hours: Mapping | None = None,
    bank_holidays: bool = True,
) -> Calendar:
    """A support calendar: 24x7, or working hours per weekday in UK time, maybe closed on bank holidays."""
    _require_catalogue_admin(actor)
    name = _clean_name(name, what="calendar")
    if Calendar.objects.filter(name__iexact=name).exists():
        raise Conflict(f"A calendar called {name!r} already exists", field="name")
    hours, holidays = _clean_calendar(kind, weekly_hours, bank_holidays)
    calendar = Calendar.objects.create(name=name, kind=kind, weekly_hours=hours, bank_holidays=holidays)
    record(
        actor=actor,
        action="calendar.create",
        obj=calendar,
        owner=None,
        changes=diff({}, _calendar_state(calendar)),
    )
    return calendar


@action
def update_calendar(
    *,
    actor: Actor,
    calendar: Calendar,
    name: str | None = None,
    kind: str | None = None,
    weekly_hours: Mapping | None = None,
    bank_holidays: bool | None = None,
) -> Calendar:
    _require_catalogue_admin(actor)
    cal = Calendar.objects.select_for_update().get(pk=calendar.pk)
    before = _calendar_state(cal)
    if name is not None:
        cal.name = _clean_name(name, what="calendar")
        if Calendar.objects.filter(name__iexact=cal.name).exclude(pk=cal.pk).exists():
            raise Conflict(f"A calendar called {cal.name!r} already exists", field="name")
    new_kind = kind if kind is not None else cal.kind
    if weekly_hours is not None:
        hours = weekly_hours
    elif new_kind == Calendar.Kind.ALWAYS:
        hours = {}
    else:
        hours = cal.weekly_hours
    cal.kind = new_kind
    cal.weekly_hours, cal.bank_holidays = _clean_calendar(
        new_kind, hours, cal.bank_holidays if bank_holidays is None else bank_holidays
    )
    changes = diff(before, _calendar_state(cal))
    if not changes:
        raise ActionError("Nothing to change")
    cal.save()
    _touch_policies_using(cal, cal.updated_at)
    record(actor=actor, action="calendar.update", obj=cal, owner=None, changes=changes)
    return cal


@action
def add_closure(*, actor: Actor, calendar: Calendar, date: dt.date, reason: str = "") -> CalendarClosure:
    """Close a working-hours calendar for a whole (UK) day, beyond the bank holidays."""
    _require_catalogue_admin(actor)
    cal = Calendar.objects.select_for_update().get(pk=calendar.pk)
    if not isinstance(date, dt.date) or isinstance(date, dt.datetime):
        raise ActionError("Give the closure as a date", field="date")
    if cal.kind == Calendar.Kind.ALWAYS:
        raise ActionError(f"{cal} is open 24x7 and has no closures", field="date")
    today = timezone.localdate()
    earliest = today - dt.timedelta(days=CLOSURE_PAST_DAYS)
    latest = today.replace(year=today.year + CLOSURE_FUTURE_YEARS, day=min(today.day, 28))
    if not earliest <= date <= latest:
        # An old closure would rewrite SLA clocks long measured; one years ahead is a typo.
        raise ActionError(
            f"A closure must be between {earliest:%d %B %Y} (at most {CLOSURE_PAST_DAYS} days ago) and "
            f"{latest:%d %B %Y}; {date:%d %B %Y} is not",
            field="date",
        )
    if cal.closures.filter(date=date).exists():
        raise Conflict(f"{cal} is already closed on {date:%d %B %Y}", field="date")
    closure = CalendarClosure.objects.create(calendar=cal, date=date, reason=(reason or "").strip()[:200])
    cal.save(update_fields=["updated_at"])
    _touch_policies_using(cal, cal.updated_at)
    record(
        actor=actor,
        action="calendar.closure_add",
        obj=cal,
        owner=None,
        changes={"closure": [None, date.isoformat()], "reason": [None, closure.reason]},
    )
    return closure


@action
def remove_closure(*, actor: Actor, closure: CalendarClosure) -> Calendar:
    _require_catalogue_admin(actor)
    found = CalendarClosure.objects.select_related("calendar").filter(pk=closure.pk).first()
    if found is None:
        raise ActionError("That closure has already been removed", field="date")
    cal = Calendar.objects.select_for_update().get(pk=found.calendar_id)
    date, reason = found.date, found.reason
    found.delete()
    cal.save(update_fields=["updated_at"])
    _touch_policies_using(cal, cal.updated_at)
    record(
        actor=actor,
        action="calendar.closure_remove",
        obj=cal,
        owner=None,
        changes={"closure": [date.isoformat(), None], "reason": [reason, None]},
    )
    return cal


# Severity schemes -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SeveritySpec:
    """One level of a new scheme. ``rank`` 1 is the most severe; 0 means "in the order given"."""

    code: str
    label: str
    is_major: bool = False
    description: str = ""
    rank: int = 0


def _clean_severities(severities: Iterable[SeveritySpec | Mapping]) -> list[SeveritySpec]:
    specs: list[SeveritySpec] = []
    for index, item in enumerate(severities):
        try:
            spec = item if isinstance(item, SeveritySpec) else SeveritySpec(**dict(item))
        except TypeError:
            raise ActionError(
                f"Severity {index + 1}: give code, label and optionally is_major, description, rank",
                field=f"severities.{index}",
            ) from None
        code, label = str(spec.code or "").strip(), str(spec.label or "").strip()
        if not code or len(code) > 10:
            raise ActionError(
                f"Severity {index + 1}: give a code of 1 to 10 characters", field=f"severities.{index}"
            )
        if not label or len(label) > 100:
            raise ActionError(
                f"Severity {code}: give it a label of up to 100 characters", field=f"severities.{index}"
            )
        rank = spec.rank or index + 1
        specs.append(
            SeveritySpec(
                code=code,
                label=label,
                is_major=bool(spec.is_major),
                description=(spec.description or "").strip(),
                rank=rank,
            )
        )
    if not specs:
        raise ActionError("A scheme needs at least one severity", field="severities")
    codes = [s.code.lower() for s in specs]
    if len(set(codes)) != len(codes):
        raise ActionError("Each severity needs its own code", field="severities")
    ranks = [s.rank for s in specs]
    if len(set(ranks)) != len(ranks) or min(ranks) < 1:
        raise ActionError("Each severity needs its own rank, 1 being the most severe", field="severities")
    return sorted(specs, key=lambda s: s.rank)


@action
def create_severity_scheme(
    *, actor: Actor, name: str, severities: Iterable[SeveritySpec | Mapping], description: str = ""
) -> SeverityScheme:
    """A new set of severities (e.g. SEC's five incident categories): data, not code."""
    _require_catalogue_admin(actor)
    name = _clean_name(name, what="scheme")
    if SeverityScheme.objects.filter(name__iexact=name).exists():
        raise Conflict(f"A severity scheme called {name!r} already exists", field="name")
    specs = _clean_severities(severities)
    scheme = SeverityScheme.objects.create(name=name, description=(description or "").strip())
    Severity.objects.bulk_create(
        [
            Severity(
                scheme=scheme,
                code=s.code,
                label=s.label,
                description=s.description,
                rank=s.rank,
                is_major=s.is_major,
            )
            for s in specs
        ]
    )
    record(
        actor=actor,
        action="severity_scheme.create",
        obj=scheme,
        owner=None,
        changes={
            "name": [None, scheme.name],
            "description": [None, scheme.description],
            "severities": [
                None,
                [f"{s.rank}. {s.code} {s.label}{' (major)' if s.is_major else ''}" for s in specs],
            ],
        },
    )
    return scheme


# SLA policies and targets -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TargetSpec:
    """One row of a policy's target table."""

    severity: Severity
    clock: str
    amount: int
    unit: str
    calendar: Calendar


def _clean_ratio(value: Decimal | float | str) -> Decimal:
    try:
        ratio = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise ActionError(f"{value!r} is not a number", field="warning_ratio") from None
    if not WARNING_MIN <= ratio <= WARNING_MAX:
        raise ActionError(
            f"The warning threshold must be between {WARNING_MIN} and {WARNING_MAX} (a share of the target)",
            field="warning_ratio",
        )
    return ratio


def _policy_state(policy: SlaPolicy) -> dict:
    return snapshot(policy, POLICY_FIELDS)


def _target_label(t: SlaTarget | TargetSpec) -> str:
    unit = SlaTarget.Unit(t.unit).label
    return f"{t.amount} {unit} on {t.calendar.name}"


def _targets_state(policy: SlaPolicy) -> dict:
    return {
        f"target {t.severity.code} {t.clock}": _target_label(t)
        for t in policy.targets.select_related("severity", "calendar")
    }


def _clean_target(policy: SlaPolicy, spec: TargetSpec, *, field: str) -> TargetSpec:
    if spec.severity.scheme_id != policy.scheme_id:
        raise ActionError(
            f"Severity {spec.severity.code} belongs to {spec.severity.scheme}, not to {policy.scheme}",
            field=f"{field}.severity",
        )
    if spec.clock not in SlaTarget.Clock.values:
        raise ActionError(
            f"Unknown clock {spec.clock!r}; choose response or resolution", field=f"{field}.clock"
        )
    if spec.unit not in SlaTarget.Unit.values:
        raise ActionError(
            f"Unknown unit {spec.unit!r}; choose {', '.join(SlaTarget.Unit.values)}", field=f"{field}.unit"
        )
    if isinstance(spec.amount, bool) or not isinstance(spec.amount, int) or spec.amount < 1:
        raise ActionError("The target must be a whole number of at least 1", field=f"{field}.amount")
    most = SlaTarget.MAX_AMOUNT[spec.unit]
    if spec.amount > most:
        raise ActionError(
            f"A target can be at most {most:,} {SlaTarget.Unit(spec.unit).label} (a year)",
            field=f"{field}.amount",
        )
    if spec.calendar is None:
        raise ActionError("Say which calendar the target is measured on", field=f"{field}.calendar")
    return spec


def _day_minutes(calendar: Calendar) -> int:
    """A working day of ``calendar`` in minutes (its longest day): how a target in working days compares
    with one in hours or minutes."""
    if calendar.kind == Calendar.Kind.ALWAYS:
        return 24 * 60
    longest = 0
    for spans in (calendar.weekly_hours or {}).values():
        total = 0
        for start, end in spans:
            (h1, m1), (h2, m2) = (map(int, start.split(":")), map(int, end.split(":")))
            total += (h2 * 60 + m2) - (h1 * 60 + m1)
        longest = max(longest, total)
    return longest or 24 * 60


def _nominal_minutes(spec: SlaTarget | TargetSpec) -> int:
    per = {"minutes": 1, "hours": 60}.get(spec.unit) or _day_minutes(spec.calendar)
    return spec.amount * per


def _response_within_resolution(specs: Sequence[SlaTarget | TargetSpec], fields: Sequence[str]) -> None:
    """Refuse a table in which a severity's response target is longer than its resolution target (it could
    never be met later than the incident is due to be resolved). ``fields[i]`` names ``specs[i]``."""
    by_severity: dict[int, dict[str, tuple[SlaTarget | TargetSpec, str]]] = {}
    for spec, field in zip(specs, fields, strict=True):
        by_severity.setdefault(spec.severity.pk, {})[spec.clock] = (spec, field)
    for clocks in by_severity.values():
        if "response" not in clocks or "resolution" not in clocks:
            continue
        (response, field), (resolution, _) = clocks["response"], clocks["resolution"]
        if _nominal_minutes(response) > _nominal_minutes(resolution):
            raise ActionError(
                f"Severity {response.severity.code}: the response target ({_target_label(response)}) is "
                f"longer than the resolution target ({_target_label(resolution)}); a response must be due "
                "no later than the resolution",
                field=field,
            )


def _write_target(policy: SlaPolicy, spec: TargetSpec) -> None:
    SlaTarget.objects.update_or_create(
        policy=policy,
        severity=spec.severity,
        clock=spec.clock,
        defaults={"amount": spec.amount, "unit": spec.unit, "calendar": spec.calendar},
    )


def _make_default(actor: Actor, policy: SlaPolicy) -> None:
    for old in SlaPolicy.objects.select_for_update().filter(is_default=True).exclude(pk=policy.pk):
        old.is_default = False
        old.save(update_fields=["is_default", "updated_at"])
        record(
            actor=actor,
            action="sla_policy.update",
            obj=old,
            owner=None,
            changes={"is_default": [True, False]},
            note=f"{policy.name} is now the default policy",
        )


@action
def create_sla_policy(
    *,
    actor: Actor,
    name: str,
    scheme: SeverityScheme,
    warning_ratio: Decimal | float | str = Decimal("0.75"),
    is_default: bool = False,
    targets: Iterable[TargetSpec] = (),
) -> SlaPolicy:
    """A policy of response and resolution targets for one severity scheme."""
    _require_catalogue_admin(actor)
    name = _clean_name(name, what="policy")
    if SlaPolicy.objects.filter(name__iexact=name).exists():
        raise Conflict(f"An SLA policy called {name!r} already exists", field="name")
    ratio = _clean_ratio(warning_ratio)
    policy = SlaPolicy(name=name, scheme=scheme, warning_ratio=ratio, is_default=False)
    specs = [_clean_target(policy, s, field=f"targets.{i}") for i, s in enumerate(targets)]
    _no_duplicate_targets(specs)
    _response_within_resolution(specs, [f"targets.{i}.amount" for i in range(len(specs))])
    if is_default:
        _make_default(actor, policy)
        policy.is_default = True
    policy.save()
    for spec in specs:
        _write_target(policy, spec)
    record(
        actor=actor,
        action="sla_policy.create",
        obj=policy,
        owner=None,
        changes=diff({}, {**_policy_state(policy), **_targets_state(policy)}),
    )
    return policy


@action
def update_sla_policy(
    *,
    actor: Actor,
    policy: SlaPolicy,
    name: str | None = None,
    warning_ratio: Decimal | float | str | None = None,
    is_default: bool | None = None,
) -> SlaPolicy:
    """Rename, change the warning threshold, or make this the default policy for new services."""
    _require_catalogue_admin(actor)
    pol = SlaPolicy.objects.select_for_update().select_related("scheme").get(pk=policy.pk)
    before = _policy_state(pol)
    if name is not None:
        pol.name = _clean_name(name, what="policy")
        if SlaPolicy.objects.filter(name__iexact=pol.name).exclude(pk=pol.pk).exists():
            raise Conflict(f"An SLA policy called {pol.name!r} already exists", field="name")
    if warning_ratio is not None:
        pol.warning_ratio = _clean_ratio(warning_ratio)
    if is_default is not None and is_default != pol.is_default:
        if not is_default:
            raise ActionError(
                "There must always be a default policy: make another policy the default instead",
                field="is_default",
            )
        _make_default(actor, pol)
        pol.is_default = True
    changes = diff(before, _policy_state(pol))
    if not changes:
        raise ActionError("Nothing to change")
    pol.save()
    _recompute_open_incidents([pol.pk])
    record(actor=actor, action="sla_policy.update", obj=pol, owner=None, changes=changes)
    return pol


def _no_duplicate_targets(specs: Sequence[TargetSpec]) -> None:
    seen: set[tuple[int, str]] = set()
    for index, spec in enumerate(specs):
        key = (spec.severity.pk, spec.clock)
        if key in seen:
            raise ActionError(
                f"Severity {spec.severity.code} has two {spec.clock} targets",
                field=f"targets.{index}.severity",
            )
        seen.add(key)


@action
def set_target(
    *,
    actor: Actor,
    policy: SlaPolicy,
    severity: Severity,
    clock: str,
    amount: int,
    unit: str,
    calendar: Calendar,
) -> SlaTarget:
    """Set (add or change) one target of a policy."""
    _require_catalogue_admin(actor)
    pol = SlaPolicy.objects.select_for_update().select_related("scheme").get(pk=policy.pk)
    spec = _clean_target(
        pol,
        TargetSpec(severity=severity, clock=clock, amount=amount, unit=unit, calendar=calendar),
        field="target",
    )
    other = pol.targets.select_related("severity", "calendar").filter(severity=severity).exclude(clock=clock)
    _response_within_resolution([spec, *other], ["target.amount", *["target.amount"] * len(other)])
    existing = pol.targets.select_related("calendar").filter(severity=severity, clock=clock).first()
    before = _target_label(existing) if existing else None
    _write_target(pol, spec)
    after = _target_label(spec)
    if before == after:
        raise ActionError("The target is already set to that", field="target.amount")
    pol.save(update_fields=["updated_at"])  # the SLA engine's cache key
    _recompute_open_incidents([pol.pk])
    record(
        actor=actor,
        action="sla_policy.target",
        obj=pol,
        owner=None,
        changes={f"target {severity.code} {clock}": [before, after]},
    )
    return pol.targets.get(severity=severity, clock=clock)


@action
def set_targets(*, actor: Actor, policy: SlaPolicy, targets: Iterable[TargetSpec]) -> SlaPolicy:
    """Replace a policy's whole target table (targets not listed are removed)."""
    _require_catalogue_admin(actor)
    pol = SlaPolicy.objects.select_for_update().select_related("scheme").get(pk=policy.pk)
    specs = [_clean_target(pol, s, field=f"targets.{i}") for i, s in enumerate(targets)]
    _no_duplicate_targets(specs)
    _response_within_resolution(specs, [f"targets.{i}.amount" for i in range(len(specs))])
    before = _targets_state(pol)
    keep = Q()
    for spec in specs:
        _write_target(pol, spec)
        keep |= Q(severity=spec.severity, clock=spec.clock)
    stale = pol.targets.exclude(keep) if specs else pol.targets.all()
    stale.delete()
    changes = diff(before, _targets_state(pol))
    if not changes:
        raise ActionError("The targets are already set to that", field="targets")
    pol.save(update_fields=["updated_at"])  # the SLA engine's cache key
    _recompute_open_incidents([pol.pk])
    record(actor=actor, action="sla_policy.targets", obj=pol, owner=None, changes=changes)
    return pol

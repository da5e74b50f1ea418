"""SLAs and OLAs as data (SL-01, SL-19): the desk creates and edits agreements and their targets.

* An **SLA** is towards participants, for one service or (no service) for the switching service end to
  end; it has no provider.
* An **OLA** is between the operator and one provider organisation; it has no service.
* A target is a KPI (:data:`busbar.reports.kpis.CODES`), optionally one severity of the REC scheme, and a
  value: a percentage 0–100, or a count or minutes 0–10,000,000.

Every action refuses with :func:`busbar.reports.permissions.can_manage_agreements`, checks every value
before writing anything and writes the audit journal."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import timezone

from busbar.audit.journal import record
from busbar.lib.actions import ActionError, Actor, Conflict, action, refuse
from busbar.lib.limits import EARLIEST_DATE, LATEST_DATE, NAME_TEXT, clean_text
from busbar.parties.models import Organisation
from busbar.parties.queries import scope_of
from busbar.reports import kpis, permissions
from busbar.reports.models import Agreement, AgreementTarget
from busbar.reports.targets import SEVERITY_SCHEME, severity_codes
from busbar.services.models import Service

__all__ = [
    "create_agreement",
    "update_agreement",
    "add_target",
    "update_target",
    "remove_target",
]

#: The severity scheme agreement targets name their severities in.
NOTES_MAX = 5000
#: The largest count or minutes a target may set (percentages are 0–100).
MAX_VALUE = Decimal("10000000")
PLACES = Decimal("0.001")
_UPDATABLE = frozenset({"name", "service", "provider", "starts_on", "ends_on", "notes"})


def _refuse(actor: Actor) -> None:
    refuse(permissions.can_manage_agreements(scope_of(actor)))


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str | Decimal | dt.date):
        return value
    return str(value)


def _date(value: Any, *, field: str, required: bool) -> dt.date | None:
    if value is None or value == "":
        if required:
            raise ActionError("Give the date", field=field)
        return None
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise ActionError("Give a date (YYYY-MM-DD)", field=field)
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise ActionError(f"The date is between {EARLIEST_DATE} and {LATEST_DATE}", field=field)
    return value


def _clean_agreement(kind: str, values: dict[str, Any]) -> dict[str, Any]:
    """The agreement's fields checked together (the same checks for a new agreement and an edit)."""
    if kind not in Agreement.Kind.values:
        raise ActionError("Choose sla or ola", field="kind")
    cleaned: dict[str, Any] = {}
    cleaned["name"] = clean_text(values.get("name"), field="name", limit=NAME_TEXT, what="The name")
    cleaned["notes"] = clean_text(
        values.get("notes"), field="notes", limit=NOTES_MAX, what="The notes", required=False
    )
    service, provider = values.get("service"), values.get("provider")
    if kind == Agreement.Kind.SLA:
        if provider is not None:
            raise ActionError("An SLA is towards participants: it has no provider", field="provider")
        if service is not None and not isinstance(service, Service):
            raise ActionError("Choose a service from the catalogue", field="service")
    else:
        if service is not None:
            raise ActionError("An OLA is with a provider as a whole: it has no service", field="service")
        if not isinstance(provider, Organisation) or not provider.is_active or not provider.is_provider:
            raise ActionError("An OLA is with a provider organisation: choose one", field="provider")
    cleaned["service"], cleaned["provider"] = service, provider
    starts_on = _date(values.get("starts_on"), field="starts_on", required=True)
    ends_on = _date(values.get("ends_on"), field="ends_on", required=False)
    if ends_on is not None and starts_on is not None and ends_on < starts_on:
        raise ActionError("The agreement cannot end before it starts", field="ends_on")
    cleaned["starts_on"], cleaned["ends_on"] = starts_on, ends_on
    return cleaned


def _owner(agreement: Agreement) -> Organisation | None:
    if agreement.provider_id:
        return agreement.provider
    return agreement.service.provider if agreement.service_id else None


@action
def create_agreement(
    *,
    actor: Actor,
    kind: str,
    name: str,
    starts_on: dt.date,
    ends_on: dt.date | None = None,
    service: Service | None = None,
    provider: Organisation | None = None,
    notes: str = "",
    now: dt.datetime | None = None,
) -> Agreement:
    """A new SLA (``service`` or none: end to end) or OLA (``provider``), with no targets yet."""
    _refuse(actor)
    now = now or timezone.now()
    values = _clean_agreement(
        kind,
        {
            "name": name,
            "service": service,
            "provider": provider,
            "starts_on": starts_on,
            "ends_on": ends_on,
            "notes": notes,
        },
    )
    agreement = Agreement.objects.create(kind=kind, created_at=now, updated_at=now, **values)
    record(
        actor=actor,
        action="agreement.create",
        obj=agreement,
        owner=_owner(agreement),
        changes={"kind": [None, kind]} | {k: [None, _plain(v)] for k, v in values.items()},
    )
    return agreement


@action
def update_agreement(
    *, actor: Actor, agreement: Agreement, now: dt.datetime | None = None, **fields: Any
) -> Agreement:
    """Change the agreement's name, service (SLA), provider (OLA), dates or notes; its kind stays."""
    _refuse(actor)
    for name in fields:
        if name not in _UPDATABLE:
            raise ActionError(f"{name} cannot be changed", field=name)
    agreement = (
        Agreement.objects.select_for_update(of=("self",))
        .select_related("service", "provider")
        .get(pk=agreement.pk)
    )
    before = {name: getattr(agreement, name) for name in _UPDATABLE}
    values = _clean_agreement(agreement.kind, {**before, **fields})
    changes = {k: [_plain(before[k]), _plain(v)] for k, v in values.items() if before[k] != v}
    if not changes:
        raise ActionError("Nothing to change", field="name")
    for name, value in values.items():
        setattr(agreement, name, value)
    agreement.updated_at = now or timezone.now()
    agreement.save()
    record(actor=actor, action="agreement.update", obj=agreement, owner=_owner(agreement), changes=changes)
    return agreement


def _clean_value(kpi: str, value: Any) -> Decimal:
    if isinstance(value, bool) or value is None or value == "":
        raise ActionError("Give the target's value", field="value")
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ActionError("Give the target as a number", field="value") from None
    if not number.is_finite():
        raise ActionError("Give the target as a number", field="value")
    unit = kpis.get(kpi).unit
    top = Decimal(100) if unit == "percent" else MAX_VALUE
    if not Decimal(0) <= number <= top:
        what = "A percentage is" if unit == "percent" else f"A target in {unit} is"
        raise ActionError(f"{what} 0 to {top:,}", field="value")
    return number.quantize(PLACES)


def _clean_target(agreement: Agreement, kpi: Any, severity_code: Any) -> tuple[str, str]:
    if not isinstance(kpi, str) or kpi not in kpis.CODES:
        raise ActionError(f"Choose one of {', '.join(kpis.CODES)}", field="kpi")
    code = "" if severity_code is None else str(severity_code).strip()
    if code:
        if not kpis.get(kpi).by_severity:
            raise ActionError(f"{kpis.get(kpi).name} is not measured by severity", field="severity")
        if code not in severity_codes():
            raise ActionError(f"No severity {code[:20]!r} in the {SEVERITY_SCHEME}", field="severity")
    return kpi, code


@action
def add_target(
    *,
    actor: Actor,
    agreement: Agreement,
    kpi: str,
    value: Decimal | int | str,
    severity_code: str = "",
    now: dt.datetime | None = None,
) -> AgreementTarget:
    """A target for ``kpi`` (every severity, or one) on the agreement; one per KPI and severity (409)."""
    _refuse(actor)
    agreement = (
        Agreement.objects.select_for_update(of=("self",))
        .select_related("service", "provider")
        .get(pk=agreement.pk)
    )
    kpi, code = _clean_target(agreement, kpi, severity_code)
    number = _clean_value(kpi, value)
    if agreement.targets.filter(kpi=kpi, severity_code=code).exists():
        raise Conflict("The agreement already has that target: change it instead", field="kpi")
    target = AgreementTarget.objects.create(agreement=agreement, kpi=kpi, severity_code=code, value=number)
    agreement.updated_at = now or timezone.now()
    agreement.save(update_fields=["updated_at"])
    record(
        actor=actor,
        action="agreement.target_add",
        obj=agreement,
        owner=_owner(agreement),
        changes={f"target {target}": [None, number]},
    )
    return target


@action
def update_target(
    *, actor: Actor, target: AgreementTarget, value: Decimal | int | str, now: dt.datetime | None = None
) -> AgreementTarget:
    """Change a target's value."""
    _refuse(actor)
    target = AgreementTarget.objects.select_for_update(of=("self",)).get(pk=target.pk)
    agreement = Agreement.objects.select_related("service", "provider").get(pk=target.agreement_id)
    number = _clean_value(target.kpi, value)
    before = target.value
    target.value = number
    target.save(update_fields=["value"])
    agreement.updated_at = now or timezone.now()
    agreement.save(update_fields=["updated_at"])
    record(
        actor=actor,
        action="agreement.target_update",
        obj=agreement,
        owner=_owner(agreement),
        changes={f"target {target.kpi} {target.severity_code or 'all'}": [before, number]},
    )
    return target


@action
def remove_target(*, actor: Actor, target: AgreementTarget, now: dt.datetime | None = None) -> Agreement:
    """Remove a target from its agreement."""
    _refuse(actor)
    target = AgreementTarget.objects.select_for_update(of=("self",)).get(pk=target.pk)
    agreement = Agreement.objects.select_related("service", "provider").get(pk=target.agreement_id)
    label = f"target {target.kpi} {target.severity_code or 'all'}"
    before = target.value
    target.delete()
    agreement.updated_at = now or timezone.now()
    agreement.save(update_fields=["updated_at"])
    record(
        actor=actor,
        action="agreement.target_remove",
        obj=agreement,
        owner=_owner(agreement),
        changes={label: [before, None]},
    )
    return agreement

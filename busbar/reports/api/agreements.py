"""API: SLAs and OLAs (``/service-levels``) and their targets. Every signed-in person reads the SLAs; an
OLA only the desk and its provider (:func:`busbar.reports.queries.agreements_visible_to`; others a 404).
The desk creates and changes them (:func:`busbar.reports.permissions.can_manage_agreements`, 403 otherwise);
an agreement created with its targets is written whole or not at all."""

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Prefetch, Q, QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Query, Router, Status
from ninja.pagination import paginate

from busbar.lib.actions import ActionError, Actor, refuse
from busbar.lib.pagination import Page
from busbar.lib.schema import IdPath
from busbar.parties.models import Organisation
from busbar.parties.queries import scope_for
from busbar.reports import permissions, targets
from busbar.reports.actions import agreements as actions
from busbar.reports.api.kpis import service_of
from busbar.reports.api.schemas import (
    AgreementDetailFilters,
    AgreementDetailOut,
    AgreementFilters,
    AgreementIn,
    AgreementOut,
    AgreementPatchIn,
    AgreementTargetIn,
    AgreementTargetOut,
    AgreementTargetPatchIn,
)
from busbar.reports.models import Agreement, AgreementTarget
from busbar.reports.queries import agreements_visible_to

router = Router(tags=["Service levels"])


def _actor(request: HttpRequest) -> Actor:
    return Actor.from_request(request, channel="api")


def _may_manage(request: HttpRequest) -> None:
    """Refused (403) before the body's references are looked up, so a 422 never hints at what exists."""
    refuse(permissions.can_manage_agreements(scope_for(request.user)))


def _visible(request: HttpRequest) -> QuerySet[Agreement]:
    return agreements_visible_to(request.user).prefetch_related(
        Prefetch("targets", queryset=AgreementTarget.objects.order_by("kpi", "severity_code", "id"))
    )


def _provider(pk: int | None, *, field: str = "provider") -> Organisation | None:
    if pk is None:
        return None
    found = Organisation.objects.filter(pk=pk, is_active=True).prefetch_related("roles").first()
    if found is None:
        raise ActionError(f"No organisation {pk}", field=field)
    return found


def _detail(request: HttpRequest, pk: int, month: dt.date | None = None) -> Agreement:
    """The agreement with ``month`` and ``measured`` (each target against the month's figure) set on it."""
    agreement = get_object_or_404(_visible(request), pk=pk)
    agreement.month = month or timezone.localdate().replace(day=1)
    agreement.measured = [
        {
            "target": m.target.pk,
            "kpi": m.target.kpi,
            "severity": m.target.severity_code,
            "value": m.value,
            "count": m.count,
            "target_value": m.target.value,
            "met": m.met,
        }
        for m in targets.measure(agreement, agreement.month)
    ]
    return agreement


@router.get("/service-levels", response=list[AgreementOut], summary="SLAs and OLAs")
@paginate(Page)
def list_agreements(request: HttpRequest, filters: Query[AgreementFilters]) -> Any:
    qs = _visible(request)
    if filters.kind is not None:
        qs = qs.filter(kind=filters.kind)
    if filters.provider is not None:
        qs = qs.filter(provider_id=filters.provider)
    if filters.service is not None:
        qs = qs.filter(service=service_of(request, filters.service))
    if filters.in_force_on is not None:
        day = filters.in_force_on
        qs = qs.filter(Q(ends_on__isnull=True) | Q(ends_on__gte=day), starts_on__lte=day)
    return qs.order_by("kind", "name", "id")


@router.post("/service-levels", response={201: AgreementDetailOut}, summary="Add an SLA or OLA")
def create_agreement(request: HttpRequest, payload: AgreementIn) -> Status:
    _may_manage(request)
    service = service_of(request, payload.service)
    provider = _provider(payload.provider)
    actor = _actor(request)
    with transaction.atomic():
        agreement = actions.create_agreement(
            actor=actor,
            kind=payload.kind,
            name=payload.name,
            service=service,
            provider=provider,
            starts_on=payload.starts_on,
            ends_on=payload.ends_on,
            notes=payload.notes,
        )
        for index, target in enumerate(payload.targets):
            try:
                actions.add_target(
                    actor=actor,
                    agreement=agreement,
                    kpi=target.kpi,
                    severity_code=target.severity,
                    value=target.value,
                )
            except ActionError as exc:
                exc.field = f"targets[{index}].{_target_field(exc.field)}"
                raise
    return Status(201, _detail(request, agreement.pk))


def _target_field(field: str | None) -> str:
    return {"severity_code": "severity"}.get(field or "", field or "kpi")


@router.get("/service-levels/{agreement_id}", response=AgreementDetailOut, summary="One SLA or OLA, measured")
def get_agreement(request: HttpRequest, agreement_id: IdPath, filters: Query[AgreementDetailFilters]) -> Any:
    """The agreement, its targets and each target against the month's measured figure (default: this
    month)."""
    month = None
    if filters.month:
        year, number = filters.month.split("-")
        month = dt.date(int(year), int(number), 1)
    return _detail(request, agreement_id, month)


@router.patch("/service-levels/{agreement_id}", response=AgreementDetailOut, summary="Change an SLA or OLA")
def update_agreement(request: HttpRequest, agreement_id: IdPath, payload: AgreementPatchIn) -> Any:
    agreement = get_object_or_404(_visible(request), pk=agreement_id)
    _may_manage(request)
    fields = payload.dict(exclude_unset=True)
    for name in ("name", "starts_on"):
        if name in fields and fields[name] is None:
            raise ActionError(f"{name} cannot be null", field=name)
    if fields.get("notes", "") is None:
        fields["notes"] = ""
    if not fields:
        raise ActionError("Nothing to change", field="body")
    if "service" in fields:
        fields["service"] = service_of(request, fields["service"])
    if "provider" in fields:
        fields["provider"] = _provider(fields["provider"])
    actions.update_agreement(actor=_actor(request), agreement=agreement, **fields)
    return _detail(request, agreement.pk)


@router.post(
    "/service-levels/{agreement_id}/targets", response={201: AgreementTargetOut}, summary="Add a target"
)
def add_agreement_target(request: HttpRequest, agreement_id: IdPath, payload: AgreementTargetIn) -> Status:
    agreement = get_object_or_404(_visible(request), pk=agreement_id)
    _may_manage(request)
    try:
        target = actions.add_target(
            actor=_actor(request),
            agreement=agreement,
            kpi=payload.kpi,
            severity_code=payload.severity,
            value=payload.value,
        )
    except ActionError as exc:
        exc.field = _target_field(exc.field)
        raise
    return Status(201, target)


def _target(request: HttpRequest, agreement_id: int, target_id: int) -> AgreementTarget:
    agreement = get_object_or_404(_visible(request), pk=agreement_id)
    return get_object_or_404(AgreementTarget.objects.filter(agreement=agreement), pk=target_id)


@router.patch(
    "/service-levels/{agreement_id}/targets/{target_id}",
    response=AgreementTargetOut,
    summary="Change a target's value",
)
def update_agreement_target(
    request: HttpRequest, agreement_id: IdPath, target_id: IdPath, payload: AgreementTargetPatchIn
) -> Any:
    target = _target(request, agreement_id, target_id)
    _may_manage(request)
    return actions.update_target(actor=_actor(request), target=target, value=payload.value)


@router.delete(
    "/service-levels/{agreement_id}/targets/{target_id}", response={204: None}, summary="Remove a target"
)
def remove_agreement_target(request: HttpRequest, agreement_id: IdPath, target_id: IdPath) -> Status:
    target = _target(request, agreement_id, target_id)
    _may_manage(request)
    actions.remove_target(actor=_actor(request), target=target)
    return Status(204, None)

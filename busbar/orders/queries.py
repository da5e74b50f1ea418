"""Who sees forecasts, orders and returns (RQ-29): each supplier only its own; DCC (every member of an
organisation holding the DCC role) and the service desk see all; nobody else sees any (404)."""

from __future__ import annotations

from django.db.models import Exists, Q, QuerySet

from busbar.parties.queries import scope_for


def dcc_ids() -> frozenset[int]:
    """The organisations holding the DCC role (one query; callers keep it for the request)."""
    from busbar.parties.models import IndustryRole, OrganisationRole

    return frozenset(
        OrganisationRole.objects.filter(role=IndustryRole.DCC_DSP).values_list("organisation_id", flat=True)
    )


def sees_all(scope) -> bool:
    """The desk, and DCC's people, see every supplier's forecasts, orders and returns."""
    if scope.is_desk:
        return True
    cached = getattr(scope, "_oms_dcc", None)
    if cached is None:
        cached = bool(scope.organisation_ids & dcc_ids())
        object.__setattr__(scope, "_oms_dcc", cached)
    return cached


def _own(qs: QuerySet, user) -> QuerySet:
    """A supplier's own rows, or every row for DCC's people: decided inside the statement (an uncorrelated
    EXISTS on the viewer's organisations' roles), so building the queryset costs no query — the kernel
    builds every type's ``visible_to`` when it shows a record's links."""
    if user is None or not user.is_authenticated:
        return qs.none()
    scope = scope_for(user)
    if scope.is_desk:
        return qs
    from busbar.parties.models import IndustryRole, OrganisationRole

    of_dcc = Exists(
        OrganisationRole.objects.filter(
            role=IndustryRole.DCC_DSP, organisation_id__in=sorted(scope.organisation_ids)
        )
    )
    return qs.filter(Q(supplier_id__in=scope.organisation_ids) | Q(of_dcc))


def orders_visible_to(user) -> QuerySet:
    from busbar.orders.models import HubOrder

    return _own(HubOrder.objects.select_related("record", "supplier", "variant"), user)


def returns_visible_to(user) -> QuerySet:
    from busbar.orders.models import HubReturn

    return _own(HubReturn.objects.select_related("record", "supplier"), user)


def hubs_visible_to(user) -> QuerySet:
    from busbar.orders.models import ReturnedHub

    return _own(ReturnedHub.objects.select_related("variant", "fault"), user)


def forecasts_visible_to(user) -> QuerySet:
    from busbar.orders.models import Forecast

    return _own(Forecast.objects.select_related("supplier", "variant"), user)


def submissions_visible_to(user) -> QuerySet:
    from busbar.orders.models import ForecastSubmission

    return _own(ForecastSubmission.objects.select_related("supplier", "submitted_by"), user)


def works_on(user, record) -> bool:
    """Who reads internal notes and works an order or return: the desk and DCC."""
    if user is None or not user.is_authenticated:
        return False
    return sees_all(scope_for(user))


def shows_oms(scope) -> bool:
    """The navigation entry: the desk, DCC, and organisations holding the energy-supplier role."""
    if sees_all(scope):
        return True
    from busbar.parties.models import IndustryRole, OrganisationRole

    cached = getattr(scope, "_oms_supplier", None)
    if cached is None:
        cached = OrganisationRole.objects.filter(
            organisation_id__in=scope.organisation_ids, role=IndustryRole.ENERGY_SUPPLIER
        ).exists()
        object.__setattr__(scope, "_oms_supplier", cached)
    return cached


TIMELINE = {
    "link_actions": frozenset({"hub_order.place", "hub_return.raise"}),
    "private_actions": frozenset({"hub_order.note", "hub_return.note"}),
    "private_changes": frozenset(),
    "public_notes": frozenset(),
}

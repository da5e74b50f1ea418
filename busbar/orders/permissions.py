"""Who may do what with hub forecasts, orders and returns: the only place these rules live (RQ-24…RQ-29).

* **A supplier** (any member of an organisation holding the energy-supplier role) submits its own
  forecasts, places and cancels its own orders until they are dispatched, raises returns of its hubs
  and cancels a return before collection. It sees only its own (``queries``).
* **DCC** (resolvers of an organisation holding the DCC role) confirms and dispatches orders, records
  deliveries (short shipments: the balance redelivered or cancelled), and moves returns through
  collected → received → tested (recording each hub's outcome) → credited / rejected. DCC and the desk
  keep the ordering rules, variants and fault codes.
* **The service desk** sees everything and may act as DCC when DCC asks it to (an operational fallback),
  and keeps the rules too.

``can_<verb>(scope, …)`` answers None (allowed) or the reason.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from busbar.parties.queries import Scope


def is_dcc(scope: Scope) -> bool:
    """A resolver of an organisation holding the DCC role."""
    from busbar.orders.queries import dcc_ids

    return bool(scope.resolver_for & dcc_ids())


def _supplier_member(scope: Scope, supplier: Any) -> bool:
    return supplier.pk in scope.organisation_ids


def is_supplier(organisation: Any) -> bool:
    from busbar.parties.models import IndustryRole

    return organisation.roles.filter(role=IndustryRole.ENERGY_SUPPLIER).exists()


def can_forecast(scope: Scope, supplier: Any) -> str | None:
    if not _supplier_member(scope, supplier):
        return "You can only submit forecasts for your own organisation"
    if not is_supplier(supplier):
        return f"{supplier} is not an energy supplier"
    return None


def can_order(scope: Scope, supplier: Any) -> str | None:
    if not _supplier_member(scope, supplier):
        return "You can only order hubs for your own organisation"
    if not is_supplier(supplier):
        return f"{supplier} is not an energy supplier"
    return None


def can_cancel_order(scope: Scope, order: Any) -> str | None:
    if order.status not in ("submitted", "confirmed"):
        return "An order is cancelled only before it is dispatched"
    if order.supplier_id in scope.organisation_ids or is_dcc(scope) or scope.is_desk:
        return None
    return "Only the supplier or DCC cancels an order"


def can_fulfil_order(scope: Scope, order: Any) -> str | None:
    """Confirm, dispatch, record a delivery, resolve a short shipment, close."""
    if is_dcc(scope) or scope.is_desk:
        return None
    return "Only DCC confirms, dispatches and delivers orders"


def can_return(scope: Scope, supplier: Any) -> str | None:
    if not _supplier_member(scope, supplier):
        return "You can only return hubs for your own organisation"
    if not is_supplier(supplier):
        return f"{supplier} is not an energy supplier"
    return None


def can_cancel_return(scope: Scope, hub_return: Any) -> str | None:
    if hub_return.status != "requested":
        return "A return is cancelled only before it is collected"
    if hub_return.supplier_id in scope.organisation_ids or is_dcc(scope) or scope.is_desk:
        return None
    return "Only the supplier or DCC cancels a return"


def can_process_return(scope: Scope, hub_return: Any) -> str | None:
    """Collect, receive, record test outcomes, credit or reject."""
    if is_dcc(scope) or scope.is_desk:
        return None
    return "Only DCC processes returns"


def can_manage_rules(scope: Scope) -> str | None:
    if is_dcc(scope) or scope.is_desk:
        return None
    return "Only DCC and the service desk keep the ordering rules, variants and fault codes"

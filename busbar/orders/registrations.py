"""What hub orders and returns add to the kernel, the shared pages and the API (called from ``ready``)."""

from __future__ import annotations


def _settings():
    from busbar.orders.models import OmsSettings

    return OmsSettings.objects.select_related("order_sla_policy", "return_sla_policy").first()


def order_sla_basis(order) -> tuple:
    s = _settings()
    return (s.order_sla_policy, s.order_priority) if s else (None, "")


def return_sla_basis(hub_return) -> tuple:
    s = _settings()
    return (s.return_sla_policy, s.return_priority) if s else (None, "")


def register_all() -> None:
    from busbar.lib.registry import api_router, demo_loader, nav_entry, notification_kind, timeline_only
    from busbar.orders import queries
    from busbar.orders.api import router
    from busbar.records.registry import RecordType, register

    register(
        RecordType(
            kind="hub_order",
            prefix="ORD",
            label="Hub order",
            model="orders.HubOrder",
            visible_to=queries.orders_visible_to,
            works_on=queries.works_on,
            url_name="hub_order_detail",
            sla_basis=order_sla_basis,
            timeline_rules=queries.TIMELINE,
        )
    )
    register(
        RecordType(
            kind="hub_return",
            prefix="RTN",
            label="Hub return",
            model="orders.HubReturn",
            visible_to=queries.returns_visible_to,
            works_on=queries.works_on,
            url_name="hub_return_detail",
            sla_basis=return_sla_basis,
            timeline_rules=queries.TIMELINE,
        )
    )
    # Offered to everyone in an organisation: whether it holds the supplier or DCC role would cost a query on
    # every page. The page tells those it is not for so (queries.shows_oms decides, and guards every page).
    nav_entry("Hub orders", "oms_home", order=14, show=lambda scope: bool(scope.organisation_ids))
    api_router("orders", router, order=68)
    demo_loader("busbar.orders.demo:load", order=84)
    timeline_only("orders", "huborder")
    timeline_only("orders", "hubreturn")
    notification_kind("hub_order", "Progress of hub orders (placed, confirmed, dispatched, delivered, short)")
    notification_kind("hub_return.new", "New hub returns to collect (DCC)")
    notification_kind("hub_return.update", "Progress of hub returns I raised or watch")

"""What demand management adds to the kernel, the shared pages and the API (called from ``ready``)."""

from __future__ import annotations


def register_all() -> None:
    from busbar.demand import queries
    from busbar.demand.api import router
    from busbar.lib.registry import api_router, demo_loader, nav_entry, notification_kind, timeline_only
    from busbar.records.registry import RecordType, register

    register(
        RecordType(
            kind="demand_notice",
            prefix="DMN",
            label="Demand notice",
            model="demand.DemandNotice",
            visible_to=queries.visible_to,
            works_on=queries.works_on,
            url_name="demand_detail",
            timeline_rules=queries.TIMELINE,
        )
    )
    nav_entry("Demand", "demand_list", order=13, group="desk")
    api_router("demand", router, order=67)
    demo_loader("busbar.demand.demo:load", order=82)
    timeline_only("demand", "demandnotice")
    notification_kind("demand.bulletin", "Demand bulletins about my services (providers)")
    notification_kind("demand.update", "Updates to demand notices my organisation filed")
    notification_kind("demand.alert", "Demand notices above tolerance and filers' responses (service desk)")

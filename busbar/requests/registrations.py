"""What service requests add to the kernel, the shared pages and the API (called from ``ready``)."""

from __future__ import annotations


def sla_basis(request) -> tuple:
    """What measures a request's clocks: its item's SLA policy at the item's priority (None: no clocks)."""
    return request.item.sla_policy, request.priority or request.item.priority


def register_all() -> None:
    from busbar.lib.registry import api_router, demo_loader, nav_entry, notification_kind, timeline_only
    from busbar.lib.taskcontext import periodic
    from busbar.records.registry import RecordType, register
    from busbar.requests import queries, tasks
    from busbar.requests.api import router

    register(
        RecordType(
            kind="request",
            prefix="REQ",
            label="Request",
            model="requests.Request",
            visible_to=queries.visible_to,
            works_on=queries.works_on,
            url_name="request_detail",
            sla_basis=sla_basis,
            timeline_rules=queries.TIMELINE,
            email_replies=True,
        )
    )
    nav_entry("Requests", "request_list", order=12)
    api_router("requests", router, order=66)
    demo_loader("busbar.requests.demo:load", order=80)
    timeline_only("requests", "request")
    for task in tasks.PERIODIC:
        periodic(task)
    notification_kind("request.update", "Updates to requests I raised or work on")
    notification_kind("request.approval", "Requests waiting for my approval")

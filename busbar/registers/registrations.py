"""What the registers add to the kernel, the shared pages and the API (called from
``RegistersConfig.ready``)."""

from __future__ import annotations


def _works(scope) -> bool:
    return scope.is_desk or scope.is_resolver


def register_all() -> None:
    from busbar.lib.registry import api_router, demo_loader, nav_entry, timeline_only
    from busbar.records.registry import RecordType, register
    from busbar.registers import queries
    from busbar.registers.api import router

    register(
        RecordType(
            kind="risk",
            prefix="RSK",
            label="Risk",
            model="registers.Risk",
            visible_to=queries.risks_visible_to,
            works_on=queries.works_on,
            url_name="risk_detail",
            timeline_rules=queries.TIMELINE,
        )
    )
    register(
        RecordType(
            kind="improvement",
            prefix="CSI",
            label="Improvement",
            model="registers.Improvement",
            visible_to=queries.improvements_visible_to,
            works_on=queries.works_on,
            url_name="improvement_detail",
            timeline_rules=queries.TIMELINE,
        )
    )
    nav_entry("Risks", "risk_list", order=42, show=_works, group="levels")
    nav_entry("Improvements", "improvement_list", order=43, show=_works, group="levels")
    nav_entry("Service reviews", "service_review_list", order=44, show=_works, group="levels")
    api_router("registers", router, order=71)
    demo_loader("busbar.registers.demo:load", order=75)
    timeline_only("registers", "risk")
    timeline_only("registers", "improvement")

"""What the reports app adds to the shared pages, the API and the worker (called from
``ReportsConfig.ready``)."""

from __future__ import annotations


def _signed_in(scope) -> bool:
    return scope.is_authenticated


def _returns(scope) -> bool:
    return scope.is_desk or scope.is_resolver


def register_all() -> None:
    from busbar.incidents.listeners import incident_listener
    from busbar.lib.registry import api_router, demo_loader, nav_entry, notification_kind
    from busbar.lib.taskcontext import periodic
    from busbar.reports.api import router
    from busbar.reports.tasks import facts as fact_tasks
    from busbar.reports.tasks import monthly as monthly_tasks
    from busbar.reports.tasks import returns as return_tasks

    nav_entry("KPIs", "kpi_overview", order=40, show=_signed_in, group="levels")
    nav_entry("Service reports", "service_report_list", order=41, show=_signed_in, group="levels")
    nav_entry("KPI returns", "kpi_return_list", order=45, show=_returns, group="levels")
    api_router("reports", router, order=70)
    demo_loader("busbar.reports.demo:load", order=80)
    incident_listener("reports", fact_tasks.on_incident_changed)
    for task in (*fact_tasks.PERIODIC, *monthly_tasks.PERIODIC, *return_tasks.PERIODIC):
        periodic(task)
    notification_kind("kpi_returns", "KPI returns due and late (providers)")
    notification_kind("service_reports", "Monthly service reports published (the ones I subscribe to)")

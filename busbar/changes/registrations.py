"""What the change app adds to the shared pages, the API, the status board and the service pages
(called from ``ChangesConfig.ready``)."""

from __future__ import annotations


def register_all() -> None:
    from busbar.changes import home, status_impacts, tasks
    from busbar.changes.api import router
    from busbar.changes.availability_panel import service_context
    from busbar.changes.status_listener import on_status_changed
    from busbar.lib.registry import (
        api_router,
        demo_loader,
        home_panel,
        nav_entry,
        notification_kind,
        timeline_only,
    )
    from busbar.lib.taskcontext import periodic
    from busbar.services.listeners import status_listener
    from busbar.services.panels import board_panel, service_panel
    from busbar.services.status import impact_source

    nav_entry("Changes", "change_list", order=25, group="change")
    nav_entry("Schedule of change", "fsc", order=26, group="change")
    api_router("changes", router, order=63)
    demo_loader("busbar.changes.demo:load", order=60)
    timeline_only("changes", "changenotification")
    impact_source("changes", status_impacts.planned_maintenance)
    status_listener("changes", on_status_changed)
    periodic(tasks.check_overruns)
    board_panel(
        "changes",
        template="changes/schedule/_status_board_panel.html",
        context=status_impacts.board_context,
        order=40,
    )
    service_panel(
        "availability", template="changes/_availability_panel.html", context=service_context, order=40
    )
    home_panel(
        "changes_upcoming",
        kinds={"desk", "provider", "participant"},
        template="changes/_home_upcoming.html",
        context=home.upcoming,
        order=45,
    )
    notification_kind(
        "change.bulletin",
        "Bulletins about the services I subscribe to (planned outages, starts, completions, overruns)",
    )
    notification_kind("change.consultation", "Requests to assess the impact of a change")
    notification_kind("change.decision", "CCG decisions on my organisation's Change Notifications")
